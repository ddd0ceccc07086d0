"""`netwave devices`: devices that need an engineer, and clearing them once looked after."""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from services.cli_common import DeviceOption, TenantOption, TokenOption, call_api, fail

devices_app = typer.Typer(
    help="Devices: those that need an engineer after a rollback that left lines behind.",
    no_args_is_help=True,
)
console = Console(width=None if sys.stdout.isatty() else 150)


@devices_app.command("attention")
def devices_attention(tenant: TenantOption, token: TokenOption = "") -> None:
    """List the tenant's devices that need an engineer: no change, push or campaign reaches
    them until one is cleared."""
    marks = call_api(token, lambda client: client.attention(tenant))
    if not marks:
        console.print(f"no device of {escape(tenant)} needs attention")
        return
    table = Table("device", "since", "change", "reason")
    for mark in marks:
        table.add_row(
            escape(mark["device"]),
            str(mark["raised_at"])[:19],
            escape(mark["change_id"]),
            escape(mark["reason"]),
        )
    console.print(table)


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
    console.print(f"cleared {escape(device)} (changes {escape(changes)})")
