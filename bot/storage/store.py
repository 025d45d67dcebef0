"""The bot's database: preferences, the question log and feedback votes."""

import asyncio
import sqlite3
from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path
from types import TracebackType
from typing import Any, Self

import aiosqlite

from bot.storage.connection import connect
from bot.storage.errors import StorageError
from bot.storage.keys import is_user_key
from bot.storage.masking import mask_personal_data
from bot.storage.records import (
    UNANSWERED_KINDS,
    DownvotedQuestion,
    QuestionRecord,
    Stats,
    VoteCount,
)
from bot.storage.timestamps import decode_timestamp, encode_timestamp, require_aware, utc_now
from bot.storage.writer import SerialWriter

VOTE_VALUES: frozenset[int] = frozenset({-1, 1})

Statement = tuple[str, Sequence[Any]]


class Store:
    """Async access to the SQLite database; open it with Store.open()."""

    def __init__(self, path: Path, conn: aiosqlite.Connection) -> None:
        self._path = path
        self._conn = conn
        self._writer = SerialWriter(conn, str(path))
        self._closing: asyncio.Task[None] | None = None

    @classmethod
    async def open(cls, path: Path) -> Self:
        """Open (or create) the database at path and bring its schema up to date."""
        conn = await connect(path)
        store = cls(path, conn)
        store._writer.start()
        return store

    @property
    def path(self) -> Path:
        """Return the database file path."""
        return self._path

    async def close(self) -> None:
        """Finish queued writes and close the connection; safe to call more than once."""
        # One shared shutdown task: every caller, including a concurrent second one, returns
        # only after the queued writes are done, and a cancelled caller cannot cut it short.
        if self._closing is None:
            self._closing = asyncio.get_running_loop().create_task(self._shut_down())
        await asyncio.shield(self._closing)

    async def _shut_down(self) -> None:
        await self._writer.close()
        await self._conn.close()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    async def get_language(self, user_key: str) -> str | None:
        """Return the user's chosen language, or None if they never chose one."""
        _require_user_key(user_key)
        rows = await self._fetch_all("SELECT lang FROM preferences WHERE user_key = ?", (user_key,))
        return str(rows[0][0]) if rows else None

    async def set_language(self, user_key: str, lang: str) -> None:
        """Store the user's language, replacing an earlier choice."""
        _require_user_key(user_key)
        await self._write(
            (
                "INSERT INTO preferences (user_key, lang, updated_at) VALUES (?, ?, ?) "
                "ON CONFLICT (user_key) DO UPDATE "
                "SET lang = excluded.lang, updated_at = excluded.updated_at",
                (user_key, lang, encode_timestamp(utc_now())),
            )
        )

    async def log_question(self, entry: QuestionRecord) -> None:
        """Log a question; its text is masked, and kept only for unanswered kinds."""
        if entry.user_key is not None:
            _require_user_key(entry.user_key)
        text = None
        if entry.kind in UNANSWERED_KINDS and entry.text is not None:
            text = _storable(mask_personal_data(entry.text))
        await self._write(
            (
                "INSERT INTO questions "
                "(asked_at, user_key, lang, kind, matched_id, score, text) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    encode_timestamp(entry.asked_at),
                    entry.user_key,
                    entry.lang,
                    entry.kind,
                    entry.matched_id,
                    entry.score,
                    text,
                ),
            )
        )

    async def record_vote(self, user_key: str, entry_id: str, vote: int) -> None:
        """Record a user's vote (+1 or -1) on an entry; voting again replaces the vote."""
        _require_user_key(user_key)
        # bool is an int subclass; True must not pass as an up-vote by accident.
        if isinstance(vote, bool) or vote not in VOTE_VALUES:
            raise ValueError(f"vote must be -1 or 1, got {vote!r}")
        await self._write(
            (
                "INSERT INTO votes (user_key, entry_id, vote, voted_at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (user_key, entry_id) DO UPDATE "
                "SET vote = excluded.vote, voted_at = excluded.voted_at",
                (user_key, entry_id, vote, encode_timestamp(utc_now())),
            )
        )

    async def log_downvoted_question(
        self, user_key: str, entry_id: str, lang: str, text: str, asked_at: datetime | None = None
    ) -> None:
        """Keep the (masked) question behind an answer that got 👎."""
        _require_user_key(user_key)
        when = asked_at or utc_now()
        require_aware(when, "asked_at")
        await self._write(
            (
                "INSERT INTO downvoted_questions (asked_at, user_key, entry_id, lang, text) "
                "VALUES (?, ?, ?, ?, ?)",
                (
                    encode_timestamp(when),
                    user_key,
                    entry_id,
                    lang,
                    _storable(mask_personal_data(text)),
                ),
            )
        )

    async def vote_counts(self, since: datetime) -> list[VoteCount]:
        """Return 👍/👎 counts per entry for votes given since the time, most 👎 first."""
        rows = await self._fetch_all(
            "SELECT entry_id, COALESCE(SUM(vote = 1), 0), COALESCE(SUM(vote = -1), 0) "
            "FROM votes WHERE voted_at >= ? GROUP BY entry_id "
            "ORDER BY SUM(vote = -1) DESC, entry_id",
            (encode_timestamp(since),),
        )
        return [VoteCount(str(e), int(up), int(down)) for e, up, down in rows]

    async def downvoted_questions(self, since: datetime) -> list[DownvotedQuestion]:
        """Return the questions behind 👎 answers since the time, oldest first."""
        rows = await self._fetch_all(
            "SELECT asked_at, entry_id, lang, text FROM downvoted_questions "
            "WHERE asked_at >= ? ORDER BY asked_at, id",
            (encode_timestamp(since),),
        )
        return [
            DownvotedQuestion(decode_timestamp(a), str(e), str(lg), str(t)) for a, e, lg, t in rows
        ]

    async def delete_user(self, user_key: str) -> int:
        """Delete everything stored about a user in one transaction; return the rows deleted."""
        _require_user_key(user_key)
        return await self._write(
            ("DELETE FROM preferences WHERE user_key = ?", (user_key,)),
            ("DELETE FROM questions WHERE user_key = ?", (user_key,)),
            ("DELETE FROM votes WHERE user_key = ?", (user_key,)),
            ("DELETE FROM downvoted_questions WHERE user_key = ?", (user_key,)),
        )

    async def purge_questions(self, older_than: timedelta, now: datetime | None = None) -> int:
        """Delete questions asked before now - older_than; return how many were deleted."""
        if older_than < timedelta(0):
            raise ValueError(f"older_than must not be negative, got {older_than!r}")
        if now is None:
            now = utc_now()
        require_aware(now, "now")
        cutoff = encode_timestamp(now - older_than)
        return await self._write(
            ("DELETE FROM questions WHERE asked_at < ?", (cutoff,)),
            ("DELETE FROM downvoted_questions WHERE asked_at < ?", (cutoff,)),
        )

    async def stats(self, since: datetime) -> Stats:
        """Count questions by outcome and votes given since the given time."""
        # One statement, so both counts come from the same snapshot.
        rows = await self._fetch_all(
            """
            SELECT 'question', kind, COUNT(*) FROM questions WHERE asked_at >= :since
            GROUP BY kind
            UNION ALL
            SELECT 'vote', vote, COUNT(*) FROM votes WHERE voted_at >= :since GROUP BY vote
            """,
            {"since": encode_timestamp(since)},
        )
        kinds = {str(kind): int(n) for table, kind, n in rows if table == "question"}
        votes = {int(vote): int(n) for table, vote, n in rows if table == "vote"}
        return Stats.count(kinds, votes_up=votes.get(1, 0), votes_down=votes.get(-1, 0))

    async def questions_since(self, since: datetime) -> list[QuestionRecord]:
        """Return the questions asked since the given time, oldest first."""
        rows = await self._fetch_all(
            "SELECT asked_at, user_key, lang, kind, matched_id, score, text "
            "FROM questions WHERE asked_at >= ? ORDER BY asked_at, id",
            (encode_timestamp(since),),
        )
        return [
            QuestionRecord(
                asked_at=decode_timestamp(asked_at),
                user_key=user_key,
                lang=lang,
                kind=kind,
                matched_id=matched_id,
                score=score,
                text=text,
            )
            for asked_at, user_key, lang, kind, matched_id, score, text in rows
        ]

    async def integrity_ok(self) -> bool:
        """Run SQLite's integrity check and tell whether it reported 'ok'."""
        rows = await self._fetch_all("PRAGMA integrity_check", ())
        return [tuple(row) for row in rows] == [("ok",)]

    async def _write(self, *statements: Statement) -> int:
        # Every public write is a list of statements run as one job, so all of them land
        # or none; the total row count is what delete_user and purge_questions report.
        async def job(conn: aiosqlite.Connection) -> int:
            changed = 0
            for sql, params in statements:
                async with conn.execute(sql, params) as cursor:
                    changed += max(cursor.rowcount, 0)
            return changed

        try:
            return await self._writer.submit(job)
        except sqlite3.Error as exc:
            raise StorageError(f"writing to {self._path.name} failed: {exc}") from exc

    async def _fetch_all(
        self, sql: str, params: Sequence[Any] | dict[str, Any]
    ) -> list[tuple[Any, ...]]:
        async def job(conn: aiosqlite.Connection) -> list[tuple[Any, ...]]:
            async with conn.execute(sql, params) as cursor:
                return [tuple(row) for row in await cursor.fetchall()]

        try:
            return await self._writer.read(job)
        except sqlite3.Error as exc:
            raise StorageError(f"reading {self._path.name} failed: {exc}") from exc


def _require_user_key(value: str) -> None:
    # The single guard that keeps raw Telegram ids out of the database: anything that is
    # not an HMAC from keys.user_key() is refused before it reaches SQL.
    if not is_user_key(value):
        raise ValueError("user_key must be the HMAC hex digest from keys.user_key(), not a raw id")


def _storable(text: str) -> str:
    """Return text that SQLite can store as UTF-8 (lone surrogates become "?")."""
    return text.encode("utf-8", "replace").decode("utf-8")
