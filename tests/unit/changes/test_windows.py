"""Maintenance windows: open now, next window, blackout dates, timezones and DST."""

from __future__ import annotations

import datetime as dt
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


def test_open_now_starts_now() -> None:
    c = contract([NIGHTLY])
    now = ny(2026, 6, 10, 23, 15)
    window = next_window(c, now)
    assert window.start == now.astimezone(UTC)
    assert window.end == ny(2026, 6, 11, 2, 0).astimezone(UTC)
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
        ny(2026, 6, 10, 22, 0).astimezone(UTC),
        ny(2026, 6, 11, 2, 0).astimezone(UTC),
    )
    assert not is_open(c, ny(2026, 6, 10, 12, 0))
    assert window.source == "0 22 * * * (America/New_York, 240 min)"


def test_blackout_dates_are_skipped_in_the_windows_timezone() -> None:
    c = contract([NIGHTLY], ["2026-06-10"])
    window = next_window(c, ny(2026, 6, 10, 12, 0))
    assert window.start == ny(2026, 6, 11, 22, 0).astimezone(UTC)
    # 03:00 UTC on 11 June is 23:00 on 10 June in New York: a blackout day there.
    assert not is_open(c, dt.datetime(2026, 6, 11, 3, 0, tzinfo=UTC))


def test_a_window_running_into_a_blackout_day_is_skipped() -> None:
    c = contract([NIGHTLY], [{"date": "2026-06-11", "reason": "launch"}])
    window = next_window(c, ny(2026, 6, 10, 12, 0))
    assert window.start == ny(2026, 6, 11, 22, 0).astimezone(UTC) + dt.timedelta(days=1)


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
    assert window.end - window.start == dt.timedelta(hours=4)
    assert window.end.astimezone(NY).hour == 3  # 22:00 EST + 4 h = 03:00 EDT


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


WINDOWS = st.fixed_dictionaries(
    {
        "cron": st.sampled_from(
            ["0 22 * * mon-thu", "30 1 * * sun", "*/15 3 * * *", "0 0 1 * *", "0 12 * * 6"]
        ),
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
    assert window == next_window(c, now)  # pure: same answer for the same input
    assert is_open(c, window.start)
    assert is_open(c, now) == (window.start == now)
