"""Junos `commit confirmed` through the lab's SSH server with Netmiko, and the confirm timers
of every platform: expired on demand (device method, control API), never by waiting minutes."""

from __future__ import annotations

import asyncio
import re
import time
from pathlib import Path

import httpx
import pytest
import yaml
from netmiko import BaseConnection
from netmiko.juniper.juniper import JuniperBase

from services.lab.config_tree import ConfigTree
from services.lab.control import create_control_app
from services.lab.device import LabTimings
from services.lab.fleet import LabFleet
from services.lab.platforms.junos_commit import CommitOptions, CommitSyntaxError, parse_commit
from tests.unit.lab.conftest import ERRORS, EXEC, connect, make_device, send
from tests.utils.lab import ThreadedLab
from tests.utils.lab_fixtures import LabFactory

JUNOS = "acme-branch2-r1"


# --- Juniper Junos: commit confirmed ------------------------------------------------------------


def _junos_commits(conn: BaseConnection) -> list[str]:
    return send(conn, "show system commit").splitlines()


def junos(conn: BaseConnection) -> JuniperBase:
    assert isinstance(conn, JuniperBase)
    return conn


def _commit_confirmed(conn: BaseConnection, line: str, minutes: int, comment: str) -> str:
    conn.config_mode(config_command="configure exclusive")
    conn.send_config_set([line], exit_config_mode=False, error_pattern=ERRORS)
    out = junos(conn).commit(confirm=True, confirm_delay=minutes, comment=comment)
    conn.exit_config_mode()
    return out


def test_junos_commit_confirmed_then_expiry_rolls_back(lab: ThreadedLab) -> None:
    before = lab.running_config(JUNOS)
    with connect(lab, JUNOS) as conn:
        out = _commit_confirmed(conn, "set system ntp server 192.0.2.91", 5, "netwave-j1")
        assert "commit confirmed will be automatically rolled back in 5 minutes unless" in out
        assert "commit complete" in out
        assert "# commit confirmed will be rolled back in 5 minutes\n[edit]" in out
        commits = _junos_commits(conn)
        assert re.match(
            r"0 +\S+ \S+ UTC by netwave via cli commit confirmed, rollback in 5mins$", commits[0]
        )
        assert commits[1] == "    netwave-j1"
        assert commits[2].startswith("1   ") and commits[2].endswith("by root via other")
        assert "set system ntp server 192.0.2.91" in lab.running_config(JUNOS)
        assert lab.expire_confirm_timers(JUNOS) == ["commit"]
        assert lab.running_config(JUNOS) == before
        commits = _junos_commits(conn)
        assert re.match(r"0 +\S+ \S+ UTC by root via other$", commits[0])
        assert "commit confirmed, rollback in 5mins" in commits[1]
        assert "192.0.2.91" not in send(conn, "show configuration | display set")
    record = lab.record(JUNOS)
    assert record.safety_net_count("commit_confirmed", "netwave-j1") == 1
    assert record.safety_net_count("expire", "commit") == 1
    assert [c.confirm_minutes for c in record.commits] == [5]


@pytest.mark.parametrize("confirm", ["commit", "commit check"])
def test_junos_commit_or_check_confirms(lab: ThreadedLab, confirm: str) -> None:
    with connect(lab, JUNOS) as conn:
        out = _commit_confirmed(conn, "set system ntp server 192.0.2.92", 10, "netwave-j2")
        assert "rolled back in 10 minutes" in out
        assert lab.pending_confirms(JUNOS)
        conn.config_mode(config_command="configure exclusive")
        done = junos(conn).commit(check=confirm == "commit check")
        assert "rolled back" not in done  # the prompt's note is gone with the timer
        conn.exit_config_mode()
    assert lab.pending_confirms(JUNOS) == {}
    assert lab.expire_confirm_timers(JUNOS) == []
    assert "set system ntp server 192.0.2.92" in lab.running_config(JUNOS)
    assert lab.record(JUNOS).safety_net_count("confirm", "netwave-j2") == 1


def test_junos_rollback_1_and_commit_undo_a_pending_confirm(lab: ThreadedLab) -> None:
    before = lab.running_config(JUNOS)
    with connect(lab, JUNOS) as conn:
        _commit_confirmed(conn, "set system ntp server 192.0.2.93", 10, "netwave-j3")
        conn.config_mode(config_command="configure exclusive")
        loaded = send(conn, "rollback 1", EXEC)
        assert "load complete" in loaded
        assert "commit complete" in junos(conn).commit()
        conn.exit_config_mode()
    assert lab.running_config(JUNOS) == before
    assert lab.pending_confirms(JUNOS) == {}
    confirm = lab.record(JUNOS).safety_nets[-1]
    assert (confirm.action, confirm.target) == ("confirm", "netwave-j3")
    assert confirm.detail == "back to the config before the confirmed commit"


