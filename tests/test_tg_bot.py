"""The Telegram bot end to end: real Application, real HTTP to the local stand-in, real SQLite."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.core.assistant import Assistant
from bot.tg.buttons import encode
from bot.tg.render import reply_html
from tests.botapi_stub import BotApiStub, Call
from tests.conftest import LANGUAGES
from tests.helpers.settle import background_done
from tests.tg_harness import ADMIN_ID, bot_env, running_bot

USER = 4711
CHAT = 4711


def buttons(call: Call) -> list[dict[str, str]]:
    markup = call.params.get("reply_markup") or {}
    return [button for row in markup.get("inline_keyboard", []) for button in row]


async def ask(
    stub: BotApiStub, text: str, count: int = 1, chat: int = CHAT, user: int = USER
) -> list[Call]:
    before = len(stub.sent_messages())
    stub.add_message(chat, text, user_id=user)
    await stub.wait_for("sendMessage", before + count)
    return stub.sent_messages()[before:]


@pytest.fixture
async def stub() -> AsyncIterator[BotApiStub]:
    async with BotApiStub() as running:
        yield running


async def test_start_shows_welcome_and_main_menu(stub: BotApiStub, tmp_path: Path) -> None:
    async with running_bot(bot_env(stub, tmp_path)):
        stub.add_command(CHAT, "/start", user_id=USER)
        [sent] = await stub.wait_for("sendMessage", 1)
        assert "Integrationsvertr" in sent.params["text"]
        datas = {b.get("callback_data") for b in buttons(sent)}
        assert {
            encode("menu", m) for m in ("contracts", "contacts", "ask", "language", "privacy")
        } <= datas
        commands = stub.calls_of("setMyCommands")
        assert commands and any("hilfe" in str(c.params["commands"]) for c in commands)


@pytest.mark.parametrize(
    ("command", "expect"),
    [
        ("/hilfe", "Integrationsvertr"),
        ("/help", "integration"),
        ("/vertraege", "Jugendring"),
        ("/contracts", "Jugendring"),
        ("/kontakt", "Rote"),
        ("/contacts", "Red Cross"),
        ("/datenschutz", "Rechtsgrundlage wir das tun, sagt dir der Betreiber"),
        ("/privacy", "replacement code instead of your number"),
        ("/gibtsnicht", "/hilfe"),
    ],
)
async def test_every_command_answers(
    stub: BotApiStub, tmp_path: Path, command: str, expect: str
) -> None:
    async with running_bot(bot_env(stub, tmp_path)):
        stub.add_command(CHAT, command, user_id=USER, language_code="de")
        [sent] = await stub.wait_for("sendMessage", 1)
        assert expect.lower() in sent.params["text"].lower(), sent.params["text"]


async def test_contacts_have_a_url_button_per_partner(stub: BotApiStub, tmp_path: Path) -> None:
    async with running_bot(bot_env(stub, tmp_path)):
        stub.add_command(CHAT, "/kontakt", user_id=USER)
        [sent] = await stub.wait_for("sendMessage", 1)
        urls = {b.get("url") for b in buttons(sent)}
        assert {
            "https://www.bs-anne-frank.de",
            "https://www.hessischer-jugendring.de",
            "https://www.verband-binationaler.de",
            "https://www.drk-hessen.de",
        } <= urls


async def test_question_gets_answer_with_link_related_and_vote_buttons(
    stub: BotApiStub, tmp_path: Path
) -> None:
    async with running_bot(bot_env(stub, tmp_path)):
        [sent] = await ask(stub, "Was macht der Hessische Jugendring?")
        assert sent.params["parse_mode"] == "HTML"
        assert "Jugendring" in sent.params["text"]
        all_buttons = buttons(sent)
        assert any(b.get("url") == "https://www.hessischer-jugendring.de" for b in all_buttons)
        assert any(b.get("callback_data", "").startswith("a:") for b in all_buttons)
        assert {b["text"] for b in all_buttons} >= {"👍", "👎"}
        assert stub.calls_of("sendChatAction")


async def test_user_text_is_escaped(stub: BotApiStub, tmp_path: Path) -> None:
    async with running_bot(bot_env(stub, tmp_path)):
        [sent] = await ask(stub, "<b>hallo</b> & <script>")
        assert "<script>" not in sent.params["text"]


def last_bot_message_id(stub: BotApiStub, chat: int) -> int:
    return max(
        mid for (cid, mid), msg in stub.messages.items() if cid == chat and msg["from"]["is_bot"]
    )


async def test_suggestion_press_answers_and_none_of_these_logs_a_miss(
    stub: BotApiStub, tmp_path: Path
) -> None:
    async with running_bot(bot_env(stub, tmp_path)) as (_app, services):
        candidates = [
            "vertrag",
            "jugend",
            "verband",
            "hilfe beratung",
            "projekt",
            "familie",
            "hessen",
        ]
        question = next(q for q in candidates if services.assistant.answer(q).kind == "suggestions")
        [sent] = await ask(stub, question)
        suggestion = next(b for b in buttons(sent) if b.get("callback_data", "").startswith("a:"))
        assert any(b.get("callback_data") == encode("none") for b in buttons(sent))
        message_id = last_bot_message_id(stub, CHAT)
        stub.add_callback(CHAT, suggestion["callback_data"], user_id=USER, message_id=message_id)
        await stub.wait_for("sendMessage", 2)
        entry_id = suggestion["callback_data"][2:]
        assert (
            stub.sent_messages()[1]
            .params["text"]
            .startswith(services.assistant.entry_reply(entry_id, "de").text[:20])
        )
        stub.add_callback(CHAT, encode("none"), user_id=USER, message_id=message_id)
        await stub.wait_for("sendMessage", 3)
        await stub.wait_for("answerCallbackQuery", 2)
        await background_done()
        assert services.store is not None
        rows = await services.store.questions_since(datetime(2000, 1, 1, tzinfo=UTC))
        misses = [r for r in rows if r.kind == "none_of_these"]
        assert [m.text for m in misses] == [question]


async def test_vote_and_changed_vote_store_one_row(stub: BotApiStub, tmp_path: Path) -> None:
    async with running_bot(bot_env(stub, tmp_path)) as (_app, _services):
        for data in (encode("vote", "vertrag-drk", +1), encode("vote", "vertrag-drk", -1)):
            stub.add_callback(CHAT, data, user_id=USER)
        await stub.wait_for("answerCallbackQuery", 2)
        await background_done()
    with sqlite3.connect(tmp_path / "bot.sqlite3") as db:
        assert db.execute("SELECT entry_id, vote FROM votes").fetchall() == [("vertrag-drk", -1)]


async def test_forged_and_overlong_callback_data_is_answered_harmlessly(
    stub: BotApiStub, tmp_path: Path
) -> None:
    async with running_bot(bot_env(stub, tmp_path)):
        for data in (
            "x:nothing",
            "v:../../etc:+5",
            "a:" + "z" * 80,
            "",
            "v:gibts-nicht:+1",
            "a:gibts-nicht",
        ):
            stub.add_callback(CHAT, data, user_id=USER)
        answered = await stub.wait_for("answerCallbackQuery", 6)
        assert len(answered) == 6
        assert not stub.sent_messages()


async def test_language_choice_survives_a_restart(stub: BotApiStub, tmp_path: Path) -> None:
    env = bot_env(stub, tmp_path)
    async with running_bot(env):
        stub.add_command(CHAT, "/sprache en", user_id=USER)
        [sent] = await stub.wait_for("sendMessage", 1)
        assert "English" in sent.params["text"]
    stub.clear_calls()
    async with running_bot(env):
        [sent] = await ask(stub, "DRK")
        assert sent.params["text"]
        stub.add_command(CHAT, "/start", user_id=USER)
        await stub.wait_for("sendMessage", 2)
        assert "Hello" in stub.sent_messages()[1].params["text"]


async def test_language_buttons_set_the_language(stub: BotApiStub, tmp_path: Path) -> None:
    async with running_bot(bot_env(stub, tmp_path)):
        stub.add_callback(CHAT, encode("lang", "en"), user_id=USER)
        [sent] = await stub.wait_for("sendMessage", 1)
        assert "English" in sent.params["text"]


@pytest.mark.parametrize("kind", ["sticker", "photo", "voice", "document", "location"])
async def test_non_text_gets_a_kind_reply(stub: BotApiStub, tmp_path: Path, kind: str) -> None:
    async with running_bot(bot_env(stub, tmp_path)):
        stub.add_non_text(CHAT, kind, user_id=USER)
        [sent] = await stub.wait_for("sendMessage", 1)
        assert "Text" in sent.params["text"]


async def test_edited_message_is_answered_again(stub: BotApiStub, tmp_path: Path) -> None:
    async with running_bot(bot_env(stub, tmp_path)):
        await ask(stub, "hallo")
        stub.add_edited_message(CHAT, "Was macht der Hessische Jugendring?", user_id=USER)
        await stub.wait_for("sendMessage", 2)
        assert "Jugendring" in stub.sent_messages()[1].params["text"]


async def test_group_answers_only_mentions_and_replies(stub: BotApiStub, tmp_path: Path) -> None:
    group = -100123
    async with running_bot(bot_env(stub, tmp_path)):
        stub.add_group_message(group, "Was macht der Hessische Jugendring?")
        stub.add_group_message(group, "Was macht der Hessische Jugendring?", mention_bot=True)
        stub.add_group_message(group, "und das DRK?", reply_to_bot=True)
        stub.add_command(group, "/kontakt")
        await stub.wait_for("sendMessage", 3)
        await stub.wait_for("getUpdates", 3)
        assert len(stub.sent_messages()) == 3


async def test_inline_query_offers_answers(stub: BotApiStub, tmp_path: Path) -> None:
    async with running_bot(bot_env(stub, tmp_path)):
        stub.add_inline_query(USER, "Jugendring")
        [call] = await stub.wait_for("answerInlineQuery", 1)
        results = call.params["results"]
        assert results and any("Jugendring" in r["title"] for r in results)


async def test_reload_for_admin_only_and_broken_file_keeps_last_good(
    stub: BotApiStub, tmp_path: Path
) -> None:
    import shutil

    from tests.conftest import KNOWLEDGE

    knowledge = tmp_path / "knowledge"
    shutil.copytree(KNOWLEDGE, knowledge)
    # The file watcher is off here: this test is about /reload alone (see test_tg_reload.py).
    env = bot_env(
        stub, tmp_path / "data", BOT_KNOWLEDGE_DIR=str(knowledge), BOT_WATCH_KNOWLEDGE="0"
    )
    async with running_bot(env) as (_app, services):
        stub.add_command(CHAT, "/reload", user_id=USER)
        [refused] = await stub.wait_for("sendMessage", 1)
        assert "/hilfe" in refused.params["text"]
        (knowledge / "kaputt.yaml").write_text("version: 1\nentries: [\n", encoding="utf-8")
        before = services.assistant
        stub.add_command(ADMIN_ID, "/reload", user_id=ADMIN_ID)
        await stub.wait_for("sendMessage", 2)
        failed = stub.sent_messages()[1].params["text"]
        assert "kaputt.yaml:" in failed
        assert services.assistant is before
        [answer] = await ask(stub, "Was macht der Hessische Jugendring?", chat=CHAT)
        assert "Jugendring" in answer.params["text"]
        (knowledge / "kaputt.yaml").unlink()
        stub.add_command(ADMIN_ID, "/reload", user_id=ADMIN_ID)
        await stub.wait_for("sendMessage", 4)
        assert services.assistant is not before


async def test_stats_for_admin(stub: BotApiStub, tmp_path: Path) -> None:
    async with running_bot(bot_env(stub, tmp_path)) as (_app, _services):
        await ask(stub, "Was macht der Hessische Jugendring?")
        await background_done()
        stub.add_command(ADMIN_ID, "/stats", user_id=ADMIN_ID)
        await stub.wait_for("sendMessage", 2)
        assert "1" in stub.sent_messages()[1].params["text"]


async def test_admin_commands_refused_when_admin_list_empty(
    stub: BotApiStub, tmp_path: Path
) -> None:
    async with running_bot(bot_env(stub, tmp_path, BOT_ADMIN_IDS="")):
        stub.add_command(ADMIN_ID, "/stats", user_id=ADMIN_ID)
        [sent] = await stub.wait_for("sendMessage", 1)
        assert "/hilfe" in sent.params["text"]


async def test_retry_after_then_success(stub: BotApiStub, tmp_path: Path) -> None:
    async with running_bot(bot_env(stub, tmp_path)):
        stub.fail_next(
            "sendMessage", status=429, description="Too Many Requests: retry after 1", retry_after=1
        )
        stub.add_message(CHAT, "hallo", user_id=USER)
        calls = await stub.wait_for("sendMessage", 2, timeout=10)
        assert calls[0].fault == "error" and calls[1].fault is None


async def test_blocked_user_is_skipped_and_others_served(stub: BotApiStub, tmp_path: Path) -> None:
    async with running_bot(bot_env(stub, tmp_path)):
        stub.fail_next(
            "sendMessage", status=403, description="Forbidden: bot was blocked by the user"
        )
        stub.add_message(1, "hallo", user_id=1)
        await stub.wait_for("sendMessage", 1)
        [sent] = await ask(stub, "hallo", chat=2, user=2)
        assert sent.params["chat_id"] == 2


async def test_parse_error_is_resent_as_plain_text(stub: BotApiStub, tmp_path: Path) -> None:
    async with running_bot(bot_env(stub, tmp_path)):
        stub.fail_next(
            "sendMessage",
            status=400,
            description="Bad Request: can't parse entities: unexpected end tag",
        )
        stub.add_message(CHAT, "hallo", user_id=USER)
        calls = await stub.wait_for("sendMessage", 2)
        assert calls[0].params.get("parse_mode") == "HTML"
        assert "parse_mode" not in calls[1].params


async def test_failing_optional_calls_do_not_stop_answers(stub: BotApiStub, tmp_path: Path) -> None:
    stub.fail_next("setMyCommands", status=500, description="Internal Server Error", times=2)
    async with running_bot(bot_env(stub, tmp_path)):
        stub.fail_next("sendChatAction", status=500, description="Internal Server Error")
        [sent] = await ask(stub, "Was macht der Hessische Jugendring?")
        assert "Jugendring" in sent.params["text"]


async def test_delete_twice_after_confirm(stub: BotApiStub, tmp_path: Path) -> None:
    async with running_bot(bot_env(stub, tmp_path)) as (_app, services):
        stub.add_command(CHAT, "/sprache en", user_id=USER)
        await stub.wait_for("sendMessage", 1)
        stub.add_command(CHAT, "/loeschen", user_id=USER)
        [_, confirm] = await stub.wait_for("sendMessage", 2)
        assert any(b.get("callback_data") == encode("delete", "yes") for b in buttons(confirm))
        for _ in range(2):
            stub.add_callback(CHAT, encode("delete", "yes"), user_id=USER, message_id=2)
        await stub.wait_for("answerCallbackQuery", 2)
        assert services.store is not None
        assert await services.store.get_language(services.user_key(USER)) is None


async def test_raw_user_ids_and_names_never_reach_the_database(
    stub: BotApiStub, tmp_path: Path
) -> None:
    user = 987654321
    async with running_bot(bot_env(stub, tmp_path)) as (_app, _services):
        stub.add_message(
            user,
            "Wie spät ist es? Schreib an max.mustermann@example.org",
            user_id=user,
            username="geheim_name",
            first_name="Geheimvorname",
        )
        stub.add_callback(user, encode("vote", "vertrag-drk", +1), user_id=user)
        stub.add_command(user, "/sprache en", user_id=user)
        await stub.wait_for("sendMessage", 2)
        await stub.wait_for("answerCallbackQuery", 1)
        await background_done()
    raw = b"".join(p.read_bytes() for p in tmp_path.glob("bot.sqlite3*"))
    for secret in (b"987654321", b"geheim_name", b"Geheimvorname", b"max.mustermann@example.org"):
        assert secret not in raw


async def test_downvote_keeps_the_masked_question_for_staff(
    stub: BotApiStub, tmp_path: Path
) -> None:
    async with running_bot(bot_env(stub, tmp_path)) as (_app, services):
        [sent] = await ask(stub, "Was macht der Hessische Jugendring? mail: x.y@example.org")
        down = next(b["callback_data"] for b in buttons(sent) if b["text"] == "👎")
        stub.add_callback(CHAT, down, user_id=USER, message_id=last_bot_message_id(stub, CHAT))
        await stub.wait_for("answerCallbackQuery", 1)
        await background_done()
        assert services.store is not None
        [row] = await services.store.downvoted_questions(datetime(2000, 1, 1, tzinfo=UTC))
        assert row.entry_id == down.split(":")[1]
        assert "Jugendring" in row.text and "example.org" not in row.text


async def test_an_arabic_question_gets_an_arabic_answer_with_its_buttons(
    stub: BotApiStub, tmp_path: Path
) -> None:
    async with running_bot(bot_env(stub, tmp_path)):
        [sent] = await ask(stub, "شو هو عقد الاندماج مع الصليب الاحمر")
        text = sent.params["text"]
        assert "الصليب الأحمر" in text and "Das" not in text
        assert "https://www.drk-hessen.de" in [b.get("url") for b in buttons(sent)]
        # Nobody has checked the Arabic texts yet: a note says so, a button shows the German.
        assert "النص الألماني هو المعتمد" in text
        [original] = [b for b in buttons(sent) if b.get("text") == "النص الألماني الأصلي"]
        assert original["callback_data"] == encode("original", "vertrag-drk")
        stub.add_callback(CHAT, original["callback_data"], user_id=USER)
        await stub.wait_for("sendMessage", 2)
        german = stub.sent_messages()[1].params["text"]
        assert german.startswith("DRK heißt Deutsches Rotes Kreuz")


async def test_sprache_switches_to_turkish_and_lists_every_language(
    stub: BotApiStub, tmp_path: Path, assistant: Assistant
) -> None:
    async with running_bot(bot_env(stub, tmp_path)):
        stub.add_command(CHAT, "/sprache", user_id=USER)
        [offer] = await stub.wait_for("sendMessage", 1)
        labels = [b["text"] for b in buttons(offer)]
        assert labels == [language["name"] for language in LANGUAGES]
        assert len(labels) == 8
        stub.add_command(CHAT, "/sprache tr", user_id=USER)
        await stub.wait_for("sendMessage", 2)
        # A language-neutral message is answered in the saved language.
        [answer] = await ask(stub, "DRK")
        turkish = assistant.answer("DRK", lang="tr")
        assert turkish.lang == "tr"
        assert answer.params["text"] == reply_html(turkish)[0]


@pytest.mark.parametrize(
    ("question", "lang", "words"),
    [
        ("що таке договір з Червоним Хрестом DRK", "uk", "Червоний Хрест"),
        ("قرارداد DRK با هسن درباره چیست", "fa", "صلیب سرخ"),
    ],
)
async def test_ukrainian_and_persian_questions_get_answers_in_their_language(
    stub: BotApiStub, tmp_path: Path, assistant: Assistant, question: str, lang: str, words: str
) -> None:
    async with running_bot(bot_env(stub, tmp_path)):
        [sent] = await ask(stub, question)
        expected = assistant.answer(question)
        assert (expected.lang, expected.id) == (lang, "vertrag-drk")
        assert sent.params["text"] == reply_html(expected)[0]
        assert words in sent.params["text"]
        urls = [b.get("url") for b in buttons(sent)]
        assert "https://www.drk-hessen.de" in urls
        [original] = [b for b in buttons(sent) if b.get("callback_data", "").startswith("o")]
        assert original["text"] == assistant.kb.message("german_original", lang)


async def test_the_command_menu_is_registered_in_every_language(
    stub: BotApiStub, tmp_path: Path, assistant: Assistant
) -> None:
    async with running_bot(bot_env(stub, tmp_path)):
        stub.add_command(CHAT, "/start", user_id=USER)
        await stub.wait_for("sendMessage", 1)
        menus = {
            c.params.get("language_code"): c.params["commands"]
            for c in stub.calls_of("setMyCommands")
        }
    assert set(menus) == {None} | {language["code"] for language in LANGUAGES[1:]}
    assert menus[None][1] == {"command": "hilfe", "description": "Was kann der Bot?"}
    for code in (language["code"] for language in LANGUAGES[1:]):
        assert menus[code][1] == {
            "command": "help",
            "description": assistant.kb.message("menu_help", code),
        }
    assert menus["tr"][4]["description"] == "Dil seç"


@pytest.mark.parametrize(
    ("query", "lang"),
    [
        ("kizilhac sozlesmesi", "tr"),
        ("ما هو عقد الصليب الأحمر", "ar"),
        ("Jugendring що робить", "uk"),
        ("Jugendring что делает", "ru"),
        ("Jugendring چه کار می‌کند", "fa"),
        ("ce face Jugendring", "ro"),
    ],
)
async def test_inline_mode_answers_in_the_querys_language(
    stub: BotApiStub, tmp_path: Path, assistant: Assistant, query: str, lang: str
) -> None:
    async with running_bot(bot_env(stub, tmp_path)):
        stub.add_inline_query(USER, query)
        [call] = await stub.wait_for("answerInlineQuery", 1)
    titles = [r["title"] for r in call.params["results"]]
    expected = [assistant.title(reply.id or "", lang) for reply in assistant.search(query)]
    assert titles and titles == expected
    assert all(reply.lang == lang for reply in assistant.search(query))
