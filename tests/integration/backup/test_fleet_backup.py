"""FleetBackupWorkflow on a real Temporal dev server, a real worker and the lab over SSH."""

from __future__ import annotations

import asyncio
import signal
import uuid
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from pathlib import Path

from sqlalchemy import text
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment

from services.bootstrap import prepare_local
from services.core.settings import Settings
from services.store.db import get_engine
from services.worker.main import build_workers
from tests.utils.history import history_text
from tests.utils.lab import ThreadedLab
from tests.utils.processes import running_worker, stop
from tests.utils.secrets import passwords
from tests.utils.temporal import TEST_HEARTBEAT_SECONDS
from workflows.backup.models import FleetBackupInput, FleetBackupResult
from workflows.backup.workflow import FleetBackupWorkflow


def scoped(settings: Settings, env: WorkflowEnvironment) -> Settings:
    """The lab's settings on this test's own task queues and the test Temporal server."""
    queue = f"test-{uuid.uuid4().hex[:8]}"
    return settings.model_copy(
        update={
            "task_queue": queue,
            "device_task_queue": f"{queue}-devices",
            "temporal_address": env.client.service_client.config.target_host,
        }
    )


@asynccontextmanager
async def workers(client: Client, settings: Settings) -> AsyncIterator[None]:
    with ThreadPoolExecutor(max_workers=settings.activity_threads) as executor:
        running = build_workers(client, settings, executor)
        tasks = [asyncio.create_task(w.run()) for w in running]
        try:
            yield
        finally:
            await asyncio.gather(*(w.shutdown() for w in running))
            await asyncio.gather(*tasks, return_exceptions=True)


async def run_backup(client: Client, settings: Settings, **kwargs: object) -> FleetBackupResult:
    return await client.execute_workflow(
        FleetBackupWorkflow.run,
        FleetBackupInput(device_task_queue=settings.device_task_queue, **kwargs),  # type: ignore[arg-type]
        id=f"backup-{uuid.uuid4().hex[:8]}",
        task_queue=settings.task_queue,
        result_type=FleetBackupResult,
    )


async def test_backup_every_tenant_then_unchanged_and_faults(
    temporal_env: WorkflowEnvironment, lab: ThreadedLab, lab_settings: Settings
) -> None:
    settings = scoped(lab_settings, temporal_env)
    prepare_local(settings, lab=True)
    client = temporal_env.client
    async with workers(client, settings):
        first = await run_backup(client, settings)
        assert len(first.devices) == len(lab.names) >= 12
        assert first.counts == {"backed_up": len(lab.names)}, first.devices

        lab.set_fault("acme-hq-r1", auth_failure=True)
        lab.set_fault("globex-nyc-r1", unreachable=True)
        handle = await client.start_workflow(
            FleetBackupWorkflow.run,
            FleetBackupInput(device_task_queue=settings.device_task_queue),
            id=f"backup-{uuid.uuid4().hex[:8]}",
            task_queue=settings.task_queue,
        )
        second = FleetBackupResult.model_validate((await handle.result()).model_dump())
    outcome = {d.device: d.outcome.value for d in second.devices}
    assert outcome.pop("acme-hq-r1") == "auth_failed"
    assert outcome.pop("globex-nyc-r1") == "unreachable"
    assert set(outcome.values()) == {"unchanged"}

    history = history_text(await handle.fetch_history())
    assert "acme-hq-r1" in history
    for secret in passwords(settings.secrets_file):
        assert secret not in history


async def test_changed_config_gets_a_new_version(
    temporal_env: WorkflowEnvironment, lab: ThreadedLab, lab_settings: Settings
) -> None:
    settings = scoped(lab_settings, temporal_env)
    prepare_local(settings, lab=True)
    async with workers(temporal_env.client, settings):
        await run_backup(temporal_env.client, settings, tenants=["initech"])
        device = "initech-aus-r1"
        netmiko = lab.netmiko_params(device)
        from netmiko import ConnectHandler

        with ConnectHandler(**netmiko) as conn:
            conn.send_config_set(["ntp server 192.0.2.99"])
        result = await run_backup(temporal_env.client, settings, tenants=["initech"])
    by_device = {d.device: d for d in result.devices}
    assert by_device[device].outcome.value == "backed_up"
    assert by_device[device].version == 2
    assert {d.outcome.value for n, d in by_device.items() if n != device} == {"unchanged"}


async def test_worker_killed_mid_backup_resumes_without_duplicates(
    temporal_env: WorkflowEnvironment, lab: ThreadedLab, lab_settings: Settings, tmp_path: Path
) -> None:
    settings = scoped(lab_settings, temporal_env).model_copy(update={"device_workers": 2})
    prepare_local(settings, lab=True)
    for name in lab.names:
        lab.set_fault(name, slow=0.15)
    log = tmp_path / "worker.log"
    engine = get_engine(settings.database_url)

    def stored() -> int:
        with engine.connect() as conn:
            return int(conn.execute(text("SELECT count(*) FROM config_backups")).scalar_one())

    with running_worker(settings, log) as first_worker:
        handle = await temporal_env.client.start_workflow(
            FleetBackupWorkflow.run,
            FleetBackupInput(
                device_task_queue=settings.device_task_queue,
                heartbeat_timeout_seconds=TEST_HEARTBEAT_SECONDS,
            ),
            id=f"backup-{uuid.uuid4().hex[:8]}",
            task_queue=settings.task_queue,
        )
        for _ in range(600):
            if stored() >= 2:
                break
            await asyncio.sleep(0.05)
        before_kill = stored()
        assert 0 < before_kill < len(lab.names), "kill must land mid-run"
        stop(first_worker, signal.SIGKILL)
    with running_worker(settings, log):
        result = await asyncio.wait_for(handle.result(), timeout=120)
    result = FleetBackupResult.model_validate(result.model_dump())
    assert result.counts == {"backed_up": len(lab.names)}
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT device, count(*) FROM config_backups GROUP BY device")
        ).fetchall()
    assert len(rows) == len(lab.names)
    assert all(count == 1 for _, count in rows), rows
