"""A checked knowledge base saved as JSON, so a restart with unchanged files skips the YAML work."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import types
import typing
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal, TypeVar, Union, get_args, get_origin, get_type_hints

from bot.core.atomic import write_atomically
from bot.core.model import KnowledgeBase
from bot.core.problems import Problem

# Bump when the JSON changes meaning; the code files below are hashed into the key as well.
SNAPSHOT_FORMAT = "1"
SNAPSHOT_FILE = "knowledge-snapshot.json"
# What turns the YAML files into a knowledge base: a snapshot made by other code is stale.
_CODE = (
    "loader.py",
    "schema.py",
    "model.py",
    "yamlfile.py",
    "text.py",
    "language.py",
    "problems.py",
)

T = TypeVar("T")


def snapshot_key(knowledge_dir: Path, intents_dir: Path) -> str:
    """Return a hash of every data file (name and bytes) and of the code that reads them."""
    digest = hashlib.sha256(SNAPSHOT_FORMAT.encode())
    here = Path(__file__).parent
    for name in _CODE:
        digest.update(b"\0" + (here / name).read_bytes())
    for directory in (knowledge_dir, intents_dir):
        for path in sorted(directory.rglob("*")):
            if path.is_file() and path.suffix in (".yaml", ".yml"):
                digest.update(b"\0" + str(path.relative_to(directory)).encode() + b"\0")
                digest.update(path.read_bytes())
    return digest.hexdigest()


def _plain(value: Any) -> Any:
    """Return a dataclass tree as JSON values (tuples and frozensets become lists)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    if isinstance(value, frozenset):
        return sorted(_plain(item) for item in value)
    return value


@lru_cache(maxsize=64)
def _hints(kind: type) -> dict[str, Any]:
    """Return a dataclass's resolved field types (resolving them is slow: once per class)."""
    return get_type_hints(kind)


def _build(kind: Any, value: Any) -> Any:
    """Rebuild a value of a type hint from its JSON form; raise ValueError when it does not fit."""
    origin = get_origin(kind)
    if dataclasses.is_dataclass(kind) and isinstance(kind, type):
        if not isinstance(value, dict):
            raise ValueError(f"{kind.__name__}: expected an object")
        hints = _hints(kind)
        return kind(**{name: _build(hints[name], item) for name, item in value.items()})
    if origin in (Union, types.UnionType):
        if value is None and type(None) in get_args(kind):
            return None
        (other,) = [arg for arg in get_args(kind) if arg is not type(None)]
        return _build(other, value)
    if origin is Literal:
        if value not in get_args(kind):
            raise ValueError(f"{value!r} is not one of {get_args(kind)}")
        return value
    if origin in (tuple, frozenset, list) and isinstance(value, list):
        args = get_args(kind)
        if args[0] is str and all(type(item) is str for item in value):
            # Most of the tree: lists of questions and examples.
            return frozenset(value) if origin is frozenset else origin(value)
        items = [_build(args[0], item) for item in value]
        return frozenset(items) if origin is frozenset else origin(items)
    if origin is dict and isinstance(value, dict):
        _key, item_kind = get_args(kind)
        if item_kind is str and all(type(item) is str for item in value.values()):
            return dict(value)
        return {str(key): _build(item_kind, item) for key, item in value.items()}
    if kind in (str, int, float, bool) and type(value) is kind:
        return value
    raise ValueError(f"{value!r} does not fit {kind}")


def load_snapshot(path: Path, key: str) -> tuple[KnowledgeBase, list[Problem]] | None:
    """Return the saved knowledge base and its warnings when made from exactly these files."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(data, dict) or data.get("key") != key:
            return None
        kb = _build(KnowledgeBase, data["knowledge"])
        problems = [_build(Problem, item) for item in data["problems"]]
    except (OSError, ValueError, KeyError, TypeError, UnicodeDecodeError):
        # Missing, stale, truncated or edited by hand: read the YAML files instead.
        return None
    return typing.cast(KnowledgeBase, kb), typing.cast(list[Problem], problems)


def save_snapshot(path: Path, key: str, kb: KnowledgeBase, problems: list[Problem]) -> bool:
    """Write the snapshot atomically; return False when the folder is not writable."""
    data = {"key": key, "knowledge": _plain(kb), "problems": _plain(problems)}
    return write_atomically(
        path, lambda handle: json.dump(data, handle, ensure_ascii=False), text=True
    )
