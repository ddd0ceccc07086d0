"""`netwave campaign`: launch OS upgrades and config rollouts, follow them live, control them."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from services.cli import out
from services.cli.common import (
    CommentOption,
    TokenOption,
    api_client,
    api_failure,
    call_api,
    fail,
)
from services.cli.out import JsonAlias, Output, OutputOption, wants_json
from services.cli.tables import (
    campaign_events_table,
    campaign_line,
    campaign_view,
    campaigns_table,
)
from services.cli.verbs import Args, Verb, option, read, register

if TYPE_CHECKING:
    from services.client import NetwaveClient

campaign_app = typer.Typer(
    help="Upgrade campaigns: OS upgrades and config rollouts in canary + waves.",
    no_args_is_help=True,
)

WatchOption = Annotated[
    bool,
    typer.Option("--watch", help="follow live until the campaign ends (exit 1 unless completed)"),
]
IntervalOption = Annotated[float, typer.Option(help="seconds between polls with --watch")]
CampaignArgument = Annotated[str, typer.Argument(help="campaign id (see `campaign list`)")]


def _spec_file(path: Path) -> dict[str, Any]:
    import yaml

    try:
        loaded = yaml.safe_load(path.read_text())
    except OSError as exc:
        raise fail(f"{path}: cannot read ({exc.strerror})", 2) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f":{mark.line + 1}" if mark is not None else ""
        raise fail(f"{path}{line}: not valid YAML ({getattr(exc, 'problem', exc)})", 2) from None
    if not isinstance(loaded, dict):
        raise fail(f"{path}: a campaign spec is a mapping (name, kind, targets, ...)", 2)
    return loaded


def _versions(pairs: list[str]) -> dict[str, str]:
    versions: dict[str, str] = {}
    for pair in pairs:
        platform, sep, version = pair.partition("=")
        if not sep or not platform.strip() or not version.strip():
            raise fail(
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


def _watch(
    client: NetwaveClient, doc: dict[str, Any], interval: float, live: bool = True
) -> dict[str, Any]:
    """Redraw the campaign (a bar per wave, the device table) until it is final; without
    `live`, poll quietly (stdout is kept for the final JSON)."""
    from rich.live import Live

    campaign_id = doc["campaign"]["id"]
    try:
        if not live:
            return client.wait_campaign(campaign_id, interval=interval)
        with Live(campaign_view(doc), console=out.console, refresh_per_second=4) as view:
            return client.wait_campaign(
                campaign_id,
                on_progress=lambda latest: view.update(campaign_view(latest)),
                interval=interval,
            )
    except KeyboardInterrupt:
        out.err.print(f"stopped watching; campaign {campaign_id} goes on (netwave campaign show)")
        raise typer.Exit(130) from None


def _campaign_exit(doc: dict[str, Any]) -> typer.Exit:
    """0 for a completed campaign, 1 for halted, failed or cancelled."""
    status = doc["campaign"]["status"]
    if status != "completed":
        out.err.print(f"campaign {doc['campaign']['id']} {status}")
    return typer.Exit(0 if status == "completed" else 1)


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
        raise fail("a campaign needs --name (or name: in --file)", 2)
    try:
        with api_client(token) as client:
            doc = client.launch_campaign(spec)
            out.console.print(campaign_line(doc))
            out.console.print(f"Temporal: {doc['temporal_ui']}")
            if not watch:
                return
            final = _watch(client, doc, interval)
    except ApiError as exc:
        where = f" (spec from {file})" if file and exc.status_code == 422 else ""
        raise fail(f"{api_failure(exc)}{where}") from None
    raise _campaign_exit(final)


@campaign_app.command("show")
def campaign_show(
    campaign_id: CampaignArgument,
    watch: WatchOption = False,
    interval: IntervalOption = 2.0,
    token: TokenOption = "",
    output: OutputOption = Output.table,
    as_json: JsonAlias = False,
) -> None:
    """Show a campaign: a progress bar per wave and every device's status (with --watch, live;
    with --output json, the final state)."""
    doc = call_api(token, lambda client: client.campaign(campaign_id))
    if not watch:
        out.show(doc, campaign_view, output, as_json)
        return
    live = not wants_json(output, as_json)  # the live view stays on screen when it ends
    final = call_api(token, lambda client: _watch(client, doc, interval, live))
    if not live:
        out.print_json(final)
    raise _campaign_exit(final)


def _print_line(doc: dict[str, Any], args: Args) -> None:
    out.console.print(campaign_line(doc))


def _print_retry(doc: dict[str, Any], args: Args) -> None:
    """The new campaign's line; with --watch, follow it to its end (its exit code)."""
    out.console.print(f"retry of {args['campaign_id']}:")
    out.console.print(campaign_line(doc))
    if args["watch"]:
        final = call_api(args["token"], lambda client: _watch(client, doc, args["interval"]))
        raise _campaign_exit(final)


def _control(action: str, help: str) -> Verb:
    """pause, resume, cancel, approve: POST /v1/campaigns/{id}/{action} with the comment."""
    return Verb(
        help=help,
        params=(
            option("campaign_id", Annotated[str, typer.Argument()]),
            option("comment", CommentOption, ""),
        ),
        call=lambda client, a: client.control_campaign(a["campaign_id"], action, a["comment"]),
        prints=_print_line,
    )


def _says_why(args: Args) -> None:
    if not args["reason"].strip():
        raise fail("--reason must say why (it is recorded in the campaign's events)", 2)


CAMPAIGN = option("campaign_id", Annotated[str, typer.Argument(help="campaign id")])
VERBS = {
    "list": read(
        "List campaigns, newest first.",
        (
            option(
                "limit", Annotated[int, typer.Option(help="at most this many, newest first")], 50
            ),
        ),
        lambda client, a: client.campaigns(a["limit"]),
        lambda campaigns, a: campaigns_table(campaigns),
    ),
    "pause": _control("pause", "Start no new device; devices in flight finish their runbook."),
    "resume": _control("resume", "Start devices again after a pause."),
    "cancel": _control(
        "cancel", "Stop: devices in flight finish safely, the rest stays untouched."
    ),
    "approve": _control(
        "approve", "Open the gate after a good canary (approver or admin; not the launcher)."
    ),
    "events": read(
        "Show a campaign's history: launched, paused and resumed, gate opened, window "
        "overridden, how it ended; who, when and why.",
        (CAMPAIGN,),
        lambda client, a: client.campaign_events(a["campaign_id"]),
        lambda events, a: campaign_events_table(events),
    ),
    "override-window": Verb(
        help="Admin: devices waiting for their maintenance window start now, later ones do not "
        "wait (every tenant's window, or --tenant's).",
        params=(
            CAMPAIGN,
            option(
                "reason",
                Annotated[str, typer.Option(help="why it cannot wait (campaign events, audit)")],
            ),
            option(
                "tenant",
                Annotated[str | None, typer.Option(help="only this tenant's window")],
                None,
            ),
        ),
        check=_says_why,
        call=lambda client, a: client.override_campaign_window(
            a["campaign_id"], a["reason"], a["tenant"]
        ),
        prints=_print_line,
    ),
    "retry": Verb(
        help="Launch a new campaign, same spec, over the devices that failed or were rolled back.",
        params=(
            option("campaign_id", Annotated[str, typer.Argument(help="a finished campaign")]),
            option("watch", WatchOption, False),
            option("interval", IntervalOption, 2.0),
        ),
        call=lambda client, a: client.retry_campaign(a["campaign_id"]),
        prints=_print_retry,
    ),
}
register(campaign_app, VERBS)
