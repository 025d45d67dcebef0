"""Webhook mode: a small aiohttp server that checks Telegram's secret in constant time."""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import signal

from aiohttp import web
from telegram import Update

from bot.config import Config
from bot.tg.application import BotApplication, allowed_updates, running

logger = logging.getLogger(__name__)
WEBHOOK_PATH = "/telegram"
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

    app = web.Application(client_max_size=MAX_BODY_BYTES)
    app.router.add_post(WEBHOOK_PATH, receive)
    return app


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
