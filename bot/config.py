"""Configuration from environment variables, read from an injectable mapping."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from bot.core.assistant import Deployment

DEFAULT_BASE_URL = "https://api.telegram.org/bot"
DEFAULT_OPERATOR = Deployment().operator
# Telegram tokens look like "123456789:AA...": a numeric bot id, a colon, 30+ url-safe chars.
TOKEN_PATTERN = re.compile(r"\d{3,}:[A-Za-z0-9_-]{30,}")
# Telegram allows 1-256 of these characters; fewer than 16 would be guessable.
SECRET_PATTERN = re.compile(r"[A-Za-z0-9_-]{16,256}")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")


class ConfigError(Exception):
    """A configuration value is missing or malformed; the message names the variable."""


@dataclass(frozen=True)
class Config:
    """Everything the bot and the CLI read from the environment."""

    token: str | None = None
    base_url: str = DEFAULT_BASE_URL
    admin_ids: frozenset[int] = field(default_factory=frozenset)
    data_dir: Path = Path("data")
    database: Path = Path("data/bot.sqlite3")
    knowledge_dir: Path = Path("knowledge")
    intents_dir: Path = Path("intents")
    log_level: str = "INFO"
    operator: str = DEFAULT_OPERATOR
    operator_contact: str = ""
    # Depends on who runs the bot (a ministry, an association), so the operator states it.
    privacy_legal_basis: str = ""
    retention_days: int = 90
    hmac_key: str | None = None
    webhook_url: str | None = None
    webhook_secret: str | None = None
    port: int = 8443
    watch_knowledge: bool = True
    # Per chat: questions answered at once, seconds until one more, seconds between replies.
    chat_burst: int = 5
    chat_refill_seconds: float = 2.0
    reply_interval_seconds: float = 1.0

    def deployment(self) -> Deployment:
        """Return what the assistant fills into its texts, and the data folder for its model."""
        return Deployment(
            operator=self.operator, retention_days=self.retention_days, model_cache=self.data_dir
        )

    @classmethod
    def from_env(cls, env: Mapping[str, str], *, need_token: bool = False) -> Config:
        """Read and check the variables; raise ConfigError naming the first bad one."""
        token = env.get("TELEGRAM_BOT_TOKEN", "").strip() or None
        if need_token and token is None:
            raise ConfigError(
                "TELEGRAM_BOT_TOKEN is not set: get a token from @BotFather and export it"
            )
        if token is not None and not TOKEN_PATTERN.fullmatch(token):
            raise ConfigError(
                "TELEGRAM_BOT_TOKEN is malformed: it should look like '123456789:ABC...' as @BotFather gave it"
            )
        data_dir = Path(env.get("BOT_DATA_DIR", "data"))
        webhook_url = env.get("BOT_WEBHOOK_URL", "").strip() or None
        if webhook_url is not None and not webhook_url.startswith("https://"):
            raise ConfigError(f"BOT_WEBHOOK_URL must start with https:// (got {webhook_url!r})")
        webhook_secret = env.get("BOT_WEBHOOK_SECRET", "").strip() or None
        if webhook_url is not None and webhook_secret is None:
            raise ConfigError(
                "BOT_WEBHOOK_SECRET must be set with BOT_WEBHOOK_URL, so only Telegram can send updates"
            )
        if webhook_secret is not None and not SECRET_PATTERN.fullmatch(webhook_secret):
            raise ConfigError(
                "BOT_WEBHOOK_SECRET must be 16 to 256 characters of A-Z, a-z, 0-9, _ and -"
            )
        log_level = env.get("BOT_LOG_LEVEL", "INFO").strip().upper()
        if log_level not in LOG_LEVELS:
            raise ConfigError(
                f"BOT_LOG_LEVEL must be one of {', '.join(LOG_LEVELS)} (got {log_level!r})"
            )
        return cls(
            token=token,
            base_url=env.get("TELEGRAM_BASE_URL", "").strip() or DEFAULT_BASE_URL,
            admin_ids=_admin_ids(env.get("BOT_ADMIN_IDS", "")),
            data_dir=data_dir,
            database=Path(env.get("BOT_DATABASE", "").strip() or data_dir / "bot.sqlite3"),
            knowledge_dir=Path(env.get("BOT_KNOWLEDGE_DIR", "knowledge")),
            intents_dir=Path(env.get("BOT_INTENTS_DIR", "intents")),
            log_level=log_level,
            operator=env.get("BOT_OPERATOR_NAME", "").strip() or DEFAULT_OPERATOR,
            operator_contact=env.get("BOT_OPERATOR_CONTACT", "").strip(),
            privacy_legal_basis=env.get("BOT_PRIVACY_LEGAL_BASIS", "").strip(),
            retention_days=_positive_int(env, "BOT_RETENTION_DAYS", 90),
            hmac_key=env.get("BOT_HMAC_KEY", "").strip() or None,
            webhook_url=webhook_url,
            webhook_secret=webhook_secret,
            port=_positive_int(env, "BOT_PORT", 8443),
            watch_knowledge=_flag(env, "BOT_WATCH_KNOWLEDGE", default=True),
            chat_burst=_positive_int(env, "BOT_CHAT_BURST", 5),
            chat_refill_seconds=_seconds(env, "BOT_CHAT_REFILL_SECONDS", 2.0, zero=False),
            reply_interval_seconds=_seconds(env, "BOT_REPLY_INTERVAL_SECONDS", 1.0, zero=True),
        )


def _admin_ids(raw: str) -> frozenset[int]:
    """Parse BOT_ADMIN_IDS: comma-separated numeric Telegram user ids (empty means nobody)."""
    ids = set()
    for part in raw.split(","):
        part = part.strip()
        if not part:
            continue
        if not part.isdigit():
            raise ConfigError(
                f"BOT_ADMIN_IDS must be numeric Telegram user ids separated by commas; {part!r} is not a number"
            )
        ids.add(int(part))
    return frozenset(ids)


def _positive_int(env: Mapping[str, str], name: str, default: int) -> int:
    """Read a positive whole number."""
    raw = env.get(name, "").strip()
    if not raw:
        return default
    if not raw.isdigit() or int(raw) <= 0:
        raise ConfigError(f"{name} must be a positive whole number (got {raw!r})")
    return int(raw)


def _seconds(env: Mapping[str, str], name: str, default: float, *, zero: bool) -> float:
    """Read a number of seconds (0 allowed only where it means "off")."""
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not (0 <= value <= 3600) or (value == 0 and not zero):
        least = "0" if zero else "more than 0"
        raise ConfigError(f"{name} must be a number of seconds, {least} up to 3600 (got {raw!r})")
    return value


def _flag(env: Mapping[str, str], name: str, *, default: bool) -> bool:
    """Read an on/off switch (1/0, true/false, yes/no, on/off)."""
    raw = env.get(name, "").strip().lower()
    if not raw:
        return default
    if raw in ("1", "true", "yes", "on"):
        return True
    if raw in ("0", "false", "no", "off"):
        return False
    raise ConfigError(f"{name} must be 1 or 0 (got {raw!r})")
