"""Storage under attack: failing calls, a locked database, a full disk and a killed writer.

Faults are injected by the tests only; product code is not patched. Where a test reaches into
``Store._conn`` or ``Store._writer`` it does so to inject a fault into the store's own
connection (SQLite settings such as ``max_page_count`` are per connection), never to change
what the product does.
"""

from __future__ import annotations

import asyncio
import errno
import logging
import os
import random
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Iterator
from contextlib import closing
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiosqlite
import pytest
from aiosqlite.context import Result

from bot.core.assistant import Assistant
from bot.core.model import Lang
from bot.storage import QuestionKind, QuestionRecord, StorageError, Store, user_key
from bot.tg.application import BotApplication
from bot.tg.buttons import encode
from bot.tg.context import Services
from bot.tg.render import escape, reply_html
from tests.botapi_stub import BotApiStub, Call
from tests.conftest import ROOT
from tests.helpers import writer_proc
from tests.helpers.settle import settle
from tests.tg_harness import bot_env, running_bot

USER = 4711
CHAT = 4711
Q1 = "Was macht der Hessische Jugendring?"  # an FAQ hit: vote buttons, question remembered
Q2 = "DRK"
DB_NAME = "bot.sqlite3"
TABLES = ("preferences", "questions", "votes", "downvoted_questions")
HELPER = ROOT / "tests" / "helpers" / "writer_proc.py"
# A failed write may surface as the raw sqlite3 error (as now) or wrapped in StorageError.
STORE_ERRORS = (sqlite3.Error, StorageError)
LOG_FAILED = re.compile(r"logging a question failed: (OperationalError|StorageError)")


# --- fault injection into the store's aiosqlite connection ---------------------------------


class FaultyExecute:
    """Stands in for ``aiosqlite.Connection.execute``: counts calls, fails the k-th one.

    The failing call never reaches SQLite; it raises ``sqlite3.OperationalError`` as SQLite
    would for a statement that could not run (I/O error, busy, full). Every other call is
    passed through unchanged, both as ``await conn.execute(...)`` and ``async with``.
    """

    def __init__(self, conn: aiosqlite.Connection, fail_at: int | None) -> None:
        self._real: Callable[..., Result[aiosqlite.Cursor]] = conn.execute
        self.fail_at = fail_at
        self.calls: list[str] = []
        self.injected = 0

    def __call__(
        self, sql: str, parameters: Iterable[Any] | dict[str, Any] | None = None
    ) -> Result[aiosqlite.Cursor]:
        self.calls.append(" ".join(sql.split()))
        if len(self.calls) == self.fail_at:
            self.injected += 1
            return Result(self._fail(len(self.calls), sql))
        return self._real(sql, parameters)

    @staticmethod
    async def _fail(number: int, sql: str) -> aiosqlite.Cursor:
        raise sqlite3.OperationalError(f"injected fault in database call {number}: {sql[:40]}")


def inject(monkeypatch: pytest.MonkeyPatch, store: Store, fail_at: int | None) -> FaultyExecute:
    """Wrap the store's own connection (reaching into Store._conn on purpose: fault injection)."""
    conn = store._conn
    faulty = FaultyExecute(conn, fail_at)
    monkeypatch.setattr(conn, "execute", faulty)
    return faulty


# --- helpers -------------------------------------------------------------------------------


@pytest.fixture
async def stub() -> AsyncIterator[BotApiStub]:
    async with BotApiStub() as running:
        yield running


def error_records(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.levelno >= logging.ERROR]


def first_part(assistant: Assistant, text: str, lang: str | None) -> str:
    """The text the bot sends for a question (the reply must fit one message)."""
    parts = reply_html(assistant.answer(text, lang=lang, client_lang="de"))
    assert len(parts) == 1
    return parts[0]


def buttons(call: Call) -> list[dict[str, str]]:
    markup = call.params.get("reply_markup") or {}
    return [button for row in markup.get("inline_keyboard", []) for button in row]


def last_bot_message_id(stub: BotApiStub, chat: int) -> int:
    return max(
        mid for (cid, mid), msg in stub.messages.items() if cid == chat and msg["from"]["is_bot"]
    )


