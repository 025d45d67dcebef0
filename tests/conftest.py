"""Shared fixtures: the real knowledge base, loaded once per test session."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml

from bot.core.assistant import Assistant

ROOT = Path(__file__).resolve().parent.parent
KNOWLEDGE = ROOT / "knowledge"
INTENTS = ROOT / "intents"
SHARED = ROOT.parent / "shared"
# The configured languages (knowledge/languages.yaml), for tests that run once per language.
LANGUAGES: list[dict[str, str]] = yaml.safe_load(
    (KNOWLEDGE / "languages.yaml").read_text(encoding="utf-8")
)["languages"]
CODES = [language["code"] for language in LANGUAGES]
TRANSLATED = [code for code in CODES if code not in ("de", "en")]


@pytest.fixture(scope="session")
def assistant() -> Assistant:
    """The assistant over the project's real knowledge and intent files."""
    built, _warnings = Assistant.from_dirs(KNOWLEDGE, INTENTS)
    return built


# python-telegram-bot 22 warns about int retry_after values unless timedeltas are on; the bot's
# runner sets the same, and pytest turns warnings into errors.
os.environ.setdefault("PTB_TIMEDELTA", "true")
