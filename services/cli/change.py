"""`netwave change`: request a capacity change, follow it to its end, list, show and decide.

`request` prints the id alone on stdout, so `ID=$(netwave change request ...)` works.
"""

from __future__ import annotations

import inspect
import time
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from services.cli import out
from services.cli.common import TenantOption, TokenOption, call_api, fail
from services.cli.out import err
from services.cli.tables import change_panel
from services.cli.verbs import TENANT, Args, Verb, option, read, register
from services.store.repos.changes import TERMINAL_STATUSES

change_app = typer.Typer(help="Capacity change requests through the API.", no_args_is_help=True)
ChangeArgument = Annotated[str, typer.Argument(help="change id")]


@change_app.command("request")
def change_request(
    tenant: TenantOption,
    site: Annotated[str, typer.Option(help="the site whose edge router changes")],
    bandwidth_mbps: Annotated[
        int | None, typer.Option(help="wan_bandwidth: the new WAN rate, in Mbps")
    ] = None,
    qos_profile: Annotated[
        str | None, typer.Option(help="qos_profile: a profile of the tenant's contract")
    ] = None,
    vlan: Annotated[int | None, typer.Option(help="vlan_handoff: the VLAN id")] = None,
    address: Annotated[
        str | None, typer.Option(help="vlan_handoff: router address with prefix, 10.20.30.1/24")
    ] = None,
    description: Annotated[str, typer.Option(help="vlan_handoff: interface description")] = "",
    device: Annotated[
        str | None, typer.Option(help="vlan_handoff: the edge router, when the site has two")
    ] = None,
    token: TokenOption = "",
) -> None:
    """Request a capacity change (exactly one of --bandwidth-mbps, --qos-profile, --vlan);
    prints its id on stdout, its status and the policy's reason on stderr."""
    body = _body(site, bandwidth_mbps, qos_profile, vlan, address, description, device)
    doc = call_api(token, lambda client: client.request_change(tenant, body))
    change = doc["change"]
    err.print(
        f"change {escape(change['id'])}: {escape(change['status'])}"
        + (f" ({escape(str(change.get('policy_reason')))})" if change.get("policy_reason") else "")
    )
    typer.echo(change["id"])


def _body(
    site: str,
    bandwidth_mbps: int | None,
    qos_profile: str | None,
    vlan: int | None,
    address: str | None,
    description: str,
    device: str | None,
) -> dict[str, Any]:
    given = [bandwidth_mbps is not None, qos_profile is not None, vlan is not None]
    if sum(given) != 1:
        raise fail("give exactly one of --bandwidth-mbps, --qos-profile, --vlan", 2)
    if bandwidth_mbps is not None:
        return {"kind": "wan_bandwidth", "site": site, "bandwidth_mbps": bandwidth_mbps}
    if qos_profile is not None:
        return {"kind": "qos_profile", "site": site, "profile": qos_profile}
    if address is None:
        raise fail("--vlan needs --address (router address with prefix)", 2)
    body: dict[str, Any] = {
        "kind": "vlan_handoff",
        "site": site,
        "vlan_id": vlan,
        "address": address,
        "description": description,
    }
    if device:
        body["device"] = device
    return body


@change_app.command("wait")
def change_wait(
    tenant: TenantOption,
    change_id: ChangeArgument,
    until: Annotated[
        list[str] | None,
        typer.Option(help="stop at this status instead (repeatable), e.g. scheduled"),
    ] = None,
    timeout: Annotated[float, typer.Option(help="give up after this many seconds")] = 1800.0,
    token: TokenOption = "",
) -> None:
    """Follow a change until it ends (or reaches an --until status), printing each status it
    passes; exit 0 when it is verified (or at the --until status), else 1."""
    wanted = set(until or ["verified"])
    deadline = time.monotonic() + timeout
    seen = ""
    while True:
        doc = call_api(token, lambda client: client.change(tenant, change_id))
        status = doc["change"]["status"]
        if status != seen:
            err.print(f"{time.strftime('%H:%M:%S')} {escape(change_id)}: {escape(status)}")
            seen = status
        if status in TERMINAL_STATUSES or status in wanted:
            break
        if time.monotonic() > deadline:
            raise fail(f"change {change_id} still {status} after {timeout:.0f} s")
        time.sleep(1.0)
    failure = doc["change"].get("failure")
    if failure:
        err.print(f"[red]{escape(str(failure))}[/]")
    typer.echo(status)
    raise typer.Exit(0 if status in wanted else 1)


