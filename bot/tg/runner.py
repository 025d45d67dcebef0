"""Starts the Telegram bot: configuration checks first, then polling or the webhook server."""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Mapping

from bot.config import Config, ConfigError
from bot.core.holder import AssistantHolder
from bot.storage import StorageConfigError, load_or_create_key
from bot.tg.application import allowed_updates, build_application
from bot.tg.context import Services
from bot.tg.logsetup import configure_logging

logger = logging.getLogger(__name__)


def prepare(env: Mapping[str, str]) -> Services:
    """Check configuration, data folder, key and knowledge; raise ConfigError or KnowledgeError."""
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
    holder = AssistantHolder.load(config.knowledge_dir, config.intents_dir, config.deployment())
    return Services(config=config, holder=holder, hmac_key=key)


def run(env: Mapping[str, str]) -> None:
    """Run the bot until stopped (SIGINT/SIGTERM); raises ConfigError or KnowledgeError."""
    services = prepare(env)
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
