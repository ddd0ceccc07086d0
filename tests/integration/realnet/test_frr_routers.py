"""netwave's workflows against real FRRouting routers: backup, audit, change, rollback.

The tests run in file order on one realnet; the last one tears it down and checks that
nothing is left behind.
"""

from __future__ import annotations

import asyncio
import re

import pytest
from fastapi.testclient import TestClient
from temporalio.testing import WorkflowEnvironment

from services.changes.plan import same_config
from services.core.secrets import Credential
from services.core.settings import Settings
from services.intent.model import IntentEdit
from services.network.inventory import Device
from services.network.platforms import get_platform
from services.network.push import connect, error_pattern, fetch_running, push_config
from services.network.push_driver import PushError
from services.network.state import DeviceState, collect_state
from services.store.db import get_engine, make_session_factory
from services.store.repos import backups as backup_repo
from services.store.repos import changes as change_repo
from services.store.repos import intent as intent_repo
from tests.integration.audit.test_compliance_audit import audit, feature, results
from tests.integration.backup.test_fleet_backup import run_backup
from tests.integration.realnet.helpers import (
    CHANGED,
    TIMEOUT,
    login,
    startup_config,
    submit_and_run,
)
from tests.realnet.net import RealNet
from tests.realnet.topology import SITE_OF_CHANGE, TENANT, WAN_INTERFACE, links_of, router


def all_established(state: DeviceState) -> bool:
    return bool(state.bgp) and all(n.established for n in state.bgp.values())


def drift_lines(result: dict[str, object]) -> list[str]:
    """Every missing, extra and remediation line of a device's audit result."""
    features = result["features"]
    assert isinstance(features, list)
    return [
        line
        for f in features
        for key in ("missing", "extra", "remediation")
        for line in f.get(key) or []
    ]


@pytest.mark.usefixtures("running_workers")
async def test_backup_of_every_router(
    temporal_env: WorkflowEnvironment, realnet: RealNet, realnet_settings: Settings
) -> None:
    first = await run_backup(temporal_env.client, realnet_settings, tenants=[TENANT])
    second = await run_backup(temporal_env.client, realnet_settings, tenants=[TENANT])
    assert first.counts == {"backed_up": len(realnet.names)}, first.devices
    # FRR's header lines (`frr version`, `Building configuration...`) are not config changes.
    assert second.counts == {"unchanged": len(realnet.names)}, second.devices
    sessions = make_session_factory(get_engine(realnet_settings.database_url))
    with sessions() as session:
        stored = backup_repo.get_backup(session, tenant=TENANT, device=CHANGED, version=1)
    assert stored is not None
    assert "router bgp 65101" in stored.content and "hostname rt1" in stored.content


@pytest.mark.usefixtures("running_workers")
async def test_audit_finds_drift_injected_through_vtysh(
    temporal_env: WorkflowEnvironment, realnet: RealNet, realnet_settings: Settings
) -> None:
    drifted = "rt2"
    first = await audit(temporal_env, realnet_settings, TENANT)
    clean = results(realnet_settings, TENANT, first.report_id)
    assert {d: r["status"] for d, r in clean.items()} == dict.fromkeys(
        realnet.names, "compliant"
    ), clean

    realnet.configure(
        drifted,
        "ip route 198.51.100.0/24 Null0",
        "log syslog warnings",
        "router bgp 65102",
        "neighbor 10.0.1.1 description changed by hand",
    )
    second = await audit(temporal_env, realnet_settings, TENANT)
    found = results(realnet_settings, TENANT, second.report_id)
    assert found[drifted]["status"] == "drift"
    assert {d: r["status"] for d, r in found.items() if d != drifted} == {
        "rt1": "compliant",
        "rt3": "compliant",
    }
    static = feature(found[drifted], "static_routes")
    assert static["extra"] == ["ip route 198.51.100.0/24 Null0"]
    logging = feature(found[drifted], "logging")
    assert (logging["missing"], logging["extra"]) == (
        ["log syslog informational"],
        ["log syslog warnings"],
    )
    assert feature(found[drifted], "bgp")["status"] == "drift"
    assert feature(found[drifted], "interfaces")["status"] == "compliant"

    remediation: list[str] = []
    for name in ("static_routes", "logging", "bgp"):
        lines = feature(found[drifted], name)["remediation"]
        assert isinstance(lines, list)
        remediation += lines
    assert "no ip route 198.51.100.0/24 Null0" in remediation
    device, credential = login(realnet, drifted)
    pushed = await asyncio.to_thread(push_config, device, credential, remediation, timeout=TIMEOUT)
    assert pushed.ok, (pushed, remediation)
    third = await audit(temporal_env, realnet_settings, TENANT)
    fixed = results(realnet_settings, TENANT, third.report_id)
    assert fixed[drifted]["status"] == "compliant", fixed[drifted]


