"""Callbacks for what people type: questions, other media, and inline queries."""

from __future__ import annotations

import asyncio
import logging

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InputTextMessageContent,
    Message,
    MessageEntity,
    Update,
)
from telegram.constants import ChatType, ParseMode

from bot.tg.common import in_background, log_reply, send_reply, user_key_of, user_language
from bot.tg.context import BotContext
from bot.tg.delivery import send_html, show_typing
from bot.tg.render import escape, reply_html

logger = logging.getLogger(__name__)
INLINE_RESULTS = 5


def addressed_text(message: Message, bot_username: str, bot_id: int) -> str | None:
    """Return the text meant for the bot, or None when a group message is not for it.

    In private chats every text is for the bot; in groups only mentions of it and replies
    to its own messages are, so it never talks over people.
    """
    text = message.text or ""
    if message.chat.type == ChatType.PRIVATE:
        return text
    mention = f"@{bot_username}".casefold()
    mentioned = any(
        entity.type == MessageEntity.MENTION and message.parse_entity(entity).casefold() == mention
        for entity in message.entities
    )
    replied = message.reply_to_message is not None and (
        message.reply_to_message.from_user is not None
        and message.reply_to_message.from_user.id == bot_id
    )
    if not (mentioned or replied):
        return None
    return text.replace(f"@{bot_username}", " ").strip()


async def on_text(update: Update, context: BotContext) -> None:
    """Answer a question (new or edited), within the chat's question budget."""
    message = update.effective_message
    if message is None or message.text is None:
        return
    text = addressed_text(message, context.bot.username, context.bot.id)
    if text is None:
        return
    services = context.services
    if not services.budget.take(message.chat_id):
        # Over the budget: one short note, then only the chat's latest question is answered
        # when the budget allows; the others are dropped, their text never stored.
        if services.waiting.hold(message.chat_id, update):
            in_background(
                context, _answer_latest_later(update, context), "answering a waiting question"
            )
        return
    await answer_question(update, context, message, text)


async def answer_question(update: Update, context: BotContext, message: Message, text: str) -> None:
    """Answer one question: typing, reply with buttons, log in the background."""
    services = context.services
    # In the background: a slow typing indicator must never delay the answer itself.
    in_background(context, show_typing(context.bot, message.chat_id), "showing typing")
    key = user_key_of(update, context)
    saved = await services.saved_language(key) if key else None
    client = update.effective_user.language_code if update.effective_user else None
    reply = services.assistant.answer(text, lang=saved, client_lang=client)
    message_id = await send_reply(update, context, reply)
    if reply.kind in ("suggestions", "faq") and message_id is not None:
        services.remember_question(message.chat_id, message_id, text)
    # The store keeps (masked) text only for fallbacks; other kinds are logged without it.
    log_reply(context, key, reply, text)


async def _answer_latest_later(update: Update, context: BotContext) -> None:
    """Send the "you write very fast" note, wait for the budget, answer the latest question."""
    services = context.services
    chat_id = update.effective_chat.id if update.effective_chat else 0
    lang = await user_language(update, context)
    await send_html(context.bot, chat_id, escape(services.assistant.kb.message("too_fast", lang)))
    while not services.budget.take(chat_id):
        await asyncio.sleep(max(services.budget.wait(chat_id), 0.05))
    latest = services.waiting.pop(chat_id)
    message = latest.effective_message if latest else None
    if latest is None or message is None or message.text is None:
        return  # the person deleted their data meanwhile
    text = addressed_text(message, context.bot.username, context.bot.id)
    if text is not None:
        await answer_question(latest, context, message, text)


async def on_other_media(update: Update, context: BotContext) -> None:
    """Kindly say that the bot reads text (stickers, photos, voice, documents, locations)."""
    message = update.effective_message
    if message is None or message.chat.type != ChatType.PRIVATE:
        return
    lang = await user_language(update, context)
    await send_html(
        context.bot,
        message.chat_id,
        escape(context.services.assistant.kb.message("non_text", lang)),
    )


async def on_inline_query(update: Update, context: BotContext) -> None:
    """Offer matching answers as inline results, so people can share them in any chat."""
    query = update.inline_query
    if query is None:
        return
    assistant = context.services.assistant
    replies = assistant.search(query.query, limit=INLINE_RESULTS) if query.query.strip() else []
    results = [
        InlineQueryResultArticle(
            id=reply.id or str(index),
            title=assistant.title(reply.id, reply.lang) if reply.id else reply.text[:60],
            description=reply.text[:120],
            input_message_content=InputTextMessageContent(
                reply_html(reply)[0], parse_mode=ParseMode.HTML
            ),
            reply_markup=InlineKeyboardMarkup(
                [[InlineKeyboardButton(link.title, url=link.url)] for link in reply.links]
            )
            if reply.links
            else None,
        )
        for index, reply in enumerate(replies)
    ]
    await query.answer(results, cache_time=60, is_personal=False)
