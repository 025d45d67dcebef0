"""Reloading knowledge on /reload and on file changes, and telling the admins how it went."""

from __future__ import annotations

import asyncio
import logging

from telegram import Bot
from telegram.error import TelegramError
from watchfiles import awatch

from bot.core.model import Lang
from bot.core.problems import KnowledgeError
from bot.tg.context import Services
from bot.tg.render import escape

logger = logging.getLogger(__name__)
MAX_PROBLEMS_SHOWN = 15
# Editors save in bursts (temp file, rename, backup); wait for the burst to settle.
DEBOUNCE_MS = 400


async def reload_knowledge(services: Services, lang: Lang) -> str:
    """Reload the data folders and return the message for admins (success or problems)."""
    kb = services.assistant.kb
    try:
        result = await services.holder.reload()
    except KnowledgeError as exc:
        errors = [str(p) for p in exc.problems if p.severity == "error"]
        logger.warning("reload refused: %d problem(s) in the knowledge files", len(errors))
        lines = [kb.message("reload_failed", lang), *errors[:MAX_PROBLEMS_SHOWN]]
        if len(errors) > MAX_PROBLEMS_SHOWN:
            lines.append(f"… (+{len(errors) - MAX_PROBLEMS_SHOWN})")
        return "\n".join(lines)
    logger.info("knowledge reloaded: %d entries, %d intents", result.entries, result.intents)
    return services.assistant.kb.message(
        "reload_ok",
        lang,
        entries=str(result.entries),
        intents=str(result.intents),
        warnings=str(len(result.warnings)),
    )


async def tell_admins(bot: Bot, services: Services, text: str) -> None:
    """Send a message to every admin; one who never started the bot is skipped."""
    for admin_id in sorted(services.config.admin_ids):
        try:
            await bot.send_message(admin_id, escape(text), parse_mode="HTML")
        except TelegramError as exc:
            logger.warning("telling an admin about a reload failed: %s", type(exc).__name__)


async def watch_knowledge(bot: Bot, services: Services, stop: asyncio.Event) -> None:
    """Reload whenever a YAML file in knowledge/ or intents/ changes, until stop is set."""
    folders = [services.config.knowledge_dir, services.config.intents_dir]
    try:
        async for changes in awatch(
            *folders, stop_event=stop, debounce=DEBOUNCE_MS, recursive=False
        ):
            if not any(path.endswith((".yaml", ".yml")) for _change, path in changes):
                continue
            message = await reload_knowledge(services, "de")
            await tell_admins(bot, services, message)
    except Exception as exc:  # a broken watcher must not take the bot down; /reload still works
        logger.error("watching the knowledge folders stopped: %s", type(exc).__name__)