@pytest.mark.usefixtures("running_workers")
async def test_capacity_change_keeps_bgp_established(
    api: TestClient, realnet: RealNet, realnet_settings: Settings
) -> None:
    device, credential = login(realnet, CHANGED)
    before = await asyncio.to_thread(collect_state, device, credential, timeout=TIMEOUT)
    assert all_established(before), before.bgp
    assert len(before.bgp) == len(links_of(CHANGED))

    body = {"kind": "wan_bandwidth", "site": SITE_OF_CHANGE, "bandwidth_mbps": 250}
    doc = await submit_and_run(api, realnet_settings, body)
    assert doc["change"]["status"] == "verified", doc["change"]
    statuses = [e["to_status"] for e in doc["events"] if "window_override" not in e["detail"]]
    assert statuses == ["submitted", "planned", "approved", "scheduled", "applying", "verified"]
    (plan,) = doc["plan"]["devices"]
    assert plan["commands"] == [f"interface {WAN_INTERFACE}", " bandwidth 250"], plan

    after = await asyncio.to_thread(collect_state, device, credential, timeout=TIMEOUT)
    assert all_established(after), after.bgp
    assert after.bgp.keys() == before.bgp.keys()
    assert after.interfaces[WAN_INTERFACE].bandwidth_kbps == 250_000
    running = await asyncio.to_thread(fetch_running, device, credential, timeout=TIMEOUT)
    assert " bandwidth 250" in running.splitlines()


@pytest.mark.usefixtures("running_workers")
async def test_verified_change_is_kept_as_intent(
    temporal_env: WorkflowEnvironment,
    api: TestClient,
    realnet: RealNet,
    realnet_settings: Settings,
) -> None:
    body = {"kind": "wan_bandwidth", "site": SITE_OF_CHANGE, "bandwidth_mbps": 300}
    doc = await submit_and_run(api, realnet_settings, body)
    assert doc["change"]["status"] == "verified", doc["change"]
    (plan,) = doc["plan"]["devices"]
    # Only the rate: nothing about the other interfaces, no interface rt1 does not have.
    assert plan["commands"] == [f"interface {WAN_INTERFACE}", " bandwidth 300"], plan
    assert b" bandwidth 300\n" in startup_config(CHANGED)[0], "saved once verified"

    sessions = make_session_factory(get_engine(realnet_settings.database_url))
    with sessions() as session:
        revisions = intent_repo.revisions(session, tenant=TENANT, device=CHANGED)
    (revision,) = [r for r in revisions if r.change_id == doc["change"]["id"]]
    assert revision.kind == "wan_bandwidth"
    edits = {e.path: e for e in revision.edits}
    assert edits["wan.bandwidth_mbps"].after == 300, revision.edits

    # The next audit renders from the intent: the approved rate is not drift.
    report = await audit(temporal_env, realnet_settings, TENANT)
    found = results(realnet_settings, TENANT, report.report_id)
    interfaces = feature(found[CHANGED], "interfaces")
    assert interfaces["status"] == "compliant", interfaces
    assert [line for line in drift_lines(found[CHANGED]) if "bandwidth" in line] == []
    assert found[CHANGED]["status"] == "compliant", found[CHANGED]


