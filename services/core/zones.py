"""Timezones by IANA name, as maintenance windows and audit schedules take them."""

from __future__ import annotations

from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator


def iana_timezone(value: str) -> str:
    """`value` when it names an IANA timezone; a ValueError that says so otherwise."""
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown timezone {value!r} (use an IANA name)") from None
    return value


IanaTimezone = Annotated[str, AfterValidator(iana_timezone)]
