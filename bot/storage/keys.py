"""The HMAC key that turns Telegram user ids into pseudonymous storage keys."""

import base64
import binascii
import contextlib
import hashlib
import hmac
import os
import re
import secrets
import tempfile
from pathlib import Path

from bot.storage.errors import StorageConfigError

HMAC_KEY_ENV = "BOT_HMAC_KEY"
KEY_FILE_NAME = "hmac.key"
MIN_KEY_BYTES = 32

_HEX_RE = re.compile(r"(?:[0-9a-fA-F]{2})+")
_USER_KEY_RE = re.compile(r"[0-9a-f]{64}")
_HOW_TO_MAKE_ONE = "generate one with: python -c 'import secrets; print(secrets.token_hex(32))'"


def load_or_create_key(data_dir: Path, env_value: str | None) -> bytes:
    """Return the key from BOT_HMAC_KEY if set, else from data_dir/hmac.key (created if absent)."""
    if env_value is not None:
        return _decode_key(env_value, HMAC_KEY_ENV)
    path = data_dir / KEY_FILE_NAME
    if not path.exists():
        _create_key_file(path)
    try:
        text = path.read_text(encoding="ascii")
    except (OSError, UnicodeDecodeError) as exc:
        raise StorageConfigError(f"cannot read key file {path}: {exc}") from exc
    return _decode_key(text, f"key file {path}")


def user_key(key: bytes, user_id: int) -> str:
    """Return the storage key for a Telegram user: HMAC-SHA256 hex of the decimal id."""
    return hmac.new(key, str(user_id).encode("ascii"), hashlib.sha256).hexdigest()


def is_user_key(value: str) -> bool:
    """Tell whether value has the shape of a user_key() result (64 lower-case hex digits)."""
    return _USER_KEY_RE.fullmatch(value) is not None


def _decode_key(raw: str, source: str) -> bytes:
    # Messages describe what is wrong but never echo the value: it is a secret.
    value = raw.strip()
    if not value:
        raise StorageConfigError(f"{source} is set but empty; {_HOW_TO_MAKE_ONE}")
    # Hex is tried first: a 64-digit hex key is also valid base64 and would decode differently.
    key = bytes.fromhex(value) if _HEX_RE.fullmatch(value) else _decode_base64(value, source)
    if len(key) < MIN_KEY_BYTES:
        raise StorageConfigError(
            f"{source} holds only {len(key)} bytes; at least {MIN_KEY_BYTES} random bytes "
            f"are needed; {_HOW_TO_MAKE_ONE}"
        )
    return key


def _decode_base64(value: str, source: str) -> bytes:
    # Accept the URL-safe alphabet and missing padding: both are common when keys are pasted.
    normalised = value.replace("-", "+").replace("_", "/")
    normalised += "=" * (-len(normalised) % 4)
    try:
        return base64.b64decode(normalised, validate=True)
    except (binascii.Error, ValueError):
        raise StorageConfigError(
            f"{source} is neither hex nor base64; {_HOW_TO_MAKE_ONE}"
        ) from None


def _create_key_file(path: Path) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        # mkstemp creates the file with mode 0600, so the key is never readable by others,
        # not even for a moment. Hex text, so the same key can be moved into BOT_HMAC_KEY.
        fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=".hmac-", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="ascii") as handle:
                handle.write(secrets.token_hex(MIN_KEY_BYTES) + "\n")
                handle.flush()
                os.fsync(handle.fileno())
            # A hard link appears atomically and never replaces an existing file, so two
            # processes starting at once agree on one key and nobody reads a half-written file.
            with contextlib.suppress(FileExistsError):
                os.link(tmp_name, path)
        finally:
            os.unlink(tmp_name)
    except OSError as exc:
        raise StorageConfigError(f"cannot create key file {path}: {exc}") from exc