def test_junos_commit_options_in_either_order() -> None:
    assert parse_commit(' confirmed 5 comment "x y"') == CommitOptions(False, 5, "x y")
    parsed = parse_commit(' comment "netwave-1" confirmed 7 and-quit')
    assert parsed == CommitOptions(
        check=False, confirm_minutes=7, comment="netwave-1", and_quit=True
    )
    assert parse_commit(" confirmed") == CommitOptions(confirm_minutes=10)
    assert parse_commit(" check") == CommitOptions(check=True)
    assert isinstance(parse_commit(" check confirmed"), CommitSyntaxError)
    assert isinstance(parse_commit(" frobnicate"), CommitSyntaxError)
    assert isinstance(parse_commit(" confirmed 0"), CommitSyntaxError)


def _scaled_junos_inventory(root: Path) -> Path:
    folder = root / "inv" / "fast"
    folder.mkdir(parents=True)
    host = {
        "hostname": "127.0.0.1",
        "port": 1,
        "platform": "juniper_junos",
        "data": {"credential": "lab-generated", "lab": {"confirm_minute_seconds": 0.5}},
    }
    (folder / "hosts.yaml").write_text(yaml.safe_dump({"fast-j1": host}))
    return root / "inv"


def test_junos_commit_confirmed_rolls_back_by_itself_with_scaled_minutes(
    lab_factory: LabFactory, tmp_path: Path
) -> None:
    lab = lab_factory(inventories=_scaled_junos_inventory(tmp_path))
    before = lab.running_config("fast-j1")
    with connect(lab, "fast-j1") as conn:
        _commit_confirmed(conn, "set system ntp server 192.0.2.94", 1, "netwave-fast")
    assert "192.0.2.94" in lab.running_config("fast-j1")
    deadline = time.monotonic() + 10
    while lab.running_config("fast-j1") != before and time.monotonic() < deadline:
        time.sleep(0.1)
    assert lab.running_config("fast-j1") == before
    assert lab.record("fast-j1").safety_net_count("expire") == 1


def test_default_timings_keep_minutes_as_minutes() -> None:
    assert LabTimings().confirm_minute_seconds == 60.0
    assert LabTimings().for_device({"confirm_minute_seconds": 2}).confirm_minute_seconds == 2.0


def test_junos_reload_with_a_pending_confirm_boots_the_config_before_it(lab: ThreadedLab) -> None:
    before = lab.running_config(JUNOS)
    with connect(lab, JUNOS) as conn:
        _commit_confirmed(conn, "set system ntp server 192.0.2.95", 10, "netwave-j5")
    lab.reload(JUNOS)
    lab.wait_until_up(JUNOS)
    assert lab.running_config(JUNOS) == before
    assert lab.pending_confirms(JUNOS) == {}


# --- timers and the control API, in memory ------------------------------------------------------


async def test_timers_run_in_device_minutes_and_stop_or_expire_on_demand() -> None:
    device = make_device("arista_eos", confirm_minute_seconds=0.6)  # a minute lasts 0.6 s
    checkpoint = device.state.running.copy()
    tree = device.state.running
    assert isinstance(tree, ConfigTree)
    tree.set_line([], "ntp server 192.0.2.96", None)
    pending = device.arm_confirm("by-itself", checkpoint, minutes=0.1)  # 6 device s, 0.06 s
    assert 5 < pending.remaining() <= 6
    await asyncio.sleep(0.3)
    assert device.confirms.pending == {}
    assert device.state.running == checkpoint
    device.arm_confirm("kept", checkpoint, minutes=0.1)
    assert device.stop_confirm("kept") is not None
    await asyncio.sleep(0.3)
    assert device.record.safety_net_count("expire") == 1
    device.arm_confirm("now", checkpoint, minutes=60)
    assert device.expire_confirm_timers() == ["now"]
    assert device.record.safety_net_count("expire") == 2


async def test_control_api_lists_and_expires_confirm_timers() -> None:
    spec = make_device("juniper_junos").spec
    fleet = LabFleet([spec])
    device = fleet.device(spec.name)
    device.arm_confirm("commit", device.state.running, minutes=10)
    transport = httpx.ASGITransport(app=create_control_app(fleet))
    async with httpx.AsyncClient(transport=transport, base_url="http://lab") as client:
        listed = (await client.get(f"/devices/{spec.name}/confirm-timers")).json()
        assert [(t["key"], t["seconds"]) for t in listed] == [("commit", 600.0)]
        expired = await client.post(f"/devices/{spec.name}/confirm-timers/expire")
        assert expired.json() == {"expired": ["commit"]}
        again = await client.post(f"/devices/{spec.name}/confirm-timers/expire")
        assert again.json() == {"expired": []}
        missing = await client.post("/devices/nope/confirm-timers/expire")
        assert missing.status_code == 404
    assert device.state.commits[0].via == "other"  # Junos: the rollback is a commit
