"""The `netwave` command: wires settings to the worker, API, lab, dev stack, tokens and runs."""

from __future__ import annotations

import asyncio
import signal
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from services.cli_changes import change_cancel, change_request, change_wait, change_withdraw
from services.cli_devices import devices_app
from services.cli_intent import intent_app
from services.cli_inventory import inventory_app
from services.cli_platforms import platforms as platforms_command
from services.cli_tables import (
    campaign_line,
    campaign_view,
    campaigns_table,
    change_panel,
    compliance_table,
    images_table,
)
from services.cli_tokens import token_app
from services.core.errors import NetwaveError
from services.core.logging import setup_logging
from services.core.settings import Settings, get_settings

if TYPE_CHECKING:
    from services.client import NetwaveClient

app = typer.Typer(
    help="netwave: durable, reviewable, reversible fleet-wide network change.", no_args_is_help=True
)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
backup_app = typer.Typer(help="Config backups through the API.", no_args_is_help=True)
audit_app = typer.Typer(help="Compliance audits through the API.", no_args_is_help=True)
change_app = typer.Typer(help="Capacity change requests through the API.", no_args_is_help=True)
app.add_typer(change_app, name="change")
change_app.command("request")(change_request)
change_app.command("wait")(change_wait)
change_app.command("withdraw")(change_withdraw)
change_app.command("cancel")(change_cancel)
schedule_app = typer.Typer(help="A tenant's audit schedule.", no_args_is_help=True)
audit_app.add_typer(schedule_app, name="schedule")
app.add_typer(audit_app, name="audit")
app.add_typer(token_app, name="token")
app.add_typer(db_app, name="db")
app.add_typer(backup_app, name="backup")
campaign_app = typer.Typer(
    help="Upgrade campaigns: OS upgrades and config rollouts in canary + waves.",
    no_args_is_help=True,
)
app.add_typer(campaign_app, name="campaign")
image_app = typer.Typer(help="The OS image catalogue campaigns upgrade to.", no_args_is_help=True)
app.add_typer(image_app, name="image")
app.add_typer(intent_app, name="intent")
app.add_typer(devices_app, name="devices")
app.add_typer(inventory_app, name="inventory")
app.command("platforms")(platforms_command)
# Piped output (CI logs, `make demo | tee`) is not 80 columns wide: keep tables readable.
console = Console(width=None if sys.stdout.isatty() else 150)
err = Console(stderr=True)

ROLES = ("tenant", "engineer", "approver", "admin")


def _fail(message: str, code: int = 1) -> typer.Exit:
    err.print(f"[red]error:[/] {message}")
    return typer.Exit(code)


@app.command()
def worker(
    queues: Annotated[
        str,
        typer.Option(
            help="which task queues to poll: all, workflows (orchestration only) or devices "
            "(device I/O only), so each can be scaled on its own"
        ),
    ] = "all",
) -> None:
    """Run a Temporal worker for netwave's workflows and device activities."""
    from services.worker.main import QUEUE_CHOICES, run_worker

    if queues not in QUEUE_CHOICES:
        raise _fail(f"--queues must be one of {', '.join(QUEUE_CHOICES)}, not {queues!r}")
    setup_logging()
    asyncio.run(run_worker(get_settings(), queues))


@app.command()
def api(
    host: Annotated[str | None, typer.Option(help="bind address")] = None,
    port: Annotated[int | None, typer.Option(help="bind port")] = None,
) -> None:
    """Serve the HTTP API (OpenAPI at /docs)."""
    import uvicorn

    from services.api.main import create_app

    setup_logging()
    settings = get_settings()
    uvicorn.run(
        create_app(settings),
        host=host or settings.api_host,
        port=port or settings.api_port,
        log_level="warning",
    )