def user_rows(db: Path, key: str) -> dict[str, int]:
    """Rows per table that belong to a user, read over a connection of its own."""
    counts: dict[str, int] = {}
    with closing(sqlite3.connect(db)) as conn:
        for table in TABLES:
            sql = f"SELECT COUNT(*) FROM {table} WHERE user_key = ?"
            counts[table] = int(conn.execute(sql, (key,)).fetchone()[0])
    return counts


def stored_language(db: Path, key: str) -> str | None:
    with closing(sqlite3.connect(db)) as conn:
        row = conn.execute("SELECT lang FROM preferences WHERE user_key = ?", (key,)).fetchone()
    return None if row is None else str(row[0])


def integrity(db: Path) -> list[tuple[Any, ...]]:
    with closing(sqlite3.connect(db)) as conn:
        return conn.execute("PRAGMA integrity_check").fetchall()


def count_rows(db: Path, table: str) -> int:
    with closing(sqlite3.connect(db)) as conn:
        return int(conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])


# --- 1. the k-th database call of a user session fails, through the real bot ---------------

# The database calls a typical session makes, in order: (operation, start of the SQL).
# test_reference_session_makes_exactly_these_calls pins this list to what the bot really does.
SESSION_CALLS: tuple[tuple[str, str], ...] = (
    # 1. the user asks Q1: their language is read, the answer is logged in the background
    ("read_lang", "SELECT lang FROM preferences"),
    ("log_q1", "BEGIN IMMEDIATE"),
    ("log_q1", "INSERT INTO questions"),
    ("log_q1", "COMMIT"),
    # 2. the user presses 👎: the vote is stored, the question behind it logged in the background
    ("vote", "BEGIN IMMEDIATE"),
    ("vote", "INSERT INTO votes"),
    ("vote", "COMMIT"),
    ("log_down", "BEGIN IMMEDIATE"),
    ("log_down", "INSERT INTO downvoted_questions"),
    ("log_down", "COMMIT"),
    # 3. /sprache en
    ("set_lang", "BEGIN IMMEDIATE"),
    ("set_lang", "INSERT INTO preferences"),
    ("set_lang", "COMMIT"),
    # 4. the user asks Q2 (language now cached)
    ("log_q2", "BEGIN IMMEDIATE"),
    ("log_q2", "INSERT INTO questions"),
    ("log_q2", "COMMIT"),
    # 5. /loeschen, then the "yes" button: one transaction over four tables
    ("delete", "BEGIN IMMEDIATE"),
    ("delete", "DELETE FROM preferences"),
    ("delete", "DELETE FROM questions"),
    ("delete", "DELETE FROM votes"),
    ("delete", "DELETE FROM downvoted_questions"),
    ("delete", "COMMIT"),
)


def _k_params() -> list[Any]:
    params: list[Any] = []
    for k, (op, sql) in enumerate(SESSION_CALLS, start=1):
        word = sql.split()[0].lower() if not sql.startswith("INSERT") else "insert"
        params.append(pytest.param(k, id=f"k{k:02d}-{op}-{word}"))
    return params


@dataclass
class Expected:
    """What must be in the database when exactly the operation failed_op failed."""

    failed_op: str | None

    def ok(self, op: str) -> bool:
        return self.failed_op != op

    def rows_before_delete(self) -> dict[str, int]:
        vote = self.ok("vote")
        return {
            "preferences": int(self.ok("set_lang")),
            # A failed language read must not cost the answer, nor its log row.
            "questions": int(self.ok("log_q1")) + int(self.ok("log_q2")),
            "votes": int(vote),
            "downvoted_questions": int(vote and self.ok("log_down")),
        }


