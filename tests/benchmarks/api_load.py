"""API load: requests per second and p50/p99 latency of the real API under 50 concurrent clients,
beside a bare FastAPI endpoint served the same way in the same run.

The real API runs as `netwave api` in the benchmark's own stack (Temporal, worker, lab, SQLite
database as by default), because creating a change starts its workflow and reading one queries
it. Tenants require an approver, so every created change parks at `awaiting_approval` after its
plan (one SSH collection from the lab) and nothing is pushed.
"""

from __future__ import annotations

import asyncio
import itertools
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import psutil
import yaml

from services.core.settings import Settings
from services.network.inventory import list_tenants, load_tenant
from tests.benchmarks.stack import REPO, bench_settings, lab_process, netwave_stack
from tests.utils.lab import free_ports

# Request = (method, path, json body or None); a factory gives each request its own.
Request = tuple[str, str, dict[str, Any] | None]
TIMEOUT = 20.0  # a request slower than this counts as an error
CONTRACT: dict[str, Any] = {
    "contract": {"default_max_wan_mbps": 1000, "qos_profiles": ["standard"]},
    "approval": {"auto_approve_within_contract": False, "expire_after_hours": 72},
    "windows": [{"cron": "0 2 * * sun", "duration_minutes": 360, "timezone": "UTC"}],
}


@dataclass(frozen=True)
class LoadRun:
    """One measured interval of `clients` concurrent clients against one endpoint."""

    endpoint: str
    clients: int
    seconds: float
    requests: int
    errors: int
    p50_ms: float
    p99_ms: float
    server_cpu_ms_per_request: float
    client_cpu_ms_per_request: float

    @property
    def rps(self) -> float:
        return self.requests / self.seconds


@dataclass
class ApiLoad:
    database: str
    runs: dict[str, list[LoadRun]] = field(default_factory=dict)


def _percentile(sorted_values: list[float], q: float) -> float:
    if not sorted_values:
        return 0.0
    return sorted_values[min(len(sorted_values) - 1, int(len(sorted_values) * q))]


async def _drive(
    base_url: str,
    headers: dict[str, str],
    next_request: Callable[[], Request],
    clients: int,
    warmup: float,
    duration: float,
) -> tuple[list[float], int, float, float]:
    """Latencies (s) of requests started in the measured interval; errors; interval bounds."""
    loop = asyncio.get_running_loop()
    begin = loop.time() + warmup
    end = begin + duration
    latencies: list[float] = []
    errors = 0

    async def client() -> None:
        nonlocal errors
        async with httpx.AsyncClient(base_url=base_url, headers=headers, timeout=TIMEOUT) as http:
            while (started := loop.time()) < end:
                method, path, body = next_request()
                try:
                    failed = (await http.request(method, path, json=body)).status_code >= 400
                except httpx.HTTPError:  # a timeout or reset is an error, not the end of the run
                    failed = True
                if started >= begin:
                    latencies.append(loop.time() - started)
                    errors += failed

    await asyncio.gather(*(client() for _ in range(clients)))
    return latencies, errors, begin, end


def measure(
    endpoint: str,
    base_url: str,
    headers: dict[str, str],
    next_request: Callable[[], Request],
    server_pid: int,
    clients: int = 50,
    warmup: float = 1.0,
    duration: float = 5.0,
) -> LoadRun:
    """Drive one endpoint with `clients` concurrent httpx async clients for `duration` s."""
    server = psutil.Process(server_pid)
    cpu_server = sum(server.cpu_times()[:2])
    cpu_client = time.process_time()
    latencies, errors, _, _ = asyncio.run(
        _drive(base_url, headers, next_request, clients, warmup, duration)
    )
    # CPU is counted over warm-up too; per request it is spread over every request sent.
    server_cpu = sum(server.cpu_times()[:2]) - cpu_server
    client_cpu = time.process_time() - cpu_client
    total = max(1, len(latencies)) * (warmup + duration) / duration
    ordered = sorted(latencies)
    return LoadRun(
        endpoint=endpoint,
        clients=clients,
        seconds=duration,
        requests=len(latencies),
        errors=errors,
        p50_ms=statistics.median(ordered) * 1000 if ordered else 0.0,
        p99_ms=_percentile(ordered, 0.99) * 1000,
        server_cpu_ms_per_request=server_cpu * 1000 / total,
        client_cpu_ms_per_request=client_cpu * 1000 / total,
    )


