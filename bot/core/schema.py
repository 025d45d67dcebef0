"""Checks one parsed data file against the knowledge format and turns it into model objects."""

from __future__ import annotations

import re
from typing import Any, cast

from bot.core.model import (
    ACTIONS,
    BUILTIN_LANGUAGES,
    DEFAULT_LANG,
    Action,
    Entry,
    EntryText,
    Intent,
    IntentText,
    Lang,
    Language,
    Link,
    Partner,
    PartnerText,
)
from bot.core.problems import Problem, Severity
from bot.core.text import fold, stemmer_names
from bot.core.yamlfile import MarkedDict

ID_PATTERN = re.compile(r"[a-z0-9]+(?:[-_][a-z0-9]+)*")
# Button data is "<action>:<id>" within Telegram's 64 bytes; 40 leaves room for the action.
MAX_ID_BYTES = 40
MAX_TITLE_CHARS = 60

ENTRY_FIELDS = {"id", "partner", "related", "services", "sources"}
ENTRY_TEXT_FIELDS = {"title", "questions", "answer", "keywords", "links"}
PARTNER_FIELDS = {"id", "name", "url", "sources"}
PARTNER_TEXT_FIELDS = {"description", "contract"}
INTENT_FIELDS = {"id", "action", "priority", "services"}
LANGUAGE_FIELDS = {
    "code",
    "name",
    "english",
    "direction",
    "review",
    "script",
    "letters",
    "words",
    "stemmer",
}
INTENT_TEXT_FIELDS = {"examples", "replies"}
TOP_LEVEL = {
    "knowledge": {"version", "entries", "partners", "services", "synonyms"},
    "intents": {"version", "intents", "messages"},
}