async def bot_session(
    stub: BotApiStub, data_dir: Path, monkeypatch: pytest.MonkeyPatch, fail_at: int | None
) -> FaultyExecute:
    """Run the five-step session through the real bot, checking every reply and every row."""
    failed_op = SESSION_CALLS[fail_at - 1][0] if fail_at else None
    expected = Expected(failed_op)
    db = data_dir / DB_NAME
    async with running_bot(bot_env(stub, data_dir, BOT_WATCH_KNOWLEDGE="0")) as (app, services):
        assert services.store is not None
        faults = inject(monkeypatch, services.store, fail_at)
        assistant = services.assistant
        kb = assistant.kb
        key = services.user_key(USER)

        # 1. A question: exactly its answer, whatever happens to the reads and the log.
        stub.add_message(CHAT, Q1, user_id=USER)
        await settle(stub, app, services)
        [answer] = stub.sent_messages()
        assert answer.params["text"] == first_part(assistant, Q1, None)
        down = next(b["callback_data"] for b in buttons(answer) if b["text"] == "👎")

        # 2. 👎: the spinner is answered once, thanks if stored, an error notice if not.
        stub.clear_calls()
        stub.add_callback(CHAT, down, user_id=USER, message_id=last_bot_message_id(stub, CHAT))
        await settle(stub, app, services)
        assert stub.sent_messages() == []
        [ack] = stub.calls_of("answerCallbackQuery")
        notice = "vote_thanks" if expected.ok("vote") else "error"
        assert ack.params.get("text") == kb.message(notice, "de")

        # 3. /sprache en: confirmed if stored, else the user is told it failed.
        stub.clear_calls()
        stub.add_command(CHAT, "/sprache en", user_id=USER)
        await settle(stub, app, services)
        [confirm] = stub.sent_messages()
        if expected.ok("set_lang"):
            assert confirm.params["text"] == escape(kb.message("language_set", "en"))
        else:
            assert confirm.params["text"] in {escape(kb.message("error", x)) for x in ("de", "en")}
        db_lang = stored_language(db, key)
        assert db_lang == ("en" if expected.ok("set_lang") else None)

        # 4. A second question: answered in the language the database holds.
        stub.clear_calls()
        stub.add_message(CHAT, Q2, user_id=USER)
        await settle(stub, app, services)
        [answer] = stub.sent_messages()
        assert answer.params["text"] == first_part(assistant, Q2, db_lang)
        before_delete = user_rows(db, key)
        assert before_delete == expected.rows_before_delete()

        # 5. /loeschen and "yes": everything goes, or (on failure) nothing and a notice.
        stub.clear_calls()
        stub.add_command(CHAT, "/loeschen", user_id=USER)
        await settle(stub, app, services)
        [prompt] = stub.sent_messages()
        lang: Lang = "en" if db_lang == "en" else "de"
        assert prompt.params["text"] == escape(kb.message("delete_confirm", lang))
        stub.clear_calls()
        stub.add_callback(
            CHAT, encode("delete", "yes"), user_id=USER, message_id=last_bot_message_id(stub, CHAT)
        )
        await settle(stub, app, services)
        assert stub.sent_messages() == []
        [ack] = stub.calls_of("answerCallbackQuery")
        edits = [c.params["text"] for c in stub.calls_of("editMessageText")]
        if expected.ok("delete"):
            assert ack.params.get("text") is None
            assert edits == [escape(kb.message("deleted", lang))]
        else:
            assert ack.params.get("text") == kb.message("error", lang)
            assert edits == []

    after = user_rows(db, key)
    assert after == (dict.fromkeys(TABLES, 0) if expected.ok("delete") else before_delete)
    assert integrity(db) == [("ok",)]
    return faults


async def test_reference_session_makes_exactly_these_calls(
    stub: BotApiStub,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING)
    faults = await bot_session(stub, tmp_path, monkeypatch, None)
    observed = faults.calls
    assert len(observed) == len(SESSION_CALLS), observed
    for sql, (op, start) in zip(observed, SESSION_CALLS, strict=True):
        assert sql.startswith(start), (op, sql)
    assert error_records(caplog) == []
    print(f"\nreference session: {len(observed)} database calls, no fault, no error logged")


@pytest.mark.parametrize("k", _k_params())
async def test_kth_database_call_fails_in_a_bot_session(
    stub: BotApiStub,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    k: int,
) -> None:
    caplog.set_level(logging.WARNING)
    faults = await bot_session(stub, tmp_path, monkeypatch, k)
    assert faults.injected == 1
    errors = error_records(caplog)
    # Logged once per failure, naming no user data.
    assert len(errors) == faults.injected, [r.getMessage() for r in errors]
    assert str(USER) not in errors[0].getMessage()
    print(f"\nk={k} ({SESSION_CALLS[k - 1][0]}): 1 fault, logged as {errors[0].getMessage()!r}")


# --- 2. the k-th call fails under every public write of the Store ---------------------------

KEY = bytes(range(32))
ALICE = user_key(KEY, 111_111)
BOB = user_key(KEY, 222_222)
NOW = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)
OLD = NOW - timedelta(days=120)
RECENT = NOW - timedelta(days=1)


