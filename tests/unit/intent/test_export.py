"""Exporting intent into hosts.yaml: the file keeps its shape, devices keep their data and
config, revisions are folded once, and what the file cannot hold is left alone."""

from __future__ import annotations

import difflib
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session

from services.core.errors import InventoryError
from services.intent.export import ExportResult, export_tenant
from services.intent.model import IntentEdit, IntentRevision
from services.intent.source import intended_inventory
from services.network.inventory import TenantInventory, load_tenant
from services.network.render import renderer_for
from services.store import migrate
from services.store.db import make_engine, make_session_factory
from services.store.repos import intent as intent_repo
from services.store.repos.changes import create_change
from services.store.repos.tenants import ensure_tenant

REPO = Path(__file__).resolve().parents[3]
RENDERER = renderer_for(REPO / "templates")
BANDWIDTH = "wan.bandwidth_mbps"
VLAN_300 = "vlan_handoffs[vlan_id=300]"
HANDOFF = {"vlan_id": 300, "address": "10.1.30.1/24", "description": "Guest WiFi"}
NEIGHBOR = {"ip": "198.51.100.6", "remote_as": 65001, "description": "hq-r1"}
NOTHING = ExportResult(files=[], devices=[], folded=[], kept=[])


@pytest.fixture(scope="module")
def migrated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("intent-db") / "template.db"
    migrate.upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture
def session(migrated: Path, tmp_path: Path) -> Iterator[Session]:
    """A fresh migrated SQLite database with the tenant acme."""
    shutil.copyfile(migrated, tmp_path / "netwave.db")
    engine = make_engine(f"sqlite:///{tmp_path / 'netwave.db'}")
    with make_session_factory(engine)() as opened:
        ensure_tenant(opened, name="acme")
        opened.commit()
        yield opened
    engine.dispose()


@pytest.fixture
def inventories(tmp_path: Path) -> Path:
    """A copy of the shipped acme inventory: tests never write the real one."""
    root = tmp_path / "inventories"
    shutil.copytree(REPO / "inventories" / "acme", root / "acme")
    return root


def hosts(inventories: Path) -> Path:
    return inventories / "acme" / "hosts.yaml"


def lab_in_hosts_yaml(inventories: Path) -> None:
    """The older layout: each device's lab.yaml entry as data.lab in hosts.yaml (still read)."""
    lab_file = inventories / "acme" / "lab.yaml"
    blocks: dict[str, list[str]] = {}
    for line in lab_file.read_text().splitlines(keepends=True):
        if line.startswith("#"):
            continue
        if not line.startswith(" "):
            blocks[line.rstrip().rstrip(":")] = ["    lab:\n"]
        else:
            blocks[list(blocks)[-1]].append(f"    {line}")
    text = hosts(inventories).read_text()
    for name, block in blocks.items():
        start = text.index(f"{name}:\n")
        end = text.index("\n", text.index("\n    lan: ", start) + 1) + 1  # data ends with lan
        text = text[:end] + "".join(block) + text[end:]
    hosts(inventories).write_text(text)
    lab_file.unlink()


def record(session: Session, device: str, *edits: tuple[str, Any, Any]) -> IntentRevision:
    """The revision a verified change wrote on `device`."""
    change, _ = create_change(
        session, tenant="acme", site="hq", kind="wan_bandwidth", params={}, requested_by="portal"
    )
    [revision] = intent_repo.record_revisions(
        session,
        tenant="acme",
        change_id=change.id,
        kind="wan_bandwidth",
        requested_by="portal",
        approved_by="ann",
        edits={device: [IntentEdit(path=p, before=b, after=a) for p, b, a in edits]},
    )
    session.commit()
    return revision


def hand_edit(inventories: Path, old: str, new: str) -> None:
    text = hosts(inventories).read_text()
    assert text.count(old) == 1
    hosts(inventories).write_text(text.replace(old, new))


def changed_lines(old: str, new: str) -> tuple[list[str], list[str]]:
    """(removed, added) lines between two texts."""
    diff = list(difflib.ndiff(old.splitlines(), new.splitlines()))
    return [d[2:] for d in diff if d[0] == "-"], [d[2:] for d in diff if d[0] == "+"]


def assert_same_devices(expected: TenantInventory, inventories: Path) -> None:
    """The files alone now give every device its intended data and config."""
    loaded = load_tenant(inventories, "acme")
    assert set(loaded.devices) == set(expected.devices)
    for name, device in expected.devices.items():
        assert loaded.devices[name].data == device.data, name
        assert RENDERER.render_device(loaded.devices[name]) == RENDERER.render_device(device)


