"""Maintenance windows: when a tenant's changes may run.

A window opens at each start time of its 5-field cron, read in its timezone, and lasts
`duration_minutes` of real time (so a window across a DST switch is still that long). A window
that touches a blackout date (a calendar day in the window's timezone) does not open at all.
Pure functions of the contract and `now` (no clock reads), so workflows can call them.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, time, timedelta
from typing import cast

from croniter import CroniterBadDateError, croniter
from pydantic import BaseModel, ConfigDict

from services.changes.contract import TenantContract, WindowSpec
from services.core.errors import NoWindowError

SEARCH_DAYS = 400


class Window(BaseModel):
    """When a change may run: [start, end), in UTC; `start` is `now` when a window is open."""

    model_config = ConfigDict(frozen=True)

    start: datetime
    end: datetime
    source: str


def _aware(now: datetime) -> datetime:
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("`now` must be timezone-aware (e.g. workflow.now())")
    return now.astimezone(UTC)


def _starts(spec: WindowSpec, after: datetime) -> Iterator[datetime]:
    """Start times (UTC) strictly after `after`, in order; none for a cron that never fires."""
    schedule = croniter(spec.cron, after.astimezone(spec.zone))
    while True:
        try:
            start = cast(datetime, schedule.get_next(datetime))
        except CroniterBadDateError:  # e.g. "0 0 30 2 *": no such day
            return
        yield start.astimezone(UTC)


def _blackout_end(
    spec: WindowSpec, start: datetime, end: datetime, contract: TenantContract
) -> datetime | None:
    """Midnight (UTC) after the last blackout day the window touches, or None if it touches none."""
    zone = spec.zone
    first = start.astimezone(zone).date()
    last = (end - timedelta(microseconds=1)).astimezone(zone).date()
    blocked = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    hit = [day for day in blocked if day in contract.blackouts]
    if not hit:
        return None
    day_after = max(hit) + timedelta(days=1)
    return datetime.combine(day_after, time(0), tzinfo=zone).astimezone(UTC)


def _first(spec: WindowSpec, contract: TenantContract, now: datetime) -> Window | None:
    """The first window of one spec that is open at `now` or opens later (blackouts skipped)."""
    duration = timedelta(minutes=spec.duration_minutes)
    horizon = now + timedelta(days=SEARCH_DAYS)
    source = f"{spec.cron} ({spec.timezone}, {spec.duration_minutes} min)"
    cursor = now - duration
    while cursor < horizon:
        for start in _starts(spec, cursor):
            if start > horizon:
                return None
            end = start + duration
            resume = _blackout_end(spec, start, end, contract)
            if resume is not None:
                # Jump past the blackout: every later start up to that midnight touches it too.
                cursor = resume - timedelta(seconds=1)
                break
            return Window(start=max(start, now), end=end, source=source)
        else:
            return None
    return None


def next_window(contract: TenantContract, now: datetime) -> Window:
    """The open window (start = now) or the next one; NoWindowError if none within 400 days."""
    now = _aware(now)
    found = [w for spec in contract.windows if (w := _first(spec, contract, now)) is not None]
    if not found:
        raise NoWindowError(
            f"tenant {contract.tenant!r} has no maintenance window in the next {SEARCH_DAYS} days"
        )
    # Earliest start; among windows open now, the one that stays open longest.
    return min(found, key=lambda w: (w.start, -w.end.timestamp()))


def is_open(contract: TenantContract, now: datetime) -> bool:
    """Whether a change may run at `now`."""
    try:
        return next_window(contract, now).start == _aware(now)
    except NoWindowError:
        return False
