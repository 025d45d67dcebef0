"""Loads knowledge/ and intents/ into one checked KnowledgeBase, or lists what to fix."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from bot.core.model import Entry, Intent, KnowledgeBase, Lang, Partner
from bot.core.problems import KnowledgeError, Problem
from bot.core.schema import TOP_LEVEL, FileChecker
from bot.core.text import fold
from bot.core.yamlfile import MarkedDict, read_yaml

FORMAT_VERSION = 1


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
    check = FileChecker(name)
    if not isinstance(data, MarkedDict):
        check.problem(
            None,
            None,
            f"the file must be a mapping starting with 'version: {FORMAT_VERSION}'",
            "see knowledge/README.md for an example",
        )
        into.problems.extend(check.problems)
        return
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
            key = fold(question)
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


def _cross_check(c: _Collected) -> None:
    """Check what spans files: unique ids, partner and related references, examples."""
    _check_examples_and_languages(c)
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


def load_knowledge(knowledge_dir: Path, intents_dir: Path) -> tuple[KnowledgeBase, list[Problem]]:
    """Load and check all data files; raise KnowledgeError listing every error."""
    collected = _Collected()
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
    )
    return kb, problems
