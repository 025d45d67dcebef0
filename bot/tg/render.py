"""Turns a Reply into Telegram HTML messages and inline keyboards."""

from __future__ import annotations

import html
import re

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.core.model import KnowledgeBase, Lang, Reply
from bot.tg.buttons import encode

# Telegram's limit is 4096 UTF-16 code units per message; stay a little below it.
MAX_MESSAGE_UNITS = 4000


def utf16_units(text: str) -> int:
    """Return the length of text as Telegram counts it (UTF-16 code units)."""
    return len(text.encode("utf-16-le")) // 2


def split_message(text: str, limit: int = MAX_MESSAGE_UNITS) -> list[str]:
    """Split escaped HTML text into parts under the limit, at line breaks or spaces.

    The text carries no tags (everything is escaped), so a split at whitespace can never
    cut a tag or an entity such as &amp; in half.
    """
    parts: list[str] = []
    rest = text
    while utf16_units(rest) > limit:
        cut = _cut_point(rest, limit)
        parts.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest or not parts:
        parts.append(rest)
    return parts


def _cut_point(text: str, limit: int) -> int:
    """Return the index to cut at: the last newline or space that keeps the head under limit."""
    units, end = 0, 0
    for index, char in enumerate(text):
        units += utf16_units(char)
        if units > limit:
            break
        end = index + 1
    head = text[:end]
    for separator in ("\n\n", "\n", " "):
        position = head.rfind(separator)
        if position > end // 2:
            return position + len(separator)
    # No whitespace: do not cut inside an entity such as "&amp;".
    amp = head.rfind("&")
    if amp != -1 and ";" not in head[amp:]:
        return amp
    return end


def escape(text: str) -> str:
    """Escape text from users or data for Telegram's HTML parse mode."""
    return html.escape(text, quote=False)


# In right-to-left text a number with spaces ("0800 111 0 111") would show its groups in
# reverse order; a left-to-right isolate (U+2066 ... U+2069) around it keeps it as dialled.
_RTL_LETTER = re.compile(r"[\u0590-\u08FF]")
_NUMBER = re.compile(r"\d+(?: \d+)*")


def isolate_numbers(text: str) -> str:
    """Wrap every number of a right-to-left text in a left-to-right isolate."""
    if not _RTL_LETTER.search(text):
        return text
    return _NUMBER.sub(lambda m: f"\u2066{m.group()}\u2069", text)


def reply_html(reply: Reply) -> list[str]:
    """Return the reply text as escaped HTML parts."""
    return split_message(escape(isolate_numbers(reply.text.strip())))


def reply_keyboard(reply: Reply, kb: KnowledgeBase) -> InlineKeyboardMarkup | None:
    """Return the buttons for a reply: links, suggestions or related questions, votes."""
    rows: list[list[InlineKeyboardButton]] = []
    lang = reply.lang
    if reply.kind == "suggestions":
        rows += [
            [InlineKeyboardButton(s.question, callback_data=encode("answer", s.id))]
            for s in reply.suggestions
        ]
        rows.append(
            [InlineKeyboardButton(kb.message("none_of_these", lang), callback_data=encode("none"))]
        )
    rows += [[InlineKeyboardButton(link.title, url=link.url)] for link in reply.links]
    rows += [
        [InlineKeyboardButton("➡️ " + r.question, callback_data=encode("answer", r.id))]
        for r in reply.related
    ]
    if reply.kind == "faq" and reply.id and reply.draft:
        label = kb.message("german_original", lang)
        rows.append([InlineKeyboardButton(label, callback_data=encode("original", reply.id))])
    if reply.kind == "faq" and reply.id:
        rows.append(
            [
                InlineKeyboardButton("👍", callback_data=encode("vote", reply.id, +1)),
                InlineKeyboardButton("👎", callback_data=encode("vote", reply.id, -1)),
            ]
        )
    if reply.action == "language":
        rows += language_rows(kb)
    elif reply.action == "menu":
        rows += main_menu_rows(kb, lang)
    return InlineKeyboardMarkup(rows) if rows else None


def language_rows(kb: KnowledgeBase) -> list[list[InlineKeyboardButton]]:
    """Return one button per language, in its own name, two per row."""
    buttons = [
        InlineKeyboardButton(language.name, callback_data=encode("lang", language.code))
        for language in kb.languages
    ]
    return [buttons[i : i + 2] for i in range(0, len(buttons), 2)]


def main_menu_rows(kb: KnowledgeBase, lang: Lang) -> list[list[InlineKeyboardButton]]:
    """Return the main menu: contracts, partners and contacts, ask, language, privacy."""

    def item(name: str) -> InlineKeyboardButton:
        return InlineKeyboardButton(
            kb.message(f"btn_{name}", lang), callback_data=encode("menu", name)
        )

    return [
        [item("contracts"), item("contacts")],
        [item("ask")],
        [item("language"), item("privacy")],
    ]


def delete_keyboard(kb: KnowledgeBase, lang: Lang) -> InlineKeyboardMarkup:
    """Return the confirm / cancel buttons of /delete."""
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    kb.message("btn_delete_yes", lang), callback_data=encode("delete", "yes")
                ),
                InlineKeyboardButton(
                    kb.message("btn_cancel", lang), callback_data=encode("delete", "no")
                ),
            ]
        ]
    )