@dataclass
class Model:
    """The database contents expected from the operations that succeeded."""

    preferences: dict[str, str] = field(default_factory=dict)
    questions: list[tuple[str, str, str | None, datetime]] = field(default_factory=list)
    votes: dict[tuple[str, str], int] = field(default_factory=dict)
    downvoted: list[tuple[str, str, str, datetime]] = field(default_factory=list)

    def purge(self, cutoff: datetime) -> None:
        self.questions = [q for q in self.questions if q[3] >= cutoff]
        self.downvoted = [d for d in self.downvoted if d[3] >= cutoff]

    def delete(self, key: str) -> None:
        self.preferences.pop(key, None)
        self.questions = [q for q in self.questions if q[0] != key]
        self.votes = {k: v for k, v in self.votes.items() if k[0] != key}
        self.downvoted = [d for d in self.downvoted if d[0] != key]

    def snapshot(self) -> dict[str, list[tuple[Any, ...]]]:
        return {
            "preferences": rows_sorted(self.preferences.items()),
            "questions": rows_sorted((k, kind, text) for k, kind, text, _at in self.questions),
            "votes": rows_sorted((k, e, v) for (k, e), v in self.votes.items()),
            "downvoted": rows_sorted((k, e, text) for k, e, text, _at in self.downvoted),
        }


