"""Faults in Telegram's Bot API, injected in the local stand-in, against the real Application.

Rate limits (429), blocked users (403), HTML the server cannot parse (400), server errors
(500), connections reset mid-request, slow and timed-out responses, and a burst from 50 chats
with faults sprinkled in. The bot runs with its production rate limiter (AIORateLimiter with
3 retries), so a 429 pauses every request as it would in production.
"""

from __future__ import annotations

import asyncio
import html
import itertools
import logging
from collections import defaultdict
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.tg.context import Services
from bot.tg.render import reply_html
from tests.botapi_stub import BotApiStub, Call
from tests.helpers.settle import settle_quiet
from tests.html_rules import message_problems
from tests.tg_harness import bot_env, running_bot

BOT_ERROR = "error while handling update"
QUESTIONS = (
    "Was macht der Hessische Jugendring?",
    "Was ist ein Integrationsvertrag?",
    "hallo",
    "DRK",
    "Kontakte",
    "Wer hilft mir bei Rassismus?",
    "xyz qqq zzz",
)
# Logged when polling fails (by the bot's error handler, as run_polling routes it) or when
# python-telegram-bot's limiter gives up: expected in these tests, unlike handler errors.
PTB_POLLING_ERROR = "polling for updates failed"
PTB_LIMITER_ERROR = "Rate limit hit after maximum of"


@pytest.fixture
async def stub() -> AsyncIterator[BotApiStub]:
    async with BotApiStub() as running:
        yield running


@pytest.fixture(autouse=True)
def _capture_logs(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING)
    caplog.set_level(logging.INFO, logger="bot")  # also lowers the capture handler to INFO


def env(stub: BotApiStub, tmp_path: Path) -> dict[str, str]:
    return bot_env(stub, tmp_path, BOT_WATCH_KNOWLEDGE="0")


def report(capsys: pytest.CaptureFixture[str], line: str) -> None:
    """Print a figure for the lead, visible even under ``pytest -q``."""
    with capsys.disabled():
        print(f"\n[faults] {line}")


def errors(caplog: pytest.LogCaptureFixture, *allowed: str) -> list[str]:
    """ERROR records other than the allowed ones (matched by substring)."""
    return [
        f"{r.name}: {r.getMessage()}"
        for r in caplog.records
        if r.levelno >= logging.ERROR and not any(a in r.getMessage() for a in allowed)
    ]


def handler_errors(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if BOT_ERROR in r.getMessage()]


def logged(caplog: pytest.LogCaptureFixture, text: str) -> int:
    return sum(text in r.getMessage() for r in caplog.records)


def question(chat: int) -> str:
    return QUESTIONS[chat % len(QUESTIONS)]


def answer_of(services: Services, text: str) -> str:
    """The one HTML message the bot sends for ``text`` from a German-speaking newcomer."""
    parts = reply_html(services.assistant.answer(text, lang=None, client_lang="de"))
    assert len(parts) == 1, "these tests expect single-message replies"
    return parts[0]


def error_note(services: Services) -> str:
    return html.escape(services.assistant.kb.message("error", "de"), quote=False)


def by_chat(calls: Iterable[Call]) -> dict[int, list[Call]]:
    grouped: defaultdict[int, list[Call]] = defaultdict(list)
    for call in calls:
        grouped[int(call.params["chat_id"])].append(call)
    return dict(grouped)


def delivered(call: Call) -> bool:
    """Whether Telegram would have shown the message (delayed calls take effect on arrival)."""
    return call.fault not in ("error", "reset")


async def settle(stub: BotApiStub, quiet: float = 0.6) -> None:
    """Wait until the bot is quiet (see tests.helpers.settle.settle_quiet)."""
    await settle_quiet(stub, quiet=quiet)


def ask(stub: BotApiStub, chats: Iterable[int]) -> None:
    for chat in chats:
        stub.add_message(chat, question(chat), user_id=chat)


async def wait_for_fault(stub: BotApiStub, method: str, kind: str, timeout: float = 10) -> Call:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while loop.time() < deadline:
        for call in stub.calls_of(method):
            if call.fault == kind:
                return call
        await asyncio.sleep(0.02)
    raise TimeoutError(f"no {method} call consumed a {kind} fault")


