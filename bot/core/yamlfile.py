"""Reading staff-edited YAML safely, keeping line numbers for every mapping and key."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode

from bot.core.problems import Problem

# Knowledge files are a few kilobytes; anything far larger is a mistake (a pasted export,
# a binary), and reading it whole would stall a reload.
MAX_FILE_BYTES = 2_000_000


class MarkedDict(dict[str, Any]):
    """A mapping that remembers where it and each of its keys stand in the file."""

    line: int = 0
    column: int = 0
    key_positions: dict[str, tuple[int, int]]

    def position(self, key: str | None = None) -> tuple[int, int]:
        """Return (line, column) of a key, or of the mapping itself."""
        if key is not None and key in self.key_positions:
            return self.key_positions[key]
        return (self.line, self.column)


# libyaml's parser, where PyYAML was built with it: the same nodes and marks, ~10x faster.
_SafeLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _MarkingLoader(_SafeLoader):  # type: ignore[valid-type,misc]
    """SafeLoader that records positions and reports duplicate keys instead of overwriting."""

    def __init__(self, stream: str, file: str) -> None:
        super().__init__(stream)
        self.file = file
        self.problems: list[Problem] = []

    def construct_mapping(self, node: MappingNode, deep: bool = False) -> MarkedDict:
        """Build a MarkedDict, noting each key's position and any duplicate key."""
        self.flatten_mapping(node)
        result = MarkedDict()
        result.line = node.start_mark.line + 1
        result.column = node.start_mark.column + 1
        result.key_positions = {}
        for key_node, value_node in node.value:
            key = self.construct_object(key_node, deep=True)
            position = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
            if not isinstance(key, str):
                key = str(key)
            if key in result:
                first = result.key_positions[key][0]
                self.problems.append(
                    Problem(
                        self.file,
                        *position,
                        f"the key '{key}' appears twice (first in line {first})",
                        "delete or rename one of them",
                    )
                )
                continue
            result.key_positions[key] = position
            result[key] = self.construct_object(value_node, deep=deep)
        return result


_MarkingLoader.add_constructor(
    "tag:yaml.org,2002:map",
    _MarkingLoader.construct_mapping,
)


def read_yaml(path: Path, shown_name: str) -> tuple[Any, list[Problem]]:
    """Read one YAML file; return its data (None when unreadable) and the problems found."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        return None, [Problem(shown_name, 1, 1, f"cannot read the file ({exc.strerror})")]
    if len(raw) > MAX_FILE_BYTES:
        size = len(raw) / 1_000_000
        return None, [
            Problem(
                shown_name,
                1,
                1,
                f"the file is too big ({size:.1f} MB)",
                "knowledge files are short text files; split it or remove what was pasted in",
            )
        ]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        return None, [
            Problem(
                shown_name,
                line,
                1,
                "the file is not UTF-8 text (is it a binary or a Word file?)",
                "save it as plain text in UTF-8",
            )
        ]
    if "\x00" in text:
        return None, [
            Problem(shown_name, 1, 1, "the file contains binary data", "save it as plain text")
        ]
    if not text.strip():
        return None, [
            Problem(
                shown_name, 1, 1, "the file is empty", "start it with 'version: 1' or delete it"
            )
        ]
    tab_problems = [
        Problem(
            shown_name,
            number,
            line.index("\t") + 1,
            "a tab character is used for indentation",
            "indent with spaces only (two per level)",
        )
        for number, line in enumerate(text.splitlines(), 1)
        if "\t" in line[: len(line) - len(line.lstrip())]
    ]
    if tab_problems:
        return None, tab_problems
    loader = _MarkingLoader(text, shown_name)
    try:
        data = loader.get_single_data()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        reason = exc.problem or "the YAML syntax is broken"
        return None, [
            Problem(
                shown_name,
                line,
                column,
                f"YAML syntax error: {reason}",
                "check indentation, and put text containing ': ' or '#' in quotes",
            )
        ]
    except yaml.YAMLError as exc:
        return None, [Problem(shown_name, 1, 1, f"YAML error: {exc}", "check the file's syntax")]
    finally:
        loader.dispose()
    return data, loader.problems