@contextmanager
def bare_server() -> Iterator[tuple[str, int]]:
    """The bare endpoint's uvicorn child; yields its base URL and pid."""
    port = free_ports(1, start=19000, stop=20000)[0]
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.benchmarks.bare_api", str(port)],
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{url}/bare", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("bare API did not start")
            time.sleep(0.1)
        yield url, proc.pid
    finally:
        proc.terminate()
        proc.wait(15)


def write_contracts(settings: Settings) -> list[str]:
    """A capacity contract (approver required) for every generated tenant."""
    tenants = list_tenants(settings.inventories_path)
    for tenant in tenants:
        text = yaml.safe_dump({**CONTRACT}, sort_keys=False)
        (settings.inventories_path / tenant / "tenant.yaml").write_text(text)
    return tenants


def _first_change(url: str, headers: dict[str, str], tenant: str, site: str) -> str:
    """Create a change and wait until it is parked awaiting approval; its id."""
    with httpx.Client(base_url=url, headers=headers, timeout=60) as http:
        body = {"site": site, "kind": "wan_bandwidth", "bandwidth_mbps": 150}
        created = http.post(f"/v1/tenants/{tenant}/changes", json=body)
        created.raise_for_status()
        change_id: str = created.json()["change"]["id"]
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            got = http.get(f"/v1/tenants/{tenant}/changes/{change_id}").json()
            if got["change"]["status"] == "awaiting_approval":
                return change_id
            time.sleep(0.2)
    raise RuntimeError(f"change {change_id} did not reach awaiting_approval")


def run_api_load(
    workdir: Path,
    devices: int = 100,
    tenants: int = 2,
    clients: int = 50,
    duration: float = 5.0,
    warmup: float = 1.0,
    repeat: int = 1,
    database_url: str | None = None,
) -> ApiLoad:
    """Bare endpoint, list devices, get change, create change: `repeat` intervals each.

    The database is the default SQLite file unless `database_url` names an empty one.
    """
    settings = bench_settings(workdir, devices, tenants)
    if database_url:
        settings = settings.model_copy(update={"database_url": database_url})
    names = write_contracts(settings)
    tenant = names[0]
    inventory = load_tenant(settings.inventories_path, tenant)
    sites = sorted({d.site for d in inventory.devices.values() if d.site})
    result = ApiLoad(database=settings.database_url.split(":", 1)[0].split("+")[0])
    with (
        lab_process(settings),
        netwave_stack(settings) as (stack, token),
        bare_server() as (bare_url, bare_pid),
    ):
        api_pid = next(c.process.pid for c in stack.children if c.name == "api" and c.process)
        headers = {"Authorization": f"Bearer {token}"}
        change_id = _first_change(settings.api_url, headers, tenant, sites[0])
        # A new rate each time: asking again for what an open change asks for is a 409.
        rates = itertools.count(1001)
        site_cycle = itertools.cycle(sites)

        def create() -> Request:
            body = {
                "site": next(site_cycle),
                "kind": "wan_bandwidth",
                "bandwidth_mbps": next(rates),
            }
            return ("POST", f"/v1/tenants/{tenant}/changes", body)

        api = settings.api_url
        changes = f"/v1/tenants/{tenant}/changes"
        # Creating last: the workflows it starts keep the worker busy afterwards.
        scenarios: list[tuple[str, str, int, Callable[[], Request]]] = [
            ("bare FastAPI", bare_url, bare_pid, lambda: ("GET", "/bare", None)),
            ("list devices", api, api_pid, lambda: ("GET", f"/v1/tenants/{tenant}/devices", None)),
            ("get change", api, api_pid, lambda: ("GET", f"{changes}/{change_id}", None)),
            ("create change", api, api_pid, create),
        ]
        for name, url, pid, factory in scenarios:
            result.runs[name] = [
                measure(name, url, headers, factory, pid, clients, warmup, duration)
                for _ in range(repeat)
            ]
    return result
