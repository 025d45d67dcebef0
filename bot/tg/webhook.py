"""Webhook mode: a small aiohttp server that checks Telegram's secret in constant time."""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import signal
import time
from typing import Any

from aiohttp import web
from telegram import Update

from bot.config import Config
from bot.health import database_writable, knowledge_version
from bot.tg.application import BotApplication, allowed_updates, running

logger = logging.getLogger(__name__)
WEBHOOK_PATH = "/telegram"
HEALTH_PATH = "/healthz"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
# Telegram updates are small; anything larger is not from Telegram.
MAX_BODY_BYTES = 1_000_000


def webhook_app(application: BotApplication, secret: str) -> web.Application:
    """Return the aiohttp app that feeds verified updates into the bot's update queue."""
    expected = secret.encode()

    async def receive(request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "").encode()
        # compare_digest: the time taken must not tell an attacker how much of a guess was right.
        if not hmac.compare_digest(given, expected):
            return web.Response(status=403)
        try:
            data = json.loads(await request.read())
            update = Update.de_json(data, application.bot)
        except (ValueError, TypeError, KeyError):
            return web.Response(status=400)
        if update is None:
            return web.Response(status=400)
        await application.update_queue.put(update)
        return web.Response(status=200)

    async def healthz(_request: web.Request) -> web.Response:
        status, body = await health_report(application)
        return web.json_response(body, status=status)

    app = web.Application(client_max_size=MAX_BODY_BYTES)
    app.router.add_post(WEBHOOK_PATH, receive)
    # No secret: supervisors and load balancers poll it; it reveals no token, id or question.
    app.router.add_get(HEALTH_PATH, healthz)
    return app


async def health_report(application: BotApplication) -> tuple[int, dict[str, Any]]:
    """Return the HTTP status (200 or 503) and the JSON body of GET /healthz."""
    services = application.bot_data.services
    assert services is not None
    config = services.config
    try:
        version: str | None = await asyncio.to_thread(knowledge_version, config)
    except OSError:
        version = None
    entries = len(services.assistant.kb.entries)
    usable = version is not None and config.knowledge_dir.is_dir() and entries > 0
    database = await asyncio.to_thread(database_writable, config.database)
    seen = services.last_update
    body = {
        "status": "ok" if usable and database.ok else "unavailable",
        "knowledge": {
            "usable": usable,
            "version": version,
            "entries": entries,
            "languages": len(services.assistant.kb.codes),
        },
        "database": {"writable": database.ok},
        "last_update_seconds_ago": None if seen is None else round(time.monotonic() - seen, 1),
    }
    return (200 if body["status"] == "ok" else 503), body


async def start_webhook_server(
    application: BotApplication, config: Config, host: str = "0.0.0.0"
) -> web.AppRunner:
    """Start the webhook server and register the webhook with Telegram; return the runner."""
    assert config.webhook_secret is not None and config.webhook_url is not None
    runner = web.AppRunner(webhook_app(application, config.webhook_secret), access_log=None)
    await runner.setup()
    await web.TCPSite(runner, host, config.port).start()
    await application.bot.set_webhook(
        url=config.webhook_url,
        secret_token=config.webhook_secret,
        allowed_updates=allowed_updates(),
    )
    logger.info("webhook server listening on port %d", config.port)
    return runner


async def run_webhook(application: BotApplication, config: Config) -> None:
    """Run the bot in webhook mode until SIGINT or SIGTERM, starting and stopping it fully."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    async with running(application):
        server = await start_webhook_server(application, config)
        try:
            await stop.wait()
        finally:
            await server.cleanup()
