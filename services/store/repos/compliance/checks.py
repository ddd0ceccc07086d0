"""Checks of what the compliance repository is given; each error names the field."""

from __future__ import annotations

import json
import math
from typing import Any, NamedTuple

from services.store.errors import InvalidInputError
from services.store.models import DEVICE_RESULT_STATUSES, DeviceResultStatus
from services.store.repos._checks import text_field

MAX_LIMIT = 1000


def row_limit(limit: int) -> int:
    """The row limit of a listing, refused outside 1..MAX_LIMIT."""
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidInputError(f"limit must be between 1 and {MAX_LIMIT}, got {limit}")
    return limit


def check_result(
    *,
    tenant: str,
    device: str,
    platform: str,
    status: str,
    score: float,
    result: dict[str, Any],
    backup_version: int | None,
    running_hash: str | None,
    intended_hash: str | None,
) -> None:
    """Refuse a device result the report could not aggregate or show; errors name the field."""
    text_field("device", device, 255)
    text_field("platform", platform, 64)
    if status not in DEVICE_RESULT_STATUSES:
        raise InvalidInputError(
            f"status must be one of {', '.join(DEVICE_RESULT_STATUSES)}, got {status!r}"
        )
    if (
        isinstance(score, bool)
        or not isinstance(score, int | float)
        or not math.isfinite(score)
        or not 0 <= score <= 100
    ):
        raise InvalidInputError(f"score must be a number from 0 to 100, got {score!r}")
    if backup_version is not None and (
        isinstance(backup_version, bool)
        or not isinstance(backup_version, int)
        or backup_version < 1
    ):
        raise InvalidInputError(
            f"backup_version must be a positive integer, got {backup_version!r}"
        )
    if running_hash is not None:
        text_field("running_hash", running_hash, 64)
    if intended_hash is not None:
        text_field("intended_hash", intended_hash, 64)
    if not isinstance(result, dict):
        raise InvalidInputError(f"result must be a JSON object, got {type(result).__name__}")
    try:
        json.dumps(result, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise InvalidInputError(f"result must be JSON-serialisable: {exc}") from None
    for key, expected in (("tenant", tenant), ("device", device)):
        if key in result and result[key] != expected:
            raise InvalidInputError(
                f"result.{key} is {result[key]!r} but the result is recorded for {expected!r}"
            )


class DeviceResult(NamedTuple):
    """One device's result, for `record_devices`."""

    device: str
    platform: str
    status: DeviceResultStatus
    score: float
    result: dict[str, Any]
    backup_version: int | None = None
    running_hash: str | None = None
    intended_hash: str | None = None