def _changes_table(changes: list[dict[str, Any]]) -> Table:
    table = Table("change", "tenant", "site", "kind", "status", "requested by", "created")
    for c in changes:
        table.add_row(
            c["id"],
            c["tenant"],
            c["site"],
            c["kind"],
            c["status"],
            c["requested_by"],
            str(c["created_at"])[:19],
        )
    return table


def _decide(action: str, help: str, why: inspect.Parameter, *more: inspect.Parameter) -> Verb:
    """approve, reject, override-window: POST .../changes/{id}/{action}; prints the status."""
    return Verb(
        help=help,
        params=(TENANT, CHANGE, why, *more),
        call=lambda client, a: client.decide_change(
            a["tenant"], a["change_id"], action, a[why.name], a.get("feature") or None
        ),
        prints=lambda doc, a: out.console.print(
            f"change {a['change_id']}: {doc['change']['status']}"
        ),
    )


def _stop(action: str, help: str) -> Verb:
    """withdraw, cancel: POST .../changes/{id}/{action} with a reason that says why."""
    return Verb(
        help=help,
        params=(TENANT, CHANGE, STOP_REASON),
        check=_says_why,
        call=lambda client, a: client.stop_change(a["tenant"], a["change_id"], action, a["reason"]),
        prints=lambda doc, a: err.print(
            f"change {escape(a['change_id'])}: {escape(doc['change']['status'])}"
        ),
    )


def _says_why(args: Args) -> None:
    if not args["reason"].strip():
        raise fail("--reason must say why (it is recorded on the change's timeline)", 2)


CHANGE = option("change_id", ChangeArgument)
STOP_REASON = option(
    "reason", Annotated[str, typer.Option(help="why (recorded on the change's timeline)")]
)
VERBS = {
    "list": read(
        "List change requests, newest first.",
        (
            option(
                "tenant",
                Annotated[str | None, typer.Option(help="one tenant (tenant tokens must)")],
                None,
            ),
            option(
                "status", Annotated[str | None, typer.Option(help="e.g. awaiting_approval")], None
            ),
        ),
        lambda client, a: client.changes(a["tenant"], a["status"]),
        lambda changes, a: _changes_table(changes),
    ),
    "show": read(
        "Show a change: status, policy reason, per-device diff and commands, timeline.",
        (TENANT, CHANGE),
        lambda client, a: client.change(a["tenant"], a["change_id"]),
        lambda doc, a: change_panel(doc),
    ),
    "approve": _decide(
        "approve",
        "Approve the current plan of a change (approver or admin; never your own).",
        option(
            "comment", Annotated[str, typer.Option(help="why (required; kept in the audit log)")]
        ),
        option(
            "feature",
            Annotated[
                list[str] | None,
                typer.Option(
                    help="remediation: approve only this feature (repeatable; default all)"
                ),
            ],
            None,
        ),
    ),
    "reject": _decide(
        "reject",
        "Reject a change; it never reaches a device.",
        option("comment", Annotated[str, typer.Option(help="why (required)")]),
    ),
    "override-window": _decide(
        "override-window",
        "Run a scheduled change now instead of in its maintenance window (admin).",
        option("reason", Annotated[str, typer.Option(help="why it cannot wait (audit log)")]),
    ),
    "withdraw": _stop(
        "withdraw",
        "Tenant: take your change back before it starts applying; no device is touched.",
    ),
    "cancel": _stop(
        "cancel",
        "Engineer, approver or admin: stop a change before it starts applying; no device is "
        "touched.",
    ),
}
register(change_app, VERBS)
