"""Floor: bare SSH connect + `show running-config` to every lab device with no framework at all.

One asyncio process, asyncssh client, bounded concurrency, exec channel (no shell, no prompt
matching): the least any collector can spend per device on this lab. Audits and Nornir
collections are compared with it.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import asyncssh

from services.core.secrets import FileSecretsProvider
from services.lab.device import DeviceSpec
from services.lab.fleet import specs_from_inventories
from services.network.platforms import get_platform
from tests.benchmarks.stack import bench_settings, lab_process


@dataclass(frozen=True)
class FloorRun:
    devices: int
    concurrency: int
    wall_seconds: float
    failed: int
    median_ms: float
    chars: int
    client_cpu_seconds: float

    @property
    def devices_per_second(self) -> float:
        return self.devices / self.wall_seconds


async def _show_running(spec: DeviceSpec, gate: asyncio.Semaphore) -> tuple[float, int]:
    async with gate:
        start = time.perf_counter()
        async with asyncssh.connect(
            spec.host,
            spec.port,
            username=spec.credential.username,
            password=spec.credential.password.get_secret_value(),
            known_hosts=None,
            client_keys=None,
            agent_path=None,
            connect_timeout=60,
        ) as conn:
            command = get_platform(spec.platform).running_config_command
            result = await conn.run(command, check=True)
        output = result.stdout if isinstance(result.stdout, str) else ""
        return time.perf_counter() - start, len(output)


async def _collect(specs: list[DeviceSpec], concurrency: int) -> list[tuple[float, int] | None]:
    gate = asyncio.Semaphore(concurrency)
    results = await asyncio.gather(*(_show_running(s, gate) for s in specs), return_exceptions=True)
    return [r if isinstance(r, tuple) else None for r in results]


def run_floor(specs: Iterable[DeviceSpec], concurrency: int = 50) -> FloorRun:
    """Collect every device's running config once; wall time and per-device median."""
    targets = list(specs)
    cpu = time.process_time()
    start = time.perf_counter()
    results = asyncio.run(_collect(targets, concurrency))
    wall = time.perf_counter() - start
    done = [r for r in results if r is not None]
    return FloorRun(
        devices=len(targets),
        concurrency=concurrency,
        wall_seconds=wall,
        failed=len(targets) - len(done),
        median_ms=statistics.median(t for t, _ in done) * 1000 if done else 0.0,
        chars=sum(c for _, c in done),
        client_cpu_seconds=time.process_time() - cpu,
    )


def floor_on_inventory(inventories: Path, secrets: Path, concurrency: int = 50) -> FloorRun:
    return run_floor(specs_from_inventories(inventories, FileSecretsProvider(secrets)), concurrency)


def run_floor_lab(
    workdir: Path, devices: int, repeat: int = 1, concurrency: int = 50
) -> list[FloorRun]:
    """Start a lab of `devices` generated devices (as the lab row) and run the floor `repeat`
    times against it."""
    settings = bench_settings(workdir, devices, tenants=10)
    specs = specs_from_inventories(
        settings.inventories_path, FileSecretsProvider(settings.secrets_file)
    )
    with lab_process(settings):
        return [run_floor(specs, concurrency) for _ in range(repeat)]