@app.command()
def lab(
    inventory: Annotated[Path | None, typer.Option(help="inventories folder to serve")] = None,
    generate: Annotated[int | None, typer.Option(help="serve N generated devices instead")] = None,
    base_port: Annotated[int, typer.Option(help="first port for generated devices")] = 20000,
    control_port: Annotated[int | None, typer.Option(help="lab control HTTP port")] = None,
    reload_seconds: Annotated[
        float | None, typer.Option(help="how long a reload keeps a device away (default 8)")
    ] = None,
    copy_seconds: Annotated[
        float | None, typer.Option(help="how long an image copy takes (default 3)")
    ] = None,
    bgp_seconds: Annotated[
        float | None, typer.Option(help="BGP establishes this long after a boot (default 5)")
    ] = None,
) -> None:
    """Serve simulated devices over SSH on 127.0.0.1, one port per device."""
    from services.lab.device import LabTimings
    from services.lab.main import run_lab

    setup_logging()
    settings = get_settings()
    given = {
        "reload_seconds": reload_seconds,
        "copy_seconds": copy_seconds,
        "bgp_establish_seconds": bgp_seconds,
    }
    timings = LabTimings.model_validate({k: v for k, v in given.items() if v is not None})
    try:
        run_lab(
            inventories=None if generate else (inventory or settings.inventories_path),
            generate=generate,
            base_port=base_port,
            control_port=control_port or settings.lab_control_port,
            timings=timings,
        )
    except NetwaveError as exc:
        raise _fail(str(exc)) from None


@app.command()
def dev(
    device_workers: Annotated[
        int,
        typer.Option(
            min=0,
            max=64,
            help="more worker processes on the device queue (SSH work on more cores)",
        ),
    ] = 0,
    no_lab: Annotated[
        bool, typer.Option("--no-lab", help="Temporal, worker and API only: real devices only")
    ] = False,
) -> None:
    """Start Temporal, the lab, a worker and the API; stop them all on Ctrl-C.

    The lab serves only the inventory devices it can simulate that point at loopback; real
    devices are left alone. Every credential and every port is checked before anything starts.
    """
    from services.bootstrap import check_credentials, prepare_local
    from services.devstack import DevStack, StackError, lab_device_ports

    settings = get_settings()
    try:
        prepare_local(settings, lab=not no_lab)  # the lab's host key is trusted for its devices
        check_credentials(settings)
        stack = DevStack(settings, device_workers=device_workers, with_lab=not no_lab)
        stack.check_ports(None if no_lab else lab_device_ports(settings))
        stack.start(on_ready=lambda name: console.print(f"[green]ready[/] {name}"))
    except (StackError, NetwaveError) as exc:
        raise _fail(str(exc)) from None
    added = asyncio.run(_default_schedules(settings))
    if added:
        console.print(f"created nightly audit schedules (02:00 UTC) for: {', '.join(added)}")
    console.print(f"API        {settings.api_url}  (OpenAPI: {settings.api_url}/docs)")
    console.print(f"Temporal   {settings.temporal_address}  (Web UI: {settings.temporal_ui_url})")
    console.print(f"Logs       {settings.var_dir / 'logs'}")
    console.print("Token      netwave token create --role engineer   |   Ctrl-C stops everything")
    stopping = False

    def _stop(*_: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, _stop)
    signal.signal(signal.SIGTERM, _stop)
    code = 0
    while not stopping:
        dead = stack.failed_child()
        if dead is not None:
            err.print(f"[red]{dead.name} exited[/]; see {dead.log_path}")
            code = 1
            break
        time.sleep(0.5)
    console.print("stopping...")
    stack.stop()
    raise typer.Exit(code)


async def _default_schedules(settings: Settings) -> list[str]:
    from services.core.temporal import connect
    from services.network.inventory import list_tenants
    from workflows.audit.schedules import ensure_default_schedules

    client = await connect(settings)
    return await ensure_default_schedules(client, settings, list_tenants(settings.inventories_path))


