"""Where an audit's time goes: the audit activity's per-device work, timed by phase, without
Temporal, against a generated lab.

`python -m tests.benchmarks.audit_profile --devices 1000 --parallel-chunks 8` runs the audit
activity (`audit_devices`, heartbeats off) over every chunk of a generated fleet,
`parallel-chunks` at a time as the worker's activity threads do, and prints wall time, this
process's CPU and the time spent in each phase (summed over threads, so a phase that waits on
a lock shows up even when the CPU is idle).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import tempfile
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from unittest.mock import patch

import psutil

from services.bootstrap import prepare_local
from services.core.secrets import FileSecretsProvider
from services.network.inventory import list_tenants
from services.network.render import renderer_for
from services.store.repos import compliance as report_repo
from services.store.repos import tenants as tenant_repo
from tests.benchmarks.stack import bench_settings, lab_process
from workflows.audit import activities as audit_module
from workflows.audit import assess as assess_module
from workflows.audit.activities import AuditActivities
from workflows.audit.models import AuditChunkInput
from workflows.audit.session_pool import shared_pool

CHUNK = 50


@dataclass
class Phases:
    seconds: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    lock: threading.Lock = field(default_factory=threading.Lock)

    @contextmanager
    def timed(self, name: str) -> Iterator[None]:
        start = time.perf_counter()
        try:
            yield
        finally:
            with self.lock:
                self.seconds[name] += time.perf_counter() - start

    def wrap(self, stack: ExitStack, owner: Any, attribute: str, name: str) -> None:
        """Time every call of `owner.attribute` as phase `name` until `stack` closes."""
        original: Callable[..., Any] = getattr(owner, attribute)

        def timed(*args: Any, **kwargs: Any) -> Any:
            with self.timed(name):
                return original(*args, **kwargs)

        stack.enter_context(patch.object(owner, attribute, timed))


def _cpu_of(pids: list[int]) -> float:
    total = 0.0
    for pid in pids:
        with contextlib.suppress(psutil.Error):
            times = psutil.Process(pid).cpu_times()
            total += times.user + times.system
    return total


def profile_audit(
    workdir: Path, devices: int, parallel_chunks: int, session_processes: int = 2
) -> dict[str, Any]:
    settings = bench_settings(workdir, devices, tenants=10).model_copy(
        update={"session_processes": session_processes}
    )
    sessions = prepare_local(settings, lab=True)
    provider = FileSecretsProvider(settings.secrets_file)
    activities = AuditActivities(settings, sessions, provider)
    phases = Phases()
    stack = ExitStack()
    if settings.session_processes == 0:  # sessions, render + compare here: time them here
        phases.wrap(stack, assess_module, "compare_device", "compare")
        phases.wrap(stack, activities, "_assess_here", "assess: render + compare (threads wait)")
    phases.wrap(stack, audit_module, "store_backups", "db: store backups")
    phases.wrap(stack, report_repo, "record_devices", "db: record results")
    phases.wrap(stack, renderer_for(settings.templates_path), "render_device", "render")
    phases.wrap(stack, activities, "_store", "store: one transaction per batch (writer thread)")

    chunks: list[AuditChunkInput] = []
    for tenant in list_tenants(settings.inventories_path):
        inventory, _ = activities._load(tenant)
        with sessions.begin() as session:
            tenant_repo.ensure_tenant(session, name=tenant)
            report = report_repo.start_report(
                session, tenant=tenant, workflow_id=f"profile-{tenant}", requested_by="profile"
            )
        names = sorted(inventory.devices)
        chunks += [
            AuditChunkInput(
                tenant=tenant, report_id=report.id, run_id=f"profile-{tenant}", devices=part
            )
            for part in (names[i : i + CHUNK] for i in range(0, len(names), CHUNK))
        ]

    def run_chunk(chunk: AuditChunkInput) -> int:
        with (
            patch.object(audit_module, "last_heartbeat", lambda _model: None),
            patch.object(audit_module, "run_heartbeating", lambda work, _progress: work()),
        ):
            return len(activities.audit_devices(chunk).devices)

    helpers = shared_pool(settings.session_processes)
    helpers.start()
    with stack, lab_process(settings):
        cpu, helper_cpu = time.process_time(), _cpu_of(helpers.pids())
        start = time.perf_counter()
        with ThreadPoolExecutor(parallel_chunks) as pool:
            collected = sum(pool.map(run_chunk, chunks))
        wall = time.perf_counter() - start
        cpu, helper_cpu = time.process_time() - cpu, _cpu_of(helpers.pids()) - helper_cpu
    return {
        "devices": devices,
        "collected": collected,
        "parallel_chunks": parallel_chunks,
        "device_workers": settings.device_workers,
        "session_processes": settings.session_processes,
        "wall_s": round(wall, 2),
        "ms_per_device": round(wall * 1000 / devices, 1),
        "worker_cpu_ms_per_device": round(cpu * 1000 / devices, 2),
        "helpers_cpu_ms_per_device": round(helper_cpu * 1000 / devices, 2),
        "phase_ms_per_device (summed over threads)": {
            k: round(v * 1000 / devices, 2) for k, v in sorted(phases.seconds.items())
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--devices", type=int, default=1000)
    parser.add_argument("--parallel-chunks", type=int, default=8)
    parser.add_argument(
        "--session-processes", type=int, default=2, help="helper processes (0: in the threads)"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="netwave-profile-") as tmp:
        result = profile_audit(
            Path(tmp), args.devices, args.parallel_chunks, args.session_processes
        )
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
