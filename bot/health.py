"""Health checks shared by `python -m bot check` and the webhook's GET /healthz."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import stat
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from bot.config import Config, ConfigError
from bot.core.loader import load_knowledge
from bot.core.problems import KnowledgeError
from bot.core.snapshot import snapshot_key

# getMe must answer within this many seconds for the token check to pass.
GET_ME_TIMEOUT = 10.0


@dataclass(frozen=True)
class Check:
    """One check's outcome: its name, whether it passed, and a short line about it."""

    name: str
    ok: bool
    detail: str

    def line(self) -> str:
        """Return the check as one line: 'ok' or 'FAIL', its name and what was found."""
        return f"{'ok  ' if self.ok else 'FAIL'}  {self.name}: {self.detail}"


def database_writable(path: Path) -> Check:
    """Check that the SQLite file (or its folder, before the first start) takes a write."""
    try:
        if path.exists() and not stat.S_IMODE(path.stat().st_mode) & 0o222:
            return Check("database", False, f"{path} is read-only")
        if path.exists() and not os.access(path, os.W_OK):
            return Check("database", False, f"{path} is not writable for this user")
        folder = path.parent
        if not path.exists() and not (folder.is_dir() and os.access(folder, os.W_OK | os.X_OK)):
            return Check("database", False, f"{folder} cannot hold the database")
        if path.exists():
            # A write lock and nothing written: proves the file takes writes right now.
            with sqlite3.connect(path, timeout=2.0) as connection:
                connection.execute("BEGIN IMMEDIATE")
                connection.execute("ROLLBACK")
    except (OSError, sqlite3.Error) as exc:
        return Check("database", False, f"{path}: {exc}")
    return Check("database", True, f"{path} is writable")


def knowledge_usable(config: Config) -> Check:
    """Load and check the knowledge and intent files (no snapshot, no model cache)."""
    try:
        kb, warnings = load_knowledge(config.knowledge_dir, config.intents_dir)
    except KnowledgeError as exc:
        errors = [p for p in exc.problems if p.severity == "error"]
        return Check("knowledge", False, f"{len(errors)} error(s), first: {errors[0]}")
    return Check(
        "knowledge",
        True,
        f"{len(kb.entries)} entries, {len(kb.intents)} intents, {len(kb.codes)} languages, "
        f"{len(warnings)} warning(s)",
    )


def knowledge_version(config: Config) -> str:
    """Return a short hash of the knowledge and intent files (changes with any edit)."""
    return snapshot_key(config.knowledge_dir, config.intents_dir)[:12]


def data_dir_writable(config: Config) -> Check:
    """Check that the data folder exists (or can be made) and takes files."""
    folder = config.data_dir
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        return Check("data folder", False, f"{folder} cannot be created ({exc.strerror})")
    if not os.access(folder, os.W_OK | os.X_OK):
        return Check("data folder", False, f"{folder} is not writable for this user")
    return Check("data folder", True, f"{folder} is writable")


async def token_works(config: Config) -> Check:
    """Ask Telegram (getMe) whether the token belongs to a bot."""
    from telegram import Bot
    from telegram.error import TelegramError

    try:
        async with asyncio.timeout(GET_ME_TIMEOUT):
            async with Bot(config.token or "", base_url=config.base_url) as bot:
                me = await bot.get_me()
    except (TelegramError, TimeoutError, OSError) as exc:
        return Check("telegram", False, f"getMe failed: {type(exc).__name__}: {exc}")
    return Check("telegram", True, f"getMe answered: @{me.username}")


def run_checks(env: Mapping[str, str]) -> list[Check]:
    """Run every check that applies; the token check only when a token is set."""
    try:
        config = Config.from_env(env)
    except ConfigError as exc:
        return [Check("configuration", False, str(exc))]
    checks = [Check("configuration", True, "the environment variables are valid")]
    checks.append(data_dir_writable(config))
    checks.append(knowledge_usable(config))
    checks.append(database_writable(config.database))
    if config.token:
        checks.append(asyncio.run(token_works(config)))
    return checks
