"""Loads knowledge/ and intents/ into one checked KnowledgeBase, or lists what to fix."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.core.language import single_language_words
from bot.core.model import (
    BUILTIN,
    BUILTIN_LANGUAGES,
    DEFAULT_LANG,
    Entry,
    Intent,
    KnowledgeBase,
    Lang,
    Language,
    Partner,
)
from bot.core.problems import KnowledgeError, Problem
from bot.core.schema import TOP_LEVEL, FileChecker
from bot.core.snapshot import SNAPSHOT_FILE, load_snapshot, save_snapshot, snapshot_key
from bot.core.text import fold_known_text
from bot.core.yamlfile import MarkedDict, read_yaml

FORMAT_VERSION = 1
LANGUAGES_FILE = "languages.yaml"
TRANSLATIONS = "translations"
# The block of a translation file that records the German text of each message (its hash).
MESSAGE_SOURCES = "message_sources"
# What a translation file may hold; the German file's item of the same id gets the block.
TRANSLATED_SECTIONS = ("entries", "partners", "services", "intents")


@dataclass(frozen=True)
class TranslationStamp:
    """Where a translated item stands and which German text it was made from (a short hash)."""

    section: str
    id: str
    lang: Lang
    file: str
    line: int
    source: str


def source_hash(*texts: str) -> str:
    """Return the short hash of German texts that a translation records as its source."""
    # "de-" says whose text it is, and keeps an all-digit hash from looking like a number.
    return "de-" + hashlib.sha256("\n".join(texts).encode()).hexdigest()[:8]


def german_source(c: _Collected, section: str, item_id: str) -> str | None:
    """Return the hash of the German text a translated item stands for (None: no such item)."""
    if section == "entries":
        entry = next((e for e in c.entries if e.id == item_id), None)
        text = entry.texts.get(DEFAULT_LANG) if entry else None
        return source_hash(text.title, text.answer) if text else None
    if section == "intents":
        intent = next((i for i in c.intents if i.id == item_id), None)
        itext = intent.texts.get(DEFAULT_LANG) if intent else None
        return source_hash(*itext.replies) if itext else None
    if section == "messages":
        german = c.messages.get(item_id, {}).get(DEFAULT_LANG)
        return source_hash(german) if german is not None else None
    group = c.partners if section == "partners" else c.services
    partner = next((p for p in group if p.id == item_id), None)
    ptext = partner.texts.get(DEFAULT_LANG) if partner else None
    return source_hash(ptext.description, ptext.contract) if ptext else None


def _check_stamps(c: _Collected) -> None:
    """Warn about translations of unknown items and of German texts changed since."""
    for stamp in c.stamps:
        current = german_source(c, stamp.section, stamp.id)
        if current is None:
            c.problems.append(
                Problem(
                    stamp.file,
                    stamp.line,
                    1,
                    f"translation of '{stamp.id}', which the German files do not have",
                    "fix the id or delete the translation",
                    "warning",
                )
            )
        elif stamp.source != current:
            c.problems.append(
                Problem(
                    stamp.file,
                    stamp.line,
                    1,
                    f"Übersetzung veraltet ({stamp.lang}): the German text of '{stamp.id}' "
                    "changed after this translation was made",
                    f"update the translation, then set '{stamp.id}: {current}' under "
                    f"'{MESSAGE_SOURCES}:'"
                    if stamp.section == "messages"
                    else f"update the translation, then set 'source: {current}'",
                    "warning",
                )
            )


@dataclass
class _Collected:
    """Items gathered from all files before the cross-file checks."""

    entries: list[Entry] = field(default_factory=list)
    intents: list[Intent] = field(default_factory=list)
    partners: list[Partner] = field(default_factory=list)
    services: list[Partner] = field(default_factory=list)
    synonyms: list[tuple[str, ...]] = field(default_factory=list)
    messages: dict[str, dict[Lang, str]] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    languages: list[Language] = field(default_factory=lambda: list(BUILTIN))
    # Translated blocks by section ("entries", "intents", ...), item id (or message key), code.
    overlay: dict[str, dict[str, dict[Lang, Any]]] = field(default_factory=dict)
    stamps: list[TranslationStamp] = field(default_factory=list)
    # Where each language's translated messages stand (file, line), for missing-text warnings.
    message_files: dict[Lang, tuple[str, int]] = field(default_factory=dict)

    @property
    def codes(self) -> tuple[Lang, ...]:
        """The configured language codes."""
        return tuple(language.code for language in self.languages)


def data_files(directory: Path) -> list[Path]:
    """Return the YAML files of a data directory in a stable order."""
    return sorted(p for p in directory.glob("*.y*ml") if p.suffix in (".yaml", ".yml"))


def _shown(path: Path) -> str:
    """Return a path relative to the working directory where possible, for messages."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def _read_file(path: Path, kind: str, into: _Collected) -> None:
    """Read one data file of the given kind (knowledge or intents) into the collection."""
    name = _shown(path)
    data, problems = read_yaml(path, name)
    into.problems.extend(problems)
    if data is None:
        return
    check = FileChecker(name, into.codes)
    if not isinstance(data, MarkedDict):
        check.problem(
            None,
            None,
            f"the file must be a mapping starting with 'version: {FORMAT_VERSION}'",
            "see knowledge/README.md for an example",
        )
        into.problems.extend(check.problems)
        return
    _add_translations(data, into.overlay)
    if data.get("version") != FORMAT_VERSION:
        check.problem(
            data,
            "version",
            f"'version: {FORMAT_VERSION}' is missing or different",
            f"put 'version: {FORMAT_VERSION}' in the first line",
        )
    check.unknown_fields(data, TOP_LEVEL[kind], f"a file in {kind}/")
    for key, convert, target in (
        ("entries", check.entry, into.entries),
        ("intents", check.intent, into.intents),
    ):
        items = data.get(key)
        if items is None:
            continue
        if not isinstance(items, list):
            check.problem(data, key, f"'{key}' must be a list", "start each item with '- id: ...'")
            continue
        for raw in items:
            item = check.mapping(raw, data, key, f"an item of '{key}'")
            converted = convert(item) if item is not None else None
            if converted is not None:
                target.append(converted)  # type: ignore[arg-type]
    for key, target_list in (("partners", into.partners), ("services", into.services)):
        items = data.get(key)
        if isinstance(items, list):
            for raw in items:
                item = check.mapping(raw, data, key, f"an item of '{key}'")
                partner = check.partner(item, key[:-1]) if item is not None else None
                if partner is not None:
                    target_list.append(partner)
        elif items is not None:
            check.problem(data, key, f"'{key}' must be a list", "start each item with '- id: ...'")
    if "synonyms" in data:
        into.synonyms.extend(check.synonyms(data, data["synonyms"]))
    if "messages" in data:
        messages = check.mapping(data["messages"], data, "messages", "'messages'")
        if messages is not None:
            into.messages.update(check.messages(messages))
    into.problems.extend(check.problems)