@app.command()
def demo() -> None:
    """Start the stack; back up and audit every lab tenant, apply two changes, run an OS upgrade
    campaign (one router rolled back); print summaries."""
    from services.demo import run_demo
    from services.devstack import StackError

    try:
        code = run_demo(get_settings(), console)
    except (StackError, NetwaveError) as exc:
        raise _fail(str(exc)) from None
    raise typer.Exit(code)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply database migrations up to the newest."""
    from services.store.migrate import upgrade

    settings = get_settings()
    upgrade(settings.database_url)
    console.print("database is up to date")


@app.command()
def health(
    api: Annotated[bool, typer.Option("--api", help="ask the running API's GET /healthz")] = False,
) -> None:
    """Exit 0 when the database and Temporal answer (container health checks), else 1."""
    import httpx

    settings = get_settings()
    if api:
        host = "127.0.0.1" if settings.api_host in ("0.0.0.0", "::") else settings.api_host
        try:
            reply = httpx.get(f"http://{host}:{settings.api_port}/healthz", timeout=5)
        except httpx.HTTPError as exc:
            raise _fail(f"the API on {host}:{settings.api_port} does not answer: {exc}") from None
        console.print(reply.text)
        raise typer.Exit(0 if reply.status_code == 200 else 1)
    status = asyncio.run(_dependency_health(settings))
    console.print(" ".join(f"{name}={state}" for name, state in status.items()))
    raise typer.Exit(0 if all(state == "ok" for state in status.values()) else 1)


async def _dependency_health(settings: Settings) -> dict[str, str]:
    from sqlalchemy import text

    from services.core.temporal import connect
    from services.store.db import make_engine

    status: dict[str, str] = {}
    engine = make_engine(settings.database_url)
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        status["database"] = "ok"
    except Exception as exc:  # a health check reports, never raises
        status["database"] = f"error: {type(exc).__name__}"
    finally:
        engine.dispose()
    try:
        client = await asyncio.wait_for(connect(settings), timeout=5)
        await client.service_client.check_health()
        status["temporal"] = "ok"
    except Exception as exc:
        status["temporal"] = f"error: {type(exc).__name__}"
    return status


TokenOption = Annotated[str, typer.Option(envvar="NETWAVE_TOKEN", help="API token")]


def _client(token: str) -> NetwaveClient:
    from services.client import NetwaveClient

    if not token:
        raise _fail("set NETWAVE_TOKEN or pass --token (netwave token create --role engineer)", 2)
    return NetwaveClient(get_settings().api_url, token)


def _follow(client: NetwaveClient, run: dict[str, Any], label: str) -> dict[str, Any]:
    """Follow a run with a live progress bar until it ends."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
    with Progress(*columns, console=console, transient=True) as bar:
        task = bar.add_task(f"{label} {run['run_id'][:8]}", total=None)

        def show(doc: dict[str, Any]) -> None:
            progress = doc.get("progress") or {}
            bar.update(task, completed=progress.get("done", 0), total=progress.get("total"))

        return client.wait_run(run["run_id"], on_progress=show)


@backup_app.command("run")
def backup_run(
    tenant: Annotated[str | None, typer.Option(help="one tenant; default every tenant")] = None,
    token: TokenOption = "",
) -> None:
    """Back up running configs through the API and follow the run to its end."""
    from services.client import ApiError

    try:
        with _client(token) as client:
            final = _follow(client, client.start_backup(tenant), "backup")
    except ApiError as exc:
        raise _fail(str(exc)) from None
    table = Table("tenant", "device", "outcome", "version", "error")
    for d in (final.get("result") or {}).get("devices", []):
        table.add_row(
            d["tenant"],
            d["device"],
            d["outcome"],
            str(d.get("version") or "-"),
            d.get("error") or "",
        )
    console.print(table)
    raise typer.Exit(0 if final["status"] == "COMPLETED" else 1)


@audit_app.command("run")
def audit_run(
    tenant: Annotated[str, typer.Option(help="tenant to audit")],
    token: TokenOption = "",
) -> None:
    """Audit a tenant now through the API, with a live progress bar, and print the report."""
    from services.client import ApiError

    try:
        with _client(token) as client:
            final = _follow(client, client.start_audit(tenant), f"audit {tenant}")
            if final["status"] != "COMPLETED":
                raise _fail(f"audit ended {final['status']}: {final.get('failure') or ''}")
            report = client.report(tenant, final["result"]["report_id"])
    except ApiError as exc:
        raise _fail(str(exc)) from None
    console.print(compliance_table(report))


