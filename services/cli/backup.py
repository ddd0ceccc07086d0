"""`netwave backup`: back up running configs through the API and follow the run."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.table import Table

from services.cli import out
from services.cli.common import TokenOption, call_api, follow_run
from services.cli.out import JsonAlias, Output, OutputOption

backup_app = typer.Typer(help="Config backups through the API.", no_args_is_help=True)


@backup_app.command("run")
def backup_run(
    tenant: Annotated[str | None, typer.Option(help="one tenant; default every tenant")] = None,
    token: TokenOption = "",
    output: OutputOption = Output.table,
    as_json: JsonAlias = False,
) -> None:
    """Back up running configs through the API and follow the run to its end."""
    final = call_api(
        token, lambda client: follow_run(client, client.start_backup(tenant), "backup")
    )
    out.show(final, _devices_table, output, as_json)
    raise typer.Exit(0 if final["status"] == "COMPLETED" else 1)


def _devices_table(run: dict[str, Any]) -> Table:
    table = Table("tenant", "device", "outcome", "version", "error")
    for d in (run.get("result") or {}).get("devices", []):
        table.add_row(
            d["tenant"],
            d["device"],
            d["outcome"],
            str(d.get("version") or "-"),
            d.get("error") or "",
        )
    return table
