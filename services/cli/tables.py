"""Rich tables shared by the CLI and the demo."""

from __future__ import annotations

from typing import Any

from rich.console import Group
from rich.markup import escape
from rich.progress_bar import ProgressBar
from rich.table import Table
from rich.text import Text

CAMPAIGN_COLOURS = {
    "running": "cyan",
    "paused": "yellow",
    "awaiting_approval": "yellow",
    "completed": "green",
    "halted": "red",
    "cancelled": "yellow",
    "failed": "red",
}
DEVICE_COLOURS = {
    "pending": "dim",
    "waiting_window": "yellow",
    "running": "cyan",
    "upgraded": "green",
    "applied": "green",
    "skipped": "blue",
    "rolled_back": "red",
    "failed": "red",
    "not_started": "dim",
}


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


def reports_table(reports: list[dict[str, Any]]) -> Table:
    """A tenant's audit reports, one row each: score and devices per status."""
    table = Table("report", "started", "status", "score", "compliant", "drift", "unreachable")
    for r in reports:
        score = "-" if r.get("score") is None else f"{r['score']:.1f} %"
        table.add_row(
            r["id"],
            str(r["started_at"])[:19],
            r["status"],
            score,
            str(r["devices_compliant"]),
            str(r["devices_drift"]),
            str(r["devices_unreachable"]),
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
        detail = e["detail"] or {}
        step = "window override" if "window_override" in detail else e["to_status"]
        timeline.add_row(str(e["at"])[:19], step, escape(e["actor"]), escape(str(detail))[:80])
    parts.append(timeline)
    return Group(*parts)


def _coloured(status: str, colours: dict[str, str]) -> str:
    return f"[{colours.get(status, 'white')}]{escape(status)}[/]"


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _counts(counts: dict[str, int]) -> str:
    return ", ".join(f"{n} {status}" for status, n in sorted(counts.items())) or "-"


def campaign_line(doc: dict[str, Any]) -> Text:
    """`<id> <name> os_upgrade completed  3/10 done, 1 failed of 1 allowed: reason`."""
    campaign = doc["campaign"]
    summary = campaign.get("summary") or {}
    progress = doc.get("progress") or {}
    total = sum(w["devices"] for w in doc.get("waves", []))
    done = sum(w["done"] for w in doc.get("waves", []))
    failed = sum(w["failed"] for w in doc.get("waves", []))
    allowed = progress.get("allowed_failures", summary.get("allowed_failures"))
    budget = f"{failed} failed" + (f" (budget {allowed})" if allowed is not None else "")
    reason = progress.get("reason") or summary.get("reason") or ""
    return Text.from_markup(
        f"[bold]{campaign['id']}[/] {escape(campaign['name'])} {campaign['kind']} "
        f"{_coloured(campaign['status'], CAMPAIGN_COLOURS)}  {done}/{total} done, {budget}"
        + (f": {escape(reason)}" if reason else "")
    )


def waves_table(doc: dict[str, Any], width: int = 30) -> Table:
    """One progress bar per wave (the canary is wave 0)."""
    table = Table("wave", "progress", "done", "failed", "devices by status", box=None)
    for wave in doc.get("waves", []):
        label = f"{wave['index']}" + (" canary" if wave["canary"] else "")
        bar = ProgressBar(
            total=max(wave["devices"], 1),
            completed=wave["done"],
            width=width,
            complete_style="red" if wave["failed"] else "green",
            finished_style="red" if wave["failed"] else "green",
        )
        table.add_row(
            label,
            bar,
            f"{wave['done']}/{wave['devices']}",
            f"[red]{wave['failed']}[/]" if wave["failed"] else "0",
            _counts(wave.get("counts", {})),
        )
    return table


def campaign_devices_table(
    doc: dict[str, Any], title: str | None = None, steps: bool = True
) -> Table:
    """Device, tenant, wave, from -> to version, status, (step) and what happened."""
    columns = ["device", "tenant", "wave", "from -> to", "status", "step", "detail"]
    if not steps:
        columns.remove("step")
    table = Table(*columns, title=title)
    for d in sorted(doc.get("devices", []), key=lambda d: (d["wave"], d["tenant"], d["device"])):
        versions = f"{d.get('from_version') or '?'} -> {d.get('to_version') or '-'}"
        if d["status"] == "rolled_back":
            versions += f" -> {d.get('from_version') or '?'}"
        row = [
            d["device"],
            d["tenant"],
            str(d["wave"]),
            versions if doc["campaign"]["kind"] == "os_upgrade" else "-",
            _coloured(d["status"], DEVICE_COLOURS),
            d.get("step") or "",
            escape(_clip(d.get("detail") or "", 240)),
        ]
        if not steps:
            del row[5]
        table.add_row(*row)
    return table


def campaign_view(doc: dict[str, Any]) -> Group:
    """A campaign as an engineer follows it: status line, a bar per wave, the devices."""
    return Group(campaign_line(doc), waves_table(doc), campaign_devices_table(doc))


def campaigns_table(campaigns: list[dict[str, Any]]) -> Table:
    table = Table("campaign", "name", "kind", "status", "created by", "created", "retry of")
    for c in campaigns:
        table.add_row(
            c["id"],
            escape(c["name"]),
            c["kind"],
            _coloured(c["status"], CAMPAIGN_COLOURS),
            escape(c["created_by"]),
            str(c["created_at"])[:19],
            c.get("retry_of") or "-",
        )
    return table


def campaign_events_table(events: list[dict[str, Any]]) -> Table:
    """A campaign's history, oldest first: time, actor, event, tenant, comment."""
    table = Table("at", "by", "event", "tenant", "comment", title="events")
    for e in events:
        table.add_row(
            str(e["at"])[:19],
            escape(e["actor"]),
            _coloured(e["event"], CAMPAIGN_COLOURS),
            escape(e.get("tenant") or "-"),
            escape(e["comment"]),
        )
    return table


def images_table(images: list[dict[str, Any]]) -> Table:
    table = Table("id", "platform", "version", "file", "size (MB)", "md5", title="OS images")
    for i in images:
        table.add_row(
            str(i["id"]),
            i["platform"],
            i["version"],
            i["filename"],
            f"{i['size'] / 1_048_576:,.0f}",
            i["md5"],
        )
    return table
