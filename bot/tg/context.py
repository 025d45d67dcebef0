"""The bot's services and the typed callback context that reaches them."""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from telegram.ext import CallbackContext, ExtBot

from bot.config import Config
from bot.core.assistant import Assistant
from bot.core.holder import AssistantHolder
from bot.core.model import Reply
from bot.storage import QuestionKind, QuestionRecord, StorageError, Store, user_key
from bot.tg.fairness import FairnessSettings, QuestionBudget, WaitingQuestions

logger = logging.getLogger(__name__)
# The question behind each recent reply is kept in memory only, so "none of these" and 👎 can
# log the question that failed; bounded so a busy day cannot grow memory.
PENDING_LIMIT = 2000
# Saved language choices cached per user key; bounded the same way (a miss re-reads the db).
LANGUAGE_CACHE_LIMIT = 10_000


@dataclass
class Services:
    """Everything the callbacks need, created once and started in post_init."""

    config: Config
    holder: AssistantHolder
    hmac_key: bytes
    store: Store | None = None
    _languages: OrderedDict[str, str | None] = field(default_factory=OrderedDict)
    _pending: OrderedDict[tuple[int, int], str] = field(default_factory=OrderedDict)
    watcher: asyncio.Task[None] | None = None
    watch_stop: asyncio.Event = field(default_factory=asyncio.Event)
    # Per-chat fairness: each chat's question budget, and its latest question over it.
    budget: QuestionBudget = field(init=False)
    waiting: WaitingQuestions = field(default_factory=WaitingQuestions)
    # time.monotonic() of the last update the bot received (for GET /healthz).
    last_update: float | None = None
    # When a 409 Conflict (another poller with this token) was last logged as a warning.
    conflict_logged_at: float | None = None

    def __post_init__(self) -> None:
        self.budget = QuestionBudget(
            FairnessSettings(self.config.chat_burst, self.config.chat_refill_seconds)
        )

    @property
    def assistant(self) -> Assistant:
        """The assistant answering right now (swapped by /reload)."""
        return self.holder.current

    def user_key(self, user_id: int) -> str:
        """Return the keyed hash that stands for a Telegram user in storage."""
        return user_key(self.hmac_key, user_id)

    async def saved_language(self, key: str) -> str | None:
        """Return the user's saved language (cached after the first read)."""
        if key not in self._languages:
            try:
                self._cache_language(key, await self.store_or_fail().get_language(key))
            except StorageError:
                logger.exception("reading a language preference failed")
                return None
        return self._languages[key]

    async def save_language(self, key: str, lang: str) -> None:
        """Save the user's language choice."""
        # Database first: if the write fails, the cache must not pretend it worked.
        await self.store_or_fail().set_language(key, lang)
        self._cache_language(key, lang)

    def _cache_language(self, key: str, lang: str | None) -> None:
        """Remember a user's language, forgetting the least recently cached beyond the limit."""
        self._languages[key] = lang
        self._languages.move_to_end(key)
        while len(self._languages) > LANGUAGE_CACHE_LIMIT:
            self._languages.popitem(last=False)

    async def forget_user(self, key: str, private_chat_id: int | None = None) -> int:
        """Delete everything stored about a user, in the database and in memory."""
        self._languages.pop(key, None)
        for pending in [p for p in self._pending if p[0] == private_chat_id]:
            del self._pending[pending]
        if private_chat_id is not None:
            self.waiting.pop(private_chat_id)
        return await self.store_or_fail().delete_user(key)

    async def record_vote(self, key: str, entry_id: str, vote: int) -> None:
        """Store a user's vote on an answer (a second press changes it)."""
        await self.store_or_fail().record_vote(key, entry_id, vote)

    def remember_question(self, chat_id: int, message_id: int, text: str) -> None:
        """Keep the question behind a reply, for a later "none of these" or 👎."""
        self._pending[(chat_id, message_id)] = text
        while len(self._pending) > PENDING_LIMIT:
            self._pending.popitem(last=False)

    def question_for(self, chat_id: int, message_id: int) -> str | None:
        """Return the question behind a recent reply message, if still remembered."""
        return self._pending.get((chat_id, message_id))

    def question_record(
        self, key: str | None, reply: Reply, text: str | None, kind: QuestionKind | None = None
    ) -> QuestionRecord:
        """Return the question-log row for a reply (the store decides what text it keeps)."""
        return QuestionRecord(
            asked_at=datetime.now(UTC),
            user_key=key,
            lang=reply.lang,
            kind=kind or reply.kind,
            matched_id=reply.id,
            score=reply.score,
            text=text,
        )

    def store_or_fail(self) -> Store:
        """Return the open store (StorageError before post_init opened it)."""
        if self.store is None:
            raise StorageError("the database is not open yet")
        return self.store


class BotData:
    """The application's bot_data: just the services, typed."""

    def __init__(self) -> None:
        self.services: Services | None = None


class BotContext(CallbackContext[ExtBot[Any], dict[Any, Any], dict[Any, Any], BotData]):
    """Callback context with typed access to the services."""

    @property
    def services(self) -> Services:
        """The bot's services."""
        services = self.bot_data.services
        if services is None:
            raise RuntimeError("services are not set up")
        return services
