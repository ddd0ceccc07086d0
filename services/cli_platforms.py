"""`netwave platforms`: the platforms netwave drives and what each can do."""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from services.network.platforms import PLATFORMS

console = Console(width=None if sys.stdout.isatty() else 150)


def platforms(
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
) -> None:
    """List the platforms, their change kinds, OS upgrades, WAN limit and safety net.

    A change, campaign or image that a device's platform cannot serve is refused at request
    time (422) with the device and platform named.
    """
    rows = [PLATFORMS[name].capabilities() for name in sorted(PLATFORMS)]
    if as_json:
        typer.echo(json.dumps(rows, indent=2))
        return
    table = Table("platform", "title", "changes", "os upgrade", "max WAN", "undo", "syntax")
    for row in rows:
        table.add_row(
            str(row["platform"]),
            str(row["title"]),
            ", ".join(row["change_kinds"]),
            "yes" if row["os_upgrade"] else "no",
            f"{row['max_wan_mbps']} Mbps",
            str(row["safety_net"]),
            str(row["config_syntax"]),
        )
    console.print(table)
