"""Rich tables shared by the CLI and the demo."""

from __future__ import annotations

from typing import Any

from rich.console import Group
from rich.markup import escape
from rich.table import Table
from rich.text import Text


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


def change_panel(doc: dict[str, Any]) -> Group:
    """A change as an engineer reads it: status line, plan per device, timeline."""
    change = doc["change"]
    parts: list[Any] = [
        Text.from_markup(
            f"[bold]{change['id']}[/] {change['tenant']}/{change['site']} {change['kind']} "
            f"[bold]{change['status']}[/]  requested by {escape(change['requested_by'])}"
        ),
        Text(f"policy: {change.get('policy_reason') or '-'}"),
    ]
    if change.get("failure"):
        parts.append(Text.from_markup(f"[red]failure: {escape(change['failure'])}[/]"))
    plan = doc.get("plan") or {}
    for device in plan.get("devices", []):
        diff = Text()
        for line in device["diff"].splitlines():
            style = "green" if line.startswith("+") else "red" if line.startswith("-") else ""
            diff.append(line + "\n", style=style)
        parts.append(Text.from_markup(f"\n[bold]{device['device']}[/] (plan r{plan['revision']})"))
        parts.append(diff)
        parts.append(Text("commands: " + " | ".join(c.strip() for c in device["commands"])))
        parts.append(Text("rollback: " + " | ".join(c.strip() for c in device["rollback"])))
    timeline = Table("at", "status", "by", "detail", title="timeline")
    for e in doc.get("events", []):
        timeline.add_row(
            str(e["at"])[:19], e["to_status"], escape(e["actor"]), escape(str(e["detail"]))[:80]
        )
    parts.append(timeline)
    return Group(*parts)
