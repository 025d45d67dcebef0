# Small production image: slim Python, non-root user, data in a volume, token only from the env.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    BOT_DATA_DIR=/data

WORKDIR /app
COPY pyproject.toml README.md LICENSE ./
COPY bot ./bot
RUN pip install --no-cache-dir .
COPY knowledge ./knowledge
COPY intents ./intents
COPY run_bot.py ./

RUN useradd --system --uid 10001 --home-dir /app bot \
    && mkdir -p /data && chown bot /data
USER bot
VOLUME ["/data"]

# Healthy while configuration, data folder, knowledge and database pass and (with the token
# from the environment) Telegram's getMe answers: `python -m bot check`, one line per check.
HEALTHCHECK --interval=60s --timeout=20s --start-period=30s --retries=3 \
    CMD ["python", "-m", "bot", "check"]

# TELEGRAM_BOT_TOKEN must be given at run time: docker run -e TELEGRAM_BOT_TOKEN=... -v botdata:/data image
CMD ["python", "run_bot.py"]
