"""The tables the API and the console share: campaign controls, ways to stop a change, the
HTTP status of each refusal, and the wave summary of a campaign."""

from __future__ import annotations

from datetime import UTC, datetime

from services.api.deps import refusal_status
from services.app.campaigns import CONTROLS, summarise_waves
from services.app.changes import STOPS
from services.app.errors import Conflict, Forbidden, TemporalUnavailable, Unprocessable
from services.store.repos.campaigns import CampaignDeviceOut


def test_campaign_controls_and_who_may_send_them() -> None:
    assert {c.action: sorted(c.roles) for c in CONTROLS.values()} == {
        "pause": ["admin", "engineer"],
        "resume": ["admin", "engineer"],
        "cancel": ["admin", "engineer"],
        "approve": ["admin", "approver"],
    }


def test_ways_to_stop_a_change_who_may_and_what_they_record() -> None:
    assert {s.action: (s.outcome, sorted(s.roles)) for s in STOPS.values()} == {
        "withdraw": ("withdrawn", ["tenant"]),
        "cancel": ("cancelled", ["admin", "approver", "engineer"]),
    }


def test_each_refusal_has_its_http_status() -> None:
    assert refusal_status(Forbidden("four-eyes")) == 403
    assert refusal_status(Conflict("not now")) == 409
    assert refusal_status(Unprocessable("unknown device")) == 422
    assert refusal_status(TemporalUnavailable()) == 503


def _device(name: str, wave: int, status: str) -> CampaignDeviceOut:
    return CampaignDeviceOut(
        tenant="acme", device=name, platform="cisco_ios", wave=wave, status=status,
        step="", detail="", from_version=None, to_version=None, backup_version=None,
        updated_at=datetime(2026, 1, 1, tzinfo=UTC),
    )  # fmt: skip


def test_waves_count_done_and_failed_devices_in_wave_order() -> None:
    devices = [
        _device("r3", 1, "pending"),
        _device("r1", 0, "upgraded"),
        _device("r2", 1, "rolled_back"),
        _device("r4", 1, "upgraded"),
    ]
    waves, counts = summarise_waves(devices, canary=True)
    assert counts == {"pending": 1, "upgraded": 2, "rolled_back": 1}
    assert [(w.index, w.canary, w.devices, w.done, w.failed) for w in waves] == [
        (0, True, 1, 1, 0),
        (1, False, 3, 2, 1),
    ]
    assert waves[1].counts == {"pending": 1, "rolled_back": 1, "upgraded": 1}
    without_canary, _ = summarise_waves(devices, canary=False)
    assert not without_canary[0].canary
