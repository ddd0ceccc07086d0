"""A small scale smoke (Nornir threaded runner), the control API and `netwave lab` start-up."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import httpx
from nornir_netmiko.tasks import netmiko_send_command

from services.lab.control import ControlServer
from services.lab.generate import write_generated_inventory
from tests.benchmarks.lab_fleet import REPO, collect_running, nornir_for
from tests.integration.lab.conftest import DEVICES
from tests.utils.lab import ThreadedLab, free_ports


def test_nornir_collects_running_configs_from_20_devices(lab_factory) -> None:  # type: ignore[no-untyped-def]
    lab = lab_factory(devices=20, tenants=3)
    nr = nornir_for(lab.fleet, workers=20)
    result = nr.run(task=collect_running)
    assert not result.failed_hosts
    assert all(r[0].result["chars"] > 500 for r in result.values())
    for name in lab.names:
        record = lab.record(name)
        assert record.successful_logins == 1
        assert record.pushed_lines == []


def test_nornir_send_command_through_stock_plugin(lab_factory) -> None:  # type: ignore[no-untyped-def]
    lab = lab_factory(devices=3)
    nr = nornir_for(lab.fleet, workers=3)
    result = nr.run(task=netmiko_send_command, command_string="show version")
    assert not result.failed_hosts
    nr.close_connections()


def test_control_api(lab: ThreadedLab) -> None:
    name = DEVICES["cisco_ios"]
    port = free_ports(1)[0]
    control = ControlServer(lab.fleet, port)
    lab.run(control.start())
    try:
        with httpx.Client(base_url=control.url, timeout=5) as client:
            devices = client.get("/devices").json()
            assert {d["name"] for d in devices} == set(lab.names)
            patched = client.patch(f"/devices/{name}/faults", json={"slow": 0.1}).json()
            assert patched["slow"] == 0.1
            assert client.get(f"/devices/{name}").json()["faults"] == {"slow": 0.1}
            bad = client.patch(f"/devices/{name}/faults", json={"reject_line": "("})
            assert bad.status_code == 422
            assert client.delete(f"/devices/{name}/faults").status_code == 204
            assert "hostname acme-hq-r1" in client.get(f"/devices/{name}/running-config").text
            assert client.get(f"/devices/{name}/record").json()["reloads"] == []
            assert client.post(f"/devices/{name}/reload").json()["via"] == "api"
            assert client.get(f"/devices/{name}").json()["status"] == "reloading"
            assert client.post(f"/devices/{name}/reset").json()["status"] == "up"
            assert client.get("/devices/nope").status_code == 404
    finally:
        lab.run(control.stop())


def test_lab_process_names_a_busy_port(tmp_path: Path, lab_secrets_file: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        write_generated_inventory(tmp_path / "inv", 1, port)
        env = {
            **os.environ,
            "NETWAVE_SECRETS_FILE": str(lab_secrets_file),
            "NETWAVE_VAR_DIR": str(tmp_path / "var"),
        }
        proc = subprocess.run(
            [
                sys.executable,
                "-m",
                "services.lab",
                "--inventory",
                str(tmp_path / "inv"),
                "--control-port",
                str(free_ports(1)[0]),
            ],
            cwd=REPO,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert proc.returncode == 2
    assert f"port {port}" in proc.stderr and "already in use" in proc.stderr
