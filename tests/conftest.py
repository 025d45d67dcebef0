"""Shared fixtures: the real knowledge base, loaded once per test session."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.core.assistant import Assistant

ROOT = Path(__file__).resolve().parent.parent
KNOWLEDGE = ROOT / "knowledge"
INTENTS = ROOT / "intents"
SHARED = ROOT.parent / "shared"


@pytest.fixture(scope="session")
def assistant() -> Assistant:
    """The assistant over the project's real knowledge and intent files."""
    built, _warnings = Assistant.from_dirs(KNOWLEDGE, INTENTS)
    return built
