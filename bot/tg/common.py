"""Small helpers shared by the callbacks: who is asking, in which language, and replying."""

from __future__ import annotations

import logging
from collections.abc import Coroutine
from typing import Any

from telegram import InlineKeyboardMarkup, Update

from bot.core.model import DEFAULT_LANG, Lang, Reply
from bot.storage import QuestionKind
from bot.tg.context import BotContext
from bot.tg.delivery import send_html, send_parts
from bot.tg.render import escape, reply_html, reply_keyboard

logger = logging.getLogger(__name__)
# Names of tasks started off the answer path (tests wait for them by this prefix).
BACKGROUND = "background: "


def in_background(context: BotContext, work: Coroutine[Any, Any, None], what: str) -> None:
    """Run work without holding up the reply; PTB awaits it when the application stops."""

    async def logged() -> None:
        try:
            await work
        except Exception as exc:  # a failed log write or typing indicator must never reach the user
            logger.error("%s failed: %s", what, type(exc.__cause__ or exc).__name__)

    context.application.create_task(logged(), name=BACKGROUND + what)


def log_reply(
    context: BotContext,
    key: str | None,
    reply: Reply,
    text: str | None,
    kind: QuestionKind | None = None,
) -> None:
    """Write the question-log row for a reply in the background, off the answer path."""
    services = context.services
    record = services.question_record(key, reply, text, kind)
    in_background(context, services.store_or_fail().log_question(record), "logging a question")


async def user_language(update: Update, context: BotContext, hint: Lang | None = None) -> Lang:
    """Return the user's saved language, else the hint, else Telegram's, else German."""
    user = update.effective_user
    if user is None:
        return hint or DEFAULT_LANG
    saved = await context.services.saved_language(context.services.user_key(user.id))
    assistant = context.services.assistant
    return (
        assistant.supported(saved)
        or hint
        or assistant.supported(user.language_code)
        or DEFAULT_LANG
    )


def user_key_of(update: Update, context: BotContext) -> str | None:
    """Return the keyed hash of the user behind an update (None for channel posts)."""
    user = update.effective_user
    return context.services.user_key(user.id) if user else None


async def send_reply(update: Update, context: BotContext, reply: Reply) -> int | None:
    """Send a reply with its buttons to the update's chat; return the last message's id."""
    chat = update.effective_chat
    if chat is None:
        return None
    parts = reply_html(reply)
    keyboard = reply_keyboard(reply, context.services.assistant.kb)
    sent = await send_parts(context.bot, chat.id, parts, keyboard)
    return sent.message_id if sent else None


async def send_text(
    update: Update, context: BotContext, text: str, keyboard: InlineKeyboardMarkup | None = None
) -> None:
    """Send plain text (escaped for HTML) to the update's chat."""
    if update.effective_chat:
        await send_html(context.bot, update.effective_chat.id, escape(text), keyboard)
