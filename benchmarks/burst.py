"""The bot's cost per update: a burst of messages over real HTTP, against a bare echo bot."""

from __future__ import annotations

import asyncio
import contextlib
import cProfile
import dataclasses
import os
import tempfile
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable, Coroutine, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from telegram import Update
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    BaseRateLimiter,
    ContextTypes,
    MessageHandler,
    filters,
)

from benchmarks.common import BenchConfig
from benchmarks.profiling import ON_TEXT, Profile, summarise
from bot.config import Config
from bot.core.assistant import Assistant
from bot.core.evaluation import load_questions
from bot.tg.application import CONCURRENT_UPDATES, build_application, running
from bot.tg.render import reply_html
from bot.tg.runner import prepare

if TYPE_CHECKING:
    from tests.botapi_stub import BotApiStub

ECHO = "echo bot (bare PTB: one MessageHandler)"
REAL = "real bot (as shipped)"
ECHO_LIMITED = "echo bot + the real bot's AIORateLimiter and concurrent updates"
REAL_UNLIMITED = "real bot, rate limiter switched off (benchmark-only)"
FIRST_CHAT = 10_000
# Pause after the warm-up (the limiter's bucket refills in 0.1 s) and after the burst (to see
# replies that should not come).
REFILL_S = 0.2
SETTLE_S = 0.2
# Requests per second PTB's AIORateLimiter lets through for all chats together (its default).
LIMITER_RATE = 30.0

Running = Callable[["BotApiStub"], contextlib.AbstractAsyncContextManager[object]]


@dataclass(frozen=True)
class BurstRow:
    """Time from queueing a burst until the stand-in has every reply."""

    name: str
    messages: int
    chats: int
    seconds: float
    extra_replies: int
    requests: int
    methods: str
    headline: bool

    @property
    def per_second(self) -> float:
        """Messages answered per second."""
        return self.messages / self.seconds if self.seconds > 0 else float("nan")


def burst_texts(root: Path) -> list[str]:
    """Return eval questions whose reply is a single Telegram message (one reply per update)."""
    assistant, _warnings = Assistant.from_dirs(root / "knowledge", root / "intents")
    questions = load_questions(root / "tests" / "eval" / "questions.yaml")
    return [q.q for q in questions if len(reply_html(assistant.answer(q.q))) == 1]


async def _echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Reply with the message's own text."""
    if update.effective_message is not None and update.effective_message.text:
        await update.effective_message.reply_text(update.effective_message.text)


class NoRateLimit(BaseRateLimiter[None]):
    """A rate limiter that sends every request at once: the bot's limiter switched off."""

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to clean up."""

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        """Send the request now."""
        return await callback(*args, **kwargs)


@contextlib.asynccontextmanager
async def echo_bot(stub: BotApiStub, *, like_real: bool = False) -> AsyncIterator[object]:
    """Run a bare echo bot (optionally with the real bot's limiter and concurrency) by polling."""
    from tests.tg_harness import TOKEN

    os.environ.setdefault("PTB_TIMEDELTA", "true")
    builder = ApplicationBuilder().token(TOKEN).base_url(stub.base_url)
    app: Application[Any, Any, Any, Any, Any, Any]
    if like_real:
        limiter = AIORateLimiter(max_retries=3)
        app = builder.rate_limiter(limiter).concurrent_updates(CONCURRENT_UPDATES).build()
    else:
        app = builder.build()
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, _echo))
    async with app:  # initialize() now, shutdown() at the end
        await app.start()
        assert app.updater is not None
        try:
            await app.updater.start_polling(poll_interval=0.0, timeout=1)
            yield app
        finally:
            if app.updater.running:
                await app.updater.stop()
            await app.stop()


