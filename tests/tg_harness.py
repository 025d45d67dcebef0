"""Runs the real bot Application against the local Bot API stand-in, as run_polling would."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from pathlib import Path

from telegram.error import TelegramError

from bot.tg.application import BotApplication, build_application, running
from bot.tg.context import Services
from bot.tg.runner import prepare
from tests.botapi_stub import BotApiStub
from tests.conftest import INTENTS, KNOWLEDGE

TOKEN = "123456789:AAtest-token-for-the-local-stand-in_xyz"
ADMIN_ID = 999


def bot_env(stub: BotApiStub, data_dir: Path, **extra: str) -> dict[str, str]:
    """Environment for a bot talking to the stand-in, with its data in data_dir."""
    env = {
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_BASE_URL": stub.base_url,
        "BOT_DATA_DIR": str(data_dir),
        "BOT_KNOWLEDGE_DIR": str(KNOWLEDGE),
        "BOT_INTENTS_DIR": str(INTENTS),
        "BOT_ADMIN_IDS": str(ADMIN_ID),
        # Per-chat fairness off: many tests send several messages to one chat at once.
        # tests/test_fairness.py runs the production values.
        "BOT_CHAT_BURST": "1000000",
        "BOT_REPLY_INTERVAL_SECONDS": "0",
    }
    env.update(extra)
    return env


@asynccontextmanager
async def running_bot(env: Mapping[str, str]) -> AsyncIterator[tuple[BotApplication, Services]]:
    """Start the Application with polling; stop it the way run_polling does."""
    os.environ.setdefault("PTB_TIMEDELTA", "true")
    services = prepare(env)
    app = build_application(services)
    async with running(app):
        if app.updater is not None:  # webhook mode has none: its server fills the queue

            def to_error_handler(exc: TelegramError) -> None:
                # As run_polling does: errors while polling reach the error handler.
                app.create_task(app.process_error(None, exc))

            await app.updater.start_polling(
                poll_interval=0.0, timeout=1, error_callback=to_error_handler
            )
        yield app, services