def _add_translations(data: MarkedDict, overlay: dict[str, dict[str, dict[Lang, Any]]]) -> None:
    """Give each item of a German data file the translated blocks written for its id.

    An entry's translation repeats no links: the German links apply.
    """
    for section in TRANSLATED_SECTIONS:
        items = data.get(section)
        for item in items if isinstance(items, list) else []:
            if not isinstance(item, MarkedDict):
                continue
            for code, block in overlay.get(section, {}).get(str(item.get("id")), {}).items():
                german = item.get("de")
                if section == "entries" and isinstance(german, dict) and "links" in german:
                    block.setdefault("links", german["links"])
                item.setdefault(code, block)
    messages = data.get("messages")
    if isinstance(messages, MarkedDict):
        for key, texts in overlay.get("messages", {}).items():
            if isinstance(messages.get(key), MarkedDict):
                for code, text in texts.items():
                    messages[key].setdefault(code, text)


def _read_languages(knowledge_dir: Path, into: _Collected) -> None:
    """Read languages.yaml, when there is one; without it the bot speaks German and English."""
    path = knowledge_dir / LANGUAGES_FILE
    if not path.is_file():
        return
    name = _shown(path)
    data, problems = read_yaml(path, name)
    into.problems.extend(problems)
    if not isinstance(data, MarkedDict):
        return
    check = FileChecker(name)
    check.unknown_fields(data, {"version", "languages"}, LANGUAGES_FILE)
    languages = check.language_list(data)
    into.problems.extend(check.problems)
    if languages:
        into.languages = languages


