"""`make demo`: start the stack; back up, audit, change and upgrade the lab tenants through the
API."""

from __future__ import annotations

from collections import defaultdict
from typing import Any, NamedTuple

import httpx
from rich.console import Console, Group
from rich.live import Live
from rich.progress import BarColumn, Progress, TextColumn
from rich.table import Table

from services.bootstrap import check_credentials, prepare_local
from services.changes.lifecycle import TERMINAL_STATUSES
from services.cli.tables import (
    campaign_devices_table,
    campaign_line,
    compliance_table,
    waves_table,
)
from services.client import ApiError, NetwaveClient
from services.core.settings import Settings
from services.devstack import DevStack, lab_device_ports
from services.lab.images import DEMO_UPGRADE
from services.store.repos import tokens as token_repo

GOOD = {"backed_up", "unchanged"}


def run_demo(settings: Settings, console: Console) -> int:
    sessions = prepare_local(settings, lab=True)
    check_credentials(settings)
    stack = DevStack(settings, lab_args=LAB_TIMINGS)
    stack.check_ports(lab_device_ports(settings))
    pepper = settings.token_pepper.get_secret_value()
    tokens: dict[str, str] = {}
    with sessions.begin() as session:
        for name, role, tenant in DEMO_USERS:
            tokens[name], _ = token_repo.create_token(
                session, role=role, tenant=tenant, name=name, pepper=pepper
            )
    token = tokens["demo-engineer"]
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
            for report in reports:
                console.print(compliance_table(report))
            changes = run_changes(settings, tokens, console)
            campaign = run_campaign(settings, tokens, console)
    finally:
        stack.stop()
    console.print(_change_summary(changes))
    console.print(campaign_devices_table(campaign, title="OS upgrade campaign", steps=False))
    console.print(campaign_line(campaign))
    console.print(f"devices: {_counts(campaign['counts'])}")
    bad = [d for d in devices if d["outcome"] not in GOOD]
    unverified = [c for c in changes if c["change"]["status"] != "verified"]
    upgraded = campaign["campaign"]["status"] == "completed"
    return 1 if bad or not reports or unverified or not upgraded else 0


DEMO_USERS = (
    ("demo-engineer", "engineer", None),
    ("acme-noc", "tenant", "acme"),
    ("globex-noc", "tenant", "globex"),
    ("vandelay-noc", "tenant", "vandelay"),
    ("msp-approver", "approver", None),
    ("msp-admin", "admin", None),
)
FINAL: set[str] = set(TERMINAL_STATUSES)
# The demo's lab reloads in 3 s (8 s by default) so that the campaign takes about a minute.
LAB_TIMINGS = ("--reload-seconds", "3", "--copy-seconds", "1", "--bgp-seconds", "2")
FAULTY = "globex-par-r1"  # in a later wave: loses its WAN link after the reload
CAMPAIGN: dict[str, Any] = {
    "name": "demo-os-upgrade",
    "kind": "os_upgrade",
    "target_versions": DEMO_UPGRADE,
    "strategy": {"canary_size": 1, "wave_size": 5, "max_concurrency": 5, "max_failures": 1},
    "respect_windows": False,
    "reload_timeout_seconds": 60,
    "post_check": {"settle_seconds": 5},
}


class WanChange(NamedTuple):
    """An auto-approved WAN rate change; of its two rates in the contract, a demo asks for
    the one its intent does not hold yet."""

    user: str
    tenant: str
    site: str
    device: str
    rates: tuple[int, int]


WAN = (
    WanChange("acme-noc", "acme", "branch1", "acme-branch1-r1", (80, 90)),
    WanChange("vandelay-noc", "vandelay", "nyc", "vandelay-nyc-fw1", (700, 800)),
)


