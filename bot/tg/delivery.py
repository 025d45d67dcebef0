"""Sending replies: HTML with a plain-text retry, blocked users skipped, optional calls optional."""

from __future__ import annotations

import html
import logging
import re

from telegram import Bot, InlineKeyboardMarkup, Message
from telegram.constants import ChatAction, ParseMode
from telegram.error import BadRequest, Forbidden, TelegramError

from bot.tg.fairness import CONTINUATION

logger = logging.getLogger(__name__)
_TAG = re.compile(r"<[^>]+>")


async def send_parts(
    bot: Bot, chat_id: int, parts: list[str], keyboard: InlineKeyboardMarkup | None = None
) -> Message | None:
    """Send HTML parts in order, the keyboard under the last; return the last message sent."""
    last: Message | None = None
    for index, part in enumerate(parts):
        markup = keyboard if index == len(parts) - 1 else None
        # The later parts belong to the same reply: the per-chat pace does not space them.
        token = CONTINUATION.set(index > 0)
        try:
            last = await send_html(bot, chat_id, part, markup)
        finally:
            CONTINUATION.reset(token)
        if last is None:
            return None
    return last


async def send_html(
    bot: Bot, chat_id: int, text: str, keyboard: InlineKeyboardMarkup | None = None
) -> Message | None:
    """Send one HTML message; resend as plain text once if Telegram cannot parse it."""
    try:
        return await bot.send_message(
            chat_id, text, parse_mode=ParseMode.HTML, reply_markup=keyboard
        )
    except Forbidden:
        logger.info("a user blocked the bot; reply skipped")
        return None
    except BadRequest as exc:
        if "parse" not in str(exc).lower() and "entit" not in str(exc).lower():
            raise
        logger.warning("Telegram could not parse a reply as HTML; sending it as plain text")
        plain = html.unescape(_TAG.sub("", text))
        token = CONTINUATION.set(True)  # it stands in for the refused message: no new slot
        try:
            return await bot.send_message(chat_id, plain, reply_markup=keyboard)
        finally:
            CONTINUATION.reset(token)


async def show_typing(bot: Bot, chat_id: int) -> None:
    """Show "typing…"; a failure is logged and never stops the answer."""
    try:
        await bot.send_chat_action(chat_id, ChatAction.TYPING)
    except TelegramError as exc:
        logger.warning("typing indicator failed: %s", type(exc).__name__)
