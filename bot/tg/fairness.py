"""Fair to every chat: a small budget of questions per chat, and replies paced per private chat."""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from telegram import Update

# Chats remembered at most (a least recently seen one is forgotten first): a flood of new chats
# cannot grow memory without bound, and a forgotten chat simply starts with a full budget.
MAX_CHATS = 10_000
# Set while the second and later parts of one long reply are sent: they belong to one reply
# and are not paced apart.
CONTINUATION: ContextVar[bool] = ContextVar("continuation", default=False)


@dataclass(frozen=True)
class FairnessSettings:
    """How many questions a chat may ask at once, and how fast its budget returns."""

    burst: int = 5
    refill_seconds: float = 2.0


class QuestionBudget:
    """A token bucket per chat: `burst` questions at once, then one every `refill_seconds`."""

    def __init__(
        self, settings: FairnessSettings, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.settings = settings
        self._clock = clock
        self._tokens: OrderedDict[int, tuple[float, float]] = OrderedDict()

    def _current(self, chat_id: int) -> float:
        """Return the chat's tokens now (refilled since it was last seen)."""
        now = self._clock()
        tokens, seen = self._tokens.get(chat_id, (float(self.settings.burst), now))
        rate = 1.0 / self.settings.refill_seconds if self.settings.refill_seconds > 0 else 1e9
        return min(float(self.settings.burst), tokens + (now - seen) * rate)

    def take(self, chat_id: int) -> bool:
        """Spend one question of the chat's budget; False when it is used up."""
        tokens = self._current(chat_id)
        allowed = tokens >= 1.0
        self._tokens[chat_id] = (tokens - 1.0 if allowed else tokens, self._clock())
        self._tokens.move_to_end(chat_id)
        while len(self._tokens) > MAX_CHATS:
            self._tokens.popitem(last=False)
        return allowed

    def wait(self, chat_id: int) -> float:
        """Return the seconds until the chat has a question to spend again."""
        missing = 1.0 - self._current(chat_id)
        return max(0.0, missing * self.settings.refill_seconds)


class WaitingQuestions:
    """The latest question of each chat over its budget, in memory only, until it is answered."""

    def __init__(self) -> None:
        self._latest: dict[int, Update] = {}

    def hold(self, chat_id: int, update: Update) -> bool:
        """Keep this update as the chat's latest; True when the chat was not waiting yet."""
        first = chat_id not in self._latest
        self._latest[chat_id] = update
        return first

    def pop(self, chat_id: int) -> Update | None:
        """Return and forget the chat's latest waiting update."""
        return self._latest.pop(chat_id, None)


class ReplyPacer:
    """Spaces messages to one private chat about `interval` seconds apart (Telegram asks ~1/s)."""

    def __init__(self, interval: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.interval = interval
        self._clock = clock
        self._next: OrderedDict[int, float] = OrderedDict()

    def delay(self, chat_id: int) -> float:
        """Reserve the chat's next send slot; return the seconds to wait for it."""
        if self.interval <= 0:
            return 0.0
        now = self._clock()
        slot = max(now, self._next.get(chat_id, now))
        self._next[chat_id] = slot + self.interval
        self._next.move_to_end(chat_id)
        while len(self._next) > MAX_CHATS:
            self._next.popitem(last=False)
        return slot - now