def assert_served(stub: BotApiStub, services: Services, chats: Iterable[int]) -> None:
    """Each chat got exactly one message, its answer, in valid Telegram HTML."""
    grouped = by_chat(stub.sent_messages())
    for chat in chats:
        calls = grouped.get(chat, [])
        assert [str(c.params["text"]) for c in calls] == [answer_of(services, question(chat))], chat
        assert all(delivered(c) for c in calls)
        assert message_problems(str(calls[0].params["text"])) == []


# ---------------------------------------------------------------------------- 429


async def test_429_retry_after_is_retried_until_the_reply_arrives(
    stub: BotApiStub,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    async with running_bot(env(stub, tmp_path)) as (_app, services):
        # AIORateLimiter(max_retries=3): three 429s in a row are still retried.
        stub.fail_next(
            "sendMessage", status=429, description="Too Many Requests: retry after 1", times=3
        )
        ask(stub, [1])
        calls = await stub.wait_for("sendMessage", 4, timeout=15)
        await settle(stub)
        expected = answer_of(services, question(1))
    assert [c.fault for c in stub.sent_messages()] == ["error", "error", "error", None]
    assert {str(c.params["text"]) for c in calls} == {expected}
    gaps = [later.at - earlier.at for earlier, later in itertools.pairwise(calls)]
    assert all(gap >= 1.0 for gap in gaps), gaps  # retry_after was honoured each time
    assert errors(caplog) == []
    report(
        capsys,
        f"429 x3: retried after {[round(g, 2) for g in gaps]} s, reply arrived; "
        f"faults injected {stub.faults_injected}",
    )


async def test_429_beyond_the_retry_budget_is_handled_and_others_served(
    stub: BotApiStub,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    async with running_bot(env(stub, tmp_path)) as (_app, services):
        stub.fail_next(
            "sendMessage", status=429, description="Too Many Requests: retry after 1", times=4
        )
        ask(stub, [1])
        await stub.wait_for("sendMessage", 5, timeout=20)
        ask(stub, [2, 3])
        await settle(stub)
        note = error_note(services)
        chat1 = by_chat(stub.sent_messages())[1]
        assert [c.fault for c in chat1] == ["error"] * 4 + [None]
        assert str(chat1[-1].params["text"]) == note  # the user hears that something failed
        assert_served(stub, services, [2, 3])
    assert len(handler_errors(caplog)) == 1
    assert errors(caplog, BOT_ERROR, PTB_LIMITER_ERROR) == []
    report(
        capsys,
        f"429 x4: gave up after 4 attempts, user told, 2 other chats served; "
        f"faults injected {stub.faults_injected}",
    )


# ---------------------------------------------------------------------------- 403


async def test_blocked_users_are_skipped_and_other_chats_served(
    stub: BotApiStub,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    chats = list(range(1, 11))
    async with running_bot(env(stub, tmp_path)) as (_app, services):
        stub.fail_next(
            "sendMessage", status=403, description="Forbidden: bot was blocked by the user", times=2
        )
        ask(stub, chats)
        await stub.wait_for("sendMessage", len(chats), timeout=15)
        await settle(stub)
        grouped = by_chat(stub.sent_messages())
        blocked = [chat for chat, calls in grouped.items() if calls[0].fault == "error"]
        assert len(blocked) == 2
        for chat in blocked:
            assert len(grouped[chat]) == 1  # no retry, no error note to a user who blocked us
        assert_served(stub, services, [c for c in chats if c not in blocked])
    assert logged(caplog, "a user blocked the bot") == 2
    assert errors(caplog) == []
    report(
        capsys,
        f"403 x2: {len(blocked)} blocked chats skipped, {len(chats) - 2} served; "
        f"faults injected {stub.faults_injected}",
    )


# ---------------------------------------------------------------------------- 400 parse error


async def test_parse_error_is_resent_once_as_plain_text(
    stub: BotApiStub,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    parse_error = 'Bad Request: can\'t parse entities: unsupported start tag "x" at byte offset 0'
    async with running_bot(env(stub, tmp_path)) as (_app, services):
        stub.fail_next("sendMessage", status=400, description=parse_error)
        ask(stub, [1])
        await stub.wait_for("sendMessage", 2)
        await settle(stub)
        first, plain = by_chat(stub.sent_messages())[1]
        expected = answer_of(services, question(1))
        assert first.fault == "error" and first.params.get("parse_mode") == "HTML"
        assert plain.fault is None and "parse_mode" not in plain.params
        assert plain.params["text"] == html.unescape(expected)
        assert plain.params.get("reply_markup") == first.params.get("reply_markup")

        # If the plain resend fails too, there is no third attempt at the answer: the error
        # handler tells the user once.
        stub.fail_next("sendMessage", status=400, description=parse_error, times=2)
        ask(stub, [2])
        await stub.wait_for("sendMessage", 5)
        await settle(stub)
        calls = by_chat(stub.sent_messages())[2]
        assert [c.fault for c in calls] == ["error", "error", None]
        assert [c.params.get("parse_mode") for c in calls] == ["HTML", None, "HTML"]
        assert calls[2].params["text"] == error_note(services)
    assert logged(caplog, "sending it as plain text") == 2
    assert len(handler_errors(caplog)) == 1
    assert errors(caplog, BOT_ERROR) == []
    report(capsys, f"400 parse: resent as plain text once; faults injected {stub.faults_injected}")


async def test_other_bad_request_is_not_resent_as_plain_text(
    stub: BotApiStub, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    async with running_bot(env(stub, tmp_path)) as (_app, services):
        stub.fail_next("sendMessage", status=400, description="Bad Request: chat not found")
        ask(stub, [1, 2])
        await stub.wait_for("sendMessage", 3)
        await settle(stub)
        grouped = by_chat(stub.sent_messages())
        failed = next(chat for chat, calls in grouped.items() if calls[0].fault == "error")
        assert [c.params.get("parse_mode") for c in grouped[failed]] == ["HTML", "HTML"]
        assert grouped[failed][1].params["text"] == error_note(services)
        assert_served(stub, services, [c for c in (1, 2) if c != failed])
    assert len(handler_errors(caplog)) == 1


# ---------------------------------------------------------------------------- 500 and resets


@pytest.mark.parametrize("fault", ["500", "reset"])
async def test_failed_send_is_handled_and_other_chats_served(
    stub: BotApiStub,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
    fault: str,
) -> None:
    chats = list(range(1, 6))
    async with running_bot(env(stub, tmp_path)) as (_app, services):
        if fault == "500":
            stub.fail_next("sendMessage", status=500, description="Internal Server Error")
        else:
            stub.reset_next("sendMessage")
        ask(stub, chats)
        await stub.wait_for("sendMessage", len(chats) + 1, timeout=15)
        await settle(stub)
        grouped = by_chat(stub.sent_messages())
        [failed] = [chat for chat, calls in grouped.items() if not delivered(calls[0])]
        assert [str(c.params["text"]) for c in grouped[failed]] == [
            answer_of(services, question(failed)),
            error_note(services),
        ]
        assert delivered(grouped[failed][1])
        assert_served(stub, services, [c for c in chats if c != failed])
        # ...and the bot keeps serving afterwards.
        ask(stub, [6])
        await stub.wait_for("sendMessage", len(chats) + 2)
        await settle(stub)
        assert_served(stub, services, [6])
    assert len(handler_errors(caplog)) == 1
    assert errors(caplog, BOT_ERROR) == []
    report(
        capsys,
        f"{fault} on sendMessage: error handled, user told, {len(chats) - 1} other "
        f"chats and a later one served; faults injected {stub.faults_injected}",
    )


@pytest.mark.parametrize("fault", ["reset", "502"])
async def test_failing_get_updates_polling_continues(
    stub: BotApiStub,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
    fault: str,
) -> None:
    async with running_bot(env(stub, tmp_path)) as (_app, services):
        if fault == "reset":
            stub.reset_next("getUpdates", times=2)
        else:
            stub.fail_next("getUpdates", status=502, description="Bad Gateway", times=2)
        await wait_for_fault(stub, "getUpdates", "reset" if fault == "reset" else "error")
        ask(stub, [1, 2])  # queued while polling is failing
        await stub.wait_for("sendMessage", 2, timeout=15)
        await settle(stub)
        assert_served(stub, services, [1, 2])
        failed = [c for c in stub.calls_of("getUpdates") if c.fault is not None]
        assert len(failed) == 2
    assert logged(caplog, PTB_POLLING_ERROR) == 2
    assert errors(caplog, PTB_POLLING_ERROR) == []
    report(
        capsys,
        f"{fault} on getUpdates x2: polling continued, both chats served once; "
        f"faults injected {stub.faults_injected}",
    )


# ---------------------------------------------------------------------------- slow and timeouts


async def test_slow_send_does_not_hold_up_other_chats(
    stub: BotApiStub, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    async with running_bot(env(stub, tmp_path)) as (_app, services):
        stub.delay_next("sendMessage", 2.0)
        ask(stub, [1])
        [slow] = await stub.wait_for("sendMessage", 1)
        ask(stub, [2, 3])
        calls = await stub.wait_for("sendMessage", 3, timeout=10)
        assert all(call.at - slow.at < 2.0 for call in calls[1:])  # not queued behind it
        await settle(stub, quiet=2.5)
        assert_served(stub, services, [1, 2, 3])
    assert errors(caplog) == []


@pytest.mark.slow
async def test_get_updates_timeout_polling_continues(
    stub: BotApiStub,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # The bot sets no timeouts of its own: PTB waits read_timeout (5 s) + the long-poll
    # timeout (1 s in the harness) for getUpdates. Hold the response back longer than that.
    async with running_bot(env(stub, tmp_path)) as (_app, services):
        stub.delay_next("getUpdates", 8.0)
        delayed = await wait_for_fault(stub, "getUpdates", "delay")
        ask(stub, [1])  # lands in the delayed (lost) response, then in the retry
        [sent] = await stub.wait_for("sendMessage", 1, timeout=15)
        waited = sent.at - delayed.at
        await settle(stub)
        assert_served(stub, services, [1])
    assert 5.0 <= waited < 8.0, waited  # answered after the client gave up, not after 8 s
    assert errors(caplog) == []
    report(
        capsys,
        f"getUpdates held back 8 s: client timed out and re-polled, reply after "
        f"{waited:.1f} s, exactly once; faults injected {stub.faults_injected}",
    )


@pytest.mark.slow
async def test_send_timeout_never_duplicates_the_answer(
    stub: BotApiStub, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # Telegram got the message but the answer came too late (> PTB's 5 s read timeout): the
    # bot must not send the answer a second time. (It does tell the user that something
    # failed, since it cannot know the message arrived.)
    async with running_bot(env(stub, tmp_path)) as (_app, services):
        stub.delay_next("sendMessage", 7.0)
        ask(stub, [1])
        await stub.wait_for("sendMessage", 2, timeout=15)
        await settle(stub)
        texts = [str(c.params["text"]) for c in by_chat(stub.sent_messages())[1]]
        assert texts[0] == answer_of(services, question(1))
        assert set(texts[1:]) <= {error_note(services)}
        assert len(texts) <= 2
    assert len(handler_errors(caplog)) == len(texts) - 1


@pytest.mark.slow
async def test_hanging_typing_indicator_still_lets_the_answer_through(
    stub: BotApiStub,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # sendChatAction is optional: when it hangs past PTB's 5 s read timeout the answer still
    # comes, once. It runs in the background, so the answer does not wait for the timeout.
    async with running_bot(env(stub, tmp_path)) as (_app, services):
        stub.delay_next("sendChatAction", 7.0)
        ask(stub, [1])
        [typing] = await stub.wait_for("sendChatAction", 1)
        [sent] = await stub.wait_for("sendMessage", 1, timeout=15)
        await settle(stub)
        assert_served(stub, services, [1])
    assert logged(caplog, "typing indicator failed: TimedOut") == 1
    assert errors(caplog) == []
    report(capsys, f"sendChatAction hanging 7 s: answer after {sent.at - typing.at:.1f} s")


# ---------------------------------------------------------------------------- burst


@dataclass(frozen=True)
class Spec:
    """One injected sendMessage fault: 'delay' (jitter), 'error' with a status, or 'reset'."""

    kind: str
    status: int = 0
    seconds: float = 0.0


FAILURES = (Spec("error", 500), Spec("reset"), Spec("error", 429), Spec("error", 403))


def burst_pattern(length: int) -> list[Spec]:
    """Jitter on most calls; every 10th call fails (500, reset, 429, 403 in turn)."""
    pattern = []
    for index in range(length):
        if index % 10 == 9:
            pattern.append(FAILURES[(index // 10) % len(FAILURES)])
        else:
            pattern.append(Spec("delay", seconds=(index % 4) * 0.02))
    return pattern


def inject(stub: BotApiStub, pattern: list[Spec]) -> None:
    for spec in pattern:
        if spec.kind == "delay":
            stub.delay_next("sendMessage", spec.seconds)
        elif spec.kind == "reset":
            stub.reset_next("sendMessage")
        elif spec.status == 429:
            stub.fail_next(
                "sendMessage", status=429, description="Too Many Requests: retry after 1"
            )
        else:
            stub.fail_next("sendMessage", status=spec.status, description=f"Error {spec.status}")


async def test_burst_from_50_chats_with_faults_gets_every_reply_it_can(
    stub: BotApiStub,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    chats = list(range(1001, 1051))
    pattern = burst_pattern(70)
    async with running_bot(env(stub, tmp_path)) as (_app, services):
        inject(stub, pattern)
        stub.reset_next("sendChatAction", times=3)
        ask(stub, chats[:25])
        await stub.wait_for("sendMessage", 10, timeout=20)
        stub.reset_next("getUpdates")
        ask(stub, chats[25:])
        await stub.wait_for("sendMessage", len(chats), timeout=30)
        await settle(stub, quiet=1.5)
        answers = {chat: answer_of(services, question(chat)) for chat in chats}
        note = error_note(services)

    calls = stub.sent_messages()
    spec_of = {id(call): spec for call, spec in zip(calls, pattern, strict=False)}
    grouped = by_chat(calls)
    served: list[int] = []
    blocked: list[int] = []
    told: list[int] = []
    untold: list[int] = []
    problems: list[str] = []
    for chat in chats:
        chat_calls = grouped.get(chat, [])
        texts = [str(c.params["text"]) for c in chat_calls]
        for text in texts:
            problems += [f"chat {chat}: {p}" for p in message_problems(text)]
        # The answer, retried with the same text after each 429, then whatever follows.
        attempts = 0
        while attempts < len(texts) and texts[attempts] == answers[chat]:
            attempts += 1
        answer_calls, rest = chat_calls[:attempts], texts[attempts:]
        if not answer_calls:
            problems.append(f"chat {chat}: never got its answer, only {rest}")
            continue
        for call in answer_calls[:-1]:
            if spec_of.get(id(call), Spec("")).status != 429:
                problems.append(f"chat {chat}: answer sent again after {call.fault}")
        final = answer_calls[-1]
        final_spec = spec_of.get(id(final), Spec(""))
        if delivered(final):
            served.append(chat)
            if rest:
                problems.append(f"chat {chat}: extra messages after its answer: {rest}")
        elif final_spec.status == 403:
            blocked.append(chat)
            if rest:
                problems.append(f"chat {chat}: messages to a user who blocked the bot: {rest}")
        elif any(text != note for text in rest):
            problems.append(f"chat {chat}: unexpected messages after a failed send: {rest}")
        elif any(delivered(call) for call in chat_calls[attempts:]):
            told.append(chat)
            if sum(delivered(call) for call in chat_calls[attempts:]) > 1:
                problems.append(f"chat {chat}: told about the error more than once")
        else:
            untold.append(chat)  # the error note hit a fault too

    failed_answers = len(told) + len(untold)
    failures_injected = sum(1 for c in calls if c.fault in ("error", "reset"))
    retried_429 = sum(1 for c in calls if spec_of.get(id(c), Spec("")).status == 429)
    report(
        capsys,
        f"burst: {len(chats)} chats, {len(calls)} sendMessage calls, faults injected "
        f"{stub.faults_injected} ({failures_injected} failed sends incl. {retried_429} x 429, "
        f"3 typing resets, 1 getUpdates reset, the rest latency jitter); served {len(served)}, "
        f"blocked {len(blocked)}, send failed and user told {len(told)}, "
        f"failed and note failed too {len(untold)}",
    )
    assert not problems, "\n".join(problems[:10])
    assert len(served) + len(blocked) + failed_answers == len(chats)
    # Every chat whose answer was not failed by a 403/500/reset got it.
    assert len(served) == len(chats) - len(blocked) - failed_answers
    assert len(served) >= len(chats) - sum(1 for s in pattern if s.kind != "delay")
    assert len(handler_errors(caplog)) == failed_answers
    assert logged(caplog, "typing indicator failed") == 3
    assert errors(caplog, BOT_ERROR, PTB_POLLING_ERROR, "telling the user about an error") == []
