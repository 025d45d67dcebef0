"""Prove BotApiStub works with the real python-telegram-bot Application over HTTP."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dtm
import time
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from telegram import (
    BotCommand,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    MessageEntity,
    Update,
)
from telegram.error import BadRequest, Conflict, Forbidden, NetworkError, RetryAfter, TimedOut
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from tests.botapi_stub import BotApiStub

TOKEN = "123456:ABC-test"
CHAT = 777
AnyApp = Application[Any, Any, Any, Any, Any, Any]


@pytest.fixture
async def stub() -> AsyncIterator[BotApiStub]:
    async with BotApiStub() as api:
        yield api


def build_app(stub: BotApiStub) -> AnyApp:
    return (
        Application.builder()
        .token(TOKEN)
        .base_url(stub.base_url)
        .base_file_url(stub.base_file_url)
        .build()
    )


@contextlib.asynccontextmanager
async def polling(app: AnyApp) -> AsyncIterator[AnyApp]:
    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0.0, timeout=1)
        try:
            yield app
        finally:
            await app.updater.stop()
            await app.stop()


def echo_app(stub: BotApiStub, replies: asyncio.Queue[Message]) -> AnyApp:
    """An app with /start, a text echo (with an inline button) and a callback handler."""
    app = build_app(stub)

    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        arg = " ".join(context.args or [])
        replies.put_nowait(await update.effective_message.reply_text(f"Hallo {arg}".strip()))

    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.message is not None and update.message.text is not None
        button = InlineKeyboardButton("Mehr", callback_data="more")
        reply = await update.message.reply_text(
            update.message.text, reply_markup=InlineKeyboardMarkup([[button]])
        )
        replies.put_nowait(reply)

    async def clicked(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query is not None
        await query.answer()
        await query.edit_message_text(f"geklickt: {query.data}")

    app.add_handler(CommandHandler("start", start))
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, echo))
    app.add_handler(CallbackQueryHandler(clicked))
    return app


async def next_reply(replies: asyncio.Queue[Message]) -> Message:
    async with asyncio.timeout(5):
        return await replies.get()


async def test_application_round_trip(stub: BotApiStub) -> None:
    replies: asyncio.Queue[Message] = asyncio.Queue()
    async with polling(echo_app(stub, replies)) as app:
        assert app.bot.username == "test_bot"
        stub.add_message(CHAT, "Wie beantrage ich einen Integrationskurs?")
        stub.add_command(CHAT, "/start abc")
        # wait_for fires when the request arrives, before PTB has parsed the response.
        await stub.wait_for("sendMessage", 2)

        assert stub.sent_texts() == ["Wie beantrage ich einen Integrationskurs?", "Hallo abc"]
        first = stub.sent_messages()[0]
        assert first.token == TOKEN
        assert first.params["chat_id"] == CHAT  # decoded from the form string "777"
        assert first.params["reply_markup"] == {
            "inline_keyboard": [[{"text": "Mehr", "callback_data": "more"}]]
        }
        # The returned Message is parsed by PTB, including the echoed inline keyboard.
        echo, hello = await next_reply(replies), await next_reply(replies)
        assert echo.reply_markup is not None
        assert echo.reply_markup.inline_keyboard[0][0].callback_data == "more"
        assert echo.from_user is not None and echo.from_user.is_bot
        assert echo.chat.id == CHAT and echo.text == "Wie beantrage ich einen Integrationskurs?"
        assert hello.message_id > echo.message_id

        stub.add_callback(CHAT, "more", message_id=echo.message_id)
        await stub.wait_for("editMessageText", 1)
        (answer,) = await stub.wait_for("answerCallbackQuery", 1)
        edit = stub.calls_of("editMessageText")[0]
        assert edit.params["text"] == "geklickt: more"
        assert edit.params["message_id"] == echo.message_id
        assert isinstance(answer.params["callback_query_id"], str)
        stored = stub.messages[(CHAT, echo.message_id)]
        assert stored["text"] == "geklickt: more" and "reply_markup" not in stored

    assert stub.pending_updates == []  # the updater confirmed everything on shutdown
    methods = [call.method for call in stub.calls]
    assert methods[:2] == ["getMe", "deleteWebhook"]


async def test_updates_are_handled_exactly_once(stub: BotApiStub) -> None:
    replies: asyncio.Queue[Message] = asyncio.Queue()
    async with polling(echo_app(stub, replies)):
        for i in range(3):
            stub.add_message(CHAT, f"Nachricht {i}")
        for _ in range(3):
            await next_reply(replies)
        polls = len(stub.calls_of("getUpdates"))
        await stub.wait_for("getUpdates", polls + 1)  # another polling round confirms them
    assert stub.sent_texts() == ["Nachricht 0", "Nachricht 1", "Nachricht 2"]
    assert replies.empty()
    assert stub.pending_updates == []


async def test_get_updates_offset_limit_and_long_poll(stub: BotApiStub) -> None:
    async with build_app(stub) as app:
        bot = app.bot
        first = stub.add_message(CHAT, "eins")
        second = stub.add_message(CHAT, "zwei")

        assert [u.update_id for u in await bot.get_updates()] == [first, second]
        # Unconfirmed updates are delivered again ...
        assert [u.update_id for u in await bot.get_updates(limit=1)] == [first]
        # ... until an offset above their id confirms them.
        assert [u.update_id for u in await bot.get_updates(offset=first + 1)] == [second]
        assert await bot.get_updates(offset=second + 1) == ()
        assert stub.pending_updates == []

        # Long poll returns early once an update is queued.
        started = time.monotonic()
        poll = asyncio.create_task(bot.get_updates(offset=second + 1, timeout=3))
        await stub.wait_for("getUpdates", 5)
        third = stub.add_message(CHAT, "drei")
        assert [u.update_id for u in await poll] == [third]
        assert time.monotonic() - started < 2

        # ... and returns empty when the timeout expires.
        started = time.monotonic()
        empty = await bot.get_updates(offset=third + 1, timeout=dtm.timedelta(milliseconds=300))
        assert empty == ()
        assert 0.25 < time.monotonic() - started < 2

        assert stub.calls_of("getUpdates")[-1].params["offset"] == third + 1


async def test_retry_after_from_429(stub: BotApiStub, monkeypatch: pytest.MonkeyPatch) -> None:
    # RetryAfter.__init__ reads its own deprecated int ``retry_after`` property, which emits a
    # PTBDeprecationWarning unless PTB_TIMEDELTA opts into timedelta values; opt in.
    monkeypatch.setenv("PTB_TIMEDELTA", "true")
    stub.fail_next("sendMessage", retry_after=3)
    async with build_app(stub) as app:
        with pytest.raises(RetryAfter) as exc_info:
            await app.bot.send_message(CHAT, "zu schnell")
        assert exc_info.value.retry_after == dtm.timedelta(seconds=3)
        sent = await app.bot.send_message(CHAT, "jetzt")  # the fault was consumed
    assert sent.text == "jetzt"
    assert stub.faults_injected == 1
    assert [call.fault for call in stub.sent_messages()] == ["error", None]
    assert stub.sent_texts() == ["jetzt"]


@pytest.mark.parametrize(
    ("status", "description", "error"),
    [
        (403, "Forbidden: bot was blocked by the user", Forbidden),
        (400, "Bad Request: chat not found", BadRequest),
    ],
)
async def test_http_errors_map_to_ptb_exceptions(
    stub: BotApiStub, status: int, description: str, error: type[Exception]
) -> None:
    stub.fail_next("sendMessage", status=status, description=description)
    async with build_app(stub) as app:
        # PTB strips the "Bad Request: " prefix and capitalises the rest, hence (?i).
        with pytest.raises(error, match=f"(?i){description.split(': ', 1)[1]}"):
            await app.bot.send_message(CHAT, "hallo")


async def test_faults_are_consumed_in_order(stub: BotApiStub) -> None:
    stub.fail_next("sendMessage", status=400, description="Bad Request: one", times=2)
    stub.fail_next("sendMessage", status=403, description="Forbidden: two")
    async with build_app(stub) as app:
        for expected in (BadRequest, BadRequest, Forbidden):
            with pytest.raises(expected):
                await app.bot.send_message(CHAT, "x")
        await app.bot.send_message(CHAT, "ok")
    assert stub.faults_injected == 3


async def test_reset_is_a_network_error(stub: BotApiStub) -> None:
    stub.reset_next("sendMessage")
    async with build_app(stub) as app:
        with pytest.raises(NetworkError) as exc_info:
            await app.bot.send_message(CHAT, "weg")
        assert not isinstance(exc_info.value, TimedOut)
        assert (await app.bot.send_message(CHAT, "wieder da")).text == "wieder da"
    assert [call.fault for call in stub.sent_messages()] == ["reset", None]


async def test_delay_causes_timeout(stub: BotApiStub) -> None:
    stub.delay_next("sendMessage", 1.0)
    async with build_app(stub) as app:
        started = time.monotonic()
        with pytest.raises(TimedOut):
            await app.bot.send_message(CHAT, "langsam", read_timeout=0.2)
        assert time.monotonic() - started < 0.9
        assert (await app.bot.send_message(CHAT, "schnell")).message_id == 2


async def test_builders_produce_valid_updates(stub: BotApiStub) -> None:
    group = -1001234567890
    ids = [
        stub.add_non_text(CHAT, "sticker"),
        stub.add_non_text(CHAT, "photo"),
        stub.add_non_text(CHAT, "voice"),
        stub.add_non_text(CHAT, "document"),
        stub.add_non_text(CHAT, "location"),
        stub.add_edited_message(CHAT, "korrigiert"),
        stub.add_inline_query(CHAT, "kurs"),
        stub.add_group_message(group, "hilf mir 🙂", mention_bot=True),
        stub.add_command(group, "/help@test_bot", user_id=55),
        stub.add_message(CHAT, "Antwort", reply_to_bot=True, username="anna", language_code="en"),
        stub.add_callback(group, "knopf", message_id=99),
        stub.add_group_message(-42, "kleine Gruppe"),
    ]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)
    async with build_app(stub) as app:
        updates = await app.bot.get_updates()
        assert app.bot.supports_inline_queries
    assert [u.update_id for u in updates] == ids
    sticker, photo, voice, document, location, edited, inline, mention, command, reply = updates[
        :10
    ]
    callback, small_group = updates[10:]

    assert sticker.message is not None and sticker.message.sticker is not None
    assert sticker.message.sticker.width == 512
    assert photo.message is not None and len(photo.message.photo) == 2
    assert voice.message is not None and voice.message.voice is not None
    assert document.message is not None and document.message.document is not None
    assert location.message is not None and location.message.location is not None
    assert edited.edited_message is not None and edited.edited_message.text == "korrigiert"
    assert edited.edited_message.message_id == location.message.message_id
    assert inline.inline_query is not None and inline.inline_query.query == "kurs"

    assert mention.message is not None and mention.message.chat.type == "supergroup"
    assert mention.message.parse_entities([MessageEntity.MENTION]).popitem()[1] == "@test_bot"
    assert mention.message.from_user is not None and mention.message.from_user.id != CHAT
    assert command.message is not None
    assert command.message.parse_entities([MessageEntity.BOT_COMMAND]).popitem()[1] == (
        "/help@test_bot"
    )
    assert reply.message is not None and reply.message.reply_to_message is not None
    assert reply.message.reply_to_message.from_user is not None
    assert reply.message.reply_to_message.from_user.username == "test_bot"
    assert reply.message.from_user is not None and reply.message.from_user.language_code == "en"

    assert callback.callback_query is not None and callback.callback_query.data == "knopf"
    assert callback.callback_query.message is not None
    assert callback.callback_query.message.chat.type == "supergroup"  # known chat kept its type
    assert small_group.message is not None and small_group.message.chat.type == "group"

    with pytest.raises(ValueError, match="kind"):
        stub.add_non_text(CHAT, "video")


async def test_commands_webhook_and_files(stub: BotApiStub) -> None:
    async with build_app(stub) as app:
        bot = app.bot
        assert await bot.set_my_commands([BotCommand("start", "Los geht's")])
        assert await bot.get_my_commands() == (BotCommand("start", "Los geht's"),)
        assert await bot.get_my_commands(language_code="en") == ()
        assert await bot.delete_my_commands()
        assert await bot.get_my_commands() == ()

        assert await bot.set_webhook("https://example.invalid/hook", secret_token="s3cr3t")
        assert (await bot.get_webhook_info()).url == "https://example.invalid/hook"
        with pytest.raises(Conflict):
            await bot.get_updates()
        assert await bot.delete_webhook()
        assert (await bot.get_webhook_info()).url == ""

        assert await bot.send_chat_action(CHAT, "typing")
        assert await bot.answer_inline_query("1", [])
        stub.files["photo-1"] = b"\x89PNG fake"
        tg_file = await bot.get_file("photo-1")
        assert bytes(await tg_file.download_as_bytearray()) == b"\x89PNG fake"

    webhook = stub.calls_of("setWebhook")[0]
    assert webhook.params["secret_token"] == "s3cr3t"
    assert stub.calls_of("setMyCommands")[0].params["commands"] == [
        {"command": "start", "description": "Los geht's"}
    ]


async def test_edit_not_modified_and_plain_string_params(stub: BotApiStub) -> None:
    async with build_app(stub) as app:
        sent = await app.bot.send_message(CHAT, "42")  # must stay the string "42"
        assert sent.text == "42"
        with pytest.raises(BadRequest, match="not modified"):
            await app.bot.edit_message_text("42", chat_id=CHAT, message_id=sent.message_id)
        with pytest.raises(BadRequest, match="text is empty"):
            await app.bot.send_message(CHAT, " ")
    assert stub.sent_messages()[0].params["text"] == "42"


async def test_json_body_and_unknown_methods(stub: BotApiStub) -> None:
    async with aiohttp.ClientSession() as session:
        url = f"{stub.base_url}{TOKEN}/someFutureMethod"
        payload = {"chat_id": 5, "reply_markup": '{"inline_keyboard": []}', "text": "[1]"}
        async with session.post(url, json=payload) as resp:
            assert resp.status == 200
            assert await resp.json() == {"ok": True, "result": True}
        async with session.get(f"{stub.base_url}{TOKEN}/getMe") as resp:
            body = await resp.json()
    assert body["result"]["username"] == "test_bot"
    (call,) = stub.calls_of("someFutureMethod")
    assert call.params == {"chat_id": 5, "reply_markup": {"inline_keyboard": []}, "text": "[1]"}


async def test_wait_for_times_out(stub: BotApiStub) -> None:
    started = time.monotonic()
    with pytest.raises(TimeoutError, match="sendMessage"):
        await stub.wait_for("sendMessage", 1, timeout=0.1)
    assert time.monotonic() - started < 1