@audit_app.command("reports")
def audit_reports(tenant: Annotated[str, typer.Option()], token: TokenOption = "") -> None:
    """List a tenant's audit reports, newest first."""
    from services.client import ApiError

    try:
        with _client(token) as client:
            reports = client.reports(tenant)
    except ApiError as exc:
        raise _fail(str(exc)) from None
    table = Table("report", "started", "status", "score", "compliant", "drift", "unreachable")
    for r in reports:
        score = "-" if r.get("score") is None else f"{r['score']:.1f} %"
        table.add_row(
            r["id"],
            str(r["started_at"])[:19],
            r["status"],
            score,
            str(r["devices_compliant"]),
            str(r["devices_drift"]),
            str(r["devices_unreachable"]),
        )
    console.print(table)


@audit_app.command("show")
def audit_show(
    tenant: Annotated[str, typer.Option()],
    report: Annotated[str, typer.Argument(help="report id (see `audit reports`)")],
    token: TokenOption = "",
) -> None:
    """Show one report: per device status and drifted features."""
    from services.client import ApiError

    try:
        with _client(token) as client:
            console.print(compliance_table(client.report(tenant, report)))
    except ApiError as exc:
        raise _fail(str(exc)) from None


def _schedule_call(
    tenant: str, token: str, action: str, body: dict[str, Any] | None = None
) -> None:
    from services.client import ApiError

    try:
        with _client(token) as client:
            state = client.schedule(tenant, action, body)
    except ApiError as exc:
        raise _fail(str(exc)) from None
    if isinstance(state, dict) and "schedule_id" in state:
        when = state["cron"] and f"cron '{state['cron']}' {state['timezone']}"
        when = when or f"every {state['every_seconds']} s"
        console.print(
            f"{state['schedule_id']}: {when}, {'paused' if state['paused'] else 'active'}; "
            f"next: {', '.join(str(t)[:19] for t in state['next_runs'][:3]) or '-'}"
        )
    else:
        console.print(f"{action}: done")


@schedule_app.command("show")
def schedule_show(tenant: Annotated[str, typer.Option()], token: TokenOption = "") -> None:
    """Show a tenant's audit schedule and its next runs."""
    _schedule_call(tenant, token, "show")


@schedule_app.command("set")
def schedule_set(
    tenant: Annotated[str, typer.Option()],
    cron: Annotated[str | None, typer.Option(help="cron, e.g. '0 2 * * *'")] = None,
    timezone: Annotated[str, typer.Option(help="IANA timezone")] = "UTC",
    every_seconds: Annotated[
        int | None, typer.Option(help="fixed interval instead of cron")
    ] = None,
    token: TokenOption = "",
) -> None:
    """Create or change a tenant's audit schedule."""
    body: dict[str, Any] = {"timezone": timezone, "cron": cron, "every_seconds": every_seconds}
    if cron is None and every_seconds is None:
        body["cron"] = "0 2 * * *"
    _schedule_call(tenant, token, "set", body)


@schedule_app.command("pause")
def schedule_pause(tenant: Annotated[str, typer.Option()], token: TokenOption = "") -> None:
    """Pause a tenant's scheduled audits."""
    _schedule_call(tenant, token, "pause")


@schedule_app.command("resume")
def schedule_resume(tenant: Annotated[str, typer.Option()], token: TokenOption = "") -> None:
    """Resume a tenant's scheduled audits."""
    _schedule_call(tenant, token, "resume")


@schedule_app.command("trigger")
def schedule_trigger(tenant: Annotated[str, typer.Option()], token: TokenOption = "") -> None:
    """Run a tenant's scheduled audit now."""
    _schedule_call(tenant, token, "trigger")


