"""Per-chat fairness: one chat's flood costs other chats nothing, and replies are paced."""

from __future__ import annotations

import asyncio
import itertools
import logging
import sqlite3
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.config import Config
from bot.core.assistant import Assistant
from bot.tg.fairness import MAX_CHATS, FairnessSettings, QuestionBudget, ReplyPacer
from tests.botapi_stub import BotApiStub
from tests.tg_harness import bot_env, running_bot

FLOODER, OTHER = 7001, 7002
QUESTION = "Was macht der Hessische Jugendring?"


class FakeClock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_the_budget_allows_a_burst_then_one_question_per_refill() -> None:
    clock = FakeClock()
    budget = QuestionBudget(FairnessSettings(burst=5, refill_seconds=2.0), clock)
    assert [budget.take(1) for _ in range(6)] == [True] * 5 + [False]
    assert budget.wait(1) == pytest.approx(2.0)
    clock.now += 1.0
    assert not budget.take(1)
    assert budget.take(2)  # another chat has its own budget
    clock.now += 1.0
    assert budget.take(1) and not budget.take(1)
    clock.now += 60.0
    assert [budget.take(1) for _ in range(6)] == [True] * 5 + [False]  # never more than a burst


def test_the_pacer_spaces_one_chats_messages_and_forgets_old_chats() -> None:
    clock = FakeClock()
    pacer = ReplyPacer(1.0, clock)
    assert [pacer.delay(1) for _ in range(3)] == [0.0, 1.0, 2.0]
    assert pacer.delay(2) == 0.0
    clock.now += 5.0
    assert pacer.delay(1) == 0.0
    for chat in range(MAX_CHATS + 10):
        pacer.delay(1000 + chat)
    assert len(pacer._next) == MAX_CHATS
    assert ReplyPacer(0.0, clock).delay(1) == 0.0


@pytest.fixture
async def stub() -> AsyncIterator[BotApiStub]:
    async with BotApiStub() as running:
        yield running


def production_env(stub: BotApiStub, data_dir: Path) -> dict[str, str]:
    """The harness environment with the production fairness values."""
    defaults = Config()
    return bot_env(
        stub,
        data_dir,
        BOT_CHAT_BURST=str(defaults.chat_burst),
        BOT_CHAT_REFILL_SECONDS=str(defaults.chat_refill_seconds),
        BOT_REPLY_INTERVAL_SECONDS=str(defaults.reply_interval_seconds),
    )


async def test_a_flood_from_one_chat_does_not_delay_another(
    stub: BotApiStub, tmp_path: Path, assistant: Assistant, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    burst = Config().chat_burst
    async with running_bot(production_env(stub, tmp_path)):
        for n in range(299):
            stub.add_message(FLOODER, f"frage nummer {n} bitte", user_id=FLOODER)
        stub.add_message(FLOODER, QUESTION, user_id=FLOODER)
        asked = time.monotonic()
        stub.add_message(OTHER, QUESTION, user_id=OTHER)
        calls = await stub.wait_for("sendMessage", burst + 3, timeout=20)
        [other] = [c for c in calls if c.params["chat_id"] == OTHER]
        assert other.at - asked < 1.5, f"the other chat waited {other.at - asked:.2f} s"
        # Nothing more comes: the burst, one note and the latest question, that is all.
        await asyncio.sleep(3.0)
    flooded = [c for c in stub.sent_messages() if c.params["chat_id"] == FLOODER]
    assert len(flooded) == burst + 2
    assert sum("schreibst sehr schnell" in c.params["text"] for c in flooded) == 1
    latest = assistant.answer(QUESTION)
    assert flooded[-1].params["text"].startswith(latest.text.strip()[:40])
    gaps = [b.at - a.at for a, b in itertools.pairwise(flooded)]
    assert min(gaps) >= 0.9, gaps
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    # Dropped questions were never stored: only the answered ones are in the log.
    with sqlite3.connect(tmp_path / "bot.sqlite3") as db:
        texts = [row[0] for row in db.execute("SELECT text FROM questions") if row[0]]
        count = db.execute("SELECT count(*) FROM questions").fetchone()[0]
    assert count == burst + 2  # the flooder's burst and latest, the other chat's question
    assert not any("nummer 17" in text for text in texts)


async def test_button_presses_and_commands_are_not_dropped_over_the_budget(
    stub: BotApiStub, tmp_path: Path
) -> None:
    async with running_bot(production_env(stub, tmp_path)):
        for n in range(8):
            stub.add_message(FLOODER, f"frage {n}", user_id=FLOODER)
        stub.add_command(FLOODER, "/kontakt", user_id=FLOODER)
        calls = await stub.wait_for("sendMessage", Config().chat_burst + 3, timeout=15)
    texts = [c.params["text"] for c in calls if c.params["chat_id"] == FLOODER]
    assert any("Jugendring" in text for text in texts)  # /kontakt was answered
