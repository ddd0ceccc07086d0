"""Campaign domain logic: specs, target selection, waves, the budget and post-checks."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from services.campaigns.budget import allowed_failures, budget_exceeded
from services.campaigns.checks import compare_snapshots
from services.campaigns.spec import CampaignSpec, PostCheckTolerance, Strategy, TargetSelection
from services.campaigns.targets import Target, interleave, plan_waves, select_targets
from services.core.errors import ChangeValidationError
from services.network.inventory import load_all
from services.network.state import BgpNeighbor, DeviceState, InterfaceState

REPO = Path(__file__).resolve().parents[3]


def targets(spec: dict[str, list[str]]) -> list[str]:
    found = select_targets(load_all(REPO / "inventories"), TargetSelection(**spec))
    return sorted(t.device for t in found)


def test_selection_narrows_by_every_filter_and_names_unknowns() -> None:
    assert targets({"tenants": ["acme"], "platforms": ["cisco_ios"]}) == [
        "acme-branch1-r1",
        "acme-hq-r1",
    ]
    assert targets({"roles": ["core"], "tenants": ["acme"]}) == ["acme-hq-r2"]
    assert targets({"sites": ["hq"], "tenants": ["acme"]}) == ["acme-hq-r1", "acme-hq-r2"]
    with pytest.raises(ChangeValidationError, match="unknown tenants: nope"):
        targets({"tenants": ["nope"]})
    with pytest.raises(ChangeValidationError, match="unknown devices: ghost"):
        targets({"devices": ["ghost"]})
    with pytest.raises(ChangeValidationError, match="matches no device"):
        targets({"tenants": ["acme"], "platforms": ["juniper_junos"], "sites": ["hq"]})


def t(tenant: str, device: str) -> Target:
    return Target(tenant=tenant, device=device, platform="cisco_ios")


def test_waves_start_with_the_canary_and_mix_tenants() -> None:
    fleet = [t("b", "b1"), t("a", "a2"), t("a", "a1"), t("b", "b2"), t("a", "a3"), t("c", "c1")]
    assert [x.device for x in interleave(fleet)] == ["a1", "b1", "c1", "a2", "b2", "a3"]
    waves = plan_waves(fleet, canary_size=1, wave_size=2)
    assert [[x.device for x in w] for w in waves] == [["a1"], ["b1", "c1"], ["a2", "b2"], ["a3"]]
    assert len(plan_waves(fleet, canary_size=0, wave_size=10)) == 1


def test_budget_takes_the_tighter_of_count_and_percent() -> None:
    assert allowed_failures(Strategy(max_failures=3), 100) == 3
    assert allowed_failures(Strategy(max_failures=None, max_failure_percent=10), 50) == 5
    assert allowed_failures(Strategy(max_failures=3, max_failure_percent=1), 100) == 1
    assert not budget_exceeded(Strategy(max_failures=3), 100, 3)
    assert budget_exceeded(Strategy(max_failures=3), 100, 4)
    assert budget_exceeded(Strategy(), 10, 1)  # the default tolerates no failure


def test_spec_requires_what_its_kind_needs() -> None:
    with pytest.raises(ValidationError, match="target_versions"):
        CampaignSpec(name="x", kind="os_upgrade")
    with pytest.raises(ValidationError, match="features"):
        CampaignSpec(name="x", kind="config_rollout")
    with pytest.raises(ValidationError):
        CampaignSpec(name="bad name\nreload", kind="config_rollout", features=["ntp"])
    with pytest.raises(ValidationError):
        CampaignSpec.model_validate({"name": "x", "kind": "os_upgrade", "surprise": 1})


def state(wan_up: bool, bgp: str, routes: int) -> DeviceState:
    return DeviceState(
        interfaces={"Gi0/0": InterfaceState(up=wan_up), "Gi0/9": InterfaceState(up=False)},
        bgp={"192.0.2.1": BgpNeighbor(state=bgp, prefixes=10)},
        route_count=routes,
    )


def test_post_checks_compare_with_the_snapshot_within_tolerance() -> None:
    before = state(True, "Established", 100)
    tolerance = PostCheckTolerance(route_count_percent=10)
    assert compare_snapshots(before, state(True, "Established", 95), tolerance).ok
    result = compare_snapshots(before, state(False, "Active", 80), tolerance)
    assert [c.name for c in result.failed] == ["interfaces", "bgp", "routes"]
    assert "Gi0/0" in result.failed[0].detail and "Gi0/9" not in result.failed[0].detail