@schedule_app.command("delete")
def schedule_delete(tenant: Annotated[str, typer.Option()], token: TokenOption = "") -> None:
    """Delete a tenant's audit schedule."""
    _schedule_call(tenant, token, "delete")


@change_app.command("list")
def change_list(
    tenant: Annotated[str | None, typer.Option(help="one tenant (tenant tokens must)")] = None,
    status: Annotated[str | None, typer.Option(help="e.g. awaiting_approval")] = None,
    token: TokenOption = "",
) -> None:
    """List change requests, newest first."""
    from services.client import ApiError

    try:
        with _client(token) as client:
            items = client.changes(tenant, status)
    except ApiError as exc:
        raise _fail(str(exc)) from None
    table = Table("change", "tenant", "site", "kind", "status", "requested by", "created")
    for c in items:
        table.add_row(
            c["id"],
            c["tenant"],
            c["site"],
            c["kind"],
            c["status"],
            c["requested_by"],
            str(c["created_at"])[:19],
        )
    console.print(table)


@change_app.command("show")
def change_show(
    tenant: Annotated[str, typer.Option()],
    change_id: Annotated[str, typer.Argument(help="change id")],
    token: TokenOption = "",
) -> None:
    """Show a change: status, policy reason, per-device diff and commands, timeline."""
    from services.client import ApiError

    try:
        with _client(token) as client:
            doc = client.change(tenant, change_id)
    except ApiError as exc:
        raise _fail(str(exc)) from None
    console.print(change_panel(doc))


def _decide(
    tenant: str,
    change_id: str,
    action: str,
    text: str,
    token: str,
    features: list[str] | None = None,
) -> None:
    from services.client import ApiError

    try:
        with _client(token) as client:
            doc = client.decide_change(tenant, change_id, action, text, features)
    except ApiError as exc:
        raise _fail(str(exc)) from None
    console.print(f"change {change_id}: {doc['change']['status']}")


@change_app.command("approve")
def change_approve(
    tenant: Annotated[str, typer.Option()],
    change_id: Annotated[str, typer.Argument()],
    comment: Annotated[str, typer.Option(help="why (required; kept in the audit log)")],
    feature: Annotated[
        list[str] | None,
        typer.Option(help="remediation: approve only this feature (repeatable; default all)"),
    ] = None,
    token: TokenOption = "",
) -> None:
    """Approve the current plan of a change (approver or admin; never your own)."""
    _decide(tenant, change_id, "approve", comment, token, feature or None)


@change_app.command("reject")
def change_reject(
    tenant: Annotated[str, typer.Option()],
    change_id: Annotated[str, typer.Argument()],
    comment: Annotated[str, typer.Option(help="why (required)")],
    token: TokenOption = "",
) -> None:
    """Reject a change; it never reaches a device."""
    _decide(tenant, change_id, "reject", comment, token)


@change_app.command("override-window")
def change_override(
    tenant: Annotated[str, typer.Option()],
    change_id: Annotated[str, typer.Argument()],
    reason: Annotated[str, typer.Option(help="why it cannot wait (audit log)")],
    token: TokenOption = "",
) -> None:
    """Run a scheduled change now instead of in its maintenance window (admin)."""
    _decide(tenant, change_id, "override-window", reason, token)


# -- campaigns -----------------------------------------------------------------------------


def _spec_file(path: Path) -> dict[str, Any]:
    import yaml

    try:
        loaded = yaml.safe_load(path.read_text())
    except OSError as exc:
        raise _fail(f"{path}: cannot read ({exc.strerror})", 2) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f":{mark.line + 1}" if mark is not None else ""
        raise _fail(f"{path}{line}: not valid YAML ({getattr(exc, 'problem', exc)})", 2) from None
    if not isinstance(loaded, dict):
        raise _fail(f"{path}: a campaign spec is a mapping (name, kind, targets, ...)", 2)
    return loaded


