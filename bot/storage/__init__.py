"""Storage layer: SQLite persistence, pseudonymous user keys and masking of personal data."""

from bot.storage.errors import StorageConfigError, StorageError
from bot.storage.keys import HMAC_KEY_ENV, load_or_create_key, user_key
from bot.storage.masking import mask_personal_data
from bot.storage.records import (
    ANSWERED_KINDS,
    QUESTION_KINDS,
    UNANSWERED_KINDS,
    DownvotedQuestion,
    QuestionKind,
    QuestionRecord,
    Stats,
    VoteCount,
)
from bot.storage.store import Store

__all__ = [
    "ANSWERED_KINDS",
    "HMAC_KEY_ENV",
    "QUESTION_KINDS",
    "UNANSWERED_KINDS",
    "DownvotedQuestion",
    "QuestionKind",
    "QuestionRecord",
    "Stats",
    "StorageConfigError",
    "StorageError",
    "Store",
    "VoteCount",
    "load_or_create_key",
    "mask_personal_data",
    "user_key",
]