@contextlib.asynccontextmanager
async def real_bot(stub: BotApiStub, *, limiter: bool = True) -> AsyncIterator[object]:
    """Run the real bot Application (as shipped) by polling, with a fresh data folder."""
    from tests.tg_harness import bot_env

    os.environ.setdefault("PTB_TIMEDELTA", "true")
    with tempfile.TemporaryDirectory() as data_dir:
        # The production per-chat fairness (bot_env turns it off for tests).
        fair = Config()
        services = prepare(
            bot_env(
                stub,
                Path(data_dir),
                BOT_WATCH_KNOWLEDGE="0",
                BOT_CHAT_BURST=str(fair.chat_burst),
                BOT_CHAT_REFILL_SECONDS=str(fair.chat_refill_seconds),
                BOT_REPLY_INTERVAL_SECONDS=str(fair.reply_interval_seconds),
            )
        )
        # Steady state: the further languages' matchers, which the bot builds in a thread a
        # few seconds after its start (fitting them, with this fresh data folder), are built
        # before the burst; the start-up rows measure start-up.
        await asyncio.to_thread(services.assistant.warm_up)
        app = build_application(services, rate_limiter=None if limiter else NoRateLimit())
        async with running(app):
            assert app.updater is not None
            await app.updater.start_polling(poll_interval=0.0, timeout=1)
            yield app


async def _burst(stub: BotApiStub, texts: Sequence[str], messages: int, chats: int) -> BurstRow:
    """Queue the burst at once; wait for one sendMessage per message; check none came extra."""
    before = len(stub.sent_messages())
    calls_before = len(stub.calls)
    start = time.monotonic()
    for n in range(messages):
        chat = FIRST_CHAT + n % chats
        stub.add_message(chat, texts[n % len(texts)], user_id=chat)
    timeout = 60.0 + messages * 0.2
    calls = (await stub.wait_for("sendMessage", before + messages, timeout=timeout))[before:]
    seconds = max(call.at for call in calls) - start
    await asyncio.sleep(SETTLE_S)
    extra = len(stub.sent_messages()) - before - messages
    counts = Counter(
        c.method for c in stub.calls[calls_before:] if c.method.lower() != "getupdates"
    )
    methods = ", ".join(f"{n}× {method}" for method, n in counts.most_common())
    return BurstRow("", messages, chats, seconds, extra, counts.total(), methods, False)


async def _measure(
    name: str, running: Running, texts: Sequence[str], messages: int, chats: int, headline: bool
) -> BurstRow:
    """Start one bot against a fresh stand-in, warm it up with one message, then burst."""
    from tests.botapi_stub import BotApiStub

    async with BotApiStub() as stub, running(stub):
        stub.add_message(FIRST_CHAT - 1, texts[0], user_id=FIRST_CHAT - 1)
        await stub.wait_for("sendMessage", 1, timeout=30)
        await asyncio.sleep(REFILL_S)
        row = await _burst(stub, texts, messages, chats)
    return dataclasses.replace(row, name=name, headline=headline)


async def _profiled(texts: Sequence[str], messages: int, chats: int) -> Profile:
    """Send the burst once more through the real bot without limiter, under cProfile."""
    from tests.botapi_stub import BotApiStub

    async with BotApiStub() as stub, real_bot(stub, limiter=False):
        stub.add_message(FIRST_CHAT - 1, texts[0], user_id=FIRST_CHAT - 1)
        await stub.wait_for("sendMessage", 1, timeout=30)
        await asyncio.sleep(REFILL_S)
        profiler = cProfile.Profile()
        profiler.enable()
        try:
            await _burst(stub, texts, messages, chats)
        finally:
            profiler.disable()
    return summarise(profiler, messages, [ON_TEXT])


async def _run_all(
    texts: Sequence[str], messages: int, chats: int
) -> tuple[list[BurstRow], Profile]:
    """Measure the echo bot, the real bot and the two explanatory variants, then profile."""
    variants: list[tuple[str, Running, bool]] = [
        (ECHO, echo_bot, True),
        (REAL, real_bot, True),
        (ECHO_LIMITED, lambda stub: echo_bot(stub, like_real=True), False),
        (REAL_UNLIMITED, lambda stub: real_bot(stub, limiter=False), False),
    ]
    rows = [
        await _measure(name, running, texts, messages, chats, headline)
        for name, running, headline in variants
    ]
    return rows, await _profiled(texts, messages, chats)


def run_burst(config: BenchConfig, root: Path) -> tuple[list[BurstRow], Profile]:
    """Send the configured burst through every variant (one row each), then profile one."""
    texts = burst_texts(root)
    return asyncio.run(_run_all(texts, config.burst_messages, config.burst_chats))


def limiter_floor(requests: int) -> float:
    """Seconds PTB's rate limiter needs at least for this many requests (the first 30 are free)."""
    return max(requests - LIMITER_RATE, 0.0) / LIMITER_RATE
