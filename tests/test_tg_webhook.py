"""Webhook mode: only requests carrying the configured secret reach the bot."""

from __future__ import annotations

import socket
from pathlib import Path

import httpx
import pytest

from bot.config import Config, ConfigError
from bot.tg.webhook import WEBHOOK_PATH, start_webhook_server
from tests.botapi_stub import BotApiStub
from tests.tg_harness import bot_env, running_bot

SECRET = "a-long-webhook-secret_123"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def update(update_id: int) -> dict[str, object]:
    return {
        "update_id": update_id,
        "message": {
            "message_id": 1,
            "date": 0,
            "text": "hallo",
            "chat": {"id": 77, "type": "private"},
            "from": {"id": 77, "is_bot": False, "first_name": "A"},
        },
    }


async def test_webhook_rejects_missing_or_wrong_secret(tmp_path: Path) -> None:
    port = free_port()
    async with BotApiStub() as stub:
        env = bot_env(
            stub,
            tmp_path,
            BOT_WEBHOOK_URL="https://bot.example.org/telegram",
            BOT_WEBHOOK_SECRET=SECRET,
            BOT_PORT=str(port),
        )
        async with running_bot(env) as (app, services):
            assert app.updater is None  # webhook mode: no polling, the server feeds the queue
            runner = await start_webhook_server(app, services.config, host="127.0.0.1")
            url = f"http://127.0.0.1:{port}{WEBHOOK_PATH}"
            async with httpx.AsyncClient() as client:
                missing = await client.post(url, json=update(1))
                wrong = await client.post(
                    url,
                    json=update(2),
                    headers={"X-Telegram-Bot-Api-Secret-Token": "x" * len(SECRET)},
                )
                right = await client.post(
                    url, json=update(3), headers={"X-Telegram-Bot-Api-Secret-Token": SECRET}
                )
            assert (missing.status_code, wrong.status_code, right.status_code) == (403, 403, 200)
            [sent] = await stub.wait_for("sendMessage", 1)
            assert sent.params["chat_id"] == 77
            assert stub.calls_of("setWebhook")[-1].params["secret_token"] == SECRET
            await runner.cleanup()


def test_webhook_needs_a_secret() -> None:
    with pytest.raises(ConfigError, match="BOT_WEBHOOK_SECRET"):
        Config.from_env({"BOT_WEBHOOK_URL": "https://bot.example.org/telegram"})
    with pytest.raises(ConfigError, match="BOT_WEBHOOK_SECRET"):
        Config.from_env(
            {"BOT_WEBHOOK_URL": "https://bot.example.org/telegram", "BOT_WEBHOOK_SECRET": "kurz"}
        )