def test_a_wan_rate_changes_one_value_in_its_inline_mapping(
    session: Session, inventories: Path
) -> None:
    revision = record(session, "acme-hq-r1", (BANDWIDTH, 200, 500))
    before = hosts(inventories).read_text()
    result = export_tenant(session, inventories, "acme", "ops")
    session.commit()
    assert result == ExportResult(
        files=[hosts(inventories)], devices=["acme-hq-r1"], folded=[revision.id]
    )
    after = hosts(inventories).read_text()
    # Comments, key order, quotes and the inline `wan: {...}` stay: one value changed.
    assert after == before.replace("bandwidth_mbps: 200,", "bandwidth_mbps: 500,")
    assert load_tenant(inventories, "acme").device("acme-hq-r1").data["wan"] == {
        "interface": "GigabitEthernet0/0",
        "bandwidth_mbps": 500,
        "address": "198.51.100.1/30",
        "description": "WAN ISP-A circuit ACME-0001",
    }


def test_comments_and_order_survive_and_new_values_follow_the_file_style(
    session: Session, inventories: Path
) -> None:
    lab_in_hosts_yaml(inventories)  # commented blocks in hosts.yaml, one of them removed
    acme = load_tenant(inventories, "acme")
    record(session, "acme-branch1-r1", ("qos_profile", "standard", "premium"))
    record(session, "acme-branch1-r1", ("wan.mtu", None, 9000))
    record(session, "acme-hq-r1", (VLAN_300, None, HANDOFF))
    record(session, "acme-hq-r2", ("bgp_neighbors[ip=198.51.100.6].remote_as", 65001, 65002))
    record(session, "acme-branch2-r1", ("lab", acme.device("acme-branch2-r1").data["lab"], None))
    before = hosts(inventories).read_text()
    export_tenant(session, inventories, "acme", "ops")
    after = hosts(inventories).read_text()
    removed, added = changed_lines(before, after)
    assert removed == [
        "      - {ip: 198.51.100.6, remote_as: 65001, description: hq-r1}",
        "    wan: {interface: GigabitEthernet0/0, bandwidth_mbps: 50, address: 198.51.100.9/30, "
        "description: WAN ISP-A circuit ACME-0011}",
        "    qos_profile: standard",
        "    lab:",
        "      drift:  # a local user left behind after troubleshooting",
        "        add: [set system login user temp-admin class super-user]",
    ]
    assert added == [
        "    vlan_handoffs:",
        "      - {vlan_id: 300, address: 10.1.30.1/24, description: Guest WiFi}",
        "      - {ip: 198.51.100.6, remote_as: 65002, description: hq-r1}",
        "    wan: {interface: GigabitEthernet0/0, bandwidth_mbps: 50, address: 198.51.100.9/30, "
        "description: WAN ISP-A circuit ACME-0011, mtu: 9000}",
        "    qos_profile: premium",
    ]
    # The comments of the untouched lab drift entries are still there.
    assert "      drift:  # wrong NTP server configured by hand" in after
    assert "      drift:  # login banner missing after a device replacement" in after
    assert list(load_tenant(inventories, "acme").devices) == list(acme.devices)


@pytest.mark.parametrize(
    "revisions",
    [
        pytest.param([("acme-hq-r1", (BANDWIDTH, 200, 500))], id="bandwidth"),
        pytest.param(
            [("acme-hq-r1", (BANDWIDTH, 200, 500)), ("acme-hq-r1", (BANDWIDTH, 500, 1000))],
            id="chained",
        ),
        pytest.param([("acme-branch3-r1", (VLAN_300, None, HANDOFF))], id="vlan-added"),
        pytest.param(
            [
                ("acme-hq-r1", (VLAN_300, None, HANDOFF)),
                ("acme-hq-r1", ("vlan_handoffs[vlan_id=301]", None, {**HANDOFF, "vlan_id": 301})),
                ("acme-hq-r1", (VLAN_300, HANDOFF, None)),
            ],
            id="vlan-added-and-removed",
        ),
        pytest.param(
            [("acme-branch2-r1", ("ntp_servers", ["192.0.2.10", "192.0.2.11"], ["192.0.2.99"]))],
            id="inherited-list",
        ),
        pytest.param(
            [("acme-hq-r2", ("bgp_neighbors[ip=198.51.100.6]", NEIGHBOR, None))],
            id="element-removed",
        ),
        pytest.param(
            [
                (
                    "acme-hq-r1",
                    (VLAN_300, None, {**HANDOFF, "description": "on"}),
                )
            ],
            id="yaml-1.1-boolean-word",
        ),
        pytest.param(
            [
                ("acme-hq-r1", ("qos_profile", "premium", "standard")),
                ("acme-branch1-r1", ("qos_profile", "standard", "premium")),
                ("acme-branch3-r1", ("domain", "acme.example.net", "branch3.acme.example.net")),
            ],
            id="several-devices",
        ),
    ],
)
def test_devices_keep_their_intended_data_and_config(
    session: Session, inventories: Path, revisions: list[tuple[str, tuple[str, Any, Any]]]
) -> None:
    ids = [record(session, device, edit).id for device, edit in revisions]
    expected = intended_inventory(session, inventories, "acme")
    result = export_tenant(session, inventories, "acme", "ops")
    session.commit()
    assert (result.files, result.folded, result.kept) == ([hosts(inventories)], sorted(ids), [])
    assert_same_devices(expected, inventories)
    # Stable: the folded revisions apply nothing and the intent is what it was.
    assert_same_devices(intended_inventory(session, inventories, "acme"), inventories)


