"""`netwave auditlog`: who did what to which object of which tenant, when (newest first)."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from services.cli import out
from services.cli.common import TokenOption, call_api
from services.cli.out import JsonAlias, Output, OutputOption


def auditlog(
    tenant: Annotated[str | None, typer.Option(help="one tenant's entries")] = None,
    actor: Annotated[str | None, typer.Option(help="one actor's entries (token principal)")] = None,
    action: Annotated[
        str | None, typer.Option(help="an action, or a prefix ending in '.' (e.g. change.)")
    ] = None,
    since: Annotated[str | None, typer.Option(help="from this ISO time on, with its zone")] = None,
    until: Annotated[str | None, typer.Option(help="before this ISO time, with its zone")] = None,
    limit: Annotated[int, typer.Option(min=1, max=1000, help="entries per page")] = 100,
    cursor: Annotated[str | None, typer.Option(help="the next page (a next_cursor)")] = None,
    all_pages: Annotated[
        bool, typer.Option("--all", help="every page, not only the first")
    ] = False,
    token: TokenOption = "",
    output: OutputOption = Output.table,
    as_json: JsonAlias = False,
) -> None:
    """Read the audit log, newest first (staff: every tenant; a tenant token: its own)."""
    query: dict[str, str | int | None] = {
        "tenant": tenant,
        "actor": actor,
        "action": action,
        "since": since,
        "until": until,
        "limit": limit,
        "cursor": cursor,
    }

    def read(client: Any) -> dict[str, Any]:
        if not all_pages:
            page: dict[str, Any] = client.audit_log(**query)
            return page
        entries = [entry for page in client.audit_log_pages(**query) for entry in page["entries"]]
        return {"entries": entries, "next_cursor": None}

    page = call_api(token, read)
    out.show(page, _entries_table, output, as_json)
    if page["next_cursor"] and not out.wants_json(output, as_json):
        out.err.print(f"more entries: --all, or --cursor {page['next_cursor']}", soft_wrap=True)


def _entries_table(page: dict[str, Any]) -> Table:
    table = Table("at", "actor", "action", "tenant", "object", "detail")
    for entry in page["entries"]:
        cells = (
            str(entry["at"]),
            str(entry["actor"]),
            str(entry["action"]),
            entry["tenant"] or "-",
            str(entry["object"]),
            json.dumps(entry["detail"], sort_keys=True) if entry["detail"] else "",
        )
        table.add_row(*(escape(cell) for cell in cells))  # names are the users', not markup
    return table
