"""Attack tests through the whole update path: real Application, real HTTP, the local stand-in.

1. Any text Telegram can deliver gets exactly one reply (one group of parts), in valid
   Telegram HTML, each part within 4096 UTF-16 units, and no handler error. Hypothesis
   generates a batch of 2,000+ distinct texts; one running bot answers all of them, each from
   its own chat, so replies map 1:1 to texts.
2. Button data cannot be forged into harm: forged, unknown, over-long and replayed callback
   data is answered (the spinner stops), raises nothing, and leaves at most one vote per user
   and answer, only for known answers, only -1 or +1.
"""

from __future__ import annotations

import logging
import sqlite3
import time
from collections import Counter, defaultdict
from collections.abc import AsyncIterator, Iterable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from bot.tg.application import PacedRateLimiter
from bot.tg.buttons import MAX_CALLBACK_BYTES, MENU_ITEMS, decode, encode
from bot.tg.render import reply_html
from tests.botapi_stub import BOT_USERNAME, BotApiStub, Call
from tests.conftest import CODES
from tests.helpers.settle import background_done, settle_quiet
from tests.html_rules import MAX_UNITS, html_problems, message_problems, utf16_units
from tests.tg_harness import bot_env, running_bot

TEXT_EXAMPLES = 2_300
"""Hypothesis examples generated for the text batch (some coincide; >= 2,000 are distinct)."""
MIN_DISTINCT_TEXTS = 2_000
CALLBACK_EXAMPLES = 400

# ---------------------------------------------------------------------------- text strategies

CONTROL = [chr(c) for c in (*range(0x00, 0x20), 0x7F, *range(0x80, 0xA0))]
BIDI = [
    "\u200e",
    "\u200f",
    "\u061c",
    "\u202a",
    "\u202b",
    "\u202c",
    "\u202d",
    "\u202e",
    "\u2066",
    "\u2067",
    "\u2068",
    "\u2069",
]
INVISIBLE = ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad", "\u034f", "\u180e"]
SPACES = [" ", "\t", "\n", "\r", "\u00a0", "\u2028", "\u2029", "\u3000", "\u2003"]
EMOJI = [
    "😀",
    "👍🏽",
    "👨\u200d👩\u200d👧\u200d👦",
    "🇩🇪",
    "🏳️\u200d🌈",
    "❤️",
    "🫠",
    "1️⃣",
    "🧑🏿\u200d🚀",
    "\U0001f9d1\U0001f3fb\u200d\U0001f91d\u200d\U0001f9d1\U0001f3ff",
]
MARKUP = [
    "<b>",
    "</b>",
    "<i>x</i>",
    '<a href="https://evil.example">',
    "</a>",
    "<script>alert(1)</script>",
    "<tg-spoiler>",
    '<span class="tg-spoiler">',
    "<pre><code>",
    "<br/>",
    "<!--",
    "-->",
    "<",
    ">",
    "&",
    "&amp;",
    "&lt;",
    "&#60;",
    "&#x3C;",
    "&nbsp;",
    "&#0;",
    "&#x110000;",
    '"',
    "'",
    "*fett*",
    "_kursiv_",
    "`code`",
    "```python\nprint(1)\n```",
    "[link](https://evil.example)",
    "~~weg~~",
    "||spoiler||",
    "\\",
    "%s",
    "{operator}",
    "{retention_days}",
    "{0}",
    "${x}",
    f"@{BOT_USERNAME}",
    "/start",
    "/loeschen@" + BOT_USERNAME,
    "https://t.me/+abc",
]
SCRIPTS = [
    "Integrationsvertrag",
    "Jugendring",
    "Grüße aus Gießen",
    "STRASSE straße",
    "مرحبا بكم",
    "שלום עולם",
    "Привет, мир",
    "你好世界",
    "こんにちは",
    "안녕하세요",
    "नमस्ते",
    "สวัสดี",
    "Γειά σου",
    "ǅ İstanbul ı",
    "ﷺ",
    "𝔘𝔫𝔦𝔠𝔬𝔡𝔢",
    "Z̤͔ͧ̑̓ä͖̭̈̇lͮ̒ͫǧ̗͚̚o̙̔ͮ̇͐̇",
    "Türkçe ğüşöç",
    "Ελληνικά",
    "Wie beantrage ich Hilfe?",
]
FRAGMENTS = CONTROL + BIDI + INVISIBLE + SPACES + EMOJI + MARKUP + SCRIPTS


