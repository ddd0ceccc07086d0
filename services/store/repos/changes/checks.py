"""Limits and input checks of the change repository; every error names the field."""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping
from collections.abc import Set as AbstractSet
from datetime import datetime
from typing import Any, TypedDict

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.changes.lifecycle import CHANGE_STATUSES
from services.store.errors import InvalidInputError
from services.store.models import ApiToken
from services.store.repos._checks import aware, text_field

MAX_LIMIT = 1000
# Each attempt loses only to a concurrent writer of the same change; a few always suffice.
MAX_ATTEMPTS = 5
MAX_COMMENT = 1000
MAX_POLICY_REASON = 2000
SETTABLE_FIELDS = ("workflow_id", "policy_reason", "window_start", "window_end", "failure")


class ChangeFields(TypedDict, total=False):
    """Columns `transition` may set along with the status."""

    workflow_id: str
    policy_reason: str | None
    window_start: datetime | None
    window_end: datetime | None
    failure: str | None


def one_of(field: str, value: object, allowed: Collection[str]) -> None:
    if value not in allowed:
        raise InvalidInputError(f"{field} must be one of {', '.join(allowed)}, got {value!r}")


def json_object(field: str, value: object) -> dict[str, Any]:
    """A JSON object, as a fresh copy that compares equal to what the database gives back."""
    if not isinstance(value, dict):
        raise InvalidInputError(f"{field} must be a JSON object, got {type(value).__name__}")
    try:
        copied: dict[str, Any] = json.loads(json.dumps(value, allow_nan=False))
    except (TypeError, ValueError) as exc:
        raise InvalidInputError(f"{field} must be JSON-serialisable: {exc}") from None
    return copied


def positive_int(field: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InvalidInputError(f"{field} must be a positive integer, got {value!r}")
    return value


def token_id(session: Session, field: str, value: object) -> int:
    """The id of an existing API token."""
    checked = positive_int(field, value)
    if session.scalar(select(ApiToken.id).where(ApiToken.id == checked)) is None:
        raise InvalidInputError(f"{field} {checked} is not a known API token")
    return checked


def plan_devices(devices: object) -> list[dict[str, Any]]:
    """A non-empty list of JSON objects, each naming a distinct device."""
    if not isinstance(devices, list) or not devices:
        raise InvalidInputError("devices must be a non-empty list of JSON objects, one per device")
    checked: list[dict[str, Any]] = []
    seen: set[str] = set()
    for index, entry in enumerate(devices):
        item = json_object(f"devices[{index}]", entry)
        name = item.get("device")
        if not isinstance(name, str) or not name.strip():
            raise InvalidInputError(f"devices[{index}].device must be a non-empty string")
        if name in seen:
            raise InvalidInputError(f"devices[{index}].device {name!r} is listed twice")
        seen.add(name)
        checked.append(item)
    return checked


def expected_statuses(expected_from: AbstractSet[str] | None) -> AbstractSet[str] | None:
    """The statuses a transition expects the change in (None: any); each a change status."""
    if expected_from is None:
        return None
    if isinstance(expected_from, str):
        raise InvalidInputError("expected_from must be a set of statuses, not a string")
    for status in expected_from:
        one_of("expected_from", status, CHANGE_STATUSES)
    return expected_from


def settable_fields(fields: Mapping[str, Any]) -> dict[str, Any]:
    """The columns a transition sets, checked; errors name the field."""
    for name, value in fields.items():
        if name not in SETTABLE_FIELDS:
            raise InvalidInputError(
                f"{name} cannot be set by a transition; use {', '.join(SETTABLE_FIELDS)}"
            )
        if name == "workflow_id":
            text_field(name, value, 255)
        elif value is None:
            continue
        elif name == "policy_reason":
            text_field(name, value, MAX_POLICY_REASON)
        elif name == "failure":
            if not isinstance(value, str) or not value.strip():
                raise InvalidInputError("failure must be a non-empty string")
        elif not isinstance(value, datetime):
            raise InvalidInputError(f"{name} must be a datetime, got {type(value).__name__}")
        else:
            aware(name, value)
    return dict(fields)


def row_limit(value: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_LIMIT:
        raise InvalidInputError(f"limit must be between 1 and {MAX_LIMIT}, got {value!r}")
    return value
