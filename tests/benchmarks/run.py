"""`make bench`: run every benchmark, print a table of numbers and ratios, save JSON.

`python -m tests.benchmarks.run [--quick] [--repeat N] [--only SCENARIO ...]`
(--quick: small sizes, the smoke run; --repeat: measured bare/netwave pairs per audit size,
default AUDIT_PAIRS (the two extra rows of the largest size run one pair fewer, to stay under
15 minutes); the cheap rows - render, floor, API - always run CHEAP_REPEAT times; every
repeated figure prints as median (min-max) with the spread).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from tests.benchmarks.api_load import run_api_load
from tests.benchmarks.audit_scale import AuditScale, run_audit_scale
from tests.benchmarks.campaign_scale import run_campaign_scale
from tests.benchmarks.floor import run_floor_lab
from tests.benchmarks.lab_fleet import run_bench
from tests.benchmarks.render import run_render
from tests.benchmarks.stack import lab_base_port

OUT = Path("var") / "bench"
CHEAP_REPEAT = 3
AUDIT_PAIRS = 3
FLOOR_CONCURRENCY = 50
Row = dict[str, Any]


@dataclass(frozen=True)
class Options:
    quick: bool
    repeat: int
    workdir: Path
    api_database_url: str | None = None

    @property
    def cheap_repeat(self) -> int:
        return 1 if self.quick else CHEAP_REPEAT


@dataclass(frozen=True)
class Scenario:
    title: str
    run: Callable[[Options], list[Row]]


def cores() -> int:
    return os.cpu_count() or 1


def spread(values: Sequence[float]) -> dict[str, float]:
    """min, median, max and (max - min) / median in percent."""
    mid = statistics.median(values)
    low, high = min(values), max(values)
    return {
        "min": low,
        "median": mid,
        "max": high,
        "spread %": round((high - low) / mid * 100, 1) if mid else 0.0,
    }


def span(values: Sequence[float], digits: int = 1) -> str:
    """`median (min-max)` of repeated measurements, for a table cell."""
    s = spread(values)
    if len(values) == 1:
        return f"{s['median']:.{digits}f}"
    return f"{s['median']:.{digits}f} ({s['min']:.{digits}f}-{s['max']:.{digits}f})"


def lab_rows(options: Options, workers: int = 50) -> list[Row]:
    devices = 20 if options.quick else 1000
    r = run_bench(devices=devices, workers=workers, base_port=lab_base_port(devices))
    return [
        {
            "scenario": f"lab collect {devices} ({workers} threads)",
            "cores": cores(),
            "wall s": r.wall_seconds,
            "median ms": round(r.median_seconds * 1000, 1),
            "p95 ms": round(r.p95_seconds * 1000, 1),
            "lab RSS MB": round(r.lab_rss_mb, 1),
            "lab CPU ms/dev": r.lab_cpu_ms_per_device,
            "client CPU ms/dev": r.client_cpu_ms_per_device,
            "client-bound median ms": round(r.client_bound_median_seconds * 1000),
            "failed": r.failed,
            "targets met": all(r.targets_met().values()) if devices >= 1000 else "-",
        }
    ]


def lab_scenario(options: Options) -> list[Row]:
    return lab_rows(options) + lab_rows(options, workers=10)


def floor_rows(options: Options) -> list[Row]:
    devices = 20 if options.quick else 1000
    runs = run_floor_lab(
        options.workdir / "floor", devices, options.cheap_repeat, FLOOR_CONCURRENCY
    )
    walls = [r.wall_seconds for r in runs]
    return [
        {
            "scenario": f"floor: asyncssh connect + show run, {devices} devices "
            f"({FLOOR_CONCURRENCY} concurrent)",
            "cores": cores(),
            "runs": len(runs),
            "wall s": span(walls, 2),
            "dev/s": round(devices / statistics.median(walls), 1),
            "spread %": spread(walls)["spread %"],
            "median ms": round(statistics.median(r.median_ms for r in runs), 1),
            "client CPU ms/dev": round(
                statistics.median(r.client_cpu_seconds for r in runs) * 1000 / devices, 2
            ),
            "failed": sum(r.failed for r in runs),
        }
    ]


def render_rows(options: Options) -> list[Row]:
    devices = 20 if options.quick else 1000
    runs = [run_render(devices) for _ in range(options.cheap_repeat)]
    rates = [r.configs_per_second for r in runs]
    return [
        {
            "scenario": f"render {devices} full configs (real templates, mixed platforms)",
            "cores": cores(),
            "runs": len(runs),
            "configs/s": span(rates, 0),
            "spread %": spread(rates)["spread %"],
            "ms/config": round(1000 / statistics.median(rates), 3),
            "inventory load s": round(statistics.median(r.load_seconds for r in runs), 2),
            "KB/config": round(runs[0].chars / devices / 1024, 1),
        }
    ]


def audit_row(devices: int, result: AuditScale, device_workers: int = 0, how: str = "") -> Row:
    workers = "" if not device_workers else f", worker + {device_workers} device worker"
    return {
        "scenario": f"audit {devices}{workers}{how}",
        "cores": cores(),
        "pairs": len(result.pairs),
        "floor s": result.floor_seconds,
        "bare s": span([b for b, _ in result.pairs], 2),
        "netwave s": span([n for _, n in result.pairs], 2),
        "ratio": span(result.ratios, 2),
        "goal": "<= 1.25",
        "ratio spread %": spread(result.ratios)["spread %"],
        "x floor": round(result.netwave_seconds / result.floor_seconds, 2)
        if result.floor_seconds
        else "-",
        "ms/device": result.netwave_ms_per_device,
        "dev/s": result.netwave_devices_per_second,
        "reported": result.netwave_devices_reported,
        "API 5xx retried": len(result.api_5xx_retried),
        **{f"RSS {k} MB": v for k, v in sorted(result.peak_rss_mb.items())},
    }


def audit_rows(options: Options) -> list[Row]:
    """Each size as a repeated (daily) audit; on the largest's stack, more pairs with the rules
    changed before each run, so that every device is compared; the largest again with a second
    (device-queue) worker."""
    sizes = [12] if options.quick else [100, 500, 1000]
    fewer = max(1, options.repeat - 1)
    plans = [(devices, 0, options.repeat, 0) for devices in sizes[:-1]]
    plans += [(sizes[-1], 0, options.repeat, fewer), (sizes[-1], 1, fewer, 0)]
    rows = []
    for devices, extra, pairs, compared_pairs in plans:
        try:
            result = run_audit_scale(
                options.workdir / f"audit-{devices}-{extra}",
                devices,
                device_workers=extra,
                pairs=pairs,
                compared_pairs=compared_pairs,
            )
        except Exception as exc:  # the other sizes still run
            Console(stderr=True).print_exception()
            rows.append(
                {"scenario": f"audit {devices}", "cores": cores(), "error": repr(exc)[:300]}
            )
            continue
        rows.append(audit_row(devices, result, extra))
        if result.compared_all is not None:
            how = ", rules changed: every device compared"
            rows.append(audit_row(devices, result.compared_all, extra, how))
    return rows


def api_rows(options: Options) -> list[Row]:
    clients, duration, warmup = (5, 1.0, 0.3) if options.quick else (50, 5.0, 1.0)
    load = run_api_load(
        options.workdir / "api",
        devices=20 if options.quick else 100,
        clients=clients,
        duration=duration,
        warmup=warmup,
        repeat=options.cheap_repeat,
        database_url=options.api_database_url,
    )
    bare_rps = statistics.median(r.rps for r in load.runs["bare FastAPI"])
    rows = []
    for endpoint, runs in load.runs.items():
        rps = [r.rps for r in runs]
        rows.append(
            {
                "scenario": f"API {endpoint} ({clients} clients, {load.database})",
                "cores": cores(),
                "runs": len(runs),
                "req/s": span(rps),
                "spread %": spread(rps)["spread %"],
                "p50 ms": round(statistics.median(r.p50_ms for r in runs), 1),
                "p99 ms": round(statistics.median(r.p99_ms for r in runs), 1),
                "x bare (req/s)": round(bare_rps / statistics.median(rps), 2) if rps else "-",
                "errors": sum(r.errors for r in runs),
                "server CPU ms/req": round(
                    statistics.median(r.server_cpu_ms_per_request for r in runs), 2
                ),
                "client CPU ms/req": round(
                    statistics.median(r.client_cpu_ms_per_request for r in runs), 2
                ),
            }
        )
    return rows


def campaign_rows(options: Options) -> list[Row]:
    devices, wave = (12, 6) if options.quick else (200, 50)
    r = run_campaign_scale(
        options.workdir / "campaign", devices, reload_seconds=2.0, wave_size=wave
    )
    return [
        {
            "scenario": f"campaign {r.devices} (OS upgrade, {r.reload_seconds:g} s reload)",
            "cores": cores(),
            "waves": r.waves,
            "total s": r.total_seconds,
            "slowest device s": r.slowest_device_seconds,
            "ideal s (waves x slowest)": r.ideal_seconds,
            "overhead %": r.overhead_percent,
            "sum of per-wave slowest s": r.sum_of_slowest_per_wave_seconds,
            "upgraded": r.upgraded,
            "other": r.other_outcomes or "-",
            **{f"RSS {k} MB": v for k, v in sorted(r.peak_rss_mb.items())},
        }
    ]


# Every row of issue 9, in print order.
SCENARIOS: dict[str, Scenario] = {
    "render": Scenario("Render: full intended configs per second", render_rows),
    "floor": Scenario("Floor: bare asyncssh, no framework (the limit)", floor_rows),
    "lab": Scenario("Lab: Nornir collects show running-config", lab_scenario),
    "audit": Scenario("Audit: netwave end to end vs bare Nornir+Netmiko vs floor", audit_rows),
    "api": Scenario("API: real endpoints vs a bare FastAPI endpoint", api_rows),
    "campaign": Scenario("Campaign: OS upgrade in canary + waves through the API", campaign_rows),
}


def with_floor_ratios(results: dict[str, Any]) -> None:
    """Lab collect rows get `x floor`: their wall time over the floor's (same fleet size)."""
    floor = results.get("floor") or [{}]
    if "wall s" not in floor[0]:
        return
    floor_wall = float(str(floor[0]["wall s"]).split()[0])
    for row in results.get("lab", []):
        if "wall s" in row:
            row["x floor"] = round(row["wall s"] / floor_wall, 2)