class FileChecker:
    """Collects problems for one file while converting its parts."""

    def __init__(self, file: str, codes: tuple[Lang, ...] = BUILTIN_LANGUAGES) -> None:
        self.file = file
        self.codes = codes
        self.problems: list[Problem] = []

    def problem(
        self,
        where: MarkedDict | None,
        key: str | None,
        message: str,
        fix: str,
        *,
        warn: bool = False,
    ) -> None:
        """Record a problem at a key of a mapping (or at the file start)."""
        line, column = where.position(key) if where is not None else (1, 1)
        severity: Severity = "warning" if warn else "error"
        self.problems.append(Problem(self.file, line, column, message, fix, severity))

    def mapping(
        self, value: Any, parent: MarkedDict | None, key: str, what: str
    ) -> MarkedDict | None:
        """Return value if it is a mapping, else record a problem."""
        if isinstance(value, MarkedDict):
            return value
        self.problem(
            parent,
            key,
            f"{what} must be a mapping of 'name: value' lines",
            "see knowledge/README.md for the layout",
        )
        return None

    def unknown_fields(self, data: MarkedDict, allowed: set[str], what: str) -> None:
        """Record every field that the format does not know."""
        for key in data:
            if key not in allowed:
                known = ", ".join(sorted(allowed))
                self.problem(data, key, f"unknown field '{key}' in {what}", f"use one of: {known}")

    def text(self, data: MarkedDict, key: str, what: str, *, required: bool = True) -> str:
        """Return a non-empty string field, recording a problem when missing or not text."""
        value = data.get(key)
        if value is None:
            if required:
                self.problem(data, None, f"{what} has no '{key}'", f"add '{key}: ...'")
            return ""
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, str) or not value.strip():
            self.problem(
                data, key, f"'{key}' in {what} must be text", "write the text after the colon"
            )
            return ""
        return value.strip()

    def text_list(
        self, data: MarkedDict, key: str, what: str, *, minimum: int = 0
    ) -> tuple[str, ...]:
        """Return a list-of-text field (a single text counts as a list of one)."""
        value = data.get(key, [])
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, (str, int, float)) for v in value):
            self.problem(
                data,
                key,
                f"'{key}' in {what} must be a list of texts",
                "write one '- text' per line",
            )
            return ()
        items = tuple(str(v).strip() for v in value if str(v).strip())
        if len(items) < minimum:
            self.problem(
                data,
                key if key in data else None,
                f"{what} needs at least {minimum} '{key}'",
                f"add more '{key}'",
            )
        return items

    def identifier(self, data: MarkedDict, what: str) -> str:
        """Return a checked id: an ASCII slug that fits in Telegram button data."""
        value = self.text(data, "id", what)
        if not value:
            return ""
        if not ID_PATTERN.fullmatch(value):
            self.problem(
                data,
                "id",
                f"the id '{value}' is not a slug",
                "use only a-z, 0-9 and '-', e.g. 'vertrag-drk'",
            )
        elif len(value.encode()) > MAX_ID_BYTES:
            self.problem(
                data,
                "id",
                f"the id '{value}' is longer than {MAX_ID_BYTES} bytes",
                "shorten it (it must fit into Telegram's button data)",
            )
        return value

    def url(self, data: MarkedDict, key: str, what: str) -> str:
        """Return an https URL field."""
        value = self.text(data, key, what)
        if value and not re.fullmatch(r"https://[A-Za-z0-9.-]+\.[a-z]{2,}(/\S*)?", value):
            self.problem(
                data,
                key,
                f"the link '{value}' in {what} is not an https web address",
                "write it as https://www.example.de/...",
            )
        return value

    def links(self, data: MarkedDict, what: str) -> tuple[Link, ...]:
        """Return the `links` list of title/url pairs."""
        raw = data.get("links", [])
        if not isinstance(raw, list):
            self.problem(
                data,
                "links",
                f"'links' in {what} must be a list",
                "write '- {title: ..., url: https://...}'",
            )
            return ()
        result = []
        for item in raw:
            link = self.mapping(item, data, "links", f"a link in {what}")
            if link is None:
                continue
            self.unknown_fields(link, {"title", "url"}, f"a link in {what}")
            title, url = self.text(link, "title", f"a link in {what}"), self.url(link, "url", what)
            if title and url:
                result.append(Link(title, url))
        return tuple(result)

    def languages(self, data: MarkedDict, what: str) -> dict[Lang, MarkedDict]:
        """Return the per-language blocks (de, en) of an item."""
        blocks: dict[Lang, MarkedDict] = {}
        for lang in self.codes:
            if lang in data:
                block = self.mapping(data[lang], data, lang, f"'{lang}' of {what}")
                if block is not None:
                    blocks[lang] = block
        if not blocks:
            self.problem(
                data, None, f"{what} has no language block", "add 'de:' (and 'en:') with the texts"
            )
        return blocks

    def entry(self, data: MarkedDict) -> Entry | None:
        """Convert one knowledge entry."""
        entry_id = self.identifier(data, "an entry")
        what = f"entry '{entry_id or '?'}'"
        self.unknown_fields(data, ENTRY_FIELDS | set(self.codes), what)
        texts: dict[Lang, EntryText] = {}
        for lang, block in self.languages(data, what).items():
            where = f"{what} ({lang})"
            self.unknown_fields(block, ENTRY_TEXT_FIELDS, where)
            title = self.text(block, "title", where)
            if len(title) > MAX_TITLE_CHARS:
                self.problem(
                    block,
                    "title",
                    f"the title of {where} is longer than {MAX_TITLE_CHARS} characters",
                    "shorten it; it is shown on a button",
                )
            texts[lang] = EntryText(
                title=title,
                questions=self.text_list(block, "questions", where, minimum=2),
                answer=self.text(block, "answer", where),
                keywords=self.text_list(block, "keywords", where),
                links=self.links(block, where),
            )
        sources = self.text_list(data, "sources", what, minimum=1)
        partner = self.text(data, "partner", what, required=False) or None
        related = self.text_list(data, "related", what)
        services = self.text_list(data, "services", what)
        if not entry_id or not texts:
            return None
        return Entry(entry_id, texts, sources, partner, related, services, self.file, data.line)

    def partner(self, data: MarkedDict, what: str) -> Partner | None:
        """Convert one partner or help service."""
        partner_id = self.identifier(data, what)
        where = f"{what} '{partner_id or '?'}'"
        self.unknown_fields(data, PARTNER_FIELDS | set(self.codes), where)
        name, url = self.text(data, "name", where), self.url(data, "url", where)
        texts: dict[Lang, PartnerText] = {}
        for lang, block in self.languages(data, where).items():
            self.unknown_fields(block, PARTNER_TEXT_FIELDS, f"{where} ({lang})")
            texts[lang] = PartnerText(
                self.text(block, "description", f"{where} ({lang})"),
                self.text(block, "contract", f"{where} ({lang})", required=False),
            )
        sources = self.text_list(data, "sources", where, minimum=1)
        if not (partner_id and name and url and texts):
            return None
        return Partner(partner_id, name, url, texts, sources)

    def intent(self, data: MarkedDict) -> Intent | None:
        """Convert one intent."""
        intent_id = self.identifier(data, "an intent")
        what = f"intent '{intent_id or '?'}'"
        self.unknown_fields(data, INTENT_FIELDS | set(self.codes), what)
        action = self.text(data, "action", what, required=False) or "none"
        if action not in ACTIONS:
            self.problem(
                data,
                "action",
                f"unknown action '{action}' in {what}",
                f"use one of: {', '.join(ACTIONS)}",
            )
            action = "none"
        priority = self.text(data, "priority", what, required=False) or "normal"
        if priority not in ("normal", "high"):
            self.problem(
                data,
                "priority",
                f"unknown priority '{priority}' in {what}",
                "use 'normal' or 'high'",
            )
        texts: dict[Lang, IntentText] = {}
        for lang, block in self.languages(data, what).items():
            where = f"{what} ({lang})"
            self.unknown_fields(block, INTENT_TEXT_FIELDS, where)
            texts[lang] = IntentText(
                self.text_list(block, "examples", where, minimum=2),
                self.text_list(block, "replies", where, minimum=1),
            )
        services = self.text_list(data, "services", what)
        if not intent_id or not texts:
            return None
        return Intent(
            intent_id,
            texts,
            cast(Action, action),
            priority == "high",
            services,
            self.file,
            data.line,
        )

    def messages(self, data: MarkedDict) -> dict[str, dict[Lang, str]]:
        """Convert the `messages` mapping of fixed bot texts."""
        result: dict[str, dict[Lang, str]] = {}
        for key, value in data.items():
            block = self.mapping(value, data, key, f"message '{key}'")
            if block is None:
                continue
            self.unknown_fields(block, set(self.codes), f"message '{key}'")
            result[key] = {
                lang: self.text(block, lang, f"message '{key}'")
                for lang in self.codes
                if lang in block
            }
        return result

    def language_list(self, data: MarkedDict) -> list[Language]:
        """Convert the `languages` list of languages.yaml (German first)."""
        raw = data.get("languages")
        if not isinstance(raw, list) or not raw:
            self.problem(data, "languages", "'languages' must be a list", "see the file's comment")
            return []
        result: list[Language] = []
        for item in raw:
            block = self.mapping(item, data, "languages", "a language")
            if block is None:
                continue
            self.unknown_fields(block, LANGUAGE_FIELDS, "a language")
            code = self.text(block, "code", "a language")
            direction = block.get("direction", "ltr")
            review = block.get("review", "checked")
            if not re.fullmatch(r"[a-z]{2}", code):
                self.problem(block, "code", f"'{code}' is not a language code", "use two letters")
                continue
            if direction not in ("ltr", "rtl") or review not in ("checked", "draft"):
                self.problem(
                    block, None, f"language '{code}': bad direction or review", "see the comment"
                )
                continue
            script, letters, words = (
                block.get("script", "latin"),
                block.get("letters", ""),
                block.get("words", []),
            )
            if script not in ("latin", "cyrillic", "arabic") or not isinstance(letters, str):
                self.problem(
                    block, None, f"language '{code}': bad script or letters", "see the comment"
                )
                continue
            if not isinstance(words, list) or not all(isinstance(w, str) for w in words):
                self.problem(
                    block, "words", f"language '{code}': words must be a list", "write [a, b]"
                )
                continue
            stemmer = block.get("stemmer", "")
            if stemmer and stemmer not in stemmer_names():
                self.problem(
                    block,
                    "stemmer",
                    f"language '{code}': there is no Snowball stemmer '{stemmer}'",
                    "use one of " + ", ".join(sorted(stemmer_names())) + ", or leave it out",
                )
                continue
            name, english = self.text(block, "name", code), self.text(block, "english", code)
            marker_words = frozenset(w for word in words for w in fold(word).split())
            result.append(
                Language(
                    code,
                    name,
                    english,
                    direction,
                    review,
                    script,
                    letters.lower(),
                    marker_words,
                    stemmer,
                )
            )
        if result and result[0].code != DEFAULT_LANG:
            self.problem(data, "languages", "German must come first", "move 'de' to the top")
            return []
        return result

    def synonyms(self, data: MarkedDict, raw: Any) -> list[tuple[str, ...]]:
        """Convert the list of synonym groups."""
        if not isinstance(raw, list) or not all(
            isinstance(group, list) and len(group) >= 2 and all(isinstance(w, str) for w in group)
            for group in raw
        ):
            self.problem(
                data,
                "synonyms",
                "'synonyms' must be a list of groups of at least two words",
                "write '- [drk, rotes kreuz, red cross]'",
            )
            return []
        return [tuple(group) for group in raw]
