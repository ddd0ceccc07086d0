"""Rich tables shared by the CLI and the demo."""

from __future__ import annotations

from typing import Any

from rich.table import Table


def compliance_table(report: dict[str, Any]) -> Table:
    """A report as a table: one row per device with its drifted features."""
    head = report["report"]
    score = head.get("score")
    title = f"Compliance of {head['tenant']}: {score:.1f} %" if score is not None else "Compliance"
    table = Table("device", "platform", "status", "score", "drift", title=title)
    colours = {"compliant": "green", "drift": "yellow", "unreachable": "red", "error": "red"}
    for d in report["devices"]:
        drifted = [
            f["feature"] for f in d["result"].get("features", []) if f["status"] != "compliant"
        ]
        detail = ", ".join(drifted) or d["result"].get("message", "")
        table.add_row(
            d["device"],
            d["platform"],
            f"[{colours.get(d['status'], 'white')}]{d['status']}[/]",
            f"{d['score']:.0f} %",
            detail,
        )
    return table