@pytest.mark.usefixtures("running_workers")
async def test_unrelated_drift_is_left_alone(
    temporal_env: WorkflowEnvironment,
    api: TestClient,
    realnet: RealNet,
    realnet_settings: Settings,
) -> None:
    _, other = links_of(CHANGED)
    other_interface = other.interface(CHANGED)
    intended_description = f"description link to {other.peer(CHANGED)}"
    device, credential = login(realnet, CHANGED)
    # Drift by hand in the feature the change touches (interfaces), on another interface.
    realnet.configure(CHANGED, f"interface {other_interface}", "description changed by hand")
    try:
        body = {"kind": "wan_bandwidth", "site": SITE_OF_CHANGE, "bandwidth_mbps": 350}
        doc = await submit_and_run(api, realnet_settings, body)
        assert doc["change"]["status"] == "verified", doc["change"]
        (plan,) = doc["plan"]["devices"]
        assert plan["commands"] == [f"interface {WAN_INTERFACE}", " bandwidth 350"], plan
        assert not [c for c in plan["commands"] if "description" in c], plan
        # The drift is reported to the reviewer, not fixed.
        assert f"interface {other_interface}" in plan["left_alone"], plan
        assert f" {intended_description}" in plan["left_alone"], plan

        running = await asyncio.to_thread(fetch_running, device, credential, timeout=TIMEOUT)
        assert " description changed by hand" in running.splitlines()
        assert " bandwidth 350" in running.splitlines()

        report = await audit(temporal_env, realnet_settings, TENANT)
        found = results(realnet_settings, TENANT, report.report_id)
        interfaces = feature(found[CHANGED], "interfaces")
        assert interfaces["status"] == "drift", interfaces
        lines = drift_lines(found[CHANGED])
        assert any("changed by hand" in line for line in lines), interfaces
        assert any(intended_description in line for line in lines), interfaces
        assert not [line for line in lines if "bandwidth" in line], interfaces
    finally:
        realnet.configure(CHANGED, f"interface {other_interface}", intended_description)
    running = await asyncio.to_thread(fetch_running, device, credential, timeout=TIMEOUT)
    assert " description changed by hand" not in running.splitlines()
    assert f" {intended_description}" in running.splitlines()


@pytest.mark.usefixtures("running_workers")
async def test_failed_verify_rolls_back_to_the_backup(
    api: TestClient, realnet: RealNet, realnet_settings: Settings
) -> None:
    device, credential = login(realnet, CHANGED)
    (wan_link, *_) = links_of(CHANGED)
    peer = wan_link.peer(CHANGED)
    before = await asyncio.to_thread(fetch_running, device, credential, timeout=TIMEOUT)
    startup_before = startup_config(CHANGED)
    # The far end of the WAN goes dark: the post-check `wan_up` must fail after the push.
    realnet.set_link(peer, wan_link.interface(peer), up=False)
    try:
        body = {"kind": "wan_bandwidth", "site": SITE_OF_CHANGE, "bandwidth_mbps": 400}
        doc = await submit_and_run(api, realnet_settings, body)
    finally:
        realnet.set_link(peer, wan_link.interface(peer), up=True)
    assert doc["change"]["status"] == "rolled_back", doc["change"]
    assert "verify failed" in doc["change"]["failure"] and "wan_up" in doc["change"]["failure"]

    sessions = make_session_factory(get_engine(realnet_settings.database_url))
    with sessions() as session:
        (link,) = change_repo.backups_of(session, tenant=TENANT, change_id=doc["change"]["id"])
        backup = backup_repo.get_backup(
            session, tenant=TENANT, device=CHANGED, version=link.backup_version
        )
    assert backup is not None
    running = await asyncio.to_thread(fetch_running, device, credential, timeout=TIMEOUT)
    strip = get_platform("frr").strip_volatile
    assert same_config("frr", running, backup.content)
    assert strip(running) == strip(backup.content) == strip(before)
    # Saved only once verified: the startup config never saw the change nor its rollback.
    assert startup_config(CHANGED) == startup_before


