"""FortiOS on the lab with Netmiko's stock `fortinet` driver: backup, state, audit with drift
and its remediation, a WAN bandwidth change and its rollback, the firmware upgrade steps."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from services.compliance.compare import compare_device
from services.compliance.rules import load_rules
from services.core.secrets import FileSecretsProvider
from services.lab import images as lab_images
from services.network.inventory import load_all
from services.network.platforms import get_platform
from services.network.push import fetch_running, push_config
from services.network.render import renderer_for
from services.network.state import collect_state
from services.network.upgrade import Image, read_facts, send_reload, set_boot, stage_image
from tests.integration.campaigns.test_upgrade_driver import lab_device
from tests.utils.lab import ThreadedLab

NYC, BOS = "vandelay-nyc-fw1", "vandelay-bos-fw1"
TEMPLATES = Path(__file__).resolve().parents[3] / "templates"


def test_backup_is_the_full_configuration(
    lab: ThreadedLab, lab_provider: FileSecretsProvider
) -> None:
    device, credential = lab_device(lab, lab_provider, NYC)
    backup = fetch_running(device, credential)
    assert backup.startswith("#config-version=FGVM64-7.2.5-FW-build1517")
    assert (
        '    edit "wan1"\n' in backup
        and "        set estimated-upstream-bandwidth 500000\n" in backup
    )
    assert backup.rstrip() == lab.running_config(NYC).rstrip()
    stripped = get_platform("fortinet").strip_volatile(backup)
    assert stripped.startswith("config system console\n")


def test_state_parses_with_ntc_templates(
    lab: ThreadedLab, lab_provider: FileSecretsProvider
) -> None:
    device, credential = lab_device(lab, lab_provider, NYC)
    state = collect_state(device, credential)
    assert state.interfaces["wan1"].up and state.interfaces["wan1"].bandwidth_kbps == 500_000
    assert set(state.bgp) == {"198.51.100.42"}
    assert state.route_count


def test_audit_finds_the_seeded_drift_and_its_remediation_fixes_it(
    lab: ThreadedLab, lab_provider: FileSecretsProvider
) -> None:
    assert lab.inventories_path is not None
    tenant = load_all(lab.inventories_path)["vandelay"]
    rules = load_rules(lab.inventories_path / "vandelay" / "compliance.yaml")
    renderer = renderer_for(TEMPLATES)
    device, credential = lab_device(lab, lab_provider, BOS)
    intended = renderer.render_device(tenant.devices[BOS])
    report = compare_device(device, fetch_running(device, credential), intended, rules)
    drifted = [f for f in report.features if f.status != "compliant"]
    assert [f.feature for f in drifted] == ["system"]
    commands = drifted[0].remediation
    assert [c.strip() for c in commands] == ["config system global", "set admintimeout 15"]
    assert push_config(device, credential, commands).ok
    again = compare_device(device, fetch_running(device, credential), intended, rules)
    assert {f.status for f in again.features} == {"compliant"}


def test_the_default_rules_find_the_same_drift(
    lab: ThreadedLab, lab_provider: FileSecretsProvider
) -> None:
    """inventories/compliance.yaml, for a FortiOS tenant without its own rule file."""
    assert lab.inventories_path is not None
    tenant = load_all(lab.inventories_path)["vandelay"]
    rules = load_rules(TEMPLATES.parent / "inventories" / "compliance.yaml")
    renderer = renderer_for(TEMPLATES)
    drifted: dict[str, list[str]] = {}
    for name in (NYC, BOS):
        device, credential = lab_device(lab, lab_provider, name)
        intended = renderer.render_device(tenant.devices[name])
        report = compare_device(device, fetch_running(device, credential), intended, rules)
        assert {f.feature for f in report.features} == set(renderer.features("fortinet"))
        drifted[name] = [f.feature for f in report.features if f.status != "compliant"]
    assert drifted == {NYC: [], BOS: ["system"]}


def test_refused_line_is_reported_and_restore_leaves_the_backup(
    lab: ThreadedLab, lab_provider: FileSecretsProvider
) -> None:
    device, credential = lab_device(lab, lab_provider, NYC)
    backup = fetch_running(device, credential)
    lab.set_fault(NYC, reject_line="estimated-downstream")
    change = [
        "config firewall shaper traffic-shaper",
        '    edit "netwave-wan"',
        "        set maximum-bandwidth 300000",
        "config system interface",
        '    edit "wan1"',
        "        set estimated-upstream-bandwidth 300000",
        "        set estimated-downstream-bandwidth 300000",
    ]
    result = push_config(device, credential, change)
    assert not result.ok and result.error_kind == "rejected"
    assert "value parse error before '300000'" in (result.error or "")
    lab.clear_faults(NYC)
    applied = fetch_running(device, credential)
    assert "set maximum-bandwidth 300000" in applied  # the shaper's `end` applied it
    assert "set estimated-upstream-bandwidth 300000" not in applied  # never reached `next`
    restore = [
        "config firewall shaper traffic-shaper",
        '    edit "netwave-wan"',
        "        set maximum-bandwidth 500000",
    ]
    assert push_config(device, credential, restore).ok
    assert fetch_running(device, credential) == backup


def test_firmware_to_the_secondary_partition_then_reboot(
    lab: ThreadedLab, lab_provider: FileSecretsProvider
) -> None:
    device, credential = lab_device(lab, lab_provider, BOS)
    facts = read_facts(device, credential)
    assert facts.version == "7.2.5" and facts.boot_image and facts.free_bytes > 0
    found = lab_images.for_version("fortinet", "7.4.3")
    image = Image(
        platform="fortinet",
        version="7.4.3",
        filename=found.filename,
        size=found.size,
        md5=found.md5,
    )
    url = f"http://127.0.0.1:1/images/{image.filename}"
    first = stage_image(device, credential, image, url)
    assert first.copied and first.verified, first
    assert not stage_image(device, credential, image, url).copied
    set_boot(device, credential, image.filename, facts.boot_image)
    send_reload(device, credential)
    deadline = time.monotonic() + 10
    while not lab.record(BOS).reloads:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    lab.wait_until_up(BOS)
    assert read_facts(device, credential).version == "7.4.3"


@pytest.fixture(autouse=True)
def _reset(lab: ThreadedLab) -> None:
    for name in (NYC, BOS):
        lab.reset(name)
