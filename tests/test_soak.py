"""Soak test: thousands of updates from hundreds of chats through the real Application.

Everything runs on loopback in this process: the bot (python-telegram-bot, real SQLite) and
the Bot API stand-in. The run is bounded in count (waves of updates). Time and memory are
printed, not asserted: on a busy machine they say little about the bot, and the benchmarks
are where such figures are reported.
"""

from __future__ import annotations

import gc
import logging
import random
import sqlite3
import time
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from telegram.ext import AIORateLimiter

from bot.tg import application
from bot.tg.application import BotApplication
from bot.tg.buttons import encode
from bot.tg.context import Services
from bot.tg.render import reply_html
from tests.botapi_stub import NON_TEXT_KINDS, BotApiStub
from tests.helpers.settle import settle
from tests.tg_harness import bot_env, running_bot

SEED = 20240615
CHATS = 200
WAVES = 10
WAVE_SIZE = 520  # 5,200 updates in all
# Only guards against a hang: a wave that is not done by then never will be.
WAVE_TIMEOUT_S = 300.0
FIRST_CHAT = 700_000
QUESTIONS = (
    "Was macht der Hessische Jugendring?",
    "DRK",
    "Was ist ein Integrationsvertrag?",
    "Wer hilft bei Rassismus?",
    "Rotes Kreuz Beratung",
    "projekt",
    "familie",  # suggestions
    "hallo",
    "danke",
    "Wie spät ist es?",  # fallback
    "xyzzy plugh",  # fallback
    "Kontakt Anne Frank",
)
COMMANDS = ("/start", "/hilfe", "/datenschutz", "/gibtsnicht")


def rss_mib() -> float:
    """Resident set size of this process, from /proc/self/status (VmRSS, in kB)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("VmRSS not found in /proc/self/status")


def unlimited_rate_limiter(max_retries: int, reply_interval: float = 0.0) -> AIORateLimiter:
    """The bot's AIORateLimiter with Telegram's flood limits (30 messages/s) switched off.

    The limiter stays in the request path (with its retries), but 5,000 updates at 30
    messages/s would take minutes; the stand-in enforces no flood limit.
    """
    return AIORateLimiter(overall_max_rate=0, group_max_rate=0, max_retries=max_retries)


@pytest.fixture
async def stub() -> AsyncIterator[BotApiStub]:
    async with BotApiStub() as running:
        yield running


@dataclass
class Wave:
    """The updates queued in one wave and what the bot must send for them."""

    messages: Counter[int] = field(default_factory=Counter)
    typing: Counter[int] = field(default_factory=Counter)
    callbacks: list[str] = field(default_factory=list)
    logged: int = 0
    kinds: Counter[str] = field(default_factory=Counter)


@dataclass
class Plan:
    """Random but seeded traffic; remembers the bot's replies that carry vote buttons."""

    rng: random.Random
    entries: list[str]
    votable: dict[int, int] = field(default_factory=dict)
    votes: set[tuple[int, str]] = field(default_factory=set)

    def queue_wave(self, stub: BotApiStub, size: int) -> Wave:
        wave = Wave()
        for _ in range(size):
            chat = FIRST_CHAT + self.rng.randrange(CHATS)
            roll = self.rng.random()
            if roll < 0.62:
                stub.add_message(chat, self.rng.choice(QUESTIONS), user_id=chat)
                wave.messages[chat] += 1
                wave.typing[chat] += 1
                wave.logged += 1
                wave.kinds["text"] += 1
            elif roll < 0.70:
                stub.add_non_text(chat, self.rng.choice(NON_TEXT_KINDS), user_id=chat)
                wave.messages[chat] += 1
                wave.kinds["non-text"] += 1
            elif roll < 0.74:
                stub.add_command(chat, self.rng.choice(COMMANDS), user_id=chat)
                wave.messages[chat] += 1
                wave.kinds["command"] += 1
            elif roll < 0.88:
                entry = self.rng.choice(self.entries)
                vote = self.rng.choice((1, -1))
                self._callback(stub, wave, chat, encode("vote", entry, vote))
                self.votes.add((chat, entry))
                wave.kinds["vote"] += 1
            elif roll < 0.97:
                self._callback(stub, wave, chat, encode("answer", self.rng.choice(self.entries)))
                wave.messages[chat] += 1
                wave.logged += 1
                wave.kinds["suggestion"] += 1
            else:
                self._callback(stub, wave, chat, encode("none"))
                wave.messages[chat] += 1
                wave.logged += 1
                wave.kinds["none-of-these"] += 1
        return wave

    def _callback(self, stub: BotApiStub, wave: Wave, chat: int, data: str) -> None:
        message_id = self.votable.get(chat, 1)
        before = len(stub.pending_updates)
        stub.add_callback(chat, data, user_id=chat, message_id=message_id)
        query = stub.pending_updates[before]["callback_query"]
        wave.callbacks.append(str(query["id"]))

    def remember_replies(self, stub: BotApiStub) -> None:
        """Later votes press buttons under real replies, so 👎 finds the question behind it."""
        for (chat, message_id), message in stub.messages.items():
            markup = message.get("reply_markup") or {}
            datas = [
                b.get("callback_data", "") for row in markup.get("inline_keyboard", []) for b in row
            ]
            if message["from"]["is_bot"] and any(d.startswith("v:") for d in datas):
                self.votable[chat] = max(message_id, self.votable.get(chat, 0))