def text_strategy(questions: list[str]) -> st.SearchStrategy[str]:
    """Unicode text without surrogates: empty, huge, emoji, controls, bidi, markup, mixed."""
    fragment = st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=6))
    mosaic = st.lists(fragment, max_size=30).map("".join)
    question = st.sampled_from(questions)
    noisy_question = st.builds(
        lambda q, noise, before: noise + q if before else q + noise,
        question,
        mosaic,
        st.booleans(),
    )
    huge = st.builds(
        lambda chunk, size: (chunk * (size // len(chunk) + 1))[:size],
        st.one_of(st.text(min_size=1, max_size=60), mosaic.filter(bool), question),
        st.integers(min_value=4_000, max_value=10_000),
    )
    return st.one_of(
        st.text(max_size=200),  # every code point except surrogates
        mosaic,
        mosaic,
        st.text(alphabet=st.sampled_from(CONTROL + BIDI + INVISIBLE + SPACES), max_size=40),
        question,
        noisy_question,
        huge,
    )


def generate(strategy: st.SearchStrategy[str], count: int, extra: Iterable[str] = ()) -> list[str]:
    """Run Hypothesis (derandomized: the same texts every run) and collect what it generates."""
    seen: list[str] = list(extra)

    @settings(
        max_examples=count,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(strategy)
    def collect(value: str) -> None:
        seen.append(value)

    collect()
    return seen


HAND_WRITTEN_TEXTS = [
    " ",
    "\n\n\n",
    "\u202e",
    "\u2066\u202eevil\u2069",
    "\x00",
    "\u200b",
    "\ufeff",
    "<b>",
    "</b></i></a>",
    "&",
    "&amp;lt;",
    "<a href='javascript:alert(1)'>x</a>",
    "a" * 10_000,
    "😀" * 5_000,
    "&" * 10_000,
    "<" * 4_097,
    ("Was macht der Hessische Jugendring? " * 300)[:10_000],
    "\U0010ffff" * 100,
    "/start",
    "/loeschen",
    f"@{BOT_USERNAME}",
    "🇩🇪" * 2_500,
]


# ---------------------------------------------------------------------------- helpers


class UnthrottledLimiter(PacedRateLimiter):
    """The production limiter (same retries on RetryAfter) without the overall 30 req/s cap.

    2,000 texts cause 4,000 requests; at Telegram's real flood limit that alone would take
    over two minutes. Per-group limits, the reply pace (as configured, off in these tests)
    and RetryAfter handling stay as in production.
    """

    def __init__(self, max_retries: int = 0, reply_interval: float = 0.0) -> None:
        super().__init__(overall_max_rate=0, max_retries=max_retries, reply_interval=reply_interval)


@pytest.fixture
async def stub() -> AsyncIterator[BotApiStub]:
    async with BotApiStub() as running:
        yield running


@pytest.fixture
def unthrottled(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("bot.tg.application.RATE_LIMITER", UnthrottledLimiter)


def report(capsys: pytest.CaptureFixture[str], line: str) -> None:
    """Print a figure for the lead, visible even under ``pytest -q``."""
    with capsys.disabled():
        print(f"\n[attack] {line}")


def bot_errors(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [f"{r.name}: {r.getMessage()}" for r in caplog.records if r.levelno >= logging.ERROR]


async def settle(stub: BotApiStub) -> None:
    """Wait until the bot is quiet (see tests.helpers.settle.settle_quiet)."""
    await settle_quiet(stub, quiet=0.5)


def buttons(call: Call) -> list[dict[str, Any]]:
    markup = call.params.get("reply_markup") or {}
    return [button for row in markup.get("inline_keyboard", []) for button in row]


def profile(texts: list[str]) -> str:
    """What the inputs covered, for the report."""
    groups = {
        "empty/blank": lambda t: not t.strip(),
        ">=4000 chars": lambda t: len(t) >= 4_000,
        "control": lambda t: any(c in t for c in CONTROL if c not in "\t\n\r"),
        "bidi": lambda t: any(c in t for c in BIDI),
        "emoji": lambda t: any(ord(c) >= 0x1F000 for c in t),
        "<>&": lambda t: any(c in t for c in "<>&"),
        "non-Latin": lambda t: any(
            0x0370 <= ord(c) < 0x3000 or 0xAC00 <= ord(c) < 0xD800 for c in t
        ),
    }
    return ", ".join(f"{name} {sum(map(test, texts))}" for name, test in groups.items())


def short(text: str, limit: int = 60) -> str:
    return repr(text if len(text) <= limit else text[:limit] + "…")


# ---------------------------------------------------------------------------- the html checker


@pytest.mark.parametrize(
    "good",
    [
        "plain",
        "&lt;b&gt; &amp; &quot; &#60; &#x3C;",
        "<b>x</b><i>y</i><u>z</u><s>w</s>",
        '<a href="https://example.org">x</a>',
        '<span class="tg-spoiler">x</span><tg-spoiler>y</tg-spoiler>',
        '<pre><code class="language-python">x</code></pre>',
        "<blockquote expandable>x</blockquote>",
        '<tg-emoji emoji-id="5368324170671202286">👍</tg-emoji>',
    ],
)
def test_html_rules_accept_what_telegram_accepts(good: str) -> None:
    assert html_problems(good) == []


@pytest.mark.parametrize(
    "bad",
    [
        "a < b",
        "a > b",
        "Tom & Jerry",
        "&nbsp;",
        "<script>x</script>",
        "<b>x",
        "<b><i>x</b></i>",
        "x</b>",
        '<span class="red">x</span>',
        "<a>x</a>",
        '<b class="x">y</b>',
    ],
)
def test_html_rules_reject_what_telegram_rejects(bad: str) -> None:
    assert html_problems(bad)


# ---------------------------------------------------------------------------- 1. any text


@pytest.mark.slow
async def test_any_text_gets_exactly_one_valid_reply(
    stub: BotApiStub,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
    unthrottled: None,
) -> None:
    caplog.set_level(logging.WARNING)
    started = time.monotonic()
    async with running_bot(bot_env(stub, tmp_path, BOT_WATCH_KNOWLEDGE="0")) as (_app, services):
        assistant = services.assistant
        questions = [
            question
            for entry in assistant.kb.entries.values()
            for text in entry.texts.values()
            for question in (text.title, *text.questions)
        ]
        generated = generate(text_strategy(questions), TEXT_EXAMPLES)
        from_hypothesis = set(generated)
        texts = list(dict.fromkeys([*HAND_WRITTEN_TEXTS, *generated]))
        generated_at = time.monotonic()

        expected: dict[int, list[str]] = {}
        origin: dict[int, str] = {}
        kinds: Counter[str] = Counter()
        languages = (*CODES, "")
        for index, text in enumerate(texts):
            lang = languages[index % len(languages)]
            if index % 9 == 4:  # a group: the bot only answers mentions of it
                chat = -1_000_000_000_000 - index
                stub.add_group_message(
                    chat, text, mention_bot=True, user_id=100_000 + index, language_code=lang
                )
                addressed = f"@{BOT_USERNAME} {text}".replace(f"@{BOT_USERNAME}", " ").strip()
            elif index % 9 == 7:  # an edited message is answered like a new one
                chat = 100_000 + index
                lang = "de"  # the stand-in's default sender language
                stub.add_edited_message(chat, text, user_id=chat)
                addressed = text
            else:
                chat = 100_000 + index
                stub.add_message(chat, text, user_id=chat, language_code=lang)
                addressed = text
            origin[chat] = text
            # Telegram never delivers an empty text message; PTB's TEXT filter skips it.
            if not text and chat > 0:
                expected[chat] = []
                continue
            reply = assistant.answer(addressed, lang=None, client_lang=lang or None)
            expected[chat] = reply_html(reply)
            kinds[reply.kind] += 1

        total = sum(len(parts) for parts in expected.values())
        await stub.wait_for("sendMessage", total, timeout=120)
        await settle(stub)
        answered_at = time.monotonic()
        await background_done()
    after_stop = len(stub.sent_messages())

    by_chat: defaultdict[int, list[Call]] = defaultdict(list)
    for call in stub.sent_messages():
        by_chat[int(call.params["chat_id"])].append(call)
    typing = Counter(int(c.params["chat_id"]) for c in stub.calls_of("sendChatAction"))

    failures: list[tuple[int, str, str]] = []  # (len, text, why)
    parts_checked = 0
    for chat, parts in expected.items():
        calls = by_chat.pop(chat, [])
        text = origin[chat]
        sent = [str(c.params.get("text", "")) for c in calls]
        if sent != parts:
            failures.append((len(text), text, f"{len(sent)} message(s), expected {len(parts)}"))
            continue
        if typing[chat] > 1:
            failures.append((len(text), text, f"{typing[chat]} typing indicators"))
        for index, call in enumerate(calls):
            parts_checked += 1
            body = str(call.params["text"])
            if call.params.get("parse_mode") != "HTML":
                failures.append((len(text), text, "reply not sent as HTML"))
            problems = message_problems(body)
            if problems:
                failures.append((len(text), text, f"part {index}: {problems[:3]}"))
            markup = buttons(call)
            if markup and index != len(calls) - 1:
                failures.append((len(text), text, "buttons on a part other than the last"))
            for button in markup:
                data = button.get("callback_data")
                if data is not None and (
                    len(data.encode()) > MAX_CALLBACK_BYTES or decode(data) is None
                ):
                    failures.append((len(text), text, f"bad button data {data!r}"))

    errors = bot_errors(caplog)
    longest_part = max(utf16_units(str(c.params["text"])) for c in stub.sent_messages())
    report(
        capsys,
        f"any-text: {len(generated) + len(HAND_WRITTEN_TEXTS)} texts tried "
        f"({len(generated)} Hypothesis examples, {len(from_hypothesis)} distinct, "
        f"+ {len(HAND_WRITTEN_TEXTS)} hand-written) -> {len(expected)} chats "
        f"({sum(c < 0 for c in expected)} group mentions); inputs: {profile(texts)}; "
        f"replies: {dict(kinds)}, {parts_checked} parts checked, longest {longest_part} "
        f"UTF-16 units; generate {generated_at - started:.1f}s, "
        f"answer {answered_at - generated_at:.1f}s",
    )
    assert len(from_hypothesis) >= MIN_DISTINCT_TEXTS
    assert not errors, errors[:5]
    assert not by_chat, f"replies to chats that sent nothing: {sorted(by_chat)[:5]}"
    assert after_stop == total, f"{after_stop - total} message(s) after the batch was answered"
    failures.sort()
    assert not failures, "\n".join(f"{short(t)}: {why}" for _n, t, why in failures[:10])


async def test_every_reply_part_fits_telegram_limits(stub: BotApiStub, tmp_path: Path) -> None:
    """The longest replies the bot can produce are split under 4096 UTF-16 units."""
    async with running_bot(bot_env(stub, tmp_path, BOT_WATCH_KNOWLEDGE="0")) as (_app, services):
        assistant = services.assistant
        longest = max(
            (
                assistant.entry_reply(entry_id, lang)
                for entry_id in assistant.kb.entries
                for lang in ("de", "en")
            ),
            key=lambda reply: utf16_units(reply.text),
        )
        for part in reply_html(longest):
            assert utf16_units(part) <= MAX_UNITS
            assert message_problems(part) == []


# ---------------------------------------------------------------------------- 2. buttons

ATTACKER_BASE = 700_000
ATTACKERS = 25
ALICE = 810_001
BOB = 810_002
STRANGER = 810_003
GROUP = -1_000_000_810_000


def callback_strategy(entry_ids: list[str]) -> st.SearchStrategy[str]:
    """Forged callback data: random, almost-valid, unknown ids, odd signs, over-long."""
    known = st.sampled_from(entry_ids)
    unknown = st.from_regex(r"[a-z0-9]{1,12}(-[a-z0-9]{1,8}){0,3}", fullmatch=True)
    weird_id = st.one_of(
        st.text(max_size=70),
        known.map(str.upper),
        known.map(lambda i: i + "-"),
        known.map(lambda i: "../" + i),
        known.map(lambda i: i.replace("-", "\u2011")),
        st.just("١٢٣"),
        st.just(""),
    )
    sign = st.one_of(
        st.sampled_from(
            [
                "+1",
                "-1",
                "+2",
                "-2",
                "+0",
                "0",
                "1",
                "-0",
                "+01",
                "−1",
                "+1\n",
                " +1",
                "+1 ",
                "++1",
                "+١",
            ]
        ),
        st.text(max_size=4),
    )
    vote = st.builds(lambda i, s: f"v:{i}:{s}", st.one_of(known, unknown, weird_id), sign)
    vote_extra = st.builds(lambda i, s: f"v:{i}:{s}:+1", known, sign)
    prefixed = st.builds(
        lambda prefix, rest: f"{prefix}:{rest}",
        st.sampled_from(["a", "n", "v", "l", "m", "d", "A", "x", "", "v:v"]),
        st.one_of(
            st.text(max_size=80),
            weird_id,
            unknown,
            st.sampled_from(
                [*MENU_ITEMS, "admin", "reload", "stats", "yes", "no", "de", "en", "fr"]
            ),
        ),
    )
    overlong = st.builds(
        lambda head, n: (head * (n // max(1, len(head)) + 1))[:n],
        st.text(min_size=1, max_size=5),
        st.integers(min_value=MAX_CALLBACK_BYTES - 2, max_value=300),
    )
    return st.one_of(st.text(max_size=80), vote, vote, vote_extra, prefixed, prefixed, overlong)


HAND_WRITTEN_CALLBACKS = [
    "",
    ":",
    "v",
    "v:",
    "v::",
    "v::+1",
    "v:gibts-nicht:+1",
    "v:unknown-entry:-1",
    "a:gibts-nicht",
    "m:admin",
    "m:reload",
    "m:stats",
    "m:",
    "m:contracts ",
    "m:../../etc/passwd",
    "m:\u202econtracts",
    "l:fr",
    "l:de\x00",
    "d:maybe",
    "d:YES",
    "n:x",
    "x" * 65,
    "ä" * 33,  # 66 bytes, 33 characters
    "😀" * 17,  # 68 bytes
    "a:" + "z" * 62,  # exactly 64 bytes, a well-formed but unknown id
    "a:" + "z" * 63,  # 65 bytes
    "\x00",
    "\ufffd",
    "\U0010ffff",
    "v:\u0000:+1",
    '{"kind": "vote"}',
    "v:id' OR '1'='1:+1",
    "v:x;DROP TABLE votes;--:+1",
]


def genuine_callbacks(entry_id: str) -> list[str]:
    return [
        *(encode("menu", item) for item in MENU_ITEMS),
        encode("answer", entry_id),
        encode("none"),
        encode("lang", "en"),
        encode("delete", "no"),
    ]


SURROGATE_CALLBACKS = ["\udcff", "v:\ud800:+1", "a:\udfff"]


def queue_callback(
    stub: BotApiStub, chat: int, data: str, user: int, sent: dict[str, tuple[int, str]]
) -> None:
    stub.add_callback(chat, data, user_id=user)
    query_id = str(stub.pending_updates[-1]["callback_query"]["id"])
    sent[query_id] = (user, data)


def stored_votes(db_path: Path) -> list[tuple[str, str, int]]:
    with sqlite3.connect(db_path) as db:
        rows = db.execute("SELECT user_key, entry_id, vote FROM votes").fetchall()
    return [(str(k), str(e), int(v)) for k, e, v in rows]


def check_answered(stub: BotApiStub, sent: dict[str, tuple[int, str]]) -> list[str]:
    answered = Counter(
        str(c.params["callback_query_id"]) for c in stub.calls_of("answerCallbackQuery")
    )
    problems = [
        f"{short(d)} from {u}: not answered" for q, (u, d) in sent.items() if not answered[q]
    ]
    problems += [f"query {q} answered {n} times" for q, n in answered.items() if n > 1]
    problems += [f"unknown query {q} answered" for q in answered if q not in sent]
    return problems


async def test_forged_replayed_and_overlong_button_data_does_no_harm(
    stub: BotApiStub,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
    unthrottled: None,
) -> None:
    caplog.set_level(logging.WARNING)
    sent: dict[str, tuple[int, str]] = {}
    async with running_bot(bot_env(stub, tmp_path, BOT_WATCH_KNOWLEDGE="0")) as (_app, services):
        entry_ids = sorted(services.assistant.kb.entries)
        target, other = entry_ids[0], entry_ids[-1]
        generated = generate(callback_strategy(entry_ids), CALLBACK_EXAMPLES)

        # Phase 1: replays, unknown ids, forged data, everything at once.
        for _ in range(50):
            queue_callback(stub, ALICE, encode("vote", target, +1), ALICE, sent)
        for _ in range(5):
            queue_callback(stub, ALICE, encode("vote", other, -1), ALICE, sent)
        queue_callback(stub, BOB, encode("vote", target, -1), BOB, sent)
        for data in (f"v:{target}:+2", f"v:{target}:-2", f"v:{target}:+0", f"v:{target}:1"):
            queue_callback(stub, ALICE, data, ALICE, sent)
            queue_callback(stub, BOB, data, BOB, sent)
        for data in HAND_WRITTEN_CALLBACKS:
            queue_callback(stub, STRANGER, data, STRANGER, sent)
        # Genuine buttons pressed in between, so answers are sent while forgeries arrive.
        for data in genuine_callbacks(target):
            queue_callback(stub, STRANGER, data, STRANGER, sent)
        for index, data in enumerate(generated):
            attacker = ATTACKER_BASE + index % ATTACKERS
            queue_callback(stub, attacker, data, attacker, sent)
        await stub.wait_for("answerCallbackQuery", len(sent), timeout=60)

        # Phase 2: a stranger confirms "delete" in their own chat and on Alice's prompt in a
        # group; both may only ever delete the stranger's own data.
        queue_callback(stub, STRANGER, encode("delete", "yes"), STRANGER, sent)
        queue_callback(stub, GROUP, encode("delete", "yes"), STRANGER, sent)
        await stub.wait_for("answerCallbackQuery", len(sent), timeout=30)
        await settle(stub)
        await background_done()
        keys = {services.user_key(user): user for user, _data in sent.values()}
    rows = stored_votes(tmp_path / "bot.sqlite3")

    problems = check_answered(stub, sent)
    pairs = Counter((key, entry) for key, entry, _vote in rows)
    problems += [f"{n} votes by one user on {entry}" for (_k, entry), n in pairs.items() if n > 1]
    problems += [
        f"vote on unknown entry {entry!r}" for _k, entry, _v in rows if entry not in entry_ids
    ]
    problems += [f"vote value {vote}" for _k, _e, vote in rows if vote not in (-1, 1)]
    # Every stored vote is one the user really pressed, with well-formed data.
    pressed: defaultdict[tuple[int, str], set[int]] = defaultdict(set)
    for user, data in sent.values():
        button = decode(data)
        if button is not None and button.kind == "vote":
            pressed[(user, button.value)].add(button.vote)
    for key, entry, vote in rows:
        voter = keys.get(key)
        if voter is None or vote not in pressed.get((voter, entry), set()):
            problems.append(f"stored vote {entry}={vote} that user {voter} never pressed")
    alice, bob = services.user_key(ALICE), services.user_key(BOB)
    assert (alice, target, 1) in rows, "Alice's replayed vote is gone (stranger's delete?)"
    assert (alice, other, -1) in rows
    assert (bob, target, -1) in rows
    for call in stub.sent_messages() + stub.calls_of("editMessageText"):
        problems += [f"{call.method}: {p}" for p in message_problems(str(call.params["text"]))]
        # Replies only ever go to the chat where the button was pressed.
        chats = {ALICE, BOB, STRANGER, GROUP, *range(ATTACKER_BASE, ATTACKER_BASE + ATTACKERS)}
        if int(call.params["chat_id"]) not in chats:
            problems.append(f"{call.method} to an unrelated chat {call.params['chat_id']}")

    errors = bot_errors(caplog)
    report(
        capsys,
        f"buttons: {len(sent)} callback queries ({len(generated)} from Hypothesis, "
        f"{len(HAND_WRITTEN_CALLBACKS)} hand-written, 50 replays of one vote), "
        f"{len(stub.calls_of('answerCallbackQuery'))} answered, {len(rows)} vote rows checked, "
        f"{len(stub.sent_messages())} messages sent",
    )
    assert not errors, errors[:5]
    assert not problems, "\n".join(problems[:10])


async def test_callback_data_with_lone_surrogates_is_answered(
    stub: BotApiStub, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    sent: dict[str, tuple[int, str]] = {}
    async with running_bot(bot_env(stub, tmp_path, BOT_WATCH_KNOWLEDGE="0")):
        for index, data in enumerate(SURROGATE_CALLBACKS):
            queue_callback(stub, STRANGER + index, data, STRANGER + index, sent)
        await settle(stub)
    assert check_answered(stub, sent) == []
    assert bot_errors(caplog) == []