def _read_translations(knowledge_dir: Path, intents_dir: Path, into: _Collected) -> None:
    """Collect the translated blocks of every configured language but German."""
    for code in into.codes[1:]:
        paths = data_files(knowledge_dir / TRANSLATIONS / code)
        single = intents_dir / TRANSLATIONS / f"{code}.yaml"
        paths += [single] if single.is_file() else []
        for path in paths:
            name = _shown(path)
            data, problems = read_yaml(path, name)
            into.problems.extend(problems)
            if not isinstance(data, MarkedDict):
                continue
            check = FileChecker(name, into.codes)
            allowed = {"version", "language", "messages", MESSAGE_SOURCES, *TRANSLATED_SECTIONS}
            check.unknown_fields(data, allowed, "a translation file")
            if data.get("language") != code:
                check.problem(
                    data, "language", f"this file must say 'language: {code}'", "fix the code"
                )
            for section in TRANSLATED_SECTIONS:
                items = data.get(section)
                for item in items if isinstance(items, list) else []:
                    if isinstance(item, MarkedDict) and isinstance(item.get("id"), str):
                        skip = ("id", "source")
                        block = MarkedDict({k: v for k, v in item.items() if k not in skip})
                        block.line, block.column = item.line, item.column
                        block.key_positions = dict(item.key_positions)
                        by_id = into.overlay.setdefault(section, {})
                        by_id.setdefault(item["id"], {})[code] = block
                        stamp = TranslationStamp(
                            section, item["id"], code, name, item.line, str(item.get("source", ""))
                        )
                        into.stamps.append(stamp)
            messages = data.get("messages")
            if isinstance(messages, MarkedDict):
                into.message_files[code] = (name, messages.line)
                sources = data.get(MESSAGE_SOURCES)
                sources = sources if isinstance(sources, dict) else {}
                for key, text in messages.items():
                    into.overlay.setdefault("messages", {}).setdefault(key, {})[code] = text
                    line = messages.position(key)[0]
                    stamp = TranslationStamp(
                        "messages", key, code, name, line, str(sources.get(key, ""))
                    )
                    into.stamps.append(stamp)
            into.problems.extend(check.problems)


def _examples(item: Entry | Intent) -> list[str]:
    """Return every example question of an entry or intent, in all languages."""
    if isinstance(item, Entry):
        return [q for text in item.texts.values() for q in text.questions]
    return [q for text in item.texts.values() for q in text.examples]


def _check_examples_and_languages(c: _Collected) -> None:
    """The same example under two ids confuses matching; a missing language is a gap."""
    owners: dict[str, Entry | Intent] = {}
    items: list[Entry | Intent] = [*c.entries, *c.intents]
    for item in items:
        for question in _examples(item):
            key = fold_known_text(question)
            first = owners.setdefault(key, item)
            if first is not item:
                c.problems.append(
                    Problem(
                        item.file,
                        item.line,
                        1,
                        f"the example '{question}' of '{item.id}' is also an example of '{first.id}' ({first.file}:{first.line})",
                        "keep it under the one entry it belongs to",
                    )
                )
    languages = {lang for item in items for lang in item.texts}
    for item in items:
        for lang in sorted(languages - set(item.texts)):
            c.problems.append(
                Problem(
                    item.file,
                    item.line,
                    1,
                    f"'{item.id}' has no '{lang}' texts, other entries do",
                    f"add a '{lang}:' block so people writing in {lang} get this answer",
                    "warning",
                )
            )


def _check_messages(c: _Collected) -> None:
    """Warn about fixed messages a configured language has no text for."""
    for code in c.codes:
        if code in BUILTIN_LANGUAGES:
            continue
        file, line = c.message_files.get(code, (f"intents/{TRANSLATIONS}/{code}.yaml", 1))
        for key in sorted(k for k, texts in c.messages.items() if code not in texts):
            c.problems.append(
                Problem(
                    file,
                    line,
                    1,
                    f"the message '{key}' has no '{code}' text (people writing in {code} get German)",
                    f"add '{key}:' under 'messages:'",
                    "warning",
                )
            )


