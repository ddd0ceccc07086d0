"""Test inventories get a maintenance window that is closed whatever the clock says."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from services.changes.contract import load_contract
from services.changes.windows import is_open, next_window
from tests.utils.lab import closed_window, write_remapped_inventories

REPO = Path(__file__).resolve().parents[3]

# globex's real window is Saturday 23:00-04:00 London: the hour a run once failed in.
SATURDAY_NIGHT = datetime(2026, 11, 28, 23, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    "now",
    [SATURDAY_NIGHT, datetime(2027, 2, 28, 3, 10, tzinfo=UTC), datetime(2028, 8, 31, tzinfo=UTC)],
)
def test_remapped_tenants_are_closed_now_and_for_days_yet_have_a_next_window(
    tmp_path: Path, now: datetime, monkeypatch: pytest.MonkeyPatch
) -> None:
    import tests.utils.lab as testing

    class FrozenClock(datetime):
        @classmethod
        def now(cls, tz: object = None) -> datetime:  # type: ignore[override]
            return now

    monkeypatch.setattr(testing, "datetime", FrozenClock)
    remapped = write_remapped_inventories(
        REPO / "inventories", tmp_path / "inv", {}, close_windows=True
    )
    for tenant in ("acme", "globex", "initech"):
        contract = load_contract(remapped, tenant)
        for hours in range(0, 24 * 30, 1):
            assert not is_open(contract, now + timedelta(hours=hours)), (tenant, hours)
        upcoming = next_window(contract, now)
        assert timedelta(days=150) < upcoming.start - now < timedelta(days=400)


def test_without_close_windows_the_tenants_keep_their_own() -> None:
    contract = load_contract(REPO / "inventories", "globex")
    assert is_open(contract, SATURDAY_NIGHT)  # the reason the test fixtures close them


def test_closed_window_steps_over_blackout_dates() -> None:
    now = datetime(2026, 6, 1, tzinfo=UTC)
    plain = closed_window(now)
    day = date(2026, 11, 28)
    assert plain["cron"] == f"0 3 {day.day} {day.month} *"
    moved = closed_window(now, blackouts={day, day + timedelta(days=1)})
    assert moved["cron"] == "0 3 30 11 *"


@pytest.mark.parametrize(
    "now",
    [
        SATURDAY_NIGHT,
        datetime(2026, 12, 24, 12, 0, tzinfo=UTC),  # one of acme's blackout days
        datetime(2027, 3, 28, 0, 59, tzinfo=UTC),  # a DST night
    ],
)
def test_open_windows_are_open_whatever_the_clock(tmp_path: Path, now: datetime) -> None:
    """The other side: with `open_windows`, a change runs at once at any time (the runs that
    take the path where no override is needed)."""
    remapped = write_remapped_inventories(
        REPO / "inventories", tmp_path / "inv", {}, open_windows=True
    )
    for tenant in ("acme", "globex", "initech"):
        contract = load_contract(remapped, tenant)
        for minutes in range(0, 24 * 60 * 3, 7):
            assert is_open(contract, now + timedelta(minutes=minutes)), (tenant, minutes)
    with pytest.raises(ValueError, match="either closed or open"):
        write_remapped_inventories(
            REPO / "inventories", tmp_path / "x", {}, open_windows=True, close_windows=True
        )
