"""Input checks shared by the repositories; errors name the field."""

from __future__ import annotations

from datetime import datetime

from services.store.errors import InvalidInputError


def text_field(field: str, value: str, max_length: int) -> str:
    """A non-blank string of at most `max_length` characters."""
    if not isinstance(value, str) or not value.strip():
        raise InvalidInputError(f"{field} must be a non-empty string")
    if len(value) > max_length:
        raise InvalidInputError(f"{field} is {len(value)} characters; the limit is {max_length}")
    return value


def aware(field: str, value: datetime) -> datetime:
    """A timezone-aware datetime (the store keeps every time in UTC)."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise InvalidInputError(f"{field} must be timezone-aware, got {value.isoformat()}")
    return value
