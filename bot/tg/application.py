"""The composition root: builds the Application and registers every handler in one place."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

from telegram import BotCommand, BotCommandScopeDefault, Update
from telegram.error import TelegramError
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    BaseRateLimiter,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    InlineQueryHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot.core.model import DEFAULT_LANG
from bot.storage import Store
from bot.tg import admin, answers, commands, presses
from bot.tg.context import BotContext, BotData, Services
from bot.tg.fairness import CONTINUATION, ReplyPacer
from bot.tg.reloading import watch_knowledge

logger = logging.getLogger(__name__)
BotApplication = Application[Any, BotContext, Any, Any, BotData, Any]

# (German name, English name, callback, German description, English description)
# German name, English name, callback, and the fixed message that describes it in the menu.
COMMANDS = (
    ("start", None, commands.start, "menu_start"),
    ("hilfe", "help", commands.help_command, "menu_help"),
    ("vertraege", "contracts", commands.contracts, "menu_contracts"),
    ("kontakt", "contacts", commands.contacts, "menu_contacts"),
    ("sprache", "language", commands.language, "menu_language"),
    ("datenschutz", "privacy", commands.privacy, "menu_privacy"),
    ("loeschen", "delete", commands.delete, "menu_delete"),
)
OTHER_MEDIA = (
    filters.Sticker.ALL
    | filters.PHOTO
    | filters.VOICE
    | filters.AUDIO
    | filters.VIDEO
    | filters.VIDEO_NOTE
    | filters.Document.ALL
    | filters.LOCATION
    | filters.CONTACT
    | filters.ANIMATION
    | filters.POLL
    | filters.VENUE
    | filters.Dice.ALL
)


CONCURRENT_UPDATES = 8
# The matchers of further languages are built this long after the start, so the first
# answers do not share the processor with that work.
WARM_UP_AFTER = timedelta(seconds=3)


class PacedRateLimiter(AIORateLimiter):
    """AIORateLimiter that paces messages to one private chat and lets chat actions through.

    Telegram asks for about one message per second to one chat: each private chat's messages
    get send slots `reply_interval` apart (the later parts of one long reply go right after
    the first). The optional "typing…" indicator bypasses the budget: Telegram's flood limit
    is about messages, and queueing chat actions behind it would halve the replies per second
    in a burst. A chat action that Telegram refuses is only logged.
    """

    def __init__(self, *, reply_interval: float = 1.0, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.pacer = ReplyPacer(reply_interval)

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        """Send chat actions at once; pace messages per private chat; the rest as AIORateLimiter."""
        if endpoint == "sendChatAction":
            return await callback(*args, **kwargs)
        chat_id = _private_chat(data.get("chat_id"))
        if endpoint == "sendMessage" and chat_id is not None and not CONTINUATION.get():
            delay = self.pacer.delay(chat_id)
            if delay > 0:
                await asyncio.sleep(delay)
        return await super().process_request(
            callback, args, kwargs, endpoint, data, rate_limit_args
        )


def _private_chat(chat_id: object) -> int | None:
    """Return a private chat's id (positive; groups and channels are negative), else None."""
    try:
        number = int(str(chat_id))
    except ValueError:
        return None
    return number if number > 0 else None


# The limiter class the bot uses (load tests swap it for one without Telegram's 30 msg/s cap;
# the benchmarks pass their own limiter to build_application).
RATE_LIMITER: Callable[..., AIORateLimiter] = PacedRateLimiter


def build_application(
    services: Services, *, rate_limiter: BaseRateLimiter[Any] | None = None
) -> BotApplication:
    """Build the Application with services, rate limiting and all handlers.

    rate_limiter replaces the bot's own (RATE_LIMITER); the benchmarks pass one that never waits.
    In webhook mode there is no Updater: the webhook server feeds the update queue.
    """
    config = services.config
    context_types = ContextTypes(context=BotContext, bot_data=BotData)
    builder = ApplicationBuilder()
    if config.webhook_url:
        builder = builder.updater(None)
    app: BotApplication = (
        builder.token(config.token or "")
        .base_url(config.base_url)
        .context_types(context_types)
        .rate_limiter(
            RATE_LIMITER(max_retries=3, reply_interval=config.reply_interval_seconds)
            if rate_limiter is None
            else rate_limiter
        )
        # A few handlers at a time: answers take about a millisecond, and hundreds of requests
        # in flight made httpx rescan its connection pool for every request (measured 3x slower;
        # the soak runs at 304 updates/s with 8, 124 with 256). The cost: handlers waiting in
        # a group chat's rate limit hold a slot meanwhile.
        .concurrent_updates(CONCURRENT_UPDATES)
        .post_init(_post_init)
        .post_stop(_post_stop)
        .post_shutdown(_post_shutdown)
        .build()
    )
    app.bot_data.services = services
    register_handlers(app)
    return app


