"""Maintenance windows: open now, next window, blackout dates, timezones and DST."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.changes.contract import TenantContract
from services.changes.windows import is_open, next_window
from services.core.errors import NoWindowError

UTC = dt.UTC
NY = ZoneInfo("America/New_York")


def contract(windows: list[dict[str, Any]], blackouts: list[Any] | None = None) -> TenantContract:
    return TenantContract.model_validate(
        {
            "tenant": "acme",
            "contract": {"default_max_wan_mbps": 100, "qos_profiles": ["standard"]},
            "windows": windows,
            "blackout_dates": blackouts or [],
        }
    )


NIGHTLY = {"cron": "0 22 * * *", "duration_minutes": 240, "timezone": "America/New_York"}


def ny(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=NY)


# Expected instants are written in UTC by hand: New York is UTC-4 in June (EDT), UTC-5 in
# early March (EST) until 8 March 2026 02:00.


def test_open_now_starts_now() -> None:
    c = contract([NIGHTLY])
    now = ny(2026, 6, 10, 23, 15)
    window = next_window(c, now)
    assert window.start == dt.datetime(2026, 6, 11, 3, 15, tzinfo=UTC)  # now, in UTC
    assert window.end == dt.datetime(2026, 6, 11, 6, 0, tzinfo=UTC)  # 02:00 EDT
    assert is_open(c, now)
    assert window.start.tzinfo is UTC


def test_window_after_midnight_is_still_open() -> None:
    now = ny(2026, 6, 11, 1, 59)
    assert is_open(contract([NIGHTLY]), now)
    assert not is_open(contract([NIGHTLY]), ny(2026, 6, 11, 2, 0))  # the end is excluded


def test_closed_gives_the_next_window() -> None:
    c = contract([NIGHTLY])
    window = next_window(c, ny(2026, 6, 10, 12, 0))
    assert (window.start, window.end) == (
        dt.datetime(2026, 6, 11, 2, 0, tzinfo=UTC),  # 22:00 EDT on 10 June
        dt.datetime(2026, 6, 11, 6, 0, tzinfo=UTC),  # 02:00 EDT on 11 June
    )
    assert not is_open(c, ny(2026, 6, 10, 12, 0))
    assert window.source == "0 22 * * * (America/New_York, 240 min)"


def test_blackout_dates_are_skipped_in_the_windows_timezone() -> None:
    c = contract([NIGHTLY], ["2026-06-10"])
    window = next_window(c, ny(2026, 6, 10, 12, 0))
    assert window.start == dt.datetime(2026, 6, 12, 2, 0, tzinfo=UTC)  # 22:00 EDT on 11 June
    # 03:00 UTC on 11 June is 23:00 on 10 June in New York: a blackout day there.
    assert not is_open(c, dt.datetime(2026, 6, 11, 3, 0, tzinfo=UTC))


def test_a_window_running_into_a_blackout_day_is_skipped() -> None:
    c = contract([NIGHTLY], [{"date": "2026-06-11", "reason": "launch"}])
    window = next_window(c, ny(2026, 6, 10, 12, 0))
    # 10 June 22:00 runs into the 11th, the 11th's window starts on it: 12 June 22:00 EDT.
    assert window.start == dt.datetime(2026, 6, 13, 2, 0, tzinfo=UTC)


def test_earliest_of_several_windows() -> None:
    london = {"cron": "0 23 * * sat", "duration_minutes": 300, "timezone": "Europe/London"}
    sunday_ny = {"cron": "0 1 * * sun", "duration_minutes": 240, "timezone": "America/New_York"}
    c = contract([sunday_ny, london])
    window = next_window(c, dt.datetime(2026, 6, 10, 12, 0, tzinfo=UTC))  # a Wednesday
    assert window.start == dt.datetime(2026, 6, 13, 22, 0, tzinfo=UTC)  # 23:00 BST Saturday
    assert window.source.startswith("0 23 * * sat")


def test_duration_is_real_time_across_dst() -> None:
    # 8 March 2026: New York springs forward at 02:00; a 4-hour window from 22:00 on the 7th.
    window = next_window(contract([NIGHTLY]), ny(2026, 3, 7, 12, 0))
    assert window.start == dt.datetime(2026, 3, 8, 3, 0, tzinfo=UTC)  # 22:00 EST (UTC-5)
    assert window.end == dt.datetime(2026, 3, 8, 7, 0, tzinfo=UTC)  # 4 h later: 03:00 EDT
    assert window.end.astimezone(NY).hour == 3


def test_naive_now_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        next_window(contract([NIGHTLY]), dt.datetime(2026, 6, 10, 12, 0))


def test_no_window_at_all() -> None:
    never = {"cron": "0 0 30 2 *", "duration_minutes": 60, "timezone": "UTC"}
    with pytest.raises(NoWindowError, match="no maintenance window in the next 400 days"):
        next_window(contract([never]), dt.datetime(2026, 6, 10, tzinfo=UTC))
    assert not is_open(contract([never]), dt.datetime(2026, 6, 10, tzinfo=UTC))


def test_everything_blacked_out() -> None:
    days = [dt.date(2026, 6, 10) + dt.timedelta(days=i) for i in range(402)]
    with pytest.raises(NoWindowError):
        next_window(contract([NIGHTLY], days), ny(2026, 6, 10, 12, 0))


# Each sampled cron, and when it fires (local time), written out by hand: the property test
# checks a window's opening against these, not against the cron library the code uses.
FIRES: dict[str, Callable[[dt.datetime], bool]] = {
    "0 22 * * mon-thu": lambda t: (t.minute, t.hour) == (0, 22) and t.weekday() in (0, 1, 2, 3),
    "30 1 * * sun": lambda t: (t.minute, t.hour, t.weekday()) == (30, 1, 6),
    "*/15 3 * * *": lambda t: t.minute in (0, 15, 30, 45) and t.hour == 3,
    "0 0 1 * *": lambda t: (t.minute, t.hour, t.day) == (0, 0, 1),
    "0 12 * * 6": lambda t: (t.minute, t.hour, t.weekday()) == (0, 12, 5),  # Saturday
}

WINDOWS = st.fixed_dictionaries(
    {
        "cron": st.sampled_from(sorted(FIRES)),
        "duration_minutes": st.integers(min_value=1, max_value=2000),
        "timezone": st.sampled_from(["UTC", "America/New_York", "Europe/Paris", "Asia/Kolkata"]),
    }
)


@settings(max_examples=80, deadline=None)
@given(
    windows=st.lists(WINDOWS, min_size=1, max_size=3),
    blackouts=st.lists(
        st.dates(min_value=dt.date(2026, 1, 1), max_value=dt.date(2026, 12, 31)),
        max_size=20,
        unique=True,
    ),
    now=st.datetimes(
        min_value=dt.datetime(2026, 1, 1),
        max_value=dt.datetime(2026, 12, 31),
        timezones=st.just(UTC),
    ),
)
def test_next_window_properties(
    windows: list[dict[str, Any]], blackouts: list[dt.date], now: dt.datetime
) -> None:
    c = contract(windows, blackouts)
    window = next_window(c, now)
    assert now <= window.start < window.end
    # The window is one of the contract's: it opened at one of its cron's times (local time),
    # lasts its duration of real time (from `now` when already open) and touches no blackout
    # day of its timezone.
    spec = next(
        w
        for w in windows
        if window.source == f"{w['cron']} ({w['timezone']}, {w['duration_minutes']} min)"
    )
    zone = ZoneInfo(spec["timezone"])
    opened = window.end - dt.timedelta(minutes=spec["duration_minutes"])
    assert opened == window.start if window.start > now else opened <= now
    assert opened.second == opened.microsecond == 0
    assert FIRES[spec["cron"]](opened.astimezone(zone)), opened.astimezone(zone)
    first = opened.astimezone(zone).date()
    last = (window.end - dt.timedelta(microseconds=1)).astimezone(zone).date()
    touched = {first + dt.timedelta(days=i) for i in range((last - first).days + 1)}
    assert not touched & set(blackouts), touched & set(blackouts)
    # The same instant written in another timezone is the same input: the same window.
    assert next_window(c, now.astimezone(ZoneInfo("Pacific/Kiritimati"))) == window
    assert is_open(c, window.start)
    assert is_open(c, now) == (window.start == now)
