"""The routers reached through a real OpenSSH jump host (in the root namespace, on loopback,
tunnels to the routers' management addresses only). The trust records the bastion's key first,
then reads each router's key through it; backups then run through the bastion, each session
checking both keys."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from temporalio.testing import WorkflowEnvironment

from services.bootstrap import prepare_local
from services.core.settings import Settings
from tests.integration.backup.test_fleet_backup import run_backup, scoped, workers
from tests.realnet.net import TEMPLATES, RealNet
from tests.realnet.sshd import SshdHome, start_bastion, wait_port
from tests.realnet.system import kill_pids
from tests.realnet.topology import ROUTERS, TENANT
from tests.utils.lab import free_ports
from workflows.trust.models import TrustInput, TrustReport

JUMP_USER = "jump"
JUMP_CREDENTIAL = "realnet-bastion"


@pytest.fixture
def bastion(realnet: RealNet, tmp_path: Path) -> Iterator[tuple[SshdHome, int, str]]:
    [port] = free_ports(1, start=30000, stop=32000)
    password = uuid.uuid4().hex
    home = SshdHome(realnet.workdir / "bastion")
    targets = [f"{r.mgmt_address}:22" for r in ROUTERS]
    proc = start_bastion(home, port, JUMP_USER, password, targets)
    try:
        wait_port(proc, "127.0.0.1", port, home.log)
        yield home, port, password
    finally:
        kill_pids([proc.pid])
        proc.wait(5)


def behind_bastion(realnet: RealNet, tmp_path: Path, port: int, password: str) -> Settings:
    """The realnet's inventory with `data.jump_host` on the tenant, and the bastion's login."""
    inventories = tmp_path / "inventories"
    shutil.copytree(realnet.inventories_path, inventories)
    defaults = inventories / TENANT / "defaults.yaml"
    data = yaml.safe_load(defaults.read_text())
    data["data"]["jump_host"] = {
        "hostname": "127.0.0.1",
        "port": port,
        "credential": JUMP_CREDENTIAL,
    }
    defaults.write_text(yaml.safe_dump(data))
    secrets = yaml.safe_load(realnet.secrets_file.read_text())
    secrets["credentials"][JUMP_CREDENTIAL] = {"username": JUMP_USER, "password": password}
    secrets_file = tmp_path / "secrets.yaml"
    fd = os.open(secrets_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as out:
        yaml.safe_dump(secrets, out)
    return Settings(
        env="test",
        var_dir=tmp_path / "var",
        inventories_path=inventories,
        templates_path=TEMPLATES,
        secrets_provider="file",
        secrets_file=secrets_file,
        device_timeout=15,
    )


async def test_routers_behind_a_real_jump_host(
    realnet: RealNet,
    bastion: tuple[SshdHome, int, str],
    temporal_env: WorkflowEnvironment,
    tmp_path: Path,
) -> None:
    home, port, password = bastion
    settings = scoped(behind_bastion(realnet, tmp_path, port, password), temporal_env)
    prepare_local(settings)
    client = temporal_env.client
    async with workers(client, settings):
        report = await client.execute_workflow(
            "TrustHostKeysWorkflow",
            TrustInput(tenant=TENANT, device_task_queue=settings.device_task_queue),
            id=f"trust-{uuid.uuid4().hex[:8]}",
            task_queue=settings.task_queue,
            result_type=TrustReport,
        )
        backup = await run_backup(client, settings, tenants=[TENANT])
    found = {(h.role, h.host): (h.outcome, h.fingerprint, h.error) for h in report.hosts}
    assert found == {
        ("jump_host", f"[127.0.0.1]:{port}"): ("new", home.host_key().fingerprint, None),
        **{
            ("device", name): ("new", realnet.host_key(name).fingerprint, None)
            for name in realnet.names
        },
    }
    assert backup.counts == {"backed_up": len(realnet.names)}, backup.devices
    log = home.log.read_text(errors="replace")
    for r in ROUTERS:  # every session went through the bastion
        assert f"target {r.mgmt_address} port 22" in log, log[-3000:]
