"""Opening the SQLite file: directory, connection settings and schema migrations."""

import logging
import sqlite3
from pathlib import Path

import aiosqlite

from bot.storage.errors import StorageError
from bot.storage.migrations import migrate

LOG = logging.getLogger(__name__)
BUSY_TIMEOUT_MS = 5000


async def connect(path: Path) -> aiosqlite.Connection:
    """Open the database at path, configure it and bring its schema up to date."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StorageError(f"cannot create the directory for database {path}: {exc}") from exc
    try:
        # Probe synchronously first: when aiosqlite itself fails to connect, its worker thread
        # reports back to the event loop later, possibly after the loop has closed.
        sqlite3.connect(path).close()
    except sqlite3.Error as exc:
        raise StorageError(f"cannot open database {path}: {exc}") from exc
    try:
        # isolation_level=None stops sqlite3 from issuing its own BEGINs: transactions are
        # begun and ended explicitly by the writer and the migrations.
        conn = await aiosqlite.connect(path, isolation_level=None)
    except sqlite3.Error as exc:
        raise StorageError(f"cannot open database {path}: {exc}") from exc
    try:
        await _configure(conn, path)
        await migrate(conn)
    except BaseException as exc:
        await conn.close()
        if isinstance(exc, sqlite3.Error | StorageError):
            raise StorageError(f"cannot open database {path}: {exc}") from exc
        raise
    return conn


async def _configure(conn: aiosqlite.Connection, path: Path) -> None:
    # First, so that the other statements wait for a lock held by another process.
    await conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    async with conn.execute("PRAGMA journal_mode = WAL") as cursor:
        row = await cursor.fetchone()
    mode = "unknown" if row is None else str(row[0]).lower()
    if mode != "wal":
        # Still usable, only with readers blocking the writer; not worth refusing to start.
        LOG.warning("database %s: journal_mode is %s, WAL is not available here", path, mode)
    # NORMAL is durable enough with WAL: a power cut may lose the last commits, never corrupt.
    await conn.execute("PRAGMA synchronous = NORMAL")
    await conn.execute("PRAGMA foreign_keys = ON")
