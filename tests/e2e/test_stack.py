"""`netwave demo` and `netwave dev` as a user runs them: real child processes, real ports."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time

import httpx
import pytest

from services.core.settings import Settings
from services.devstack import port_taken
from services.store.db import get_engine, make_session_factory
from services.store.repos import audit_log as audit_log_repo
from tests.utils.api import bearer, make_token
from tests.utils.processes import settings_env
from tests.utils.secrets import passwords

pytestmark = pytest.mark.slow


def netwave(*args: str) -> list[str]:
    return [sys.executable, "-m", "services.cli", *args]


def test_demo_backs_up_every_tenant_and_exits_zero(stack_settings: Settings) -> None:
    result = subprocess.run(
        netwave("demo"),
        env={**settings_env(stack_settings), "COLUMNS": "200"},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    for tenant in ("acme", "globex", "initech", "vandelay"):
        assert tenant in result.stdout
    assert "Fleet backup" in result.stdout
    assert "Compliance of acme" in result.stdout and "ntp server 203.0.113.123" in result.stdout
    assert "Compliance of vandelay" in result.stdout and "vandelay-bos-fw1" in result.stdout
    assert "Capacity changes" in result.stdout and result.stdout.count("verified") >= 3
    assert "vandelay/nyc" in result.stdout
    # The OS upgrade campaign: globex-par-r1 loses its WAN link after the reload and is rolled
    # back; every other IOS and EOS router and both FortiGates are upgraded; one failure is
    # within the budget.
    assert "OS upgrade campaign" in result.stdout
    rows = {
        cells[0]: cells
        for line in result.stdout.splitlines()
        if len(cells := [c.strip() for c in line.strip("│ ").split("│")]) == 6
    }
    assert rows["globex-par-r1"][4] == "rolled_back", rows
    assert "down after the upgrade" in rows["globex-par-r1"][5]
    upgraded = [name for name, cells in rows.items() if cells[4] in ("upgraded", "skipped")]
    assert len(upgraded) == 11, rows
    assert rows["acme-hq-r1"][3] == "17.6.5 -> 17.9.4a"
    assert rows["acme-hq-r2"][3] == "4.28.3M -> 4.30.4M"
    assert rows["vandelay-nyc-fw1"][3] == "7.2.5 -> 7.4.3"
    assert "demo-os-upgrade os_upgrade completed" in result.stdout
    assert "devices: 1 rolled_back, 11 upgraded" in result.stdout
    for port in (stack_settings.api_port, stack_settings.lab_control_port):
        assert not port_taken("127.0.0.1", port), "demo left a child running"


def test_dev_is_healthy_runs_a_backup_and_stops_cleanly(stack_settings: Settings) -> None:
    proc = subprocess.Popen(
        netwave("dev"),
        env=settings_env(stack_settings),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert proc.stdout is not None
        lines: list[str] = []
        for line in proc.stdout:
            lines.append(line)
            if line.startswith("Token"):
                break
        assert "ready api" in "".join(lines), "".join(lines)
        api = stack_settings.api_url
        health = httpx.get(f"{api}/healthz", timeout=10)
        assert health.status_code == 200
        assert health.json() == {"status": "ok", "database": "ok", "temporal": "ok"}

        token = make_token(stack_settings, "engineer")
        run = httpx.post(f"{api}/v1/tenants/globex/backup-runs", headers=bearer(token), timeout=30)
        assert run.status_code == 202, run.text
        body = run.json()
        deadline = time.monotonic() + 90
        while body["status"] in ("RUNNING", "UNKNOWN") and time.monotonic() < deadline:
            time.sleep(0.5)
            body = httpx.get(
                f"{api}/v1/tenants/globex/backup-runs/{body['run_id']}", headers=bearer(token)
            ).json()
        assert body["status"] == "COMPLETED"
        assert body["result"]["counts"] == {"backed_up": 4}

        ui = httpx.get(
            f"{stack_settings.temporal_ui_url}/api/v1/namespaces/default/workflows",
            params={"query": f"WorkflowId='{body['workflow_id']}'"},
            timeout=10,
        )
        assert ui.status_code == 200 and body["workflow_id"] in ui.text
    finally:
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(60)
    assert code == 0
    for port in (stack_settings.api_port, stack_settings.lab_control_port):
        assert not port_taken("127.0.0.1", port), f"port {port} still open after stop"

    sessions = make_session_factory(get_engine(stack_settings.database_url))
    with sessions() as session:
        entries = audit_log_repo.list_entries(session, tenant="globex")
    # The dev stack recorded its lab's host key for globex's devices, then the backup ran.
    trusted = [e for e in entries if e.action == "host_key.trust"]
    assert {e.actor for e in trusted} == {"netwave-lab"} and len(trusted) == 4
    assert [e.action for e in entries if e not in trusted] == ["backup.start"]
    assert entries[0].object == body["workflow_id"]

    logs = "".join(p.read_text() for p in (stack_settings.var_dir / "logs").glob("*.log"))
    for secret in [*passwords(stack_settings.secrets_file), token]:
        assert secret not in logs


def test_dev_names_a_taken_port_and_exits_non_zero(stack_settings: Settings) -> None:
    with socket.socket() as blocker:
        blocker.bind(("127.0.0.1", stack_settings.api_port))
        blocker.listen()
        result = subprocess.run(
            netwave("dev"),
            env=settings_env(stack_settings),
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert result.returncode == 1
    assert f"127.0.0.1:{stack_settings.api_port}" in result.stderr
    assert "API" in result.stderr