def rows_sorted(rows: Iterable[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """Rows in a stable order (None sorts like its text, so mixed columns compare)."""
    return sorted((tuple(row) for row in rows), key=lambda row: tuple(repr(x) for x in row))


def db_snapshot(db: Path) -> dict[str, list[tuple[Any, ...]]]:
    with closing(sqlite3.connect(db)) as conn:
        return {
            "preferences": rows_sorted(conn.execute("SELECT user_key, lang FROM preferences")),
            "questions": rows_sorted(conn.execute("SELECT user_key, kind, text FROM questions")),
            "votes": rows_sorted(conn.execute("SELECT user_key, entry_id, vote FROM votes")),
            "downvoted": rows_sorted(
                conn.execute("SELECT user_key, entry_id, text FROM downvoted_questions")
            ),
        }


Operation = tuple[str, Callable[[Store], Awaitable[object]], Callable[[Model], None]]


def _question(key: str, kind: QuestionKind, at: datetime, text: str | None) -> QuestionRecord:
    return QuestionRecord(asked_at=at, user_key=key, lang="de", kind=kind, text=text)


STORE_OPERATIONS: tuple[Operation, ...] = (
    (
        "set_language A de",
        lambda s: s.set_language(ALICE, "de"),
        lambda m: m.preferences.__setitem__(ALICE, "de"),
    ),
    (
        "log_question A old",
        lambda s: s.log_question(_question(ALICE, "faq", OLD, None)),
        lambda m: m.questions.append((ALICE, "faq", None, OLD)),
    ),
    (
        "log_question B fallback",
        lambda s: s.log_question(_question(BOB, "fallback", RECENT, "Wo gibt es Hilfe?")),
        lambda m: m.questions.append((BOB, "fallback", "Wo gibt es Hilfe?", RECENT)),
    ),
    (
        "record_vote A +1",
        lambda s: s.record_vote(ALICE, "e1", 1),
        lambda m: m.votes.__setitem__((ALICE, "e1"), 1),
    ),
    (
        "record_vote B -1",
        lambda s: s.record_vote(BOB, "e1", -1),
        lambda m: m.votes.__setitem__((BOB, "e1"), -1),
    ),
    (
        "log_downvoted B old",
        lambda s: s.log_downvoted_question(BOB, "e1", "de", "Alte Frage", OLD),
        lambda m: m.downvoted.append((BOB, "e1", "Alte Frage", OLD)),
    ),
    (
        "log_downvoted A recent",
        lambda s: s.log_downvoted_question(ALICE, "e2", "de", "Neue Frage", RECENT),
        lambda m: m.downvoted.append((ALICE, "e2", "Neue Frage", RECENT)),
    ),
    (
        "set_language A en",
        lambda s: s.set_language(ALICE, "en"),
        lambda m: m.preferences.__setitem__(ALICE, "en"),
    ),
    (
        "record_vote A -1",
        lambda s: s.record_vote(ALICE, "e1", -1),
        lambda m: m.votes.__setitem__((ALICE, "e1"), -1),
    ),
    (
        "purge_questions 90d",
        lambda s: s.purge_questions(timedelta(days=90), now=NOW),
        lambda m: m.purge(NOW - timedelta(days=90)),
    ),
    ("delete_user A", lambda s: s.delete_user(ALICE), lambda m: m.delete(ALICE)),
    ("get_language B", lambda s: s.get_language(BOB), lambda m: None),
    (
        "questions_since",
        lambda s: s.questions_since(NOW - timedelta(days=365)),
        lambda m: None,
    ),
    ("stats", lambda s: s.stats(NOW - timedelta(days=365)), lambda m: None),
)


async def run_store_operations(
    db: Path, monkeypatch: pytest.MonkeyPatch, fail_at: int | None
) -> tuple[FaultyExecute, list[str], Model]:
    """Run every operation once; return the faults, the operations that raised, the model."""
    model = Model()
    failed: list[str] = []
    store = await Store.open(db)
    try:
        with monkeypatch.context() as patch:
            faults = inject(patch, store, fail_at)
            for name, run, effect in STORE_OPERATIONS:
                try:
                    await run(store)
                except STORE_ERRORS:
                    failed.append(name)
                else:
                    effect(model)
        # Outside the fault window: the connection is still healthy.
        assert await store.integrity_ok()
    finally:
        await store.close()
    return faults, failed, model


async def test_kth_call_failing_in_any_store_operation_leaves_no_half_written_rows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    reference, failed, model = await run_store_operations(tmp_path / "ref.db", monkeypatch, None)
    assert failed == []
    assert db_snapshot(tmp_path / "ref.db") == model.snapshot()
    total = len(reference.calls)
    # Which operation each call belongs to, from the fault-free run.
    ops_by_call = _owners_by_call(reference.calls)
    assert len(ops_by_call) == total
    checked = 0
    for k in range(1, total + 1):
        db = tmp_path / f"k{k}.db"
        faults, failed, model = await run_store_operations(db, monkeypatch, k)
        assert faults.injected == 1
        # Exactly the operation that owned call k failed; all others, later ones too, worked.
        assert failed == [ops_by_call[k - 1]], (k, reference.calls[k - 1], failed)
        assert db_snapshot(db) == model.snapshot(), (k, reference.calls[k - 1])
        assert integrity(db) == [("ok",)]
        checked += sum(len(rows) for rows in db_snapshot(db).values())
    print(
        f"\nstore sweep: {len(STORE_OPERATIONS)} operations, {total} database calls, "
        f"k=1..{total} each failed once ({total} faults), {checked} rows compared"
    )


def _owners_by_call(calls: list[str]) -> list[str]:
    """Map each call of the fault-free run to its operation (writes start with BEGIN)."""
    owners: list[str] = []
    ops = iter(STORE_OPERATIONS)
    current = ""
    in_write = False
    for sql in calls:
        if in_write:
            owners.append(current)
            in_write = sql != "COMMIT"
            continue
        current = next(ops)[0]
        owners.append(current)
        in_write = sql == "BEGIN IMMEDIATE"
    assert next(ops, None) is None
    return owners


# --- 3. another process holds the write lock longer than busy_timeout -----------------------


async def wait_until(condition: Callable[[], bool], what: str, timeout: float = 60.0) -> None:
    """Wait until condition() holds; the timeout only guards against a hang."""
    try:
        async with asyncio.timeout(timeout):
            while not condition():
                await asyncio.sleep(0.01)
    except TimeoutError:
        raise AssertionError(f"{what} within {timeout}s") from None


@pytest.mark.slow  # holds the lock until a write gave up: Store.open() has a 5 s busy timeout
async def test_database_locked_longer_than_busy_timeout(
    stub: BotApiStub, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    db = tmp_path / DB_NAME
    newcomer = 5150
    async with running_bot(bot_env(stub, tmp_path, BOT_WATCH_KNOWLEDGE="0")) as (app, services):
        stub.add_message(CHAT, Q1, user_id=USER)
        await settle(stub, app, services)
        assert count_rows(db, "questions") == 1

        blocker = sqlite3.connect(db, isolation_level=None, timeout=5)
        try:
            blocker.execute("BEGIN EXCLUSIVE")
            locked_at = time.monotonic()
            # A known user's answer does not wait for the blocked log write: it arrives
            # while that write still waits for the lock, before it gives up and is logged.
            stub.add_message(CHAT, Q2, user_id=USER)
            await stub.wait_for("sendMessage", 2, timeout=60)
            known_latency = time.monotonic() - locked_at
            assert error_records(caplog) == [], "the answer waited for the blocked write"
            assert count_rows(db, "questions") == 1
            # A new user's language read queues behind the blocked write (one shared lock).
            asked_at = time.monotonic()
            stub.add_message(newcomer, Q2, user_id=newcomer)
            await stub.wait_for("sendMessage", 3, timeout=60)
            newcomer_latency = time.monotonic() - asked_at
            # Hold the lock until a log write has given up (after busy_timeout).
            await wait_until(lambda: len(error_records(caplog)) >= 1, "no log write failed")
        finally:
            blocker.execute("ROLLBACK")
            blocker.close()
        held = time.monotonic() - locked_at
        await settle(stub, app, services)
        asked_during_lock = 2
        logged_during_lock = count_rows(db, "questions") - 1
        errors = error_records(caplog)
        failures = asked_during_lock - logged_during_lock
        assert failures >= 1  # the lock really outlasted busy_timeout
        assert len(errors) == failures
        assert all(LOG_FAILED.fullmatch(r.getMessage()) for r in errors)
        # After the lock is gone the bot writes again, with no further error.
        stub.add_message(CHAT, "hallo", user_id=USER)
        await settle(stub, app, services)
        assert count_rows(db, "questions") == 1 + logged_during_lock + 1
        assert len(error_records(caplog)) == failures
        assert len(stub.sent_messages()) == 4
    assert integrity(db) == [("ok",)]
    print(
        f"\nlocked {held:.1f}s (busy_timeout 5s): known user answered in {known_latency:.2f}s, "
        f"new user in {newcomer_latency:.2f}s; {failures} log write(s) failed, "
        f"{len(errors)} error(s) logged"
    )


# --- 4. the disk is full ------------------------------------------------------------------


@pytest.fixture
def tiny_fs(tmp_path: Path) -> Iterator[Path]:
    """A 1 MiB tmpfs; skipped where mounting is not allowed (not root, no CAP_SYS_ADMIN)."""
    if sys.platform != "linux" or os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("a tiny tmpfs needs root on Linux (mount -t tmpfs); not available here")
    mount_point = tmp_path / "tiny"
    mount_point.mkdir()
    result = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=1m,mode=0700", "tmpfs", str(mount_point)],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        pytest.skip(f"cannot mount a tiny tmpfs here: {result.stderr.strip()}")
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", "-l", str(mount_point)], capture_output=True, check=False)


def fill_up(path: Path) -> int:
    """Write path until the filesystem is full; return the bytes written."""
    written = 0
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        size = 1 << 16
        while size:
            try:
                written += os.write(fd, b"\0" * size)
            except OSError as exc:
                if exc.errno != errno.ENOSPC:
                    raise
                size //= 2
    finally:
        os.close(fd)
    return written


async def ask_many(
    stub: BotApiStub, app: BotApplication, services: Services, users: range, text: str
) -> None:
    for user in users:
        stub.add_message(user, text, user_id=user)
    await settle(stub, app, services)


async def test_disk_full_on_a_tiny_tmpfs(
    stub: BotApiStub, tiny_fs: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    data_dir = tiny_fs / "data"
    db = data_dir / DB_NAME
    async with running_bot(bot_env(stub, data_dir, BOT_WATCH_KNOWLEDGE="0")) as (app, services):
        assert services.store is not None
        assistant = services.assistant
        # A user with a preference, a vote and a question, so a deletion spans three tables.
        stub.add_command(CHAT, "/sprache en", user_id=USER)
        stub.add_callback(CHAT, encode("vote", "vertrag-drk", 1), user_id=USER)
        stub.add_message(CHAT, Q1, user_id=USER)
        await settle(stub, app, services)
        key = services.user_key(USER)
        assert user_rows(db, key) == {
            "preferences": 1,
            "questions": 1,
            "votes": 1,
            "downvoted_questions": 0,
        }
        # Empty the WAL so that every later commit needs new space.
        with closing(sqlite3.connect(db)) as conn:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        stub.clear_calls()
        filler = tiny_fs / "filler"
        filled = fill_up(filler)

        asked = range(100, 120)
        fallback = "Wie spät ist es eigentlich gerade in Wiesbaden?"
        assert assistant.answer(fallback).kind == "fallback"
        await ask_many(stub, app, services, asked, fallback)
        sent = stub.sent_messages()
        assert sorted(c.params["chat_id"] for c in sent) == list(asked)
        assert all(c.params["text"] == first_part(assistant, fallback, None) for c in sent)
        stored = count_rows(db, "questions") - 1
        failures = len(asked) - stored
        errors = error_records(caplog)
        assert failures >= 1, "the disk was not full"
        assert len(errors) == failures
        assert all(LOG_FAILED.fullmatch(r.getMessage()) for r in errors)
        # A deletion on a full disk removes everything or nothing.
        try:
            await services.store.delete_user(key)
            delete_failed = False
        except STORE_ERRORS as exc:
            assert "full" in str(exc)
            delete_failed = True
        rows = user_rows(db, key)
        assert rows == (
            {"preferences": 1, "questions": 1, "votes": 1, "downvoted_questions": 0}
            if delete_failed
            else dict.fromkeys(TABLES, 0)
        )
        assert integrity(db) == [("ok",)]

        # Space again: writes land, no further error.
        filler.unlink()
        await ask_many(stub, app, services, range(200, 205), fallback)
        assert count_rows(db, "questions") == 1 + stored + 5 - (0 if delete_failed else 1)
        assert len(error_records(caplog)) == failures
    assert integrity(db) == [("ok",)]
    print(
        f"\ntmpfs 1 MiB full after {filled} filler bytes: {len(asked)} questions answered, "
        f"{failures} log writes failed and were logged once each, "
        f"delete_user {'failed atomically' if delete_failed else 'succeeded'}, "
        "integrity ok, writes resumed after freeing space"
    )


async def test_disk_full_through_max_page_count(
    stub: BotApiStub, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    db = tmp_path / DB_NAME
    async with running_bot(bot_env(stub, tmp_path, BOT_WATCH_KNOWLEDGE="0")) as (app, services):
        assert services.store is not None
        store = services.store
        assistant = services.assistant
        await ask_many(stub, app, services, range(1, 4), Q1)

        async def limit_pages(conn: aiosqlite.Connection, extra: int | None) -> None:
            async with conn.execute("PRAGMA page_count") as cursor:
                row = await cursor.fetchone()
            assert row is not None
            limit = 1_073_741_823 if extra is None else int(row[0]) + extra
            await conn.execute(f"PRAGMA max_page_count = {limit}")

        # max_page_count is a setting of one connection, so it goes through the store's own
        # (Store._writer.read holds the lock that keeps it between two write transactions).
        await store._writer.read(lambda conn: limit_pages(conn, 0))
        long_fallback = "Wie spät ist es eigentlich gerade in Wiesbaden? " * 40
        assert assistant.answer(long_fallback).kind == "fallback"
        stub.clear_calls()
        asked = range(100, 130)
        await ask_many(stub, app, services, asked, long_fallback)
        sent = stub.sent_messages()
        assert sorted(c.params["chat_id"] for c in sent) == list(asked)
        stored = count_rows(db, "questions") - 3
        failures = len(asked) - stored
        errors = error_records(caplog)
        assert failures >= 1, "max_page_count did not fill the database"
        assert len(errors) == failures
        assert all(LOG_FAILED.fullmatch(r.getMessage()) for r in errors)
        assert await store.integrity_ok()

        await store._writer.read(lambda conn: limit_pages(conn, None))
        await ask_many(stub, app, services, range(200, 205), long_fallback)
        assert count_rows(db, "questions") == 3 + stored + 5
        assert len(error_records(caplog)) == failures
    assert integrity(db) == [("ok",)]
    print(
        f"\nmax_page_count: {len(asked)} long questions answered, {stored} logged before the "
        f"database was full, {failures} failed and were logged once each; writes resumed"
    )


# --- 5. a writer process killed with SIGKILL at random moments -----------------------------

KILLS = 30
KILL_SEED = 20240601


@dataclass
class Reported:
    """What one killed writer said it had committed."""

    writes: dict[int, set[str]] = field(default_factory=dict)
    ready: bool = False

    @classmethod
    def parse(cls, output: bytes) -> Reported:
        reported = cls()
        # A line cut short by the kill has no newline and is not counted.
        for line in output.split(b"\n")[:-1]:
            text = line.decode()
            if text == "ready":
                reported.ready = True
                continue
            kind, uid = text.split()
            reported.writes.setdefault(int(uid), set()).add(kind)
        return reported


def check_reported(db: Path, reported: dict[int, set[str]]) -> int:
    """Check every reported write against the database; return the rows checked."""
    with closing(sqlite3.connect(db)) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        preferences = dict(conn.execute("SELECT user_key, lang FROM preferences").fetchall())
        votes = {
            (k, e): v for k, e, v in conn.execute("SELECT user_key, entry_id, vote FROM votes")
        }
        questions = {(k, m) for k, m in conn.execute("SELECT user_key, matched_id FROM questions")}
        per_user: dict[str, int] = {}
        for table in TABLES:
            for (k,) in conn.execute(f"SELECT user_key FROM {table}"):
                per_user[k] = per_user.get(k, 0) + 1
    checked = 0
    for uid, kinds in reported.items():
        key = user_key(writer_proc.KEY, uid)
        if "d" in kinds:
            assert per_user.get(key, 0) == 0, uid
            checked += 1
            continue
        if uid % writer_proc.DELETE_EVERY == 0 and "q" in kinds and per_user.get(key, 0) == 0:
            # Killed after the delete committed but before it was reported: all rows are gone
            # together, which is as whole as keeping all of them.
            checked += 1
            continue
        if "p" in kinds:
            assert preferences.get(key) == "en", uid
            checked += 1
        if "v" in kinds:
            assert votes.get((key, writer_proc.entry_of(uid))) == writer_proc.vote_of(uid), uid
            checked += 1
        if "q" in kinds:
            assert (key, writer_proc.matched_id_of(uid)) in questions, uid
            checked += 1
        if uid % writer_proc.DELETE_EVERY == 0 and kinds == {"p", "v", "q"}:
            # Killed around its delete_user: the four-table delete is all or nothing.
            assert per_user.get(key, 0) in (0, 3), uid
    return checked


def has_reported(child: subprocess.Popen[bytes], out: Path, count: int) -> Callable[[], bool]:
    """Return a check: has the writer printed count complete lines (or ended)?"""
    return lambda: out.read_bytes().count(b"\n") >= count or child.poll() is not None


@pytest.mark.slow  # about 30 child processes
async def test_sigkilled_writer_never_loses_a_reported_write(tmp_path: Path) -> None:
    rng = random.Random(KILL_SEED)
    db = tmp_path / "killed.sqlite3"
    everything: dict[int, set[str]] = {}
    before_ready = 0
    while_writing = 0
    lines = 0
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    for round_number in range(KILLS):
        out_path = tmp_path / f"writer-{round_number}.out"
        err_path = tmp_path / f"writer-{round_number}.err"
        # Every fifth kill lands at once, during start-up or migration; the others after the
        # writer has reported "ready" and a seeded number of committed writes, i.e. at some
        # point of a later write. Waiting on the child's output makes no kill depend on speed.
        wait_lines = 0 if round_number % 5 == 0 else 1 + rng.randint(1, 40)
        with out_path.open("wb") as out, err_path.open("wb") as err:
            child = subprocess.Popen(
                [sys.executable, str(HELPER), str(db), str((round_number + 1) * 1_000_000)],
                stdout=out,
                stderr=err,
                env=env,
            )
            try:
                await wait_until(
                    has_reported(child, out_path, wait_lines),
                    f"writer {round_number} reporting {wait_lines} lines",
                )
            finally:
                child.send_signal(signal.SIGKILL)
                child.wait()
        assert child.returncode == -signal.SIGKILL, err_path.read_text()
        reported = Reported.parse(out_path.read_bytes())
        assert reported.ready or wait_lines == 0
        before_ready += not reported.ready
        while_writing += bool(reported.writes)
        lines += sum(len(kinds) for kinds in reported.writes.values())
        if db.exists():
            check_reported(db, reported.writes)
        everything.update(reported.writes)
    rows_checked = check_reported(db, everything)
    async with await Store.open(db) as store:
        assert await store.integrity_ok()
    assert len(everything) > 0 and rows_checked > 0
    assert while_writing >= KILLS - KILLS // 5
    print(
        f"\nSIGKILL: {KILLS} kills (seed {KILL_SEED}), {before_ready} before the store was open, "
        f"{while_writing} while writing, "
        f"{lines} committed writes reported, {rows_checked} rows checked, integrity ok"
    )
