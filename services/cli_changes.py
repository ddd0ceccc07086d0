"""`netwave change request` and `netwave change wait`: ask for a capacity change and follow it
to its end, from a shell (the id alone on stdout, so `ID=$(netwave change request ...)` works)."""

from __future__ import annotations

import time
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape

from services.cli_common import TenantOption, TokenOption, call_api, fail
from services.store.repos.changes import TERMINAL_STATUSES

err = Console(stderr=True)


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


def change_wait(
    tenant: TenantOption,
    change_id: Annotated[str, typer.Argument(help="change id")],
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


def _stop(action: str, tenant: str, change_id: str, reason: str, token: str) -> None:
    if not reason.strip():
        raise fail("--reason must say why (it is recorded on the change's timeline)", 2)
    doc = call_api(token, lambda client: client.stop_change(tenant, change_id, action, reason))
    err.print(f"change {escape(change_id)}: {escape(doc['change']['status'])}")


def change_withdraw(
    tenant: TenantOption,
    change_id: Annotated[str, typer.Argument(help="change id")],
    reason: Annotated[str, typer.Option(help="why (recorded on the change's timeline)")],
    token: TokenOption = "",
) -> None:
    """Tenant: take your change back before it starts applying; no device is touched."""
    _stop("withdraw", tenant, change_id, reason, token)


def change_cancel(
    tenant: TenantOption,
    change_id: Annotated[str, typer.Argument(help="change id")],
    reason: Annotated[str, typer.Option(help="why (recorded on the change's timeline)")],
    token: TokenOption = "",
) -> None:
    """Engineer, approver or admin: stop a change before it starts applying; no device is
    touched."""
    _stop("cancel", tenant, change_id, reason, token)