def print_table(console: Console, title: str, rows: list[Row]) -> None:
    if not rows:
        return
    table = Table(title=f"{title} ({cores()} cores)")
    columns = list(dict.fromkeys(k for row in rows for k in row))
    for column in columns:
        table.add_column(column)
    for row in rows:
        table.add_row(*(str(row.get(c, "")) for c in columns))
    console.print(table)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small sizes (smoke run)")
    parser.add_argument(
        "--repeat", type=int, default=AUDIT_PAIRS, help="bare/netwave pairs per audit size"
    )
    parser.add_argument("--only", nargs="+", choices=sorted(SCENARIOS), help="these scenarios")
    parser.add_argument(
        "--api-database-url", default=None, help="API rows on this (empty) database, not SQLite"
    )
    args = parser.parse_args()
    console = Console(width=240)
    began = time.monotonic()
    names = args.only or list(SCENARIOS)
    results: dict[str, Any] = {"cores": cores()}
    failures: list[str] = []
    with tempfile.TemporaryDirectory(prefix="netwave-bench-") as tmp:
        options = Options(args.quick, max(1, args.repeat), Path(tmp), args.api_database_url)
        for name in names:
            started = time.monotonic()
            try:
                results[name] = SCENARIOS[name].run(options)
            except Exception as exc:  # one broken scenario must not cost the others' figures
                console.print_exception()
                failures.append(name)
                results[name] = [{"scenario": name, "cores": cores(), "error": repr(exc)[:300]}]
            console.print(f"{name}: {time.monotonic() - started:.0f} s")
    with_floor_ratios(results)
    for name in names:
        print_table(console, SCENARIOS[name].title, results[name])
    results["total_seconds"] = round(time.monotonic() - began)
    console.print(f"total {results['total_seconds']} s")
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"bench-{time.strftime('%Y%m%dT%H%M%S')}.json"
    path.write_text(json.dumps(results, indent=2))
    console.print(f"written {path}")
    if failures:
        raise SystemExit(f"failed: {', '.join(failures)}")


if __name__ == "__main__":
    main()
