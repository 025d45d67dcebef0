import asyncio
import base64
import hashlib
import hmac
import re
import sqlite3
import stat
from collections.abc import AsyncIterator
from contextlib import closing
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import aiosqlite
import pytest

from bot.storage import (
    HMAC_KEY_ENV,
    QUESTION_KINDS,
    QuestionKind,
    QuestionRecord,
    Stats,
    StorageConfigError,
    StorageError,
    Store,
    load_or_create_key,
    user_key,
)
from bot.storage.keys import KEY_FILE_NAME, is_user_key
from bot.storage.migrations import MIGRATIONS, SCHEMA_VERSION, migrate, split_statements

KEY = bytes(range(32))
ALICE_ID = 987654321
BOB_ID = 123456789
ALICE = user_key(KEY, ALICE_ID)
BOB = user_key(KEY, BOB_ID)
T0 = datetime(2024, 3, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "data" / "bot.sqlite3"


@pytest.fixture
async def store(db_path: Path) -> AsyncIterator[Store]:
    opened = await Store.open(db_path)
    yield opened
    await opened.close()


def question(
    kind: QuestionKind = "faq",
    *,
    who: str | None = ALICE,
    at: datetime = T0,
    text: str | None = None,
) -> QuestionRecord:
    return QuestionRecord(
        asked_at=at,
        user_key=who,
        lang="de",
        kind=kind,
        matched_id="vertraege-was" if kind in ("faq", "intent") else None,
        score=0.8 if kind in ("faq", "intent") else None,
        text=text,
    )


def raw_rows(path: Path, sql: str) -> list[tuple[object, ...]]:
    with closing(sqlite3.connect(path)) as conn:
        return conn.execute(sql).fetchall()


# --- opening and migrations -------------------------------------------------------------


async def test_open_creates_directory_and_sets_schema_version(db_path: Path) -> None:
    async with await Store.open(db_path):
        pass
    assert db_path.exists()
    assert raw_rows(db_path, "PRAGMA user_version") == [(SCHEMA_VERSION,)]
    assert SCHEMA_VERSION == len(MIGRATIONS) >= 1
    tables = {row[0] for row in raw_rows(db_path, "SELECT name FROM sqlite_master")}
    expected = {"preferences", "questions", "votes", "questions_asked_at", "questions_user_key"}
    assert expected <= tables


async def test_reopen_does_not_migrate_again(db_path: Path) -> None:
    for _ in range(3):
        async with await Store.open(db_path) as store:
            await store.set_language(ALICE, "en")
    assert raw_rows(db_path, "PRAGMA user_version") == [(SCHEMA_VERSION,)]
    assert raw_rows(db_path, "SELECT COUNT(*) FROM preferences") == [(1,)]


async def test_wal_mode_is_on(store: Store, db_path: Path) -> None:
    assert raw_rows(db_path, "PRAGMA journal_mode") == [("wal",)]


async def test_connection_pragmas(store: Store) -> None:
    async def read(conn: aiosqlite.Connection) -> list[object]:
        values = []
        for pragma in ("busy_timeout", "foreign_keys", "synchronous"):
            async with conn.execute(f"PRAGMA {pragma}") as cursor:
                row = await cursor.fetchone()
                assert row is not None
                values.append(row[0])
        return values

    # synchronous NORMAL is 1.
    assert await store._writer.read(read) == [5000, 1, 1]


async def test_failed_migration_leaves_no_trace(tmp_path: Path) -> None:
    broken = (*MIGRATIONS, "CREATE TABLE half_done (a INTEGER); CREATE TABLE oops (")
    async with aiosqlite.connect(tmp_path / "m.sqlite3", isolation_level=None) as conn:
        with pytest.raises(StorageError, match=f"migration {len(MIGRATIONS) + 1} failed"):
            await migrate(conn, broken)
        async with conn.execute("PRAGMA user_version") as cursor:
            assert await cursor.fetchone() == (len(MIGRATIONS),)
        async with conn.execute("SELECT name FROM sqlite_master WHERE name = 'half_done'") as c:
            assert await c.fetchall() == []
        assert not conn.in_transaction


async def test_database_from_a_newer_program_is_refused(db_path: Path) -> None:
    async with await Store.open(db_path):
        pass
    with closing(sqlite3.connect(db_path)) as conn:
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    with pytest.raises(StorageError, match="newer than this program supports"):
        await Store.open(db_path)


async def test_file_that_is_not_a_database_gives_storage_error(tmp_path: Path) -> None:
    path = tmp_path / "notes.sqlite3"
    path.write_bytes(b"this is not an SQLite file, just some text " * 100)
    with pytest.raises(StorageError, match=str(path)):
        await Store.open(path)


async def test_unusable_directory_gives_storage_error(tmp_path: Path) -> None:
    blocker = tmp_path / "blocker"
    blocker.write_text("a file where the data directory should be")
    path = blocker / "bot.sqlite3"
    with pytest.raises(StorageError, match=str(path)):
        await Store.open(path)


async def test_database_path_that_is_a_directory_gives_storage_error(tmp_path: Path) -> None:
    path = tmp_path / "adir"
    path.mkdir()
    with pytest.raises(StorageError, match=str(path)):
        await Store.open(path)


def test_split_statements_keeps_semicolons_in_strings_and_comments() -> None:
    script = "CREATE TABLE a (x TEXT DEFAULT ';');\n-- why; because\nINSERT INTO a VALUES ('b;c');"
    assert split_statements(script) == [
        "CREATE TABLE a (x TEXT DEFAULT ';');",
        "-- why; because\nINSERT INTO a VALUES ('b;c');",
    ]


async def test_integrity_ok(store: Store) -> None:
    assert await store.integrity_ok() is True


# --- preferences -------------------------------------------------------------------------


async def test_language_upsert_survives_reopen(db_path: Path) -> None:
    async with await Store.open(db_path) as store:
        assert await store.get_language(ALICE) is None
        await store.set_language(ALICE, "de")
        await store.set_language(ALICE, "en")
        await store.set_language(BOB, "de")
    async with await Store.open(db_path) as store:
        assert await store.get_language(ALICE) == "en"
        assert await store.get_language(BOB) == "de"
    assert raw_rows(db_path, "SELECT COUNT(*) FROM preferences") == [(2,)]


async def test_raw_user_id_is_refused(store: Store) -> None:
    with pytest.raises(ValueError, match="user_key"):
        await store.set_language(str(ALICE_ID), "de")
    with pytest.raises(ValueError, match="user_key"):
        await store.log_question(question(who=str(ALICE_ID)))
    with pytest.raises(ValueError, match="user_key"):
        await store.record_vote(str(ALICE_ID), "entry", 1)


# --- votes -------------------------------------------------------------------------------


async def test_second_vote_replaces_the_first(store: Store, db_path: Path) -> None:
    await store.record_vote(ALICE, "vertraege-was", 1)
    await store.record_vote(ALICE, "vertraege-was", -1)
    await store.record_vote(ALICE, "vertraege-was", -1)
    await store.record_vote(BOB, "vertraege-was", 1)
    rows = raw_rows(db_path, "SELECT user_key, vote FROM votes ORDER BY vote")
    assert rows == [(ALICE, -1), (BOB, 1)]
    stats = await store.stats(T0)
    assert (stats.votes_up, stats.votes_down) == (1, 1)


@pytest.mark.parametrize("vote", [0, 2, 5, -2, True])
async def test_invalid_vote_is_rejected(store: Store, db_path: Path, vote: int) -> None:
    with pytest.raises(ValueError, match="vote"):
        await store.record_vote(ALICE, "entry", vote)
    assert raw_rows(db_path, "SELECT COUNT(*) FROM votes") == [(0,)]


# --- question log ------------------------------------------------------------------------


async def test_text_is_kept_only_for_unanswered_kinds_and_masked(store: Store) -> None:
    text = "Ich bin unter 0171 1234567 oder max@example.de erreichbar"
    for kind in ("faq", "intent", "suggestions", "fallback", "none_of_these"):
        await store.log_question(question(kind, text=text))
    records = await store.questions_since(T0)
    texts = {record.kind: record.text for record in records}
    masked = "Ich bin unter [Telefon] oder [E-Mail] erreichbar"
    assert texts == {
        "faq": None,
        "intent": None,
        "suggestions": None,
        "fallback": masked,
        "none_of_these": masked,
    }


async def test_questions_round_trip(store: Store) -> None:
    asked = datetime(2024, 3, 1, 14, 30, 15, 123456, tzinfo=UTC)
    record = QuestionRecord(
        asked_at=asked,
        user_key=None,
        lang="en",
        kind="faq",
        matched_id="vertraege-ziele",
        score=0.4375,
        text=None,
    )
    await store.log_question(record)
    assert await store.questions_since(T0) == [record]
    assert await store.questions_since(asked + timedelta(microseconds=1)) == []


async def test_timestamps_are_stored_as_utc_iso_text(store: Store, db_path: Path) -> None:
    berlin_summer = datetime(2024, 7, 1, 16, 0, tzinfo=timezone(timedelta(hours=2)))
    await store.log_question(question(at=berlin_summer))
    assert raw_rows(db_path, "SELECT asked_at FROM questions") == [
        ("2024-07-01T14:00:00.000000+00:00",)
    ]


def test_question_record_validates() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        question(at=datetime(2024, 1, 1))
    with pytest.raises(ValueError, match="kind"):
        QuestionRecord(asked_at=T0, user_key=None, lang="de", kind="answered")  # type: ignore[arg-type]


async def test_stats_counts_by_kind_since(store: Store) -> None:
    old = T0 - timedelta(days=10)
    kinds: list[QuestionKind] = [
        "faq",
        "faq",
        "intent",
        "suggestions",
        "fallback",
        "fallback",
        "none_of_these",
    ]
    for kind in kinds:
        await store.log_question(question(kind))
    await store.log_question(question("faq", at=old))
    await store.record_vote(ALICE, "a", 1)
    await store.record_vote(ALICE, "b", 1)
    await store.record_vote(BOB, "a", -1)
    assert await store.stats(T0) == Stats(
        questions=7,
        answered=3,
        suggestions=1,
        fallbacks=2,
        none_of_these=1,
        votes_up=2,
        votes_down=1,
    )
    assert (await store.stats(old)).questions == 8
    empty = await store.stats(datetime.now(UTC) + timedelta(days=1))
    assert empty == Stats(0, 0, 0, 0, 0, 0, 0)


def test_migration_check_lists_exactly_the_question_kinds() -> None:
    # Migrations are fixed history, so the CHECK constraint repeats the kinds; keep them equal.
    [listed] = re.findall(r"CHECK \(kind IN \(([^)]*)\)\)", MIGRATIONS[0])
    assert {k.strip(" '") for k in listed.split(",")} == QUESTION_KINDS


async def test_naive_since_is_rejected(store: Store) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        await store.stats(datetime(2024, 1, 1))


async def test_purge_with_injected_now(store: Store) -> None:
    now = datetime(2024, 6, 1, tzinfo=UTC)
    for days in (200, 91, 90, 89, 1):
        await store.log_question(question(at=now - timedelta(days=days)))
    assert await store.purge_questions(timedelta(days=90), now=now) == 2
    remaining = [now - r.asked_at for r in await store.questions_since(now - timedelta(days=365))]
    assert remaining == [timedelta(days=90), timedelta(days=89), timedelta(days=1)]
    assert await store.purge_questions(timedelta(days=90), now=now) == 0
    with pytest.raises(ValueError, match="negative"):
        await store.purge_questions(timedelta(days=-1), now=now)


# --- deleting a user ---------------------------------------------------------------------


async def test_delete_user_twice(store: Store) -> None:
    await store.set_language(ALICE, "de")
    await store.log_question(question("faq"))
    await store.log_question(question("fallback", text="Wo finde ich Hilfe?"))
    await store.record_vote(ALICE, "a", 1)
    await store.set_language(BOB, "en")
    await store.log_question(question("faq", who=BOB))
    await store.record_vote(BOB, "a", -1)

    assert await store.delete_user(ALICE) == 4
    assert await store.delete_user(ALICE) == 0
    assert await store.get_language(ALICE) is None
    assert [r.user_key for r in await store.questions_since(T0)] == [BOB]
    assert await store.get_language(BOB) == "en"
    assert await store.stats(T0) == Stats(1, 1, 0, 0, 0, 0, 1)


# --- concurrency and the single writer ---------------------------------------------------


async def test_fifty_concurrent_writers_all_land(store: Store, db_path: Path) -> None:
    keys = [user_key(KEY, 10_000_000 + n) for n in range(50)]
    writes = [
        store.log_question(question("fallback", who=k, text=f"Frage {n}"))
        for n, k in enumerate(keys)
    ]
    writes += [
        store.record_vote(k, f"entry-{n % 7}", 1 if n % 2 else -1) for n, k in enumerate(keys)
    ]
    writes += [store.set_language(k, "en") for k in keys]
    await asyncio.gather(*writes)
    assert raw_rows(db_path, "SELECT COUNT(*) FROM questions") == [(50,)]
    assert raw_rows(db_path, "SELECT COUNT(*) FROM votes") == [(50,)]
    assert raw_rows(db_path, "SELECT COUNT(*) FROM preferences") == [(50,)]
    stats = await store.stats(T0)
    assert (stats.fallbacks, stats.votes_up, stats.votes_down) == (50, 25, 25)


async def test_concurrent_votes_on_the_same_entry_leave_one_row(
    store: Store, db_path: Path
) -> None:
    await asyncio.gather(*(store.record_vote(ALICE, "a", 1 if n % 2 else -1) for n in range(50)))
    assert raw_rows(db_path, "SELECT vote FROM votes") == [(1,)]


async def test_failed_write_rolls_back_and_writer_keeps_working(
    store: Store, db_path: Path
) -> None:
    now = "2024-03-01T12:00:00.000000+00:00"
    with pytest.raises(StorageError, match="CHECK"):
        await store._write(
            ("INSERT INTO preferences VALUES (?, 'de', ?)", (ALICE, now)),
            ("INSERT INTO questions (asked_at, lang, kind) VALUES (?, 'de', 'faq')", (now,)),
            ("INSERT INTO votes VALUES (?, 'a', 5, ?)", (ALICE, now)),
        )
    with pytest.raises(StorageError, match="CHECK"):
        await store._write(
            ("INSERT INTO votes VALUES (?, 'b', 1, ?)", (BOB, now)),
            ("INSERT INTO questions (asked_at, lang, kind) VALUES (?, 'de', 'answered')", (now,)),
        )
    for table in ("preferences", "questions", "votes"):
        assert raw_rows(db_path, f"SELECT COUNT(*) FROM {table}") == [(0,)]

    await store.set_language(ALICE, "en")
    await store.record_vote(ALICE, "a", 1)
    assert await store.get_language(ALICE) == "en"
    assert (await store.stats(T0)).votes_up == 1


async def test_python_error_inside_a_job_rolls_back(store: Store) -> None:
    async def job(conn: aiosqlite.Connection) -> None:
        await conn.execute(
            "INSERT INTO preferences VALUES (?, 'de', '2024-01-01T00:00:00.000000+00:00')",
            (ALICE,),
        )
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        await store._writer.submit(job)
    assert await store.get_language(ALICE) is None


async def test_reads_never_see_a_write_in_progress(store: Store) -> None:
    inserted = asyncio.Event()
    release = asyncio.Event()

    async def slow_job(conn: aiosqlite.Connection) -> None:
        await conn.execute(
            "INSERT INTO preferences VALUES (?, 'de', '2024-01-01T00:00:00.000000+00:00')",
            (ALICE,),
        )
        inserted.set()
        await release.wait()
        raise RuntimeError("changed my mind")

    finished: list[str] = []
    write = asyncio.create_task(store._writer.submit(slow_job))
    write.add_done_callback(lambda _: finished.append("write"))
    try:
        await asyncio.wait_for(inserted.wait(), timeout=5)
        read = asyncio.create_task(store.get_language(ALICE))
        read.add_done_callback(lambda _: finished.append("read"))
        # One turn of the loop: the read starts and either waits for the lock or, without
        # one, queues its SELECT on the shared connection ahead of the job's ROLLBACK.
        await asyncio.sleep(0)
    finally:
        # Always let the job end, or the fixture's close() would wait for it forever.
        release.set()
    with pytest.raises(RuntimeError):
        await write
    assert await read is None
    assert finished == ["write", "read"]


async def test_close_waits_for_queued_writes(db_path: Path) -> None:
    store = await Store.open(db_path)
    tasks = [asyncio.create_task(store.log_question(question())) for _ in range(20)]
    await asyncio.sleep(0)
    await store.close()
    await asyncio.gather(*tasks)
    await store.close()
    assert raw_rows(db_path, "SELECT COUNT(*) FROM questions") == [(20,)]


async def test_concurrent_close_calls_all_wait_for_the_writes(db_path: Path) -> None:
    store = await Store.open(db_path)
    writes = [asyncio.create_task(store.record_vote(ALICE, f"e{n}", 1)) for n in range(10)]
    await asyncio.sleep(0)
    first_close = asyncio.create_task(store.close())
    await asyncio.sleep(0)
    await store.close()
    assert all(task.done() for task in writes)
    await first_close
    await asyncio.gather(*writes)
    assert raw_rows(db_path, "SELECT COUNT(*) FROM votes") == [(10,)]


async def test_use_after_close_raises_storage_error(db_path: Path) -> None:
    store = await Store.open(db_path)
    await store.close()
    with pytest.raises(StorageError, match="closed"):
        await store.set_language(ALICE, "de")
    with pytest.raises(StorageError, match="closed"):
        await store.get_language(ALICE)


async def test_cancelled_caller_does_not_stop_the_writer(store: Store) -> None:
    blocker = asyncio.Event()

    async def wait_job(conn: aiosqlite.Connection) -> None:
        await blocker.wait()

    first = asyncio.create_task(store._writer.submit(wait_job))
    second = asyncio.create_task(store.set_language(ALICE, "de"))
    try:
        await asyncio.sleep(0)
        second.cancel()
    finally:
        blocker.set()
    await first
    with pytest.raises(asyncio.CancelledError):
        await second
    # The cancelled write had not started, so it was skipped.
    assert await store.get_language(ALICE) is None
    await store.set_language(ALICE, "en")
    assert await store.get_language(ALICE) == "en"


# --- privacy -----------------------------------------------------------------------------


async def test_raw_user_ids_never_reach_the_database_file(db_path: Path) -> None:
    async with await Store.open(db_path) as store:
        await store.set_language(ALICE, "de")
        await store.log_question(question("fallback", text=f"Meine ID ist {ALICE_ID}, schreib mir"))
        await store.record_vote(ALICE, "a", 1)
        await store.set_language(BOB, "en")
        files = sorted(db_path.parent.iterdir())
        assert any(f.name.endswith("-wal") for f in files)
        open_bytes = b"".join(f.read_bytes() for f in files)
    closed_bytes = b"".join(f.read_bytes() for f in sorted(db_path.parent.iterdir()))
    for data in (open_bytes, closed_bytes):
        for raw in (ALICE_ID, BOB_ID):
            assert str(raw).encode() not in data
        assert ALICE.encode() in data


# --- keys --------------------------------------------------------------------------------


def test_key_file_is_created_with_mode_0600_and_reused(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    key = load_or_create_key(data_dir, None)
    path = data_dir / KEY_FILE_NAME
    assert len(key) == 32
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_or_create_key(data_dir, None) == key
    assert [p.name for p in data_dir.iterdir()] == [KEY_FILE_NAME]


def test_env_key_wins_over_the_file(tmp_path: Path) -> None:
    secret = bytes(range(100, 140))
    assert load_or_create_key(tmp_path, secret.hex()) == secret
    assert load_or_create_key(tmp_path, f"  {secret.hex().upper()}\n") == secret
    assert load_or_create_key(tmp_path, base64.b64encode(secret).decode()) == secret
    unpadded_urlsafe = base64.urlsafe_b64encode(secret).decode().rstrip("=")
    assert load_or_create_key(tmp_path, unpadded_urlsafe) == secret
    assert not (tmp_path / KEY_FILE_NAME).exists()


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("ab" * 31, "only 31 bytes"),
        (base64.b64encode(b"x" * 16).decode(), "only 16 bytes"),
        ("not a key at all!", "neither hex nor base64"),
        ("ä" * 64, "neither hex nor base64"),
    ],
)
def test_bad_env_key_names_the_variable(tmp_path: Path, value: str, problem: str) -> None:
    with pytest.raises(StorageConfigError, match=problem) as info:
        load_or_create_key(tmp_path, value)
    assert HMAC_KEY_ENV in str(info.value)
    assert HMAC_KEY_ENV == "BOT_HMAC_KEY"