def check_wave(stub: BotApiStub, wave: Wave) -> None:
    """Every message got exactly its reply, every callback exactly one answer."""
    sent = Counter(int(c.params["chat_id"]) for c in stub.sent_messages())
    assert sent == wave.messages
    typing = Counter(int(c.params["chat_id"]) for c in stub.calls_of("sendChatAction"))
    assert typing == wave.typing
    answered = [str(c.params["callback_query_id"]) for c in stub.calls_of("answerCallbackQuery")]
    assert sorted(answered) == sorted(wave.callbacks)
    assert not [c for c in stub.calls if c.fault is not None]


def single_part_entries(services: Services) -> list[str]:
    assistant = services.assistant
    return sorted(
        entry
        for entry in assistant.kb.entries
        if len(reply_html(assistant.entry_reply(entry, "de"))) == 1
    )


@pytest.mark.slow  # about 30 s: 5,200 updates
async def test_soak_thousands_of_updates_from_hundreds_of_chats(
    stub: BotApiStub,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING)
    monkeypatch.setattr(application, "RATE_LIMITER", unlimited_rate_limiter)
    env = bot_env(stub, tmp_path, BOT_WATCH_KNOWLEDGE="0")
    app: BotApplication
    async with running_bot(env) as (app, services):
        for question in QUESTIONS:
            assert len(reply_html(services.assistant.answer(question, client_lang="de"))) == 1
        plan = Plan(random.Random(SEED), single_part_entries(services))
        assert len(plan.entries) >= 20
        gc.collect()
        rss_start = rss_mib()
        rss_per_wave: list[float] = []
        kinds: Counter[str] = Counter()
        logged = 0
        started = time.monotonic()
        for _wave in range(WAVES):
            wave = plan.queue_wave(stub, WAVE_SIZE)
            await settle(stub, app, services, timeout=WAVE_TIMEOUT_S)
            check_wave(stub, wave)
            plan.remember_replies(stub)
            kinds += wave.kinds
            logged += wave.logged
            # The test keeps no history: the stand-in's records are dropped after each wave.
            stub.clear_calls()
            stub.messages.clear()
            gc.collect()
            rss_per_wave.append(rss_mib())
        elapsed = time.monotonic() - started
        gc.collect()
        rss_end = rss_mib()
    updates = WAVES * WAVE_SIZE
    with closing(sqlite3.connect(tmp_path / "bot.sqlite3")) as db:
        questions = int(db.execute("SELECT COUNT(*) FROM questions").fetchone()[0])
        votes = int(db.execute("SELECT COUNT(*) FROM votes").fetchone()[0])
        downvoted = int(db.execute("SELECT COUNT(*) FROM downvoted_questions").fetchone()[0])
        assert db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    print(
        f"\nsoak: {updates} updates ({dict(kinds)}) from {CHATS} chats in {WAVES} waves of "
        f"{WAVE_SIZE}: {elapsed:.1f}s, {updates / elapsed:.0f} updates/s; "
        f"RSS start {rss_start:.1f} MiB, end {rss_end:.1f} MiB "
        f"(growth {rss_end - rss_start:+.1f} MiB; per wave "
        f"{', '.join(f'{r:.1f}' for r in rss_per_wave)}); "
        f"rows: {questions} questions, {votes} votes, {downvoted} downvoted questions; "
        f"{len(errors)} errors, {len(warnings)} warnings logged"
    )
    assert errors == []
    assert questions == logged  # no question-log write lost
    assert votes == len(plan.votes)