def _versions(pairs: list[str]) -> dict[str, str]:
    versions: dict[str, str] = {}
    for pair in pairs:
        platform, sep, version = pair.partition("=")
        if not sep or not platform.strip() or not version.strip():
            raise _fail(
                f"--version takes PLATFORM=VERSION (see `netwave platforms`), not {pair!r}", 2
            )
        versions[platform.strip()] = version.strip()
    return versions


def build_spec(base: dict[str, Any], options: dict[str, Any]) -> dict[str, Any]:
    """The launch body: the spec file (if any) with every option given on the command line
    laid over it. `options` keys are dotted spec paths; None means "not given"."""
    spec: dict[str, Any] = {k: dict(v) if isinstance(v, dict) else v for k, v in base.items()}
    for dotted, value in options.items():
        if value is None or value == [] or value == {}:
            continue
        *parents, leaf = dotted.split(".")
        node = spec
        for part in parents:
            child = node.get(part)
            node[part] = child = dict(child) if isinstance(child, dict) else {}
            node = child
        node[leaf] = value
    return spec


def _watch(client: NetwaveClient, doc: dict[str, Any], interval: float) -> dict[str, Any]:
    """Redraw the campaign (a bar per wave, the device table) until it is final."""
    from rich.live import Live

    campaign_id = doc["campaign"]["id"]
    try:
        with Live(campaign_view(doc), console=console, refresh_per_second=4) as live:
            return client.wait_campaign(
                campaign_id,
                on_progress=lambda latest: live.update(campaign_view(latest)),
                interval=interval,
            )
    except KeyboardInterrupt:
        err.print(f"stopped watching; campaign {campaign_id} goes on (netwave campaign show)")
        raise typer.Exit(130) from None


def _campaign_exit(doc: dict[str, Any]) -> typer.Exit:
    """0 for a completed campaign, 1 for halted, failed or cancelled."""
    status = doc["campaign"]["status"]
    if status != "completed":
        err.print(f"campaign {doc['campaign']['id']} {status}")
    return typer.Exit(0 if status == "completed" else 1)


WatchOption = Annotated[
    bool,
    typer.Option("--watch", help="follow live until the campaign ends (exit 1 unless completed)"),
]
IntervalOption = Annotated[float, typer.Option(help="seconds between polls with --watch")]


