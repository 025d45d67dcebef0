"""A storage writer for the SIGKILL test: opens the Store and writes in a loop until killed.

Usage: ``python tests/helpers/writer_proc.py DB_PATH FIRST_USER_ID``

Every line is printed (and flushed) only after the awaited write has returned, so each line
names a write the Store reported as committed:

* ``ready`` once the database is open (schema migrated);
* ``p <uid>`` a language preference, ``v <uid>`` a vote, ``q <uid>`` a question-log row;
* ``d <uid>`` every fifth user is deleted again right after their three writes.

User ids count up from FIRST_USER_ID and are never reused, so the test can tell from the
printed lines exactly which rows must be in the database after the kill.
"""

from __future__ import annotations

import asyncio
import sys
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bot.storage import QuestionRecord, Store, user_key  # noqa: E402

KEY = bytes(range(32))
ENTRIES = ("vertrag-drk", "vertrag-jugendring", "hilfe-rassismus-erlebt", "binational-beratung")
DELETE_EVERY = 5


def vote_of(uid: int) -> int:
    """The vote the writer records for a user (so the test can check the value)."""
    return 1 if uid % 2 else -1


def entry_of(uid: int) -> str:
    """The entry the writer votes on for a user."""
    return ENTRIES[uid % len(ENTRIES)]


def matched_id_of(uid: int) -> str:
    """The matched_id of the question-log row the writer logs for a user."""
    return f"q-{uid}"


def report(line: str) -> None:
    """Print one line and push it to the file at once (it must survive a SIGKILL)."""
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


async def write_forever(path: Path, first_uid: int) -> None:
    """Write preferences, votes, question rows and deletions until the process is killed."""
    store = await Store.open(path)
    report("ready")
    uid = first_uid
    while True:
        key = user_key(KEY, uid)
        await store.set_language(key, "en")
        report(f"p {uid}")
        await store.record_vote(key, entry_of(uid), vote_of(uid))
        report(f"v {uid}")
        await store.log_question(
            QuestionRecord(
                asked_at=datetime.now(UTC),
                user_key=key,
                lang="de",
                kind="faq",
                matched_id=matched_id_of(uid),
                score=0.5,
            )
        )
        report(f"q {uid}")
        if uid % DELETE_EVERY == 0:
            await store.delete_user(key)
            report(f"d {uid}")
        uid += 1


def main(argv: list[str]) -> int:
    """Run the writer; never returns normally (the test kills it)."""
    if len(argv) != 3:
        sys.stderr.write("usage: writer_proc.py DB_PATH FIRST_USER_ID\n")
        return 2
    asyncio.run(write_forever(Path(argv[1]), int(argv[2])))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