@pytest.mark.usefixtures("running_workers")
async def test_wan_interface_typo_fails_at_pre_check_with_nothing_pushed(
    api: TestClient, realnet: RealNet, realnet_settings: Settings
) -> None:
    typo = "p39"
    device, credential = login(realnet, CHANGED)
    state = await asyncio.to_thread(collect_state, device, credential, timeout=TIMEOUT)
    assert WAN_INTERFACE in state.interfaces and typo not in state.interfaces
    # A typo in the WAN interface's name, kept as intent (as if an earlier change had set it).
    sessions = make_session_factory(get_engine(realnet_settings.database_url))
    with sessions.begin() as session:
        earlier, _ = change_repo.create_change(
            session,
            tenant=TENANT,
            site=SITE_OF_CHANGE,
            kind="wan_bandwidth",
            params={"kind": "wan_bandwidth"},
            requested_by="realnet",
        )
        intent_repo.record_revisions(
            session,
            tenant=TENANT,
            change_id=earlier.id,
            kind="wan_bandwidth",
            requested_by="realnet",
            approved_by="realnet",
            edits={CHANGED: [IntentEdit(path="wan.interface", before=WAN_INTERFACE, after=typo)]},
        )
    running_before = await asyncio.to_thread(fetch_running, device, credential, timeout=TIMEOUT)
    startup_before = startup_config(CHANGED)

    body = {"kind": "wan_bandwidth", "site": SITE_OF_CHANGE, "bandwidth_mbps": 450}
    doc = await submit_and_run(api, realnet_settings, body)
    assert doc["change"]["status"] == "failed", doc["change"]
    failure = doc["change"]["failure"]
    assert "pre-check failed" in failure and f"{typo} does not exist on {CHANGED}" in failure
    assert "nothing pushed" in failure and "rollback" not in failure, failure
    statuses = [e["to_status"] for e in doc["events"] if "window_override" not in e["detail"]]
    assert statuses == ["submitted", "planned", "approved", "scheduled", "applying", "failed"]
    (plan,) = doc["plan"]["devices"]
    assert plan["commands"] == [f"interface {typo}", " bandwidth 450"], plan  # never sent

    running_after = await asyncio.to_thread(fetch_running, device, credential, timeout=TIMEOUT)
    assert running_after == running_before
    assert f"interface {typo}" not in running_after.splitlines()
    assert startup_config(CHANGED) == startup_before  # same bytes, not even rewritten


def frr_answer(device: Device, credential: Credential, line: str) -> str:
    """What vtysh answers to one config line, read without an error pattern; nothing saved."""
    conn = connect(device, credential, TIMEOUT)
    try:
        conn.config_mode()
        answer = conn.send_config_set(
            [line], enter_config_mode=False, exit_config_mode=False, read_timeout=TIMEOUT
        )
        conn.exit_config_mode()
    finally:
        conn.disconnect()
    return str(answer)


async def test_frr_refusals_match_the_error_patterns(realnet: RealNet) -> None:
    device, credential = login(realnet, CHANGED)
    _, other = links_of(CHANGED)
    active = other.interface(CHANGED)  # up, addressed, carrying the eBGP session to rt3
    running_before = await asyncio.to_thread(fetch_running, device, credential, timeout=TIMEOUT)
    assert f" ip address {other.address(CHANGED)}" in running_before.splitlines()
    startup_before = startup_config(CHANGED)
    # line -> (what the error pattern matches, FRR 8.4.4's whole answer as vtysh prints it).
    # PushResult.error names the line and carries FRR's whole answer, lines joined by " / ",
    # so the reason (`Error description: ...`) reaches the change's failure.
    refusals = {
        "foo bar": ("% Unknown command", "% Unknown command: foo bar"),
        "interface": ("% Command incomplete", "% Command incomplete: interface"),
        f"no interface {active}": (
            "% Configuration failed",
            "% Configuration failed.\n\nError type: validation\n"
            "Error description: only inactive interfaces can be deleted",
        ),
        # bgpd's refusal of another AS has no `%`.
        "router bgp 65999": (
            "BGP is already running",
            f"BGP is already running; AS is {router(CHANGED).asn}",
        ),
    }
    for line, (matched, answer) in refusals.items():
        result = await asyncio.to_thread(push_config, device, credential, [line], timeout=TIMEOUT)
        assert not result.ok, (line, result)
        assert result.error_kind == PushError.rejected, (line, result)
        assert result.pushed == 0 and not result.saved, (line, result)
        assert result.error is not None, (line, result)
        assert f"the device refused {line!r}" in result.error, (line, result)
        assert " / ".join(p for p in answer.splitlines() if p) in result.error, (line, result)
        assert matched in result.error
        said = await asyncio.to_thread(frr_answer, device, credential, line)
        assert answer in said, (line, said)
        assert re.search(error_pattern("frr"), said, re.M), (line, said)

    running_after = await asyncio.to_thread(fetch_running, device, credential, timeout=TIMEOUT)
    assert running_after == running_before
    assert startup_config(CHANGED) == startup_before
    state = await asyncio.to_thread(collect_state, device, credential, timeout=TIMEOUT)
    assert active in state.interfaces and all_established(state), state.bgp
