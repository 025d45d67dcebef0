"""Admin commands (/reload, /stats) and the error handler."""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime, timedelta

from telegram import Update
from telegram.error import Conflict

from bot.tg.commands import unknown_command
from bot.tg.common import send_text, user_language
from bot.tg.context import BotContext, Services
from bot.tg.reloading import reload_knowledge

logger = logging.getLogger(__name__)


def is_admin(update: Update, context: BotContext) -> bool:
    """Tell whether the user is in BOT_ADMIN_IDS (an empty list means nobody is)."""
    user = update.effective_user
    return user is not None and user.id in context.services.config.admin_ids


async def reload(update: Update, context: BotContext) -> None:
    """Re-read knowledge and intents; a broken file keeps the last good knowledge answering."""
    if not is_admin(update, context):
        await unknown_command(update, context)
        return
    text = await reload_knowledge(context.services, await user_language(update, context))
    await send_text(update, context, text)


async def stats(update: Update, context: BotContext) -> None:
    """Show questions, answer rate, fallbacks and votes of the last 7 days."""
    if not is_admin(update, context):
        await unknown_command(update, context)
        return
    lang = await user_language(update, context)
    store = context.services.store
    if store is None:
        return
    figures = await store.stats(datetime.now(UTC) - timedelta(days=7))
    rate = "–" if figures.answer_rate is None else f"{figures.answer_rate:.0%}"
    text = context.services.assistant.kb.message(
        "stats",
        lang,
        questions=str(figures.questions),
        answered=str(figures.answered),
        rate=rate,
        suggestions=str(figures.suggestions),
        fallbacks=str(figures.fallbacks),
        none_of_these=str(figures.none_of_these),
        up=str(figures.votes_up),
        down=str(figures.votes_down),
    )
    await send_text(update, context, text)


# A second process polling with the same token makes Telegram answer 409 Conflict on every
# poll; one clear line per this many seconds says so instead of one error per retry.
CONFLICT_LOG_SECONDS = 600.0


async def on_error(update: object, context: BotContext) -> None:
    """Log the exception type and update id only (no text, no names); tell the user."""
    error = context.error
    if isinstance(error, Conflict):
        _log_conflict(context.services)
        return
    if update is None:
        # From polling itself (no update): python-telegram-bot retries with a growing pause.
        logger.warning("polling for updates failed (%s); retrying", type(error).__name__)
        return
    update_id = update.update_id if isinstance(update, Update) else None
    logger.error("error while handling update %s: %s", update_id, type(error).__name__)
    if (
        isinstance(update, Update)
        and update.effective_chat
        and update.effective_chat.type == "private"
    ):
        try:
            lang = await user_language(update, context)
            await send_text(update, context, context.services.assistant.kb.message("error", lang))
        except Exception as exc:  # the error path itself must never raise
            logger.error("telling the user about an error failed: %s", type(exc).__name__)


def _log_conflict(services: Services) -> None:
    """Say once (then every CONFLICT_LOG_SECONDS) that another process polls with this token."""
    now = time.monotonic()
    last = services.conflict_logged_at
    if last is not None and now - last < CONFLICT_LOG_SECONDS:
        logger.debug("Telegram answered 409 Conflict again")
        return
    services.conflict_logged_at = now
    logger.warning(
        "another bot process is polling with the same token (Telegram answers 409 Conflict): "
        "stop the other one; replicas need webhook mode (see README, Operations)"
    )