def test_revisions_are_folded_once_and_a_second_export_writes_nothing(
    session: Session, inventories: Path
) -> None:
    first = record(session, "acme-hq-r1", (BANDWIDTH, 200, 500))
    second = record(session, "acme-branch1-r1", ("qos_profile", "standard", "premium"))
    result = export_tenant(session, inventories, "acme", "ops")
    session.commit()
    assert result.folded == sorted([first.id, second.id])
    stored = intent_repo.revisions(session, tenant="acme")
    assert [(r.folded_by, r.folded_at is not None) for r in stored] == [("ops", True)] * 2
    stamp = hosts(inventories).stat().st_mtime_ns
    assert export_tenant(session, inventories, "acme", "someone-else") == NOTHING
    assert hosts(inventories).stat().st_mtime_ns == stamp
    assert {r.folded_by for r in intent_repo.revisions(session, tenant="acme")} == {"ops"}


def test_a_lost_commit_leaves_the_intent_as_it_was(session: Session, inventories: Path) -> None:
    """The file is written but the folding rolled back: the revisions just read as superseded."""
    record(session, "acme-hq-r1", (BANDWIDTH, 200, 500))
    record(session, "acme-hq-r1", (BANDWIDTH, 500, 1000))
    expected = intended_inventory(session, inventories, "acme")
    export_tenant(session, inventories, "acme", "ops")
    session.rollback()
    assert all(r.folded_at is None for r in intent_repo.revisions(session, tenant="acme"))
    assert_same_devices(expected, inventories)
    assert_same_devices(intended_inventory(session, inventories, "acme"), inventories)


def test_superseded_revisions_are_not_folded_or_written(
    session: Session, inventories: Path
) -> None:
    hand_edit(inventories, "bandwidth_mbps: 200,", "bandwidth_mbps: 300,")
    superseded = record(session, "acme-hq-r1", (BANDWIDTH, 200, 500))
    applied = record(session, "acme-branch1-r1", ("qos_profile", "standard", "premium"))
    result = export_tenant(session, inventories, "acme", "ops")
    session.commit()
    assert (result.devices, result.folded) == (["acme-branch1-r1"], [applied.id])
    assert "bandwidth_mbps: 300," in hosts(inventories).read_text()
    [stored] = intent_repo.revisions(session, tenant="acme", device="acme-hq-r1")
    assert stored.id == superseded.id and stored.folded_at is None


def test_a_device_missing_from_hosts_yaml_is_skipped(session: Session, inventories: Path) -> None:
    gone = record(session, "acme-gone-r9", ("qos_profile", "standard", "premium"))
    before = hosts(inventories).read_text()
    assert export_tenant(session, inventories, "acme", "ops") == NOTHING
    assert hosts(inventories).read_text() == before
    [stored] = intent_repo.revisions(session, tenant="acme")
    assert stored.id == gone.id and stored.folded_at is None


def test_what_the_file_cannot_hold_stays_a_revision(session: Session, inventories: Path) -> None:
    # Removing a key the device inherits: hosts.yaml cannot say "absent" over defaults.yaml.
    record(session, "acme-hq-r1", ("syslog_server", "192.0.2.20", None))
    # Written back, 100 would make the superseded revision (before 100) apply again.
    record(session, "acme-branch1-r1", (BANDWIDTH, 100, 999))
    record(session, "acme-branch1-r1", (BANDWIDTH, 50, 100))
    expected = intended_inventory(session, inventories, "acme")
    before = hosts(inventories).read_text()
    result = export_tenant(session, inventories, "acme", "ops")
    assert result == ExportResult(
        files=[], devices=[], folded=[], kept=["acme-branch1-r1", "acme-hq-r1"]
    )
    assert hosts(inventories).read_text() == before
    assert all(r.folded_at is None for r in intent_repo.revisions(session, tenant="acme"))
    assert "syslog_server" not in expected.device("acme-hq-r1").data


