"""The bot as a process: configuration errors, a broken knowledge base, clean SIGTERM, no token in logs."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.storage import QuestionRecord
from tests.botapi_stub import BotApiStub
from tests.conftest import ROOT
from tests.tg_harness import TOKEN, bot_env, running_bot


async def start_bot(env: dict[str, str]) -> asyncio.subprocess.Process:
    """Start run_bot.py with env on top of this environment minus any bot settings."""
    base = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "BOT_"))}
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "run_bot.py",
        cwd=ROOT,
        env={**base, **env},
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )


async def run_bot(env: dict[str, str], timeout: float = 30) -> tuple[int, str]:
    """Run run_bot.py to completion; return exit code and stderr."""
    process = await start_bot(env)
    _out, err = await asyncio.wait_for(process.communicate(), timeout)
    return process.returncode or 0, err.decode()


@pytest.mark.parametrize(
    ("env", "variable"),
    [
        ({"TELEGRAM_BOT_TOKEN": "not-a-token"}, "TELEGRAM_BOT_TOKEN"),
        ({"TELEGRAM_BOT_TOKEN": TOKEN, "BOT_ADMIN_IDS": "1,zwei"}, "BOT_ADMIN_IDS"),
        ({"TELEGRAM_BOT_TOKEN": TOKEN, "BOT_DATA_DIR": "/proc/nicht-schreibbar"}, "BOT_DATA_DIR"),
        ({"TELEGRAM_BOT_TOKEN": TOKEN, "BOT_HMAC_KEY": "kurz"}, "BOT_HMAC_KEY"),
    ],
)
async def test_bad_configuration_is_one_clear_line_and_exit_2(
    env: dict[str, str], variable: str
) -> None:
    code, err = await run_bot(env)
    assert code == 2
    assert variable in err
    assert "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


async def test_broken_knowledge_refuses_to_start_without_traceback(tmp_path: Path) -> None:
    (tmp_path / "kaputt.yaml").write_text("version: 1\nentries: 7\n", encoding="utf-8")
    code, err = await run_bot(
        {
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "BOT_DATA_DIR": str(tmp_path / "d"),
            "BOT_KNOWLEDGE_DIR": str(tmp_path),
        }
    )
    assert code == 1
    assert "kaputt.yaml:2" in err
    assert "Traceback" not in err


async def test_sigterm_stops_cleanly_and_token_never_logged_at_debug(tmp_path: Path) -> None:
    async with BotApiStub() as stub:
        process = await start_bot(bot_env(stub, tmp_path, BOT_LOG_LEVEL="DEBUG"))
        stub.add_message(5, "Was macht der Hessische Jugendring?", user_id=5)
        await stub.wait_for("sendMessage", 1, timeout=30)
        stub.fail_next("getUpdates", status=500, description=f"Internal error for bot{TOKEN}")
        await stub.wait_for("getUpdates", len(stub.calls_of("getUpdates")) + 2, timeout=30)
        process.send_signal(signal.SIGTERM)
        out, err = await asyncio.wait_for(process.communicate(), 30)
    logs = out.decode() + err.decode()
    assert process.returncode == 0, logs[-2000:]
    assert "DEBUG" in logs
    assert TOKEN not in logs
    assert TOKEN.split(":")[1] not in logs


async def test_retention_job_deletes_old_question_rows(tmp_path: Path) -> None:
    async with (
        BotApiStub() as stub,
        running_bot(bot_env(stub, tmp_path, BOT_RETENTION_DAYS="30")) as (app, services),
    ):
        assert services.store is not None
        now = datetime.now(UTC)
        for age in (1, 29, 31, 400):
            await services.store.log_question(
                QuestionRecord(now - timedelta(days=age), None, "de", "faq", "vertrag-drk", 0.9)
            )
        assert app.job_queue is not None
        [job] = [j for j in app.job_queue.jobs() if j.name == "_purge_old_questions"]
        await job.run(app)
        left = await services.store.questions_since(datetime(2000, 1, 1, tzinfo=UTC))
        assert len(left) == 2


async def test_webhook_process_serves_only_the_secret_and_stops_on_sigterm(tmp_path: Path) -> None:
    import httpx

    from tests.test_tg_webhook import SECRET, free_port, update

    port = free_port()
    async with BotApiStub() as stub:
        env = bot_env(
            stub,
            tmp_path,
            BOT_WEBHOOK_URL="https://bot.example.org/telegram",
            BOT_WEBHOOK_SECRET=SECRET,
            BOT_PORT=str(port),
        )
        process = await start_bot(env)
        await stub.wait_for("setWebhook", 1, timeout=30)
        async with httpx.AsyncClient() as client:
            url = f"http://127.0.0.1:{port}/telegram"
            assert (await client.post(url, json=update(1))).status_code == 403
            ok = await client.post(
                url, json=update(2), headers={"X-Telegram-Bot-Api-Secret-Token": SECRET}
            )
            assert ok.status_code == 200
        await stub.wait_for("sendMessage", 1, timeout=30)
        process.send_signal(signal.SIGTERM)
        out, err = await asyncio.wait_for(process.communicate(), 30)
    assert process.returncode == 0, (out + err).decode()[-2000:]
