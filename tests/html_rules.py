"""Telegram's rules for ``parse_mode=HTML`` message text, as a checker for tests.

From https://core.telegram.org/bots/api#html-style: only the tags below are supported, tags
must be properly nested, and every ``<``, ``>`` and ``&`` that is not part of a tag or an HTML
entity must be written as ``&lt;``, ``&gt;`` or ``&amp;``. The named entities Telegram knows are
``&lt;``, ``&gt;``, ``&amp;`` and ``&quot;``; all numeric entities are supported.
"""

from __future__ import annotations

import re

MAX_UNITS = 4096
"""Telegram's limit per message, in UTF-16 code units."""

# Tag name -> attributes it may carry (None: any value; a set: one of these values).
_ALLOWED: dict[str, dict[str, frozenset[str] | None]] = {
    "b": {},
    "strong": {},
    "i": {},
    "em": {},
    "u": {},
    "ins": {},
    "s": {},
    "strike": {},
    "del": {},
    "span": {"class": frozenset({"tg-spoiler"})},
    "tg-spoiler": {},
    "a": {"href": None},
    "code": {"class": None},
    "pre": {},
    "blockquote": {"expandable": None},
    "tg-emoji": {"emoji-id": None},
}
_REQUIRED: dict[str, str] = {"span": "class", "a": "href", "tg-emoji": "emoji-id"}
_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9-]*)((?:\s+[A-Za-z-]+(?:=\"[^\"<>]*\")?)*)\s*>")
_ATTR = re.compile(r"([A-Za-z-]+)(?:=\"([^\"]*)\")?")
_ENTITY = re.compile(r"&(?:lt|gt|amp|quot|#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6});")


def utf16_units(text: str) -> int:
    """Length as Telegram counts it (UTF-16 code units)."""
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def html_problems(text: str) -> list[str]:
    """Return why Telegram would reject ``text`` as HTML (an empty list: it is accepted)."""
    problems: list[str] = []
    stack: list[str] = []
    index = 0
    while index < len(text):
        char = text[index]
        if char == "<":
            match = _TAG.match(text, index)
            if match is None:
                problems.append(f"unescaped '<' at {index}: {text[index : index + 20]!r}")
                index += 1
                continue
            problems.extend(_tag_problems(match, stack))
            index = match.end()
        elif char == ">":
            problems.append(f"unescaped '>' at {index}")
            index += 1
        elif char == "&":
            entity = _ENTITY.match(text, index)
            if entity is None:
                problems.append(f"unescaped '&' at {index}: {text[index : index + 12]!r}")
                index += 1
            else:
                index = entity.end()
        else:
            index += 1
    problems.extend(f"unclosed <{name}>" for name in reversed(stack))
    return problems


def _tag_problems(match: re.Match[str], stack: list[str]) -> list[str]:
    closing, name, raw_attrs = match.group(1) == "/", match.group(2).lower(), match.group(3)
    if name not in _ALLOWED:
        return [f"unsupported tag <{'/' if closing else ''}{name}>"]
    if closing:
        if raw_attrs.strip():
            return [f"closing tag </{name}> with attributes"]
        if not stack or stack[-1] != name:
            return [f"</{name}> closes {'<' + stack[-1] + '>' if stack else 'nothing'}"]
        stack.pop()
        return []
    problems: list[str] = []
    attrs = {key.lower(): value for key, value in _ATTR.findall(raw_attrs)}
    for key, value in attrs.items():
        if key not in _ALLOWED[name]:
            problems.append(f"<{name}> does not take {key!r}")
            continue
        allowed_values = _ALLOWED[name][key]
        if allowed_values is not None and value not in allowed_values:
            problems.append(f"<{name} {key}={value!r}> is not supported")
    required = _REQUIRED.get(name)
    if required is not None and required not in attrs:
        problems.append(f"<{name}> needs {required!r}")
    stack.append(name)
    return problems


def message_problems(text: str) -> list[str]:
    """HTML problems plus the length limit and Telegram's "message text is empty"."""
    problems = html_problems(text)
    if utf16_units(text) > MAX_UNITS:
        problems.append(f"{utf16_units(text)} UTF-16 units > {MAX_UNITS}")
    visible = re.sub(r"<[^>]*>", "", text)
    if not visible.strip():
        problems.append("no visible text (Telegram: message text is empty)")
    return problems
