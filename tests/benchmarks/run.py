"""`make bench`: run every benchmark, print a table of numbers and ratios, save JSON.

`python -m tests.benchmarks.run [--quick]` (--quick: small sizes, the smoke run used by tests).
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from services.lab.bench import run_bench
from tests.benchmarks.audit_scale import run_audit_scale

OUT = Path("var") / "bench"


def lab_rows(sizes: list[int], workers: int = 50) -> list[dict[str, Any]]:
    rows = []
    for devices in sizes:
        r = run_bench(devices=devices, workers=workers)
        rows.append(
            {
                "scenario": f"lab collect {devices} ({workers} threads)",
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
        )
    return rows


def audit_rows(sizes: list[int], workdir: Path) -> list[dict[str, Any]]:
    rows = []
    for devices in sizes:
        r = run_audit_scale(workdir / f"audit-{devices}", devices)
        rows.append(
            {
                "scenario": f"audit {devices}",
                "bare s": r.bare_seconds,
                "netwave s": r.netwave_seconds,
                "ratio": r.ratio,
                "goal": "<= 1.25",
                "ms/device": r.netwave_ms_per_device,
                "dev/s": r.netwave_devices_per_second,
                "reported": r.netwave_devices_reported,
                **{f"RSS {k} MB": v for k, v in sorted(r.peak_rss_mb.items())},
            }
        )
    return rows


def print_table(console: Console, title: str, rows: list[dict[str, Any]]) -> None:
    if not rows:
        return
    table = Table(title=f"{title} ({os.cpu_count()} cores)")
    for column in rows[0]:
        table.add_column(column)
    for row in rows:
        table.add_row(*(str(v) for v in row.values()))
    console.print(table)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small sizes (smoke run)")
    args = parser.parse_args()
    console = Console(width=220)
    lab_sizes = [20] if args.quick else [1000]
    audit_sizes = [12] if args.quick else [100, 500, 1000]
    with tempfile.TemporaryDirectory(prefix="netwave-bench-") as tmp:
        results = {
            "cores": os.cpu_count(),
            "lab": lab_rows(lab_sizes) + lab_rows(lab_sizes, workers=10),
            "audit": audit_rows(audit_sizes, Path(tmp)),
        }
    print_table(console, "Lab: Nornir collects show running-config", results["lab"])
    print_table(console, "Audit: netwave end to end vs bare Nornir+Netmiko", results["audit"])
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"bench-{time.strftime('%Y%m%dT%H%M%S')}.json"
    path.write_text(json.dumps(results, indent=2))
    console.print(f"written {path}")


if __name__ == "__main__":
    main()
