"""`netwave devices`: trusted host keys (first contact, fingerprints), and devices that need an
engineer (clearing them once looked after)."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.console import RenderableType
from rich.markup import escape
from rich.table import Table

from services.cli import out
from services.cli.common import DeviceOption, TenantOption, TokenOption, call_api, fail
from services.cli.out import JsonAlias, Output, OutputOption
from services.cli.verbs import TENANT, Args, read, register

devices_app = typer.Typer(
    help="Devices: their trusted SSH host keys, and those that need an engineer after a "
    "rollback that left lines behind.",
    no_args_is_help=True,
)


def _attention_table(marks: list[dict[str, Any]], args: Args) -> RenderableType:
    if not marks:
        return f"no device of {escape(args['tenant'])} needs attention"
    table = Table("device", "since", "change", "reason")
    for mark in marks:
        table.add_row(
            escape(mark["device"]),
            str(mark["raised_at"])[:19],
            escape(mark["change_id"]),
            escape(mark["reason"]),
        )
    return table


@devices_app.command("clear-attention")
def devices_clear_attention(
    tenant: TenantOption,
    device: DeviceOption,
    comment: Annotated[str, typer.Option(help="what was done on the device (recorded)")],
    token: TokenOption = "",
) -> None:
    """Engineer or admin: the device was looked after; changes may reach it again."""
    if not comment.strip():
        raise fail("--comment must say what was done on the device", 2)
    cleared = call_api(token, lambda client: client.clear_attention(tenant, device, comment))
    changes = ", ".join(str(c["change_id"]) for c in cleared)
    out.console.print(f"cleared {escape(device)} (changes {escape(changes)})")


@devices_app.command("trust")
def devices_trust(
    tenant: TenantOption,
    device: Annotated[
        list[str] | None, typer.Option(help="a device to trust (repeat; default: every device)")
    ] = None,
    replace: Annotated[
        bool,
        typer.Option(
            "--replace",
            help="replace a recorded key the device no longer presents (check the new "
            "fingerprint against the device's own first: `show ssh server host-key` or "
            "`ssh-keygen -lf` on it)",
        ),
    ] = False,
    token: TokenOption = "",
    output: OutputOption = Output.table,
    as_json: JsonAlias = False,
) -> None:
    """Admin: read each device's SSH host key (no login) and record it; every later session
    is checked against it. Exits 1 when a key could not be read or differs from the recorded
    one (a mismatch is kept unless --replace)."""
    report = call_api(
        token, lambda client: client.trust_host_keys(tenant, device or [], replace=replace)
    )
    out.show(report, _trust_table, output, as_json)
    if any(h["error"] or h["outcome"] == "mismatch" for h in report["hosts"]):
        raise typer.Exit(1)


def _trust_table(report: dict[str, Any]) -> Table:
    table = Table("host", "address", "outcome", "fingerprint", "recorded before")
    for host in report["hosts"]:
        outcome = host["outcome"] or f"[red]error[/]: {escape(host['error'] or '')}"
        if host["outcome"] == "mismatch":
            outcome = "[red]MISMATCH[/] (kept the recorded key; --replace to change it)"
        table.add_row(
            escape(_label(host)),
            escape(host["address"]),
            outcome,
            escape(host["fingerprint"] or ""),
            escape(host["previous"] or ""),
        )
    return table


def _label(host: dict[str, Any]) -> str:
    return host["host"] if host["role"] == "device" else f"jump host {host['host']}"


def _keys_table(keys: list[dict[str, Any]], args: Args) -> RenderableType:
    tenant = args["tenant"]
    if not keys:
        return (
            f"no host key recorded for {escape(tenant)}: `netwave devices trust --tenant "
            f"{escape(tenant)}`"
        )
    table = Table("host", "address", "type", "fingerprint", "trusted", "by")
    for key in keys:
        table.add_row(
            escape(_label(key)),
            escape(key["address"]),
            escape(key["key_type"]),
            escape(key["fingerprint"]),
            str(key["trusted_at"])[:19],
            escape(key["trusted_by"]),
        )
    return table


READS = {
    "attention": read(
        "List the tenant's devices that need an engineer: no change, push or campaign reaches "
        "them until one is cleared.",
        (TENANT,),
        lambda client, a: client.attention(a["tenant"]),
        _attention_table,
    ),
    "host-keys": read(
        "The host keys recorded for the tenant's devices and jump hosts, with fingerprints.",
        (TENANT,),
        lambda client, a: client.host_keys(a["tenant"]),
        _keys_table,
    ),
}
register(devices_app, READS)
