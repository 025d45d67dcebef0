"""Callback-query handling: suggestions, related questions, votes, language, menu, delete."""

from __future__ import annotations

import logging

from telegram import CallbackQuery, InlineKeyboardMarkup, Update
from telegram.error import TelegramError

from bot.core.model import Lang, Reply
from bot.storage import StorageError
from bot.tg.buttons import Button, decode
from bot.tg.commands import privacy_text, send_contracts
from bot.tg.common import send_reply, send_text, user_key_of, user_language
from bot.tg.context import BotContext
from bot.tg.render import escape, language_row

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


async def _dispatch(
    update: Update, context: BotContext, query: CallbackQuery, button: Button, lang: Lang
) -> str | None:
    """Carry out a decoded button; return a short notice for the spinner, if any."""
    services = context.services
    assistant = services.assistant
    key = user_key_of(update, context)
    if button.kind == "answer":
        if button.value not in assistant.kb.entries:
            return assistant.kb.message("outdated_button", lang)
        reply = assistant.entry_reply(button.value, lang)
        await send_reply(update, context, reply)
        services.log_reply(key, reply, None)
    elif button.kind == "none":
        message = query.message
        text = services.question_for(message.chat.id, message.message_id) if message else None
        reply = Reply(
            "fallback",
            None,
            0.0,
            lang,
            assistant.kb.message("none_of_these_reply", lang),
            links=tuple(assistant.partner_links()),
        )
        await send_reply(update, context, reply)
        services.log_reply(key, reply, text, kind="none_of_these")
    elif button.kind == "vote":
        if button.value not in assistant.kb.entries or key is None:
            return assistant.kb.message("outdated_button", lang)
        try:
            await services.record_vote(key, button.value, button.vote)
        except StorageError as exc:
            logger.error("recording a vote failed: %s", type(exc.__cause__ or exc).__name__)
            return assistant.kb.message("error", lang)
        question = (
            services.question_for(query.message.chat.id, query.message.message_id)
            if query.message
            else None
        )
        if button.vote < 0 and question:
            services.background(
                services.store_or_fail().log_downvoted_question(key, button.value, lang, question),
                "logging a downvoted question",
            )
        return assistant.kb.message("vote_thanks", lang)
    elif button.kind == "lang" and key is not None:
        chosen: Lang = "en" if button.value == "en" else "de"
        await services.save_language(key, chosen)
        await send_text(update, context, assistant.kb.message("language_set", chosen))
    elif button.kind == "menu":
        await _menu(update, context, button.value, lang)
    elif button.kind == "delete" and key is not None:
        return await _delete(query, context, key, confirmed=button.value == "yes", lang=lang)
    return None


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
            InlineKeyboardMarkup([language_row()]),
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