@campaign_app.command("launch")
def campaign_launch(
    name: Annotated[str | None, typer.Option(help="campaign name, e.g. edge-upgrade-q3")] = None,
    kind: Annotated[str | None, typer.Option(help="os_upgrade (default) or config_rollout")] = None,
    version: Annotated[
        list[str] | None,
        typer.Option(help="os_upgrade target, PLATFORM=VERSION (repeat per platform)"),
    ] = None,
    feature: Annotated[
        list[str] | None, typer.Option(help="config_rollout template feature (repeat)")
    ] = None,
    tenant: Annotated[list[str] | None, typer.Option(help="only these tenants (repeat)")] = None,
    site: Annotated[list[str] | None, typer.Option(help="only these sites (repeat)")] = None,
    role: Annotated[list[str] | None, typer.Option(help="only these roles (repeat)")] = None,
    platform: Annotated[
        list[str] | None, typer.Option(help="only these platforms (repeat)")
    ] = None,
    device: Annotated[list[str] | None, typer.Option(help="only these devices (repeat)")] = None,
    canary: Annotated[
        int | None, typer.Option(help="devices in the canary wave (default 1)")
    ] = None,
    wave_size: Annotated[int | None, typer.Option(help="devices per wave (default 10)")] = None,
    max_concurrency: Annotated[
        int | None, typer.Option(help="devices at once (default 10)")
    ] = None,
    max_per_tenant: Annotated[
        int | None, typer.Option(help="devices of one tenant at once")
    ] = None,
    max_failures: Annotated[
        int | None, typer.Option(help="halt when more devices than this fail (default 0)")
    ] = None,
    max_failure_percent: Annotated[
        float | None, typer.Option(help="halt when more than this % of devices fail")
    ] = None,
    pause_between: Annotated[
        float | None, typer.Option(help="seconds to wait between waves")
    ] = None,
    approve_after_canary: Annotated[
        bool, typer.Option("--approve-after-canary", help="wait for an approver after the canary")
    ] = False,
    ignore_windows: Annotated[
        bool,
        typer.Option("--ignore-windows", help="run outside maintenance windows (admin only)"),
    ] = False,
    reload_timeout: Annotated[
        float | None, typer.Option(help="seconds a device may take to come back (default 900)")
    ] = None,
    settle: Annotated[
        float | None, typer.Option(help="seconds BGP may take to come back after (default 60)")
    ] = None,
    file: Annotated[
        Path | None,
        typer.Option("--file", "-f", help="a spec YAML (the API's CampaignSpec); options override"),
    ] = None,
    watch: WatchOption = False,
    interval: IntervalOption = 2.0,
    token: TokenOption = "",
) -> None:
    """Launch an OS upgrade or config rollout in canary + waves (engineer or admin).

    Example: netwave campaign launch --name edge-q3 --version PLATFORM=VERSION
    --platform PLATFORM --canary 1 --wave-size 5 --max-failures 1 --watch
    (`netwave platforms` lists the platforms and which of them can be upgraded)
    """
    from services.client import ApiError

    base = _spec_file(file) if file else {}
    spec = build_spec(
        base,
        {
            "name": name,
            "kind": kind or (None if "kind" in base else "os_upgrade"),
            "target_versions": _versions(version or []),
            "features": feature,
            "targets.tenants": tenant,
            "targets.sites": site,
            "targets.roles": role,
            "targets.platforms": platform,
            "targets.devices": device,
            "strategy.canary_size": canary,
            "strategy.wave_size": wave_size,
            "strategy.max_concurrency": max_concurrency,
            "strategy.max_per_tenant": max_per_tenant,
            "strategy.max_failures": max_failures,
            "strategy.max_failure_percent": max_failure_percent,
            "strategy.pause_between_waves_seconds": pause_between,
            "strategy.approve_after_canary": approve_after_canary or None,
            "respect_windows": False if ignore_windows else None,
            "reload_timeout_seconds": reload_timeout,
            "post_check.settle_seconds": settle,
        },
    )
    if "name" not in spec:
        raise _fail("a campaign needs --name (or name: in --file)", 2)
    try:
        with _client(token) as client:
            doc = client.launch_campaign(spec)
            console.print(campaign_line(doc))
            console.print(f"Temporal: {doc['temporal_ui']}")
            if not watch:
                return
            final = _watch(client, doc, interval)
    except ApiError as exc:
        where = f" (spec from {file})" if file and exc.status_code == 422 else ""
        raise _fail(f"{exc}{where}") from None
    raise _campaign_exit(final)


@campaign_app.command("list")
def campaign_list(
    limit: Annotated[int, typer.Option(help="at most this many, newest first")] = 50,
    token: TokenOption = "",
) -> None:
    """List campaigns, newest first."""
    from services.client import ApiError

    try:
        with _client(token) as client:
            console.print(campaigns_table(client.campaigns(limit)))
    except ApiError as exc:
        raise _fail(str(exc)) from None


@campaign_app.command("show")
def campaign_show(
    campaign_id: Annotated[str, typer.Argument(help="campaign id (see `campaign list`)")],
    watch: WatchOption = False,
    interval: IntervalOption = 2.0,
    token: TokenOption = "",
) -> None:
    """Show a campaign: a progress bar per wave and every device's status."""
    from services.client import ApiError

    try:
        with _client(token) as client:
            doc = client.campaign(campaign_id)
            if not watch:
                console.print(campaign_view(doc))
                return
            final = _watch(client, doc, interval)
    except ApiError as exc:
        raise _fail(str(exc)) from None
    raise _campaign_exit(final)


def _control(campaign_id: str, action: str, comment: str, token: str) -> None:
    from services.client import ApiError

    try:
        with _client(token) as client:
            doc = client.control_campaign(campaign_id, action, comment)
    except ApiError as exc:
        raise _fail(str(exc)) from None
    console.print(campaign_line(doc))


