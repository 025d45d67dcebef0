"""Deep links: /start payloads over real HTTP, and `python -m bot links` with QR codes."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import zxingcpp
from PIL import Image

from bot.cli import main
from bot.core import deeplinks
from bot.core.assistant import Assistant
from bot.tg.render import reply_html
from tests.botapi_stub import BotApiStub
from tests.conftest import INTENTS, KNOWLEDGE
from tests.tg_harness import bot_env, running_bot

USER = 4242


def test_payloads_round_trip_and_forgeries_are_refused(assistant: Assistant) -> None:
    kb = assistant.kb
    opened = deeplinks.parse(deeplinks.payload(entry="vertrag-drk", lang="uk"), kb)
    assert opened == deeplinks.Opening("vertrag-drk", "uk")
    assert deeplinks.parse("p-drk", kb) == deeplinks.Opening("vertrag-drk", None)
    assert deeplinks.parse("l-fa", kb) == deeplinks.Opening(None, "fa")
    for forged in (
        "e-gibtsnicht",
        "p-gibtsnicht",
        "l-xx",
        "x-drk",
        "e-vertrag-drk_e-vertrag-drk",
        "e-vertrag-drk_p-drk",
        "e-",
        "",
        "e-vertrag-drk" + "_l-de" * 12,  # over 64 characters
        "e-vertrag.drk",
        "e-../../etc/passwd",
        "<script>",
    ):
        assert deeplinks.parse(forged, kb) is None, forged
    with pytest.raises(ValueError):
        deeplinks.payload(entry="x" * 70)
    # Every entry and partner fits Telegram's limit.
    for entry in kb.entries:
        assert deeplinks.parse(deeplinks.payload(entry=entry), kb) is not None
    for partner in kb.partners:
        assert deeplinks.parse(deeplinks.payload(partner=partner), kb) is not None


@pytest.fixture
async def stub() -> AsyncIterator[BotApiStub]:
    async with BotApiStub() as running:
        yield running


async def start(stub: BotApiStub, tmp_path: Path, *commands: str) -> list[str]:
    """Send /start commands one by one; return the texts the bot sent."""
    async with running_bot(bot_env(stub, tmp_path)):
        for n, command in enumerate(commands, 1):
            stub.add_command(USER, command, user_id=USER)
            await stub.wait_for("sendMessage", n)
    return [c.params["text"] for c in stub.sent_messages()]


async def test_start_with_a_partner_or_entry_opens_its_entry(
    stub: BotApiStub, tmp_path: Path, assistant: Assistant
) -> None:
    texts = await start(stub, tmp_path, "/start p-drk", "/start e-vertrag-drk_l-en")
    assert texts[0] == reply_html(assistant.entry_reply("vertrag-drk", "de"))[0]
    assert texts[1] == reply_html(assistant.entry_reply("vertrag-drk", "en"))[0]
    urls = [
        b.get("url")
        for row in stub.sent_messages()[0].params["reply_markup"]["inline_keyboard"]
        for b in row
    ]
    assert "https://www.drk-hessen.de" in urls


async def test_start_with_a_language_switches_to_it(
    stub: BotApiStub, tmp_path: Path, assistant: Assistant
) -> None:
    texts = await start(stub, tmp_path, "/start l-en", "/hilfe")
    assert texts[0].startswith(assistant.kb.message("welcome", "en").split("\n")[0][:30])
    assert texts[1] == reply_html(assistant.intent_reply("help", "en"))[0]  # the choice stays


@pytest.mark.parametrize("payload", ["e-gibtsnicht", "x" * 65, "e-vertrag-drk_p-drk", "l-xx"])
async def test_a_forged_or_over_long_payload_gets_the_welcome(
    stub: BotApiStub, tmp_path: Path, assistant: Assistant, payload: str
) -> None:
    [text] = await start(stub, tmp_path, f"/start {payload}")
    assert text.startswith(assistant.kb.message("welcome", "de").split("\n")[0][:30])


def test_links_prints_every_partner_and_entry_and_writes_qr_codes_that_decode(
    tmp_path: Path, assistant: Assistant
) -> None:
    out = io.StringIO()
    env = {"BOT_KNOWLEDGE_DIR": str(KNOWLEDGE), "BOT_INTENTS_DIR": str(INTENTS)}
    env["BOT_DATA_DIR"] = str(tmp_path / "data")
    code = main(["links", "--bot-username", "IVHessenBot", "--qr", str(tmp_path / "qr")], env, out)
    assert code == 0
    lines = out.getvalue().splitlines()
    printed = dict(line.split(": ", 1) for line in lines[:-1])
    kb = assistant.kb
    assert len(printed) == len(kb.partners) + len(kb.entries)
    for partner in kb.partners:
        url = printed[f"partner {partner}"]
        assert url == f"https://t.me/IVHessenBot?start=p-{partner}"
        # The PNG decodes to the printed link; the SVG is there too.
        [decoded] = zxingcpp.read_barcodes(Image.open(tmp_path / "qr" / f"partner-{partner}.png"))
        assert decoded.text == url
        assert (tmp_path / "qr" / f"partner-{partner}.svg").read_text().startswith("<?xml")
    sheet = (tmp_path / "qr" / "index.html").read_text(encoding="utf-8")
    assert sheet.count("<figure>") == len(printed)
    assert "partner-drk.svg" in sheet


def test_links_refuses_a_username_that_is_not_a_bot(tmp_path: Path) -> None:
    env = {"BOT_DATA_DIR": str(tmp_path)}
    assert main(["links", "--bot-username", "not a bot!"], env, io.StringIO()) == 2