def test_an_edit_of_lab_yaml_settings_stays_a_revision(session: Session, inventories: Path) -> None:
    """Export writes hosts.yaml only: lab settings from lab.yaml are not copied into it."""
    lab = load_tenant(inventories, "acme").device("acme-branch2-r1").data["lab"]
    record(session, "acme-branch2-r1", ("lab", lab, None))
    record(session, "acme-branch3-r1", ("lab.bgp_prefixes", None, 7))
    applied = record(session, "acme-branch1-r1", ("qos_profile", "standard", "premium"))
    before = (inventories / "acme" / "lab.yaml").read_text()
    result = export_tenant(session, inventories, "acme", "ops")
    assert result == ExportResult(
        files=[hosts(inventories)],
        devices=["acme-branch1-r1"],
        folded=[applied.id],
        kept=["acme-branch2-r1", "acme-branch3-r1"],
    )
    assert "lab:" not in hosts(inventories).read_text()
    assert (inventories / "acme" / "lab.yaml").read_text() == before
    assert load_tenant(inventories, "acme").device("acme-branch2-r1").data["lab"] == lab


def test_yaml_the_round_trip_loader_cannot_read_is_an_inventory_error(
    session: Session, inventories: Path
) -> None:
    # PyYAML (load_tenant) takes the last of two equal keys; round-trip YAML refuses them.
    hand_edit(inventories, "    site: branch3\n", "    site: branch3\n    site: branch3\n")
    record(session, "acme-hq-r1", (BANDWIDTH, 200, 500))
    with pytest.raises(InventoryError, match=r"hosts\.yaml:\d+: round-trip YAML cannot read"):
        export_tenant(session, inventories, "acme", "ops")
    assert all(r.folded_at is None for r in intent_repo.revisions(session, tenant="acme"))


def test_a_value_shared_through_a_yaml_alias_is_refused(
    session: Session, inventories: Path
) -> None:
    """Editing hq-r1's WAN in place would change every host that aliases it: nothing written."""
    hq_wan = "wan: {interface: GigabitEthernet0/0, bandwidth_mbps: 200"
    hand_edit(inventories, hq_wan, hq_wan.replace("wan: {", "wan: &hq {"))
    text = hosts(inventories).read_text()
    r2_wan = next(line for line in text.splitlines() if "WAN core link to acme-hq-r1" in line)
    hand_edit(inventories, r2_wan, "    wan: *hq")
    r2 = load_tenant(inventories, "acme").device("acme-hq-r2")
    assert r2.data["wan"]["bandwidth_mbps"] == 200
    record(session, "acme-hq-r1", (BANDWIDTH, 200, 500))
    before = hosts(inventories).read_text()
    with pytest.raises(InventoryError, match="host 'acme-hq-r2' would not load as its intended"):
        export_tenant(session, inventories, "acme", "ops")
    assert hosts(inventories).read_text() == before
    assert all(r.folded_at is None for r in intent_repo.revisions(session, tenant="acme"))


def test_an_unwritable_file_is_an_inventory_error_and_nothing_changes(
    session: Session, inventories: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    record(session, "acme-hq-r1", (BANDWIDTH, 200, 500))
    before = hosts(inventories).read_text()

    def no_space(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", no_space)
    with pytest.raises(InventoryError, match=r"hosts\.yaml: cannot write \(No space left"):
        export_tenant(session, inventories, "acme", "ops")
    assert hosts(inventories).read_text() == before
    assert sorted(p.name for p in (inventories / "acme").iterdir()) == sorted(
        p.name for p in (REPO / "inventories" / "acme").iterdir()
    )  # no temporary file left behind
    assert all(r.folded_at is None for r in intent_repo.revisions(session, tenant="acme"))


def test_the_file_mode_is_kept(session: Session, inventories: Path) -> None:
    hosts(inventories).chmod(0o640)
    record(session, "acme-hq-r1", (BANDWIDTH, 200, 500))
    assert export_tenant(session, inventories, "acme", "ops").devices == ["acme-hq-r1"]
    assert hosts(inventories).stat().st_mode & 0o777 == 0o640
