"""`netwave worker|api|lab|dev|demo|health`: start netwave's processes, or check on them."""

from __future__ import annotations

import asyncio
import signal
import time
from pathlib import Path
from typing import Annotated

import typer

from services.cli import out
from services.cli.common import API, fail
from services.cli.out import Output, OutputOption
from services.core.errors import NetwaveError
from services.core.logging import setup_logging
from services.core.settings import Settings, get_settings

# Its commands are registered on the root `netwave` app (main.py), not under a group name.
stack_app = typer.Typer()


@stack_app.command()
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
        raise fail(f"--queues must be one of {', '.join(QUEUE_CHOICES)}, not {queues!r}")
    settings = get_settings()
    setup_logging(settings)
    asyncio.run(run_worker(settings, queues))


@stack_app.command()
def api(
    host: Annotated[str | None, typer.Option(help="bind address")] = None,
    port: Annotated[int | None, typer.Option(help="bind port")] = None,
) -> None:
    """Serve the HTTP API (OpenAPI at /docs)."""
    import uvicorn

    from services.api.main import create_app

    settings = get_settings()
    setup_logging(settings)
    uvicorn.run(
        create_app(settings),
        host=host or settings.api_host,
        port=port or settings.api_port,
        log_level="warning",
        log_config=None,  # uvicorn's records go through netwave's one handler (JSON or text)
        access_log=False,  # netwave.access logs every request (services/api/access_log.py)
    )


@stack_app.command()
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
    settings = get_settings()
    setup_logging(settings)  # first: importing the lab (asyncssh) may warn
    from services.lab.device import LabTimings
    from services.lab.main import run_lab

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
        raise fail(str(exc)) from None


@stack_app.command()
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
    setup_logging(settings, level="WARNING")  # the terminal is for the URLs; children log
    try:
        prepare_local(settings, lab=not no_lab)  # the lab's host key is trusted for its devices
        check_credentials(settings)
        stack = DevStack(settings, device_workers=device_workers, with_lab=not no_lab)
        stack.check_ports(None if no_lab else lab_device_ports(settings))
        stack.start(on_ready=lambda name: out.console.print(f"[green]ready[/] {name}"))
    except (StackError, NetwaveError) as exc:
        raise fail(str(exc)) from None
    added = asyncio.run(_default_schedules(settings))
    if added:
        out.console.print(f"created nightly audit schedules (02:00 UTC) for: {', '.join(added)}")
    out.console.print(f"API        {settings.api_url}  (OpenAPI: {settings.api_url}/docs)")
    out.console.print(
        f"Temporal   {settings.temporal_address}  (Web UI: {settings.temporal_ui_url})"
    )
    out.console.print(f"Logs       {settings.var_dir / 'logs'}")
    out.console.print(
        "Token      netwave token create --role engineer   |   Ctrl-C stops everything"
    )
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
            out.err.print(f"[red]{dead.name} exited[/]; see {dead.log_path}")
            code = 1
            break
        time.sleep(0.5)
    out.console.print("stopping...")
    stack.stop()
    raise typer.Exit(code)


async def _default_schedules(settings: Settings) -> list[str]:
    from services.core.temporal import connect
    from services.network.inventory import list_tenants
    from workflows.audit.schedules import ensure_default_schedules

    client = await connect(settings)
    return await ensure_default_schedules(client, settings, list_tenants(settings.inventories_path))


@stack_app.command()
def demo() -> None:
    """Start the stack; back up and audit every lab tenant, apply two changes, run an OS upgrade
    campaign (one router rolled back); print summaries."""
    from services.demo import run_demo
    from services.devstack import StackError

    settings = get_settings()
    setup_logging(settings, level="WARNING")  # the terminal is for the demo's tables
    try:
        code = run_demo(settings, out.console)
    except (StackError, NetwaveError) as exc:
        raise fail(str(exc)) from None
    raise typer.Exit(code)


@stack_app.command()
def health(
    api: Annotated[bool, typer.Option("--api", help="ask the running API's GET /healthz")] = False,
    output: OutputOption = Output.table,
) -> None:
    """Exit 0 when the database and Temporal answer (container health checks), else 1.

    --api asks the API at --api-url (NETWAVE_API_URL) if given, else at NETWAVE_API_HOST/PORT.
    """
    import httpx

    settings = get_settings()
    if api:
        host = "127.0.0.1" if settings.api_host in ("0.0.0.0", "::") else settings.api_host
        where = API.url or f"http://{host}:{settings.api_port}"
        try:
            reply = httpx.get(f"{where}/healthz", timeout=5, verify=API.verify())
        except httpx.HTTPError as exc:
            raise fail(f"the API at {where} does not answer: {exc}") from None
        out.console.print(reply.text)  # the API's JSON as it is
        raise typer.Exit(0 if reply.status_code == 200 else 1)
    status = asyncio.run(_dependency_health(settings))
    out.show(status, lambda s: " ".join(f"{name}={state}" for name, state in s.items()), output)
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
