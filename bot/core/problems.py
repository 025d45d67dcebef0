"""Problems found in knowledge files, worded for staff: where, what is wrong, how to fix it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True, order=True)
class Problem:
    """One problem in a data file, with its position and a fix."""

    file: str
    line: int
    column: int
    message: str
    fix: str = ""
    severity: Severity = "error"

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}:{self.column}"
        text = f"{where}: {self.message}"
        if self.fix:
            text += f" — {self.fix}"
        return text if self.severity == "error" else f"{text} (warning)"


class KnowledgeError(Exception):
    """The knowledge files have errors; `problems` lists every one of them."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        errors = [p for p in problems if p.severity == "error"]
        super().__init__("\n".join(str(p) for p in errors) or "knowledge files have errors")
