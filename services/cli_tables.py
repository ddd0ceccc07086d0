"""Rich tables shared by the CLI and the demo."""

from __future__ import annotations

from typing import Any

from rich.markup import escape
from rich.table import Table


def compliance_table(report: dict[str, Any]) -> Table:
    """A report as a table: one row per device with its drifted features."""
    head = report["report"]
    score = head.get("score")
    title = f"Compliance of {head['tenant']}: {score:.1f} %" if score is not None else "Compliance"
    table = Table(
        "device", "platform", "status", "score", "drift (+ missing, - extra)", title=title
    )
    colours = {"compliant": "green", "drift": "yellow", "unreachable": "red", "error": "red"}
    for d in report["devices"]:
        detail = "\n".join(
            _feature_lines(f) for f in d["result"].get("features", []) if f["status"] != "compliant"
        )
        table.add_row(
            d["device"],
            d["platform"],
            f"[{colours.get(d['status'], 'white')}]{d['status']}[/]",
            f"{d['score']:.0f} %",
            detail or escape(d["result"].get("message", "")),
        )
    return table


def _feature_lines(feature: dict[str, Any], limit: int = 3) -> str:
    """`ntp: + ntp server A  - ntp server B` (at most `limit` lines of each)."""
    parts = [f"[bold]{feature['feature']}[/]:"]
    parts += [f"[green]+ {escape(line.strip())}[/]" for line in feature.get("missing", [])[:limit]]
    parts += [f"[red]- {escape(line.strip())}[/]" for line in feature.get("extra", [])[:limit]]
    parts += [escape(v) for v in feature.get("violations", [])[:limit]]
    if feature["status"] == "error":
        parts.append(escape(feature.get("message", "")))
    return " ".join(parts)
