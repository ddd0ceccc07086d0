"""Scale check: one lab process serves N devices, Nornir collects every running config.

`run_bench()` starts `python -m services.lab` on N generated devices in a subprocess, runs
Nornir (threaded runner) with the stock Netmiko connection plugin to collect the running config
of every device, and returns wall time, per-device connect+show times and the lab's peak RSS.
`python -m tests.benchmarks.lab_fleet --devices 1000 --workers 50` prints the result as JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import psutil
from nornir.core import Nornir
from nornir.core.inventory import ConnectionOptions, Defaults, Groups, Host, Hosts, Inventory
from nornir.core.plugins.connections import ConnectionPluginRegister
from nornir.core.task import Result, Task
from nornir.plugins.runners import ThreadedRunner

from services.core.secrets import FileSecretsProvider, ensure_dev_secrets
from services.lab.device import DeviceSpec
from services.lab.fleet import LabFleet, specs_from_inventories
from services.lab.generate import GENERATED_CREDENTIAL, write_generated_inventory
from services.network.platforms import get_platform
from tests.utils.lab import PORT_BLOCK, free_ports, owns, port_is_free

TARGETS = {"wall_seconds": 60.0, "median_seconds": 0.3, "lab_rss_mb": 1024.0}
REPO = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class BenchResult:
    devices: int
    workers: int
    collected: int
    failed: int
    wall_seconds: float
    median_seconds: float
    p95_seconds: float
    max_seconds: float
    lab_rss_mb: float
    lab_start_seconds: float
    lab_cpu_ms_per_device: float
    client_cpu_ms_per_device: float

    @property
    def client_bound_median_seconds(self) -> float:
        """Little's law: with `workers` sessions in flight and the client's one interpreter
        spending `client_cpu_ms_per_device` per session, no lab can answer faster than this."""
        return round(self.workers * self.client_cpu_ms_per_device / 1000, 3)

    def targets_met(self) -> dict[str, bool]:
        return {
            "wall_seconds": self.wall_seconds <= TARGETS["wall_seconds"],
            "median_seconds": self.median_seconds <= TARGETS["median_seconds"],
            "lab_rss_mb": self.lab_rss_mb <= TARGETS["lab_rss_mb"],
            "all_collected": self.failed == 0,
        }

    def as_dict(self) -> dict[str, Any]:
        return {
            **asdict(self),
            "client_bound_median_seconds": self.client_bound_median_seconds,
            "targets": TARGETS,
            "targets_met": self.targets_met(),
        }


def nornir_for_specs(specs: Iterable[DeviceSpec], workers: int) -> Nornir:
    """A Nornir with one host per device, stock netmiko connection plugin, threaded runner."""
    ConnectionPluginRegister.auto_register()
    hosts = Hosts()
    for spec in specs:
        extras: dict[str, Any] = {"conn_timeout": 30, "banner_timeout": 30, "auth_timeout": 30}
        if spec.credential.enable is not None:
            extras["secret"] = spec.credential.enable.get_secret_value()
        hosts[spec.name] = Host(
            name=spec.name,
            hostname=spec.host,
            port=spec.port,
            username=spec.credential.username,
            password=spec.credential.secret(),
            platform=spec.platform,
            connection_options={"netmiko": ConnectionOptions(extras=extras)},
        )
    inventory = Inventory(hosts=hosts, groups=Groups(), defaults=Defaults())
    return Nornir(inventory=inventory, runner=ThreadedRunner(num_workers=workers))


def nornir_for(fleet: LabFleet, workers: int = 50) -> Nornir:
    return nornir_for_specs((d.spec for d in fleet.devices.values()), workers)


def collect_running(task: Task) -> Result:
    """Connect, collect the running config, disconnect; report connect+show seconds."""
    start = time.perf_counter()
    conn = task.host.get_connection("netmiko", task.nornir.config)
    command = get_platform(task.host.platform or "").running_config_command
    output = conn.send_command(command)
    seconds = time.perf_counter() - start
    task.host.close_connection("netmiko")
    return Result(host=task.host, result={"seconds": seconds, "chars": len(output)})


def contiguous_free_ports(count: int, start: int = 21001, stop: int = 32000) -> int:
    """First port of `count` consecutive free ports in [start, stop); under pytest-xdist, in
    one block of ports this worker owns when they fit in one (`owns`)."""
    base = start
    while base + count <= stop:
        last = base + count - 1
        if count <= PORT_BLOCK and not (owns(base) and base // PORT_BLOCK == last // PORT_BLOCK):
            base = (base // PORT_BLOCK + 1) * PORT_BLOCK  # the next block
            continue
        busy = next((p for p in range(base, base + count) if not port_is_free(p)), None)
        if busy is None:
            return base
        base = busy + 1
    raise RuntimeError(f"no {count} consecutive free ports between {start} and {stop}")


class _RssSampler(threading.Thread):
    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.process = psutil.Process(pid)
        self.peak = 0
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.is_set():
            try:
                self.peak = max(self.peak, self.process.memory_info().rss)
            except psutil.Error:
                return
            self.done.wait(0.2)


def _start_lab(inventory: Path, secrets: Path, var: Path) -> subprocess.Popen[str]:
    env = {
        **os.environ,
        "NETWAVE_SECRETS_PROVIDER": "file",
        "NETWAVE_SECRETS_FILE": str(secrets),
        "NETWAVE_VAR_DIR": str(var),
    }
    control = free_ports(1, start=32000, stop=32700)[0]
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "services.lab",
            "--inventory",
            str(inventory),
            "--control-port",
            str(control),
        ],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def _wait_ready(proc: subprocess.Popen[str], timeout: float) -> None:
    assert proc.stdout is not None
    deadline = time.monotonic() + timeout
    seen: list[str] = []
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        seen.append(line)
        if "netwave lab: ready" in line:
            return
    raise RuntimeError("lab did not start:\n" + "".join(seen[-20:]))


def run_bench(devices: int = 1000, workers: int = 50, base_port: int | None = None) -> BenchResult:
    """Serve `devices` generated devices from one lab process and collect them all with Nornir."""
    with tempfile.TemporaryDirectory(prefix="netwave-bench-") as tmp:
        root = Path(tmp)
        base = base_port or contiguous_free_ports(devices)
        write_generated_inventory(root / "inventories", devices, base)
        secrets = root / "secrets.yaml"
        ensure_dev_secrets(secrets, [GENERATED_CREDENTIAL])
        started = time.monotonic()
        proc = _start_lab(root / "inventories", secrets, root / "var")
        try:
            _wait_ready(proc, timeout=120)
            lab_start = time.monotonic() - started
            sampler = _RssSampler(proc.pid)
            sampler.start()
            specs = specs_from_inventories(root / "inventories", FileSecretsProvider(secrets))
            nr = nornir_for_specs(specs, workers)
            lab_process = psutil.Process(proc.pid)
            lab_cpu_before = sum(lab_process.cpu_times()[:2])
            client_cpu_before = time.process_time()
            begin = time.monotonic()
            results = nr.run(task=collect_running)
            wall = time.monotonic() - begin
            client_cpu = time.process_time() - client_cpu_before
            lab_cpu = sum(lab_process.cpu_times()[:2]) - lab_cpu_before
            sampler.done.set()
            sampler.join()
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
    times = sorted(r[0].result["seconds"] for r in results.values() if not r.failed)
    return BenchResult(
        devices=devices,
        workers=workers,
        collected=len(times),
        failed=len(results.failed_hosts),
        wall_seconds=round(wall, 2),
        median_seconds=round(statistics.median(times), 3) if times else 0.0,
        p95_seconds=round(times[int(len(times) * 0.95) - 1], 3) if times else 0.0,
        max_seconds=round(times[-1], 3) if times else 0.0,
        lab_rss_mb=round(sampler.peak / 1024 / 1024, 1),
        lab_start_seconds=round(lab_start, 2),
        lab_cpu_ms_per_device=round(lab_cpu * 1000 / devices, 2),
        client_cpu_ms_per_device=round(client_cpu * 1000 / devices, 2),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--devices", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=50)
    parser.add_argument("--base-port", type=int, default=None)
    args = parser.parse_args()
    result = run_bench(args.devices, args.workers, args.base_port)
    print(json.dumps(result.as_dict(), indent=2))


if __name__ == "__main__":
    main()