def _cross_check(c: _Collected) -> None:
    """Check what spans files: unique ids, partner and related references, examples."""
    _check_examples_and_languages(c)
    _check_messages(c)
    _check_stamps(c)
    by_id: dict[str, list[Entry | Intent]] = {}
    items: list[Entry | Intent] = [*c.entries, *c.intents]
    for item in items:
        by_id.setdefault(item.id, []).append(item)
    for item_id, group in by_id.items():
        for item in group if len(group) > 1 else []:
            others = ", ".join(f"{o.file}:{o.line}" for o in group if o is not item)
            c.problems.append(
                Problem(
                    item.file,
                    item.line,
                    1,
                    f"the id '{item_id}' is used twice (also in {others})",
                    "give one of them another id",
                )
            )
    partner_ids = {p.id for p in c.partners}
    entry_ids = {e.id for e in c.entries}
    for entry in c.entries:
        if entry.partner and entry.partner not in partner_ids:
            c.problems.append(
                Problem(
                    entry.file,
                    entry.line,
                    1,
                    f"entry '{entry.id}' names the partner '{entry.partner}', which does not exist",
                    f"use one of: {', '.join(sorted(partner_ids))}",
                )
            )
        for related in entry.related:
            if related not in entry_ids:
                c.problems.append(
                    Problem(
                        entry.file,
                        entry.line,
                        1,
                        f"entry '{entry.id}' has the related id '{related}', which does not exist",
                        "fix the id or remove it from 'related'",
                    )
                )
    for intent in c.intents:
        if intent.high_priority and c.messages and f"fallback_{intent.id}" not in c.messages:
            c.problems.append(
                Problem(
                    intent.file,
                    intent.line,
                    1,
                    f"the high-priority intent '{intent.id}' has no message 'fallback_{intent.id}'",
                    f"add 'fallback_{intent.id}:' with a short line in intents/messages.yaml;"
                    " it goes before the fallback when a message might mean this",
                )
            )
    service_ids = {s.id for s in c.services}
    for item in items:
        for service in item.services:
            if service not in service_ids:
                c.problems.append(
                    Problem(
                        item.file,
                        item.line,
                        1,
                        f"'{item.id}' names the help service '{service}', which does not exist",
                        f"use one of: {', '.join(sorted(service_ids))}",
                    )
                )


def load_knowledge(
    knowledge_dir: Path, intents_dir: Path, snapshot_dir: Path | None = None
) -> tuple[KnowledgeBase, list[Problem]]:
    """Load and check all data files; raise KnowledgeError listing every error.

    With a snapshot folder, a knowledge base checked before from exactly the same files (and
    the same code) is read back from JSON instead (~0.02 s instead of ~0.3 s for eight
    languages); any change to a file makes a full load again.
    """
    if snapshot_dir is None:
        return _load(knowledge_dir, intents_dir)
    try:
        key = snapshot_key(knowledge_dir, intents_dir)
    except OSError:
        return _load(knowledge_dir, intents_dir)
    path = snapshot_dir / SNAPSHOT_FILE
    saved = load_snapshot(path, key)
    if saved is not None:
        return saved
    kb, problems = _load(knowledge_dir, intents_dir)
    save_snapshot(path, key, kb, problems)
    return kb, problems


def _load(knowledge_dir: Path, intents_dir: Path) -> tuple[KnowledgeBase, list[Problem]]:
    """Read and check every data file (no snapshot)."""
    collected = _Collected()
    _read_languages(knowledge_dir, collected)
    _read_translations(knowledge_dir, intents_dir, collected)
    for kind, directory in (("knowledge", knowledge_dir), ("intents", intents_dir)):
        if not directory.is_dir():
            collected.problems.append(
                Problem(
                    _shown(directory),
                    1,
                    1,
                    f"the {kind} folder does not exist",
                    f"check BOT_{kind.upper()}_DIR",
                )
            )
            continue
        for path in data_files(directory):
            if path.name != LANGUAGES_FILE:
                _read_file(path, kind, collected)
    _cross_check(collected)
    if not collected.entries and not any(p.severity == "error" for p in collected.problems):
        collected.problems.append(
            Problem(
                _shown(knowledge_dir),
                1,
                1,
                "there are no knowledge entries",
                "add a file with 'entries:'",
            )
        )
    problems = sorted(collected.problems)
    if any(p.severity == "error" for p in problems):
        raise KnowledgeError(problems)
    kb = KnowledgeBase(
        entries={e.id: e for e in collected.entries},
        intents={i.id: i for i in collected.intents},
        partners={p.id: p for p in collected.partners},
        services={s.id: s for s in collected.services},
        synonyms=tuple(collected.synonyms),
        messages=collected.messages,
        languages=tuple(collected.languages),
        single_language_words=single_language_words(_example_texts(collected)),
    )
    return kb, problems


def _example_texts(c: _Collected) -> Iterator[tuple[Lang, str]]:
    """Yield (language, text) of every title, example question and keyword line."""
    for entry in c.entries:
        for lang, text in entry.texts.items():
            yield from ((lang, line) for line in (text.title, *text.questions))
            if text.keywords:
                yield lang, " ".join(text.keywords)
    for intent in c.intents:
        for lang, itext in intent.texts.items():
            yield from ((lang, line) for line in itext.examples)
