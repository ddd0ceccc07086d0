"""A remediation's plan on its own, for an indented and a set-line platform: the commands and
rollback of the drifted feature only, the sections it owns, and a diff whose header names the
device (issue #21: no unit test looked at `plan_remediation`'s sections or diff)."""

from __future__ import annotations

import pytest

from services.changes.plan import restore_commands
from services.changes.remediation import plan_remediation
from services.compliance.future import future_config
from services.compliance.rules import tenant_rules
from services.network.render import renderer_for
from tests.unit.changes.conftest import FLEET, INVENTORIES, TEMPLATES

RULES = tenant_rules(INVENTORIES, "acme")

CASES: dict[str, tuple[tuple[str, str], tuple[str, str], list[str], list[str], list[str]]] = {
    # The device lost one NTP server and gained a rogue one; its logging host drifted too.
    "acme-hq-r1": (
        ("ntp server 192.0.2.11", "ntp server 203.0.113.9"),
        ("logging host 192.0.2.20", "logging host 203.0.113.20"),
        ["ntp server 192.0.2.11", "no ntp server 203.0.113.9"],
        ["ntp server 203.0.113.9", "no ntp server 192.0.2.11"],
        ["ntp server 192.0.2.10", "ntp server 192.0.2.11", "ntp server 203.0.113.9"],
    ),
    "acme-branch2-r1": (
        ("set system ntp server 192.0.2.11", "set system ntp server 203.0.113.9"),
        ("set system syslog host 192.0.2.20", "set system syslog host 203.0.113.20"),
        ["delete system ntp server 203.0.113.9", "set system ntp server 192.0.2.11"],
        ["delete system ntp server 192.0.2.11", "set system ntp server 203.0.113.9"],
        # The parent of the feature's set lines: a restore takes back every NTP server. Found
        # by this test: the sections were empty on set-line platforms, so a Junos remediation
        # whose push failed after the device refused `rollback 1` restored nothing.
        ["set system ntp server"],
    ),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_only_the_drifted_feature_is_planned_and_the_diff_names_the_device(name: str) -> None:
    device = FLEET[name]
    ntp, logging, commands, rollback, sections = CASES[name]
    intended = renderer_for(TEMPLATES).render_device(device)
    running = intended.replace(*ntp).replace(*logging)
    assert running != intended

    plan = plan_remediation(device, running, intended, RULES, ["ntp"])

    assert (plan.features, plan.commands, plan.rollback) == (["ntp"], commands, rollback)
    assert plan.by_feature == {"ntp": commands}
    assert plan.sections == sections  # no logging section
    # Pushed, then taken back by hand (the NOS refused its own rollback): the restore
    # computed from the device as it now runs is the plan's rollback.
    future = future_config(device.platform, running, plan.commands)
    assert restore_commands(plan, future, running) == rollback
    header = plan.diff.splitlines()[:2]
    assert header == [f"--- {name} running", f"+++ {name} after remediation"]
    assert f"+{ntp[0]}" in plan.diff.splitlines()
    changed = [line for line in plan.diff.splitlines()[2:] if line[:1] in "+-"]
    assert changed and not any("logging" in line or "syslog" in line for line in changed)