def test_bad_env_key_message_does_not_echo_the_value(tmp_path: Path) -> None:
    value = "secret-" + "s" * 20
    with pytest.raises(StorageConfigError) as info:
        load_or_create_key(tmp_path, value)
    assert value not in str(info.value)


def test_corrupt_key_file_is_reported(tmp_path: Path) -> None:
    (tmp_path / KEY_FILE_NAME).write_text("too short\n")
    with pytest.raises(StorageConfigError, match=KEY_FILE_NAME):
        load_or_create_key(tmp_path, None)


def test_key_file_in_unusable_directory_is_reported(tmp_path: Path) -> None:
    blocker = tmp_path / "blocker"
    blocker.write_text("")
    with pytest.raises(StorageConfigError, match="cannot create key file"):
        load_or_create_key(blocker, None)


def test_user_key_is_a_stable_hmac() -> None:
    key = user_key(KEY, ALICE_ID)
    assert key == user_key(KEY, ALICE_ID)
    assert is_user_key(key)
    assert str(ALICE_ID) not in key
    assert key != user_key(KEY, ALICE_ID + 1)
    assert key != user_key(bytes(32), ALICE_ID)
    # Pinned so a change to the derivation (which would orphan all stored data) is noticed.
    assert key == hmac.new(KEY, b"987654321", hashlib.sha256).hexdigest()


async def test_downvoted_questions_are_masked_counted_deleted_and_purged(store: Store) -> None:
    key = user_key(b"k" * 32, 42)
    other = user_key(b"k" * 32, 43)
    old = datetime(2020, 1, 1, tzinfo=UTC)
    await store.log_downvoted_question(key, "vertrag-drk", "de", "schreib an a.b@example.org")
    await store.log_downvoted_question(other, "vertrag-drk", "de", "alt", asked_at=old)
    await store.record_vote(key, "vertrag-drk", -1)
    await store.record_vote(other, "vertrag-drk", 1)
    [row] = await store.downvoted_questions(datetime(2021, 1, 1, tzinfo=UTC))
    assert row.entry_id == "vertrag-drk" and "example.org" not in row.text
    assert [(v.entry_id, v.up, v.down) for v in await store.vote_counts(old)] == [
        ("vertrag-drk", 1, 1)
    ]
    assert await store.purge_questions(timedelta(days=365)) == 1
    await store.delete_user(key)
    assert await store.downvoted_questions(old) == []
