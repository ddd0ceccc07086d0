"""`netwave audit`: compliance audits and their reports, and each tenant's audit schedule."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from services.cli import out
from services.cli.common import TokenOption, call_api, fail, follow_run
from services.cli.out import JsonAlias, Output, OutputOption
from services.cli.tables import compliance_table, reports_table
from services.cli.verbs import TENANT, Args, Verb, option, read, register

if TYPE_CHECKING:
    from services.client import NetwaveClient

audit_app = typer.Typer(help="Compliance audits through the API.", no_args_is_help=True)
schedule_app = typer.Typer(help="A tenant's audit schedule.", no_args_is_help=True)
audit_app.add_typer(schedule_app, name="schedule")


@audit_app.command("run")
def audit_run(
    tenant: Annotated[str, typer.Option(help="tenant to audit")],
    token: TokenOption = "",
    output: OutputOption = Output.table,
    as_json: JsonAlias = False,
) -> None:
    """Audit a tenant now through the API, with a live progress bar, and print the report."""

    def audit(client: NetwaveClient) -> dict[str, Any]:
        final = follow_run(client, client.start_audit(tenant), f"audit {tenant}")
        if final["status"] != "COMPLETED":
            raise fail(f"audit ended {final['status']}: {final.get('failure') or ''}")
        return client.report(tenant, final["result"]["report_id"])

    out.show(call_api(token, audit), compliance_table, output, as_json)


READS = {
    "reports": read(
        "List a tenant's audit reports, newest first.",
        (TENANT,),
        lambda client, a: client.reports(a["tenant"]),
        lambda reports, a: reports_table(reports),
    ),
    "show": read(
        "Show one report: per device status and drifted features.",
        (
            TENANT,
            option(
                "report", Annotated[str, typer.Argument(help="report id (see `audit reports`)")]
            ),
        ),
        lambda client, a: client.report(a["tenant"], a["report"]),
        lambda report, a: compliance_table(report),
    ),
}
register(audit_app, READS)


def _print_schedule(action: str, state: Any) -> None:
    """The schedule's id, when it runs, paused or not, its next runs; else `{action}: done`."""
    if not (isinstance(state, dict) and "schedule_id" in state):
        out.console.print(f"{action}: done")
        return
    when = state["cron"] and f"cron '{state['cron']}' {state['timezone']}"
    when = when or f"every {state['every_seconds']} s"
    out.console.print(
        f"{state['schedule_id']}: {when}, {'paused' if state['paused'] else 'active'}; "
        f"next: {', '.join(str(t)[:19] for t in state['next_runs'][:3]) or '-'}"
    )


def _set_body(args: Args) -> dict[str, Any]:
    """A cron with its timezone, or an interval; neither given: nightly at 02:00."""
    cron, every_seconds = args["cron"], args["every_seconds"]
    if cron is None and every_seconds is None:
        cron = "0 2 * * *"
    return {"timezone": args["timezone"], "cron": cron, "every_seconds": every_seconds}


def _schedule(action: str, help: str, *params: Any, reads: bool = True) -> Verb:
    """show (GET), set (PUT), delete (DELETE), pause/resume/trigger (POST .../{action})."""
    return Verb(
        help=help,
        params=(TENANT, *params),
        call=lambda client, a: client.schedule(
            a["tenant"], action, _set_body(a) if action == "set" else None
        ),
        prints=lambda state, a: _print_schedule(action, state),
        reads=reads,
    )


SCHEDULE_VERBS = {
    "show": _schedule("show", "Show a tenant's audit schedule and its next runs."),
    "set": _schedule(
        "set",
        "Create or change a tenant's audit schedule.",
        option("cron", Annotated[str | None, typer.Option(help="cron, e.g. '0 2 * * *'")], None),
        option("timezone", Annotated[str, typer.Option(help="IANA timezone")], "UTC"),
        option(
            "every_seconds",
            Annotated[int | None, typer.Option(help="fixed interval instead of cron")],
            None,
        ),
    ),
    "pause": _schedule("pause", "Pause a tenant's scheduled audits."),
    "resume": _schedule("resume", "Resume a tenant's scheduled audits."),
    "trigger": _schedule("trigger", "Run a tenant's scheduled audit now.", reads=False),
    "delete": _schedule("delete", "Delete a tenant's audit schedule.", reads=False),
}
register(schedule_app, SCHEDULE_VERBS)