def run_changes(
    settings: Settings, tokens: dict[str, str], console: Console
) -> list[dict[str, Any]]:
    """Auto-approved WAN changes, and one that an approver (not the requester) approves."""
    url = settings.api_url
    requested = [_request_wan(url, tokens[change.user], console, change) for change in WAN]
    with (
        NetwaveClient(url, tokens["globex-noc"]) as globex,
        NetwaveClient(url, tokens["msp-approver"]) as approver,
        NetwaveClient(url, tokens["msp-admin"]) as admin,
    ):
        profile = globex.intent("globex", "globex-par-r1")["data"]["qos_profile"]
        other = "standard" if profile == "premium" else "premium"
        manual = globex.request_change(
            "globex", {"kind": "qos_profile", "site": "par", "profile": other}
        )
        manual_id = manual["change"]["id"]
        console.print(f"globex-noc requested change {manual_id}: par to QoS profile {other}")
        doc = globex.wait_change("globex", manual_id, {"awaiting_approval"} | FINAL)
        console.print(
            f"  {manual_id}: {doc['change']['status']} ({doc['change']['policy_reason']})"
        )
        approver.decide_change("globex", manual_id, "approve", f"{other} QoS is in the contract")
        console.print(f"  msp-approver approved {manual_id}")
        finals = []
        for tenant, change_id in [*requested, ("globex", manual_id)]:
            doc = admin.wait_change(tenant, change_id, {"scheduled"} | FINAL)
            if doc["change"]["status"] == "scheduled":
                window = str(doc["change"]["window_start"])[:16]
                console.print(f"  {change_id}: next window {window}; msp-admin opens it now (demo)")
                try:
                    admin.decide_change(tenant, change_id, "override-window", "demo: run now")
                except ApiError as exc:
                    # the window opened by itself between the read and the override: go on
                    now = admin.change(tenant, change_id)["change"]["status"]
                    if exc.status_code != 409 or now == "scheduled":
                        raise
                    console.print(f"  {change_id}: its window opened meanwhile ({now})")
            finals.append(admin.wait_change(tenant, change_id, FINAL))
    return finals


def _request_wan(url: str, token: str, console: Console, wan: WanChange) -> tuple[str, str]:
    """Request a WAN rate change as the tenant; (tenant, change id)."""
    with NetwaveClient(url, token) as client:
        # A second demo on the same database finds its first one's changes in the intent:
        # ask for something else than the intent holds (the same again is a 409).
        held = client.intent(wan.tenant, wan.device)["data"]["wan"]["bandwidth_mbps"]
        rate = wan.rates[1] if held == wan.rates[0] else wan.rates[0]
        body = {"kind": "wan_bandwidth", "site": wan.site, "bandwidth_mbps": rate}
        change_id = str(client.request_change(wan.tenant, body)["change"]["id"])
    console.print(f"{wan.user} requested change {change_id}: {wan.site} WAN to {rate} Mbps")
    return wan.tenant, change_id


def run_campaign(settings: Settings, tokens: dict[str, str], console: Console) -> dict[str, Any]:
    """Upgrade the lab's devices of DEMO_UPGRADE: a canary, then waves of five; one router
    fails its post-check, is rolled back, and the budget of one failure absorbs it."""
    lab = f"http://127.0.0.1:{settings.lab_control_port}"
    httpx.patch(
        f"{lab}/devices/{FAULTY}/faults", json={"interface_down_after_reload": "wan"}, timeout=10
    ).raise_for_status()
    with NetwaveClient(settings.api_url, tokens["msp-admin"]) as admin:
        doc = admin.launch_campaign(CAMPAIGN)
        versions = ", ".join(f"{p} {v}" for p, v in sorted(DEMO_UPGRADE.items()))
        console.print(
            f"msp-admin launched OS upgrade campaign {doc['campaign']['id']} ({versions}; "
            f"canary 1, waves of 5, 1 failure allowed, outside windows); "
            f"lab fault: {FAULTY} loses its WAN link after the reload"
        )
        console.print(f"  {doc['temporal_ui']}")
        reported: set[int] = set()
        with Live(_campaign_live(doc), console=console, transient=True) as live:

            def show(latest: dict[str, Any]) -> None:
                live.update(_campaign_live(latest))
                for wave in latest["waves"]:
                    if wave["done"] == wave["devices"] and wave["index"] not in reported:
                        reported.add(wave["index"])
                        label = "canary" if wave["canary"] else f"wave {wave['index']}"
                        live.console.print(
                            f"  {label}: {wave['devices']} device(s) done: "
                            f"{_counts(wave['counts'])}"
                        )

            return admin.wait_campaign(doc["campaign"]["id"], show, interval=1.0, timeout=600)


def _campaign_live(doc: dict[str, Any]) -> Group:
    return Group(campaign_line(doc), waves_table(doc))


def _counts(counts: dict[str, int]) -> str:
    return ", ".join(f"{n} {status}" for status, n in sorted(counts.items())) or "-"


def _change_summary(changes: list[dict[str, Any]]) -> Table:
    table = Table(title="Capacity changes")
    for column in ("change", "tenant/site", "kind", "approved by", "status", "timeline"):
        table.add_column(column)
    for doc in changes:
        c = doc["change"]
        approved = ", ".join(a["approver"] for a in doc["approvals"]) or "policy"
        timeline = " > ".join(e["to_status"] for e in doc["events"])
        style = "green" if c["status"] == "verified" else "red"
        table.add_row(
            c["id"][:8],
            f"{c['tenant']}/{c['site']}",
            c["kind"],
            approved,
            f"[{style}]{c['status']}[/]",
            timeline,
        )
    return table


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
