"""`netwave intent`: a device's intended state through the API; export it back to the files."""

from __future__ import annotations

import json
import os
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Group, RenderableType
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from services.cli import out
from services.cli.common import TenantOption, fail
from services.cli.verbs import DEVICE, TENANT, Args, Verb, option, read, register
from services.core.errors import NetwaveError
from services.core.settings import get_settings

if TYPE_CHECKING:
    from services.client import NetwaveClient

intent_app = typer.Typer(
    help="Intended state: inventory files plus the revisions of verified changes.",
    no_args_is_help=True,
)
STATE_COLOURS = {"applied": "green", "superseded": "yellow", "folded": "dim"}


def _value(value: Any) -> str:
    """A data value as the inventory's YAML would say it (mappings and lists as JSON)."""
    if value is None:
        return "-"
    return escape(json.dumps(value) if isinstance(value, dict | list) else str(value))


def _source(source: dict[str, Any]) -> str:
    if source["kind"] == "file":
        return "file"
    return escape(
        f"change {source['change_id']} (rev {source['revision']}, "
        f"{source['requested_by']} / {source['approved_by']}, {str(source['at'])[:19]})"
    )


def _values_view(doc: dict[str, Any], args: Args) -> RenderableType:
    """The values with their source, then the file edits that superseded a revision."""
    title = (
        f"Intent of {args['tenant']}/{args['device']} ({doc['platform']}), "
        f"revision {doc['revision']}"
    )
    table = Table("path", "value", "source", title=title)
    for item in doc["values"]:
        source = _source(item["source"])
        shown = source if source == "file" else f"[cyan]{source}[/]"
        table.add_row(escape(item["path"]), _value(item["value"]), shown)
    superseded = [
        f"[yellow]superseded[/] {escape(edit['path'])}: revision {edit['revision']} "
        f"({escape(edit['change_id'])}) set {_value(edit['value'])}; "
        f"the file holds {_value(edit['file_value'])}"
        for edit in doc["superseded"]
    ]
    return Group(table, *superseded)


def _revisions_table(doc: dict[str, Any], args: Args) -> RenderableType:
    if not doc["revisions"]:
        return (
            f"{args['tenant']}/{args['device']} has no intent revisions: its files are its intent"
        )
    table = Table("rev", "state", "change", "kind", "requested by", "approved by", "at", "edits")
    for rev in doc["revisions"]:
        edits = "\n".join(
            f"{escape(e['path'])}: {_value(e['before'])} -> {_value(e['after'])}"
            + ("" if e["applied"] or rev["state"] == "folded" else f" (now {_value(e['found'])})")
            for e in rev["edits"]
        )
        colour = STATE_COLOURS.get(rev["state"], "white")
        table.add_row(
            str(rev["revision"]),
            f"[{colour}]{rev['state']}[/]",
            escape(rev["change_id"]),
            escape(rev["kind"]),
            escape(rev["requested_by"]),
            escape(rev["approved_by"]),
            str(rev["at"])[:19],
            edits,
        )
    return table


def _diff(client: NetwaveClient, args: Args) -> dict[str, Any]:
    params = {"from": args["from_revision"]}
    if args["to_revision"] is not None:
        params["to"] = args["to_revision"]
    return client.intent(args["tenant"], args["device"], "/diff", **params)


def _print_diff(doc: dict[str, Any], args: Args) -> None:
    if not doc["diff"]:
        out.console.print(
            f"no difference between revision {doc['from_revision']} "
            f"and {doc['to_revision']} of {args['tenant']}/{args['device']}"
        )
        return
    styles = {"+": "green", "-": "red", "@": "cyan"}
    for line in doc["diff"].splitlines():
        out.console.print(Text(line, style=styles.get(line[:1], "")), soft_wrap=True)


READS = {
    "show": read(
        "Show a device's intended values, each with its source (file or change).",
        (TENANT, DEVICE),
        lambda client, a: client.intent(a["tenant"], a["device"]),
        _values_view,
    ),
    "history": read(
        "List every intent revision of a device, oldest first, with its state and edits.",
        (TENANT, DEVICE),
        lambda client, a: client.intent(a["tenant"], a["device"], "/history"),
        _revisions_table,
    ),
    "diff": Verb(
        help="Diff the config rendered at two intent revisions of a device.",
        params=(
            TENANT,
            DEVICE,
            option(
                "from_revision",
                Annotated[
                    int, typer.Option("--from", help="revision (0: the inventory files alone)")
                ],
                0,
            ),
            option(
                "to_revision",
                Annotated[int | None, typer.Option("--to", help="revision; default the newest")],
                None,
            ),
        ),
        call=_diff,
        prints=_print_diff,
        reads=True,
    ),
}
register(intent_app, READS)


@intent_app.command("export")
def intent_export(
    tenant: TenantOption,
    yes: Annotated[bool, typer.Option("--yes", help="do not ask for confirmation")] = False,
) -> None:
    """Write a tenant's applied intent into its inventory files and fold the revisions (local)."""
    from services.bootstrap import prepare_local
    from services.intent.export import export_tenant
    from services.store.repos import audit_log as audit_log_repo

    settings = get_settings()
    folder = settings.inventories_path / tenant
    if not yes:
        typer.confirm(f"Write the intent of {tenant} into {folder}?", abort=True)
    actor = f"cli:{os.environ.get('USER', 'unknown')}"
    try:
        sessions = prepare_local(settings)
        with sessions.begin() as session:
            result = export_tenant(session, settings.inventories_path, tenant, actor)
            if result.files or result.folded:
                audit_log_repo.record(
                    session,
                    actor=actor,
                    action="intent.export",
                    tenant=tenant,
                    object=f"tenant:{tenant}",
                    detail={
                        "files": [str(f) for f in result.files],
                        "devices": result.devices,
                        "folded": result.folded,
                    },
                )
    except (NetwaveError, ValueError) as exc:
        raise fail(str(exc)) from None
    if not result.files and not result.folded and not result.kept:
        out.console.print(f"nothing to export: {tenant} has no applied intent revisions")
    for path in result.files:
        out.console.print(f"wrote {escape(str(path))}")
    if result.devices:
        out.console.print(f"devices: {', '.join(result.devices)}")
    if result.folded:
        out.console.print(f"folded revisions: {', '.join(str(i) for i in result.folded)}")
    if result.kept:
        out.console.print(
            "[yellow]kept as revisions[/] (the files cannot hold them exactly): "
            + ", ".join(result.kept)
        )
