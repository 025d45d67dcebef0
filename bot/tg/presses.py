"""Callback-query handling: suggestions, related questions, votes, language, menu, delete."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from telegram import CallbackQuery, InlineKeyboardMarkup, Update
from telegram.error import TelegramError

from bot.core.model import Lang
from bot.storage import StorageError
from bot.tg.buttons import Button, ButtonKind, decode
from bot.tg.commands import privacy_text, send_contracts
from bot.tg.common import (
    in_background,
    log_reply,
    send_reply,
    send_text,
    user_key_of,
    user_language,
)
from bot.tg.context import BotContext
from bot.tg.render import escape, language_rows

logger = logging.getLogger(__name__)


async def on_button(update: Update, context: BotContext) -> None:
    """Handle one button press; every press is answered, forged or not."""
    query = update.callback_query
    if query is None:
        return
    notice: str | None = None
    try:
        lang = await user_language(update, context)
        button = decode(query.data)
        if button is None:
            notice = context.services.assistant.kb.message("outdated_button", lang)
        else:
            notice = await _dispatch(update, context, query, button, lang)
    finally:
        await _answer_query(query, notice)


async def _answer_query(query: CallbackQuery, notice: str | None) -> None:
    """Stop the button's spinner; a failure here never matters to the user."""
    try:
        await query.answer(notice)
    except TelegramError as exc:
        logger.warning("answering a callback query failed: %s", type(exc).__name__)


@dataclass(frozen=True)
class Press:
    """One decoded button press with what its handler needs."""

    update: Update
    context: BotContext
    query: CallbackQuery
    button: Button
    lang: Lang
    key: str | None

    def message(self, name: str) -> str:
        """Return a fixed bot text in the press's language."""
        return self.context.services.assistant.kb.message(name, self.lang)

    def question(self) -> str | None:
        """Return the question behind the message the button belongs to, if remembered."""
        message = self.query.message
        return (
            self.context.services.question_for(message.chat.id, message.message_id)
            if message
            else None
        )


async def _dispatch(
    update: Update, context: BotContext, query: CallbackQuery, button: Button, lang: Lang
) -> str | None:
    """Carry out a decoded button; return a short notice for the spinner, if any."""
    press = Press(update, context, query, button, lang, user_key_of(update, context))
    return await _HANDLERS[button.kind](press)


async def _answer(press: Press) -> str | None:
    """A suggestion or related question: answer with that entry."""
    assistant = press.context.services.assistant
    if press.button.value not in assistant.kb.entries:
        return press.message("outdated_button")
    reply = assistant.entry_reply(press.button.value, press.lang)
    await send_reply(press.update, press.context, reply)
    log_reply(press.context, press.key, reply, None)
    return None


async def _original(press: Press) -> str | None:
    """The German original of an answer in a language nobody has checked yet."""
    assistant = press.context.services.assistant
    if press.button.value not in assistant.kb.entries:
        return press.message("outdated_button")
    await send_reply(press.update, press.context, assistant.entry_reply(press.button.value, "de"))
    return None


async def _none_of_these(press: Press) -> str | None:
    """None of the suggestions fit: say thanks, point to the partners, log the question."""
    reply = press.context.services.assistant.none_of_these(press.lang)
    await send_reply(press.update, press.context, reply)
    log_reply(press.context, press.key, reply, press.question(), kind="none_of_these")
    return None


async def _vote(press: Press) -> str | None:
    """👍/👎 on an answer; a 👎 keeps the (masked) question for staff."""
    services = press.context.services
    entry_id, key = press.button.value, press.key
    if entry_id not in services.assistant.kb.entries or key is None:
        return press.message("outdated_button")
    try:
        await services.record_vote(key, entry_id, press.button.vote)
    except StorageError as exc:
        logger.error("recording a vote failed: %s", type(exc.__cause__ or exc).__name__)
        return press.message("error")
    question = press.question()
    if press.button.vote < 0 and question:
        in_background(
            press.context,
            services.store_or_fail().log_downvoted_question(key, entry_id, press.lang, question),
            "logging a downvoted question",
        )
    return press.message("vote_thanks")


async def _language(press: Press) -> str | None:
    """Save the chosen language and confirm in it."""
    if press.key is not None:
        services = press.context.services
        chosen: Lang = services.assistant.supported(str(press.button.value)) or "de"
        await services.save_language(press.key, chosen)
        await send_text(
            press.update, press.context, services.assistant.kb.message("language_set", chosen)
        )
    return None


async def _menu_item(press: Press) -> str | None:
    """Open a main-menu item."""
    await _menu(press.update, press.context, press.button.value, press.lang)
    return None


async def _delete_button(press: Press) -> str | None:
    """Confirm or cancel deleting the user's data."""
    if press.key is None:
        return None
    confirmed = press.button.value == "yes"
    return await _delete(
        press.query, press.context, press.key, confirmed=confirmed, lang=press.lang
    )


_HANDLERS: dict[ButtonKind, Callable[[Press], Awaitable[str | None]]] = {
    "answer": _answer,
    "none": _none_of_these,
    "vote": _vote,
    "lang": _language,
    "menu": _menu_item,
    "delete": _delete_button,
    "original": _original,
}


async def _menu(update: Update, context: BotContext, item: str, lang: Lang) -> None:
    """Open one main-menu item."""
    assistant = context.services.assistant
    if item == "contracts":
        await send_contracts(update, context, lang)
    elif item == "contacts":
        await send_reply(update, context, assistant.contacts(lang))
    elif item == "ask":
        await send_text(update, context, assistant.kb.message("ask_prompt", lang))
    elif item == "language":
        await send_text(
            update,
            context,
            assistant.kb.message("language_choose", lang),
            InlineKeyboardMarkup(language_rows(assistant.kb)),
        )
    elif item == "privacy":
        await send_text(update, context, privacy_text(context, lang))


async def _delete(
    query: CallbackQuery, context: BotContext, key: str, *, confirmed: bool, lang: Lang
) -> str | None:
    """Delete the user's data after the confirm button (safe to repeat), or cancel."""
    kb = context.services.assistant.kb
    if not confirmed:
        text = kb.message("delete_cancelled", lang)
    else:
        try:
            await context.services.forget_user(key, query.from_user.id)
        except StorageError:
            logger.exception("deleting a user's data failed")
            return kb.message("error", lang)
        text = kb.message("deleted", lang)
    try:
        await query.edit_message_text(escape(text), parse_mode="HTML")
    except TelegramError as exc:
        logger.warning("editing the delete prompt failed: %s", type(exc).__name__)
    return None
