"""Command callbacks: /start, /hilfe, /vertraege, /kontakt, /sprache, /datenschutz, /loeschen."""

from __future__ import annotations

from telegram import InlineKeyboardMarkup, Update

from bot.core import deeplinks
from bot.core.model import Lang
from bot.tg.common import send_reply, send_text, user_key_of, user_language
from bot.tg.context import BotContext
from bot.tg.render import delete_keyboard, language_rows, main_menu_rows

# English command names answer in English unless the user chose a language.
ENGLISH_COMMANDS = frozenset({"help", "contracts", "contacts", "language", "privacy", "delete"})


def _command_hint(update: Update) -> Lang | None:
    """Return 'en' when the user typed an English command name."""
    text = update.effective_message.text if update.effective_message else None
    name = (text or "").split()[0].lstrip("/").split("@")[0].lower() if text else ""
    return "en" if name in ENGLISH_COMMANDS else None


async def _lang(update: Update, context: BotContext) -> Lang:
    """Return the language for a command's reply."""
    return await user_language(update, context, _command_hint(update))


async def start(update: Update, context: BotContext) -> None:
    """Welcome the user with the main menu, or open the entry or language of a deep link."""
    services = context.services
    kb = services.assistant.kb
    # t.me/<bot>?start=<payload>: a malformed, forged or unknown payload gets the welcome.
    opening = deeplinks.parse(context.args[0], kb) if context.args else None
    key = user_key_of(update, context)
    if opening is not None and opening.lang is not None and key is not None:
        await services.save_language(key, opening.lang)
    lang = (opening.lang if opening else None) or await _lang(update, context)
    if opening is not None and opening.entry is not None:
        await send_reply(update, context, services.assistant.entry_reply(opening.entry, lang))
        return
    await send_text(
        update, context, kb.message("welcome", lang), InlineKeyboardMarkup(main_menu_rows(kb, lang))
    )


async def help_command(update: Update, context: BotContext) -> None:
    """Say what the bot can do, with the main menu."""
    await send_reply(
        update,
        context,
        context.services.assistant.intent_reply("help", await _lang(update, context)),
    )


async def contracts(update: Update, context: BotContext) -> None:
    """List the four contracts and their partners."""
    await send_contracts(update, context, await _lang(update, context))


async def send_contracts(update: Update, context: BotContext, lang: Lang) -> None:
    """Send the contracts overview (also used by the menu button)."""
    await send_reply(update, context, context.services.assistant.contracts(lang))


async def contacts(update: Update, context: BotContext) -> None:
    """List every partner with a one-line description and a website button."""
    await send_reply(
        update, context, context.services.assistant.contacts(await _lang(update, context))
    )


async def language(update: Update, context: BotContext) -> None:
    """Offer language buttons, or set the language given as argument (/language en)."""
    services = context.services
    kb = services.assistant.kb
    lang = await _lang(update, context)
    if context.args:
        chosen = services.assistant.supported(context.args[0])
        key = user_key_of(update, context)
        if chosen is None or key is None:
            await send_text(update, context, kb.message("language_unknown", lang))
            return
        await services.save_language(key, chosen)
        await send_text(update, context, kb.message("language_set", chosen))
        return
    await send_text(
        update,
        context,
        kb.message("language_choose", lang),
        InlineKeyboardMarkup(language_rows(kb)),
    )


def privacy_text(context: BotContext, lang: Lang) -> str:
    """Return the privacy notice with this deployment's operator, contact and legal basis."""
    config = context.services.config
    return context.services.assistant.privacy_notice(
        lang, config.operator_contact, config.privacy_legal_basis
    )


async def privacy(update: Update, context: BotContext) -> None:
    """Show what is stored, for how long, on which legal basis, and how to delete it."""
    await send_text(update, context, privacy_text(context, await _lang(update, context)))


async def delete(update: Update, context: BotContext) -> None:
    """Ask for confirmation before deleting everything stored about the user."""
    lang = await _lang(update, context)
    kb = context.services.assistant.kb
    await send_text(update, context, kb.message("delete_confirm", lang), delete_keyboard(kb, lang))


async def unknown_command(update: Update, context: BotContext) -> None:
    """Say that the command is unknown and point to /help."""
    await send_text(
        update,
        context,
        context.services.assistant.kb.message("unknown_command", await _lang(update, context)),
    )