def register_handlers(app: BotApplication) -> None:
    """Register handlers in the order they are tried (group 0 unless noted)."""
    # 0. Every update, before anything else: note when the last one came (for /healthz).
    app.add_handler(TypeHandler(Update, _note_update), group=-1)
    # 1. Commands, German and English names, in private chats and groups.
    for german, english, callback, _key in COMMANDS:
        app.add_handler(CommandHandler([german, english] if english else [german], callback))
    # 2. Admin commands: refused (as unknown) for everyone not in BOT_ADMIN_IDS.
    app.add_handler(CommandHandler("reload", admin.reload))
    app.add_handler(CommandHandler("stats", admin.stats))
    # 3. Any other command: a friendly "unknown command".
    app.add_handler(MessageHandler(filters.COMMAND, commands.unknown_command))
    # 4. Text, new or edited; in groups only when addressed (checked in the callback).
    app.add_handler(MessageHandler(filters.TEXT & filters.UpdateType.MESSAGES, answers.on_text))
    # 5. Everything else people send in private chats: a kind "I read text" reply.
    app.add_handler(MessageHandler(OTHER_MEDIA & filters.ChatType.PRIVATE, answers.on_other_media))
    # 6. Buttons and inline mode.
    app.add_handler(CallbackQueryHandler(presses.on_button))
    app.add_handler(InlineQueryHandler(answers.on_inline_query))
    app.add_error_handler(admin.on_error)


async def _note_update(_update: Update, context: BotContext) -> None:
    """Remember when the bot last received an update."""
    context.services.last_update = time.monotonic()


async def _post_init(app: BotApplication) -> None:
    """Open the database, register the command menu, watch the data, schedule the retention job."""
    services = app.bot_data.services
    assert services is not None
    services.store = await Store.open(services.config.database)
    await _set_command_menu(app)
    if services.config.watch_knowledge:
        services.watcher = asyncio.create_task(
            watch_knowledge(app.bot, services, services.watch_stop)
        )
    if app.job_queue is not None:
        app.job_queue.run_repeating(
            _purge_old_questions, interval=timedelta(days=1), first=timedelta(seconds=30)
        )
        app.job_queue.run_once(_warm_up, when=WARM_UP_AFTER)


async def _set_command_menu(app: BotApplication) -> None:
    """Register the command menu in every language; a failure is logged, never fatal."""
    services = app.bot_data.services
    assert services is not None
    kb = services.assistant.kb
    try:
        for code in kb.codes:
            # German names for German; the English ones (they work too) for everyone else.
            menu = [
                BotCommand(name if code == DEFAULT_LANG else en_name or name, kb.message(key, code))
                for name, en_name, _callback, key in COMMANDS
            ]
            language = None if code == DEFAULT_LANG else code
            await app.bot.set_my_commands(
                menu, scope=BotCommandScopeDefault(), language_code=language
            )
    except TelegramError as exc:
        logger.warning("registering the command menu failed: %s", type(exc).__name__)


async def _warm_up(context: BotContext) -> None:
    """Build the matchers of the languages beyond German and English, in a worker thread.

    Each is otherwise built at its language's first message (~0.1 s from the cache, seconds
    when the knowledge changed); a few seconds after the start nobody waits for that.
    """
    await asyncio.to_thread(context.services.assistant.warm_up)


async def _purge_old_questions(context: BotContext) -> None:
    """Delete question-log rows older than the retention period (daily job)."""
    services = context.services
    if services.store is not None:
        removed = await services.store.purge_questions(
            timedelta(days=services.config.retention_days)
        )
        logger.info("retention: deleted %d old question-log rows", removed)


async def _post_stop(app: BotApplication) -> None:
    """Stop watching the data folders (background writes were awaited by Application.stop)."""
    services = app.bot_data.services
    if services is not None and services.watcher is not None:
        services.watch_stop.set()
        await services.watcher
        services.watcher = None


async def _post_shutdown(app: BotApplication) -> None:
    """Close the database."""
    services = app.bot_data.services
    if services is not None and services.store is not None:
        await services.store.close()


@asynccontextmanager
async def running(app: BotApplication) -> AsyncIterator[BotApplication]:
    """Run the application as run_polling does, for callers that own the event loop.

    Used by webhook mode, the tests and the benchmarks. `async with app` initializes and shuts
    down; PTB calls post_init/post_stop/post_shutdown only from run_polling/run_webhook, so
    they are called here. Stopping awaits the background work started with create_task.
    """
    try:
        async with app:
            assert app.post_init is not None and app.post_stop is not None
            await app.post_init(app)
            await app.start()
            try:
                yield app
            finally:
                if app.updater is not None and app.updater.running:
                    await app.updater.stop()
                await app.stop()
                await app.post_stop(app)
    finally:
        assert app.post_shutdown is not None
        await app.post_shutdown(app)


def allowed_updates() -> list[str]:
    """Return the update types the bot handles."""
    return [Update.MESSAGE, Update.EDITED_MESSAGE, Update.CALLBACK_QUERY, Update.INLINE_QUERY]
