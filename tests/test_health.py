"""Health: GET /healthz in webhook mode, `python -m bot check`, and a second poller (409)."""

from __future__ import annotations

import io
import logging
import shutil
from pathlib import Path

import httpx
import pytest

from bot.cli import main
from bot.tg.webhook import HEALTH_PATH, WEBHOOK_PATH, start_webhook_server
from tests.botapi_stub import BotApiStub
from tests.conftest import INTENTS, KNOWLEDGE
from tests.test_tg_webhook import SECRET, free_port, update
from tests.tg_harness import TOKEN, bot_env, running_bot

CHAT = 77


async def test_healthz_is_200_then_503_when_the_database_or_knowledge_breaks(
    tmp_path: Path,
) -> None:
    port = free_port()
    knowledge = tmp_path / "knowledge"
    shutil.copytree(KNOWLEDGE, knowledge)
    async with BotApiStub() as stub:
        env = bot_env(
            stub,
            tmp_path / "data",
            BOT_KNOWLEDGE_DIR=str(knowledge),
            BOT_WATCH_KNOWLEDGE="0",
            BOT_WEBHOOK_URL="https://bot.example.org/telegram",
            BOT_WEBHOOK_SECRET=SECRET,
            BOT_PORT=str(port),
        )
        async with running_bot(env) as (app, services):
            runner = await start_webhook_server(app, services.config, host="127.0.0.1")
            base = f"http://127.0.0.1:{port}"
            async with httpx.AsyncClient() as client:
                fresh = await client.get(base + HEALTH_PATH)
                await client.post(
                    base + WEBHOOK_PATH,
                    json=update(1),
                    headers={"X-Telegram-Bot-Api-Secret-Token": SECRET},
                )
                await stub.wait_for("sendMessage", 1)
                healthy = await client.get(base + HEALTH_PATH)
                database = services.config.database
                database.chmod(0o444)
                read_only = await client.get(base + HEALTH_PATH)
                database.chmod(0o644)
                shutil.rmtree(knowledge)
                no_knowledge = await client.get(base + HEALTH_PATH)
            await runner.cleanup()
    assert fresh.status_code == 200 and fresh.json()["last_update_seconds_ago"] is None
    body = healthy.json()
    assert healthy.status_code == 200 and body["status"] == "ok"
    assert body["knowledge"]["entries"] == 62 and body["knowledge"]["languages"] == 8
    assert len(body["knowledge"]["version"]) == 12
    assert body["database"]["writable"] and body["last_update_seconds_ago"] < 30
    assert read_only.status_code == 503 and not read_only.json()["database"]["writable"]
    assert no_knowledge.status_code == 503 and not no_knowledge.json()["knowledge"]["usable"]
    # Nothing secret or personal: no token, no webhook secret, no chat or user id, no text.
    for response in (fresh, healthy, read_only, no_knowledge):
        text = response.text
        for secret in (TOKEN, TOKEN.split(":")[0], SECRET, str(CHAT), "hallo"):
            assert secret not in text, secret


def check(env: dict[str, str]) -> tuple[int, list[str]]:
    """Run `python -m bot check` in-process; return its exit code and lines."""
    out = io.StringIO()
    code = main(["check"], env=env, out=out)
    return code, out.getvalue().splitlines()


async def test_check_passes_with_a_good_setup_and_asks_telegram(tmp_path: Path) -> None:
    async with BotApiStub() as stub:
        env = bot_env(stub, tmp_path / "data")
        code, lines = await _in_thread(env)
    assert code == 0, lines
    assert [line.split(":")[0].split()[-1] for line in lines] == [
        "configuration",
        "folder",
        "knowledge",
        "database",
        "telegram",
    ]
    assert all(line.startswith("ok") for line in lines)
    assert stub.calls_of("getMe")


async def _in_thread(env: dict[str, str]) -> tuple[int, list[str]]:
    """Run the check in a thread: it runs its own event loop for getMe."""
    import asyncio

    return await asyncio.to_thread(check, env)


def base_env(tmp_path: Path) -> dict[str, str]:
    """A setup without a token (no getMe), data in tmp_path."""
    return {
        "BOT_DATA_DIR": str(tmp_path / "data"),
        "BOT_KNOWLEDGE_DIR": str(KNOWLEDGE),
        "BOT_INTENTS_DIR": str(INTENTS),
    }


def test_check_fails_on_a_malformed_token(tmp_path: Path) -> None:
    code, lines = check({**base_env(tmp_path), "TELEGRAM_BOT_TOKEN": "not-a-token"})
    assert code == 1
    assert lines[0].startswith("FAIL  configuration") and "TELEGRAM_BOT_TOKEN" in lines[0]
    assert "not-a-token" not in "\n".join(lines)


def test_check_fails_on_a_broken_knowledge_file(tmp_path: Path) -> None:
    knowledge = tmp_path / "knowledge"
    shutil.copytree(KNOWLEDGE, knowledge)
    (knowledge / "kaputt.yaml").write_text("version: 1\nentries: [\n", encoding="utf-8")
    code, lines = check({**base_env(tmp_path), "BOT_KNOWLEDGE_DIR": str(knowledge)})
    assert code == 1
    [failed] = [line for line in lines if line.startswith("FAIL")]
    assert failed.startswith("FAIL  knowledge") and "kaputt.yaml" in failed


def test_check_fails_on_an_unwritable_data_folder(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder", encoding="utf-8")
    code, lines = check({**base_env(tmp_path), "BOT_DATA_DIR": str(blocker / "data")})
    assert code == 1
    assert any(line.startswith("FAIL  data folder") for line in lines), lines


def test_the_dockerfile_health_check_runs_bot_check() -> None:
    dockerfile = (KNOWLEDGE.parent / "Dockerfile").read_text(encoding="utf-8")
    instruction = dockerfile.split("\nHEALTHCHECK ", 1)[1].replace("\\\n", " ").splitlines()[0]
    assert 'CMD ["python", "-m", "bot", "check"]' in instruction


async def test_a_second_poller_is_one_clear_log_line(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    async with BotApiStub() as stub:
        conflict = "Conflict: terminated by other getUpdates request"
        stub.fail_next("getUpdates", status=409, description=conflict, times=4)
        async with running_bot(bot_env(stub, tmp_path)):
            await stub.wait_for("getUpdates", 6, timeout=30)
            stub.add_message(CHAT, "hallo", user_id=CHAT)
            await stub.wait_for("sendMessage", 1, timeout=10)
    lines = [r for r in caplog.records if "409" in r.getMessage() or "onflict" in r.getMessage()]
    loud = [r for r in lines if r.levelno >= logging.WARNING]
    assert len(loud) == 1, [r.getMessage() for r in loud]
    assert "same token" in loud[0].getMessage()
    assert not [r for r in caplog.records if r.exc_info and r.levelno >= logging.WARNING]
