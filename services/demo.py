"""`make demo`: start the embedded stack, back up every lab tenant through the API, summarise."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn
from rich.table import Table

from services.bootstrap import prepare_local
from services.cli_tables import compliance_table
from services.client import NetwaveClient
from services.core.settings import Settings
from services.devstack import DevStack
from services.store.repos import tokens as token_repo

GOOD = {"backed_up", "unchanged"}


def run_demo(settings: Settings, console: Console) -> int:
    sessions = prepare_local(settings)
    stack = DevStack(settings)
    stack.check_ports()
    with sessions.begin() as session:
        token, _ = token_repo.create_token(
            session,
            role="engineer",
            tenant=None,
            name="demo",
            pepper=settings.token_pepper.get_secret_value(),
        )
    console.print("[bold]Starting the embedded stack[/] (Temporal, lab, worker, API)...")
    try:
        stack.start(on_ready=lambda name: console.print(f"  [green]ready[/] {name}"))
        with NetwaveClient(settings.api_url, token) as api:
            run = api.start_backup(None)
            console.print(f"Backup run {run['run_id']} started: {run['temporal_ui']}")
            final = _follow(api, run["run_id"], console, "backing up")
            if final["status"] != "COMPLETED" or final.get("result") is None:
                console.print(f"[red]backup run ended {final['status']}[/]")
                return 1
            devices = final["result"]["devices"]
            console.print(_summary(devices))
            reports = _audit_all(api, console, sorted({d["tenant"] for d in devices}))
    finally:
        stack.stop()
    for report in reports:
        console.print(compliance_table(report))
    bad = [d for d in devices if d["outcome"] not in GOOD]
    return 1 if bad or not reports else 0


def _audit_all(api: NetwaveClient, console: Console, tenants: list[str]) -> list[dict[str, Any]]:
    """Audit every tenant (in parallel through Temporal) and fetch each report."""
    runs = {tenant: api.start_audit(tenant) for tenant in tenants}
    console.print(f"Compliance audits started for {', '.join(tenants)}")
    reports = []
    for tenant, run in runs.items():
        final = _follow(api, run["run_id"], console, f"auditing {tenant}")
        if final["status"] != "COMPLETED":
            console.print(f"[red]audit of {tenant} ended {final['status']}[/]")
            continue
        reports.append(api.report(tenant, final["result"]["report_id"]))
    return reports


def _follow(api: NetwaveClient, run_id: str, console: Console, label: str) -> dict[str, Any]:
    with Progress(
        TextColumn(label),
        BarColumn(),
        TextColumn("{task.completed}/{task.total} devices"),
        console=console,
        transient=True,
    ) as bar:
        task = bar.add_task("backup", total=None)

        def show(run: dict[str, Any]) -> None:
            progress = run.get("progress") or {}
            result = run.get("result") or {}
            done = len(result.get("devices", [])) or progress.get("done", 0)
            total = len(result.get("devices", [])) or progress.get("total") or None
            bar.update(task, completed=done, total=total)

        return api.wait_run(run_id, on_progress=show)


def _summary(devices: list[dict[str, Any]]) -> Table:
    per_tenant: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for d in devices:
        per_tenant[d["tenant"]].append(d)
    table = Table(title="Fleet backup")
    for column in ("tenant", "device", "outcome", "version", "config sha256 / error"):
        table.add_column(column)
    for tenant, items in sorted(per_tenant.items()):
        for n, d in enumerate(sorted(items, key=lambda d: d["device"])):
            style = "green" if d["outcome"] in GOOD else "red"
            table.add_row(
                tenant if n == 0 else "",
                d["device"],
                f"[{style}]{d['outcome']}[/]",
                str(d.get("version") or "-"),
                (d.get("content_hash") or "")[:16] or (d.get("error") or "")[:60],
                end_section=n == len(items) - 1,
            )
    return table
