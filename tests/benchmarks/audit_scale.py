"""Audit scale: netwave end to end (API -> Temporal -> stored report) against a bare
Nornir+Netmiko script collecting the same running configs from the same lab, same run, and
against the floor (tests/benchmarks/floor.py: bare asyncssh, no framework) on that lab too."""

from __future__ import annotations

import asyncio
import dataclasses
import os
import statistics
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from services.compliance.rules import RULE_FILE
from services.core.secrets import FileSecretsProvider
from services.core.settings import Settings
from services.core.temporal import connect
from services.lab.fleet import specs_from_inventories
from services.network.inventory import list_tenants
from services.store.db import get_engine, make_session_factory
from services.store.repos import compliance as report_repo
from tests.benchmarks.floor import floor_on_inventory
from tests.benchmarks.lab_fleet import collect_running, nornir_for_specs
from tests.benchmarks.stack import PeakRss, bench_settings, lab_process, netwave_stack


@dataclass(frozen=True)
class AuditScale:
    """One fleet size on one stack: `pairs` measured (bare, netwave) pairs, in turn."""

    devices: int
    tenants: int
    pairs: list[tuple[float, float]]  # (bare s, netwave s), each pair run back to back
    bare_seconds: float  # medians over the pairs
    bare_failed: int
    netwave_seconds: float
    netwave_devices_reported: int
    ratio: float  # the median of the pairs' ratios
    ratios: list[float]
    bare_devices_per_second: float
    netwave_devices_per_second: float
    netwave_ms_per_device: float
    bare_median_connect_show_ms: float
    floor_seconds: float
    floor_failed: int
    api_5xx_retried: list[str]
    peak_rss_mb: dict[str, float]
    # pairs measured after them on the same stack with the rules changed before each run
    compared_all: AuditScale | None = None


def bare_script(
    inventories: Path, secrets: Path, workers: int = 50, tenants: list[str] | None = None
) -> tuple[float, int, float]:
    """What an engineer would write: Nornir threaded runner, stock Netmiko, show run (of the
    given tenants' devices, default all)."""
    specs = specs_from_inventories(inventories, FileSecretsProvider(secrets))
    if tenants is not None:
        specs = [s for s in specs if s.tenant in tenants]
    nr = nornir_for_specs(specs, workers)
    start = time.perf_counter()
    result = nr.run(task=collect_running)
    wall = time.perf_counter() - start
    times = [r[0].result["seconds"] for r in result.values() if not r.failed]
    failed = sum(1 for r in result.values() if r.failed)
    return wall, failed, statistics.median(times) * 1000 if times else 0.0


def _start(
    http: httpx.Client, settings: Settings, tenant: str, retried: list[str]
) -> dict[str, Any]:
    """POST an audit run, again after a 5xx (counted in `retried`); a refusal raises with the
    reply and the API log's tail."""
    reply = http.post(f"/v1/tenants/{tenant}/audit-runs")
    for _ in range(2):
        if reply.status_code < 500:
            break
        retried.append(f"{tenant}: {reply.status_code}")
        reply = http.post(f"/v1/tenants/{tenant}/audit-runs")
    if reply.status_code >= 300:
        log = settings.var_dir / "logs" / "api.log"
        tail = log.read_text(errors="replace")[-3000:] if log.exists() else ""
        raise RuntimeError(f"audit run of {tenant}: {reply.status_code} {reply.text[:500]}\n{tail}")
    started: dict[str, Any] = reply.json()
    return started


def netwave_audit(settings: Settings, token: str, tenants: list[str], retried: list[str]) -> float:
    """Start one audit per tenant through the API; wall time until every report is stored.

    Completion is awaited on Temporal (a long poll) rather than by polling the API, so the
    measurement does not load the worker with progress queries.
    """
    headers = {"Authorization": f"Bearer {token}"}

    async def measure(http: httpx.Client) -> float:
        client = await connect(settings)  # before the clock starts: the bench's own cost
        loop = asyncio.get_running_loop()
        start = time.perf_counter()
        # One request per tenant, sent together as a client of the API would (in sequence,
        # the ten requests alone took about 0.8 s, more than the 100-device audit itself).
        with ThreadPoolExecutor(len(tenants)) as pool:
            runs = await asyncio.gather(
                *(loop.run_in_executor(pool, _start, http, settings, t, retried) for t in tenants)
            )
        await asyncio.gather(*(client.get_workflow_handle(r["workflow_id"]).result() for r in runs))
        return time.perf_counter() - start

    with httpx.Client(base_url=settings.api_url, headers=headers, timeout=60) as http:
        return asyncio.run(measure(http))


