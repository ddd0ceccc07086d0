"""`netwave platforms`: the platforms netwave drives and what each can do."""

from __future__ import annotations

from typing import Any

from rich.table import Table

from services.cli import out
from services.cli.out import JsonAlias, Output, OutputOption
from services.network.platforms import PLATFORMS


def platforms(output: OutputOption = Output.table, as_json: JsonAlias = False) -> None:
    """List the platforms, their change kinds, OS upgrades, WAN limit and safety net.

    A change, campaign or image that a device's platform cannot serve is refused at request
    time (422) with the device and platform named.
    """
    rows = [PLATFORMS[name].capabilities() for name in sorted(PLATFORMS)]
    out.show(rows, _platforms_table, output, as_json)


def _platforms_table(rows: list[dict[str, Any]]) -> Table:
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
    return table
