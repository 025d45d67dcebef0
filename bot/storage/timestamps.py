"""Encoding of timestamps as database text."""

from datetime import UTC, datetime


def utc_now() -> datetime:
    """Return the current time as an aware UTC datetime."""
    return datetime.now(UTC)


def require_aware(moment: datetime, name: str) -> None:
    """Raise ValueError unless moment carries a time zone."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} must be a timezone-aware datetime, got naive {moment!r}")


def encode_timestamp(moment: datetime) -> str:
    """Encode an aware datetime as ISO-8601 UTC text of fixed width."""
    require_aware(moment, "timestamp")
    # Fixed width and a single offset make text order equal time order, so SQL can compare
    # and index the column as plain TEXT.
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def decode_timestamp(text: str) -> datetime:
    """Decode text written by encode_timestamp into an aware UTC datetime."""
    return datetime.fromisoformat(text).astimezone(UTC)