CommentOption = Annotated[str, typer.Option(help="why (kept in the audit log)")]


@campaign_app.command("pause")
def campaign_pause(
    campaign_id: Annotated[str, typer.Argument()],
    comment: CommentOption = "",
    token: TokenOption = "",
) -> None:
    """Start no new device; devices in flight finish their runbook."""
    _control(campaign_id, "pause", comment, token)


@campaign_app.command("resume")
def campaign_resume(
    campaign_id: Annotated[str, typer.Argument()],
    comment: CommentOption = "",
    token: TokenOption = "",
) -> None:
    """Start devices again after a pause."""
    _control(campaign_id, "resume", comment, token)


@campaign_app.command("cancel")
def campaign_cancel(
    campaign_id: Annotated[str, typer.Argument()],
    comment: CommentOption = "",
    token: TokenOption = "",
) -> None:
    """Stop: devices in flight finish safely, the rest stays untouched."""
    _control(campaign_id, "cancel", comment, token)


@campaign_app.command("approve")
def campaign_approve(
    campaign_id: Annotated[str, typer.Argument()],
    comment: CommentOption = "",
    token: TokenOption = "",
) -> None:
    """Open the gate after a good canary (approver or admin; not the launcher)."""
    _control(campaign_id, "approve", comment, token)


@campaign_app.command("retry")
def campaign_retry(
    campaign_id: Annotated[str, typer.Argument(help="a finished campaign")],
    watch: WatchOption = False,
    interval: IntervalOption = 2.0,
    token: TokenOption = "",
) -> None:
    """Launch a new campaign, same spec, over the devices that failed or were rolled back."""
    from services.client import ApiError

    try:
        with _client(token) as client:
            doc = client.retry_campaign(campaign_id)
            console.print(f"retry of {campaign_id}:")
            console.print(campaign_line(doc))
            if not watch:
                return
            final = _watch(client, doc, interval)
    except ApiError as exc:
        raise _fail(str(exc)) from None
    raise _campaign_exit(final)


@image_app.command("list")
def image_list(
    platform: Annotated[
        str | None, typer.Option(help="one platform (see `netwave platforms`)")
    ] = None,
    token: TokenOption = "",
) -> None:
    """List the OS images campaigns may upgrade to."""
    from services.client import ApiError

    try:
        with _client(token) as client:
            console.print(images_table(client.images(platform)))
    except ApiError as exc:
        raise _fail(str(exc)) from None


@image_app.command("add")
def image_add(
    platform: Annotated[str, typer.Option(help="platform (see `netwave platforms`)")],
    version: Annotated[str, typer.Option(help="OS version, e.g. 17.9.4a")],
    filename: Annotated[str, typer.Option(help="file name on the image server and in flash")],
    size: Annotated[int, typer.Option(help="size in bytes")],
    md5: Annotated[str, typer.Option(help="checksum the device must report after the copy")],
    token: TokenOption = "",
) -> None:
    """Add an image to the catalogue (engineer or admin)."""
    from services.client import ApiError

    body = {"platform": platform, "version": version, "filename": filename, "size": size}
    try:
        with _client(token) as client:
            added = client.add_image({**body, "md5": md5.lower()})
    except ApiError as exc:
        raise _fail(str(exc)) from None
    console.print(f"image {added['id']}: {added['platform']} {added['version']} added")


@image_app.command("delete")
def image_delete(
    image_id: Annotated[int, typer.Argument(help="image id (see `image list`)")],
    token: TokenOption = "",
) -> None:
    """Remove an image from the catalogue; campaigns already running keep theirs."""
    from services.client import ApiError

    try:
        with _client(token) as client:
            client.delete_image(image_id)
    except ApiError as exc:
        raise _fail(str(exc)) from None
    console.print(f"image {image_id} deleted")


if __name__ == "__main__":
    app()
    sys.exit(0)
