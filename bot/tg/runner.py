"""Starts the Telegram bot: configuration checks first, then polling or the webhook server."""

from __future__ import annotations

import asyncio
import logging
import os
import sys
from collections.abc import Mapping

from bot.config import Config, ConfigError
from bot.core.holder import AssistantHolder
from bot.core.problems import KnowledgeError
from bot.storage import StorageConfigError, load_or_create_key
from bot.tg.application import allowed_updates, build_application
from bot.tg.context import Services
from bot.tg.logsetup import configure_logging

logger = logging.getLogger(__name__)
EXIT_CONFIG = 2
EXIT_KNOWLEDGE = 1


def prepare(env: Mapping[str, str]) -> Services:
    """Check configuration, data folder, key and knowledge; raise ConfigError or KnowledgeError."""
    # python-telegram-bot 22 warns about int retry_after unless timedeltas are switched on.
    os.environ.setdefault("PTB_TIMEDELTA", "true")
    config = Config.from_env(env, need_token=True)
    try:
        config.data_dir.mkdir(parents=True, exist_ok=True)
        config.database.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(
            f"BOT_DATA_DIR {str(config.data_dir)!r} cannot be created: {exc.strerror}"
        ) from None
    if not os.access(config.data_dir, os.W_OK | os.X_OK):
        raise ConfigError(f"BOT_DATA_DIR {str(config.data_dir)!r} is not writable for this user")
    try:
        key = load_or_create_key(config.data_dir, config.hmac_key)
    except StorageConfigError as exc:
        raise ConfigError(str(exc)) from None
    holder = AssistantHolder.load(
        config.knowledge_dir, config.intents_dir, config.assistant_settings()
    )
    return Services(config=config, holder=holder, hmac_key=key)


def run(env: Mapping[str, str]) -> int:
    """Run the bot until stopped (SIGINT/SIGTERM); return the process exit code."""
    try:
        services = prepare(env)
    except ConfigError as exc:
        sys.stderr.write(f"configuration error: {exc}\n")
        return EXIT_CONFIG
    except KnowledgeError as exc:
        sys.stderr.write("The knowledge files have errors (run `python -m bot validate`):\n")
        sys.stderr.write("\n".join(str(p) for p in exc.problems if p.severity == "error") + "\n")
        return EXIT_KNOWLEDGE
    config = services.config
    configure_logging(config.log_level, [config.token or ""])
    app = build_application(services)
    if config.webhook_url:
        # Imported only in webhook mode: aiohttp's server costs memory that polling never needs.
        from bot.tg.webhook import run_webhook

        asyncio.run(run_webhook(app, config))
    else:
        logger.info("starting long polling")
        app.run_polling(allowed_updates=allowed_updates())
    return 0
