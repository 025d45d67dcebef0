"""The knowledge base and replies as plain, immutable data."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

# A language code from knowledge/languages.yaml ("de", "en", "tr", ...).
Lang = str
# German is the source language and the default; English is there without languages.yaml too.
DEFAULT_LANG: Lang = "de"
BUILTIN_LANGUAGES: tuple[Lang, ...] = ("de", "en")
ReplyKind = Literal["faq", "intent", "suggestions", "fallback"]
Action = Literal["none", "contacts", "language", "help_services", "menu", "fallback"]
ACTIONS: tuple[str, ...] = ("none", "contacts", "language", "help_services", "menu", "fallback")


TargetKind = Literal["faq", "intent"]


@dataclass(frozen=True, order=True)
class Target:
    """What a paraphrase belongs to and an answer points at: an entry ("faq") or an intent."""

    kind: TargetKind
    id: str

    def __str__(self) -> str:
        return f"{self.kind}:{self.id}"


@dataclass(frozen=True)
class Link:
    """A titled https link shown as a button."""

    title: str
    url: str


@dataclass(frozen=True)
class EntryText:
    """One language of a knowledge entry."""

    title: str
    questions: tuple[str, ...]
    answer: str
    keywords: tuple[str, ...] = ()
    links: tuple[Link, ...] = ()


@dataclass(frozen=True)
class Entry:
    """A knowledge entry: one topic, answered in one or more languages."""

    id: str
    texts: dict[Lang, EntryText]
    sources: tuple[str, ...]
    partner: str | None = None
    related: tuple[str, ...] = ()
    # Help services (ids from partners.yaml `services`) whose buttons come first in the answer.
    services: tuple[str, ...] = ()
    file: str = ""
    line: int = 0


@dataclass(frozen=True)
class PartnerText:
    """One language of a partner's description."""

    description: str
    contract: str = ""


@dataclass(frozen=True)
class Partner:
    """A partner organisation (or a help service) with its website."""

    id: str
    name: str
    url: str
    texts: dict[Lang, PartnerText]
    sources: tuple[str, ...] = ()


@dataclass(frozen=True)
class IntentText:
    """One language of an intent: example phrases and reply variants."""

    examples: tuple[str, ...]
    replies: tuple[str, ...]


@dataclass(frozen=True)
class Intent:
    """A conversational intent such as a greeting or a request for contacts."""

    id: str
    texts: dict[Lang, IntentText]
    action: Action = "none"
    high_priority: bool = False
    services: tuple[str, ...] = ()
    file: str = ""
    line: int = 0


@dataclass(frozen=True)
class Language:
    """One language the bot speaks (a line of knowledge/languages.yaml)."""

    code: Lang
    name: str
    english: str
    direction: Literal["ltr", "rtl"] = "ltr"
    # "checked" by a native speaker, or a "draft" translation whose German text counts.
    review: Literal["checked", "draft"] = "checked"
    # The alphabet it is written in; a message in another script is not in this language.
    script: Literal["latin", "cyrillic", "arabic"] = "latin"
    # Letters (lower case) that only this language uses among the configured ones.
    letters: str = ""
    # Short common words that give the language away (folded: lower case, no accents).
    words: frozenset[str] = frozenset()
    # Its Snowball stemmer ("turkish", "russian", ...); empty: German and English stems.
    stemmer: str = ""


BUILTIN: tuple[Language, ...] = (
    Language("de", "Deutsch", "German", letters="äöüß"),
    Language("en", "English", "English"),
)


@dataclass(frozen=True)
class KnowledgeBase:
    """Everything the assistant knows, loaded from knowledge/ and intents/."""

    entries: dict[str, Entry]
    intents: dict[str, Intent]
    partners: dict[str, Partner]
    services: dict[str, Partner]
    synonyms: tuple[tuple[str, ...], ...]
    messages: dict[str, dict[Lang, str]]
    languages: tuple[Language, ...] = BUILTIN
    # Words only one language's example questions use (with that language): a clue to the
    # language of a message. Derived from the texts above when the files are loaded.
    single_language_words: dict[str, Lang] = field(default_factory=dict)

    @property
    def codes(self) -> tuple[Lang, ...]:
        """The language codes, German first."""
        return tuple(language.code for language in self.languages)

    @property
    def language_names(self) -> str:
        """The languages in their own names, for the {languages} placeholder of texts."""
        return ", ".join(language.name for language in self.languages)

    def message(self, key: str, lang: Lang, **values: str) -> str:
        """Return a fixed bot text in the language (German when missing), with values filled in."""
        texts = self.messages.get(key, {})
        template = texts.get(lang) or texts.get(DEFAULT_LANG) or key
        template = template.replace("{languages}", self.language_names)
        if not values:
            return template
        try:
            return template.format_map(_KeepUnknown(values))
        except (ValueError, IndexError):
            # A stray brace typed by staff must not break a reply; show the text unfilled.
            return template


class _KeepUnknown(dict[str, str]):
    """Leaves unknown {placeholders} as they are instead of failing."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


@dataclass(frozen=True)
class Suggestion:
    """A question the user may have meant, or a related question."""

    id: str
    question: str


@dataclass(frozen=True)
class Reply:
    """What the assistant answers to one message."""

    kind: ReplyKind
    id: str | None
    score: float
    lang: Lang
    text: str
    links: tuple[Link, ...] = ()
    suggestions: tuple[Suggestion, ...] = ()
    related: tuple[Suggestion, ...] = ()
    action: Action = "none"
    # An answer in a language nobody has checked yet: the German original is offered beside it.
    draft: bool = False

    def to_json_dict(self) -> dict[str, object]:
        """Return the reply in the JSON shape of `python -m bot ask --json`."""
        return {
            "kind": self.kind,
            "id": self.id,
            "score": round(self.score, 4),
            "lang": self.lang,
            "text": self.text,
            "links": [{"title": link.title, "url": link.url} for link in self.links],
            "suggestions": [{"id": s.id, "question": s.question} for s in self.suggestions],
            "related": [{"id": s.id, "question": s.question} for s in self.related],
        }
