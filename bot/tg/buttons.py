"""Callback data for inline buttons: short, checked, and safe against forged values."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from bot.core.schema import ID_PATTERN

# Telegram limits callback data to 64 bytes; entry ids are at most 40, so every kind fits.
MAX_CALLBACK_BYTES = 64
ButtonKind = Literal["answer", "none", "vote", "lang", "menu", "delete", "original"]
MENU_ITEMS = ("contracts", "contacts", "ask", "language", "privacy")
_PREFIX: dict[ButtonKind, str] = {
    "answer": "a",
    "none": "n",
    "vote": "v",
    "lang": "l",
    "menu": "m",
    "delete": "d",
    "original": "o",
}
_KIND = {prefix: kind for kind, prefix in _PREFIX.items()}


@dataclass(frozen=True)
class Button:
    """A decoded button press: what it asks for and its argument."""

    kind: ButtonKind
    value: str = ""
    vote: int = 0


def encode(kind: ButtonKind, value: str = "", vote: int = 0) -> str:
    """Return callback data for a button."""
    data = f"{_PREFIX[kind]}:{value}" + (f":{vote:+d}" if kind == "vote" else "")
    if len(data.encode()) > MAX_CALLBACK_BYTES:
        raise ValueError(f"callback data too long: {data!r}")
    return data


def decode(data: str | None) -> Button | None:
    """Return the button a callback stands for, or None when it is unknown or forged."""
    if not data:
        return None
    try:
        size = len(data.encode())
    except UnicodeEncodeError:  # a lone surrogate from a forged client
        return None
    if size > MAX_CALLBACK_BYTES:
        return None
    prefix, _, rest = data.partition(":")
    kind = _KIND.get(prefix)
    if kind is None:
        return None
    if kind == "vote":
        entry_id, _, sign = rest.rpartition(":")
        if sign not in ("+1", "-1") or not ID_PATTERN.fullmatch(entry_id):
            return None
        return Button(kind, entry_id, int(sign))
    if kind in ("answer", "original") and not ID_PATTERN.fullmatch(rest):
        return None
    if kind == "lang" and not re.fullmatch(r"[a-z]{2}", rest):
        return None
    if kind == "menu" and rest not in MENU_ITEMS:
        return None
    if kind == "delete" and rest not in ("yes", "no"):
        return None
    if kind == "none" and rest:
        return None
    return Button(kind, rest)
