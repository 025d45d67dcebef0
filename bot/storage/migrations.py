"""Numbered schema migrations; PRAGMA user_version records how many have been applied."""

import sqlite3
from collections.abc import Sequence

import aiosqlite

from bot.storage.errors import StorageError

# Append only: a released migration never changes, because databases in the field have
# already applied it. Migration n (1-based) is MIGRATIONS[n - 1].
MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE preferences (
        user_key   TEXT PRIMARY KEY,
        lang       TEXT NOT NULL,
        updated_at TEXT NOT NULL
    );
    CREATE TABLE questions (
        id         INTEGER PRIMARY KEY,
        asked_at   TEXT NOT NULL,
        user_key   TEXT,
        lang       TEXT NOT NULL,
        kind       TEXT NOT NULL
                   CHECK (kind IN ('faq', 'intent', 'suggestions', 'fallback', 'none_of_these')),
        matched_id TEXT,
        score      REAL,
        text       TEXT
    );
    CREATE INDEX questions_asked_at ON questions (asked_at);
    CREATE INDEX questions_user_key ON questions (user_key);
    CREATE TABLE votes (
        user_key TEXT NOT NULL,
        entry_id TEXT NOT NULL,
        vote     INTEGER NOT NULL CHECK (vote IN (-1, 1)),
        voted_at TEXT NOT NULL,
        PRIMARY KEY (user_key, entry_id)
    );
    """,
    # 2: the question that led to an answer someone marked 👎 (masked text), so staff can see
    # why an answer did not help; deleted with the user and by the retention job.
    """
    CREATE TABLE downvoted_questions (
        id       INTEGER PRIMARY KEY,
        asked_at TEXT NOT NULL,
        user_key TEXT,
        entry_id TEXT NOT NULL,
        lang     TEXT NOT NULL,
        text     TEXT NOT NULL
    );
    CREATE INDEX downvoted_questions_asked_at ON downvoted_questions (asked_at);
    CREATE INDEX downvoted_questions_user_key ON downvoted_questions (user_key);
    """,
)

SCHEMA_VERSION = len(MIGRATIONS)


async def schema_version(conn: aiosqlite.Connection) -> int:
    """Return the number of migrations applied to the database."""
    async with conn.execute("PRAGMA user_version") as cursor:
        row = await cursor.fetchone()
    return 0 if row is None else int(row[0])


async def migrate(conn: aiosqlite.Connection, migrations: Sequence[str] = MIGRATIONS) -> int:
    """Apply pending migrations, each in its own transaction, and return the new version."""
    version = await schema_version(conn)
    if version > len(migrations):
        raise StorageError(
            f"database schema version {version} is newer than this program supports "
            f"({len(migrations)}); update the bot instead of downgrading"
        )
    for number, script in enumerate(migrations, start=1):
        if number > version:
            await _apply(conn, number, script)
    return await schema_version(conn)


def split_statements(script: str) -> list[str]:
    """Split an SQL script into single statements."""
    # Needed because sqlite3's executescript() commits first and so cannot run inside
    # our transaction; complete_statement() keeps semicolons in strings and comments intact.
    statements: list[str] = []
    pending = ""
    for piece in script.split(";"):
        pending += piece + ";"
        if sqlite3.complete_statement(pending):
            if pending.strip(" \t\r\n;"):
                statements.append(pending.strip())
            pending = ""
    if pending.strip(" \t\r\n;"):
        statements.append(pending.strip())
    return statements


async def _apply(conn: aiosqlite.Connection, number: int, script: str) -> None:
    # IMMEDIATE takes the write lock before the version is read, so when two processes
    # start together the second one sees the first one's work and skips the migration.
    await conn.execute("BEGIN IMMEDIATE")
    try:
        if await schema_version(conn) >= number:
            await conn.execute("COMMIT")
            return
        for statement in split_statements(script):
            await conn.execute(statement)
        # PRAGMA takes no bound parameters; number is an int we produced, not user input.
        await conn.execute(f"PRAGMA user_version = {int(number)}")
        await conn.execute("COMMIT")
    except BaseException as exc:
        if conn.in_transaction:
            await conn.execute("ROLLBACK")
        if isinstance(exc, sqlite3.Error):
            raise StorageError(f"migration {number} failed: {exc}") from exc
        raise
