"""Telegram deep links (t.me/<bot>?start=<payload>) that open the bot on an entry, partner or language."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.core.model import KnowledgeBase, Lang

# Telegram passes at most 64 characters of A-Za-z0-9_- as the /start parameter.
MAX_PAYLOAD = 64
_PAYLOAD = re.compile(rf"[A-Za-z0-9_-]{{1,{MAX_PAYLOAD}}}")
# One part per thing to open, joined with "_": e-<entry id>, p-<partner id>, l-<language>.
KINDS = {"e": "entry", "p": "partner", "l": "lang"}


@dataclass(frozen=True)
class Opening:
    """What a /start payload asks for: an entry (a partner's means its contract entry), a language."""

    entry: str | None = None
    lang: Lang | None = None


def payload(entry: str | None = None, partner: str | None = None, lang: Lang | None = None) -> str:
    """Return the /start payload for an entry or a partner, in a language; ValueError if too long."""
    parts = [
        f"{kind}-{value}" for kind, value in (("e", entry), ("p", partner), ("l", lang)) if value
    ]
    text = "_".join(parts)
    if not _PAYLOAD.fullmatch(text):
        raise ValueError(f"the deep-link payload {text!r} is not 1-64 characters of A-Za-z0-9_-")
    return text


def link(bot_username: str, start: str) -> str:
    """Return the t.me deep link that opens the bot with this payload."""
    return f"https://t.me/{bot_username.lstrip('@')}?start={start}"


def partner_entry(kb: KnowledgeBase, partner_id: str) -> str | None:
    """Return the entry that presents a partner: its contract entry, else its first entry."""
    entries = [e.id for e in kb.entries.values() if e.partner == partner_id]
    contract = [e for e in entries if e.startswith("vertrag-")]
    ranked = contract or entries
    return ranked[0] if ranked else None


def parse(text: str, kb: KnowledgeBase) -> Opening | None:
    """Return what a /start payload opens; None when it is malformed, forged or unknown."""
    if not _PAYLOAD.fullmatch(text):
        return None
    found: dict[str, str] = {}
    for part in text.split("_"):
        kind, dash, value = part.partition("-")
        if not dash or kind not in KINDS or not value or KINDS[kind] in found:
            return None
        found[KINDS[kind]] = value
    entry = found.get("entry")
    if entry is not None and entry not in kb.entries:
        return None
    if "partner" in found:
        if entry is not None:
            return None  # an entry and a partner at once: nobody builds such a link
        entry = partner_entry(kb, found["partner"])
        if entry is None:
            return None
    lang = found.get("lang")
    if lang is not None and lang not in kb.codes:
        return None
    return Opening(entry, lang)