def rules_changed(settings: Settings, tenants: list[str]) -> None:
    """Give every tenant its own rule file, new on disk (the shipped default's text): the
    worker reads the rules again, so the next audit compares every device afresh."""
    default = (settings.inventories_path / RULE_FILE).read_text()
    for tenant in tenants:
        own = settings.inventories_path / tenant / RULE_FILE
        own.write_text(default)
        stamp = time.time_ns()
        os.utime(own, ns=(stamp, stamp))


Pair = tuple[float, float]
BareRun = tuple[float, int, float]


def run_audit_scale(
    workdir: Path,
    devices: int,
    tenants: int = 10,
    device_workers: int = 0,
    pairs: int = 3,
    compared_pairs: int = 0,
) -> AuditScale:
    """One audit size on one stack; `device_workers` more worker processes on the device queue.

    Both sides are warmed up first, not measured: netwave with one audit of the whole fleet (a
    long-running worker has its helper processes up and has audited these tenants before), the
    bare script with one tenant (its interpreter has Netmiko imported and has connected once).
    Then `pairs` times the bare script and netwave back to back, taking turns to go first; the
    ratio is the median of the pairs' ratios. A shared machine's speed drifts (this VM's by
    up to half within an hour), and a pair sees the same machine.

    Configs do not change between the runs, so netwave finds each device as its last audit
    did and does not compare it again (workflows/audit/assess.py), as in a daily audit of a
    stable fleet. Then `compared_pairs` more pairs with the rules changed before each one
    (`compared_all`): every device is compared, as in a first audit or one after a rule change.
    """
    settings = bench_settings(workdir, devices, tenants)
    names = list_tenants(settings.inventories_path)
    stack_cm = netwave_stack(settings, device_workers)
    inventories, secrets = settings.inventories_path, settings.secrets_file
    retried: list[str] = []

    def measure(count: int, compare_all: bool) -> tuple[list[Pair], list[BareRun]]:
        measured: list[Pair] = []
        bare_runs: list[BareRun] = []
        for turn in range(count):
            if compare_all:
                rules_changed(settings, names)
            if turn % 2 == 0:
                bare_runs.append(bare_script(inventories, secrets))
                netwave = netwave_audit(settings, token, names, retried)
            else:
                netwave = netwave_audit(settings, token, names, retried)
                bare_runs.append(bare_script(inventories, secrets))
            measured.append((bare_runs[-1][0], netwave))
        return measured, bare_runs

    with lab_process(settings) as lab, stack_cm as (stack, token):
        pids = {"lab": lab.pid, **{c.name: c.process.pid for c in stack.children if c.process}}
        netwave_audit(settings, token, names, [])
        bare_script(inventories, secrets, tenants=names[:1])
        with PeakRss(pids) as rss:
            floor = floor_on_inventory(inventories, secrets)
            repeated = measure(pairs, compare_all=False)
            compared = measure(compared_pairs, compare_all=True) if compared_pairs else None
        sessions = make_session_factory(get_engine(settings.database_url))
        with sessions() as session:
            reported = sum(
                report_repo.list_reports(session, tenant=t, limit=1)[0].devices_total for t in names
            )

    def summary(runs: tuple[list[Pair], list[BareRun]]) -> AuditScale:
        measured, bare_runs = runs
        bare = statistics.median(b for b, _ in measured)
        netwave = statistics.median(n for _, n in measured)
        ratios = [round(n / b, 3) for b, n in measured]
        return AuditScale(
            devices=devices,
            tenants=len(names),
            pairs=[(round(b, 2), round(n, 2)) for b, n in measured],
            bare_seconds=round(bare, 2),
            bare_failed=max(failed for _, failed, _ in bare_runs),
            netwave_seconds=round(netwave, 2),
            netwave_devices_reported=reported,
            ratio=round(statistics.median(ratios), 3),
            ratios=ratios,
            bare_devices_per_second=round(devices / bare, 1),
            netwave_devices_per_second=round(devices / netwave, 1),
            netwave_ms_per_device=round(netwave / devices * 1000, 1),
            bare_median_connect_show_ms=round(statistics.median(m for _, _, m in bare_runs), 1),
            floor_seconds=round(floor.wall_seconds, 2),
            floor_failed=floor.failed,
            api_5xx_retried=retried,
            peak_rss_mb={k: round(v, 1) for k, v in rss.peak_mb.items()},
        )

    result = summary(repeated)
    if compared is None:
        return result
    return dataclasses.replace(result, compared_all=summary(compared))
