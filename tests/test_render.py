"""Rendering replies for Telegram: escaping, splitting under 4096 UTF-16 units, button data."""

from __future__ import annotations

import html

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.assistant import Assistant
from bot.core.model import Reply, Suggestion
from bot.tg.buttons import MAX_CALLBACK_BYTES, decode, encode
from bot.tg.render import (
    MAX_MESSAGE_UNITS,
    escape,
    isolate_numbers,
    reply_keyboard,
    split_message,
    utf16_units,
)


def test_utf16_counts_emoji_as_two_units() -> None:
    assert utf16_units("a😀") == 3


def test_long_text_is_split_at_line_breaks_under_the_limit() -> None:
    text = "\n".join(f"Zeile {i} mit 😀 und Umlauten äöü" for i in range(400))
    parts = split_message(escape(text))
    assert len(parts) > 1
    assert all(utf16_units(p) <= MAX_MESSAGE_UNITS for p in parts)
    assert "\n".join(parts).replace("\n", "") == escape(text).replace("\n", "")


@settings(max_examples=300, deadline=None)
@given(st.text(min_size=0, max_size=12_000))
def test_any_text_splits_into_valid_escaped_parts(text: str) -> None:
    parts = split_message(escape(text))
    for part in parts:
        assert utf16_units(part) <= MAX_MESSAGE_UNITS
        assert "<" not in part and ">" not in part
        # An entity is never cut: every "&" starts a complete escape sequence.
        for index in [i for i, ch in enumerate(part) if ch == "&"]:
            assert part[index:].startswith(("&amp;", "&lt;", "&gt;"))
    joined = html.unescape("".join(parts))
    assert "".join(joined.split()) == "".join(text.split())


def test_escape_neutralises_markup() -> None:
    assert escape("<b>x</b> & y") == "&lt;b&gt;x&lt;/b&gt; &amp; y"


def test_button_data_round_trip_and_limits() -> None:
    long_id = "x" * 40
    for kind, value, vote in (
        ("answer", long_id, 0),
        ("vote", long_id, -1),
        ("vote", long_id, 1),
        ("lang", "en", 0),
        ("menu", "privacy", 0),
        ("delete", "yes", 0),
        ("none", "", 0),
    ):
        data = encode(kind, value, vote)  # type: ignore[arg-type]
        assert len(data.encode()) <= MAX_CALLBACK_BYTES
        button = decode(data)
        assert (
            button is not None
            and button.kind == kind
            and button.value == value
            and button.vote == vote
        )


@given(st.text(max_size=200))
def test_decode_never_raises(data: str) -> None:
    decode(data)


def test_suggestion_keyboard_has_none_of_these(assistant: Assistant) -> None:
    reply = Reply(
        "suggestions", None, 0.4, "de", "?", suggestions=(Suggestion("vertrag-drk", "DRK"),)
    )
    markup = reply_keyboard(reply, assistant.kb)
    assert markup is not None
    datas = [b.callback_data for row in markup.inline_keyboard for b in row]
    assert datas == [encode("answer", "vertrag-drk"), encode("none")]


def test_numbers_in_right_to_left_text_keep_their_order() -> None:
    arabic = "اتصل بالرقم 0800 111 0 111 أو 116 111، مجانا."
    assert isolate_numbers(arabic) == (
        "اتصل بالرقم \u20660800 111 0 111\u2069 أو \u2066116 111\u2069، مجانا."
    )
    german = "Ruf 0800 111 0 111 an."
    assert isolate_numbers(german) == german
