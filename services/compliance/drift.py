"""Seeded drift: turn a device's intended config into a drifted running config.

Inventories seed drift per device in the tenant's lab.yaml (`<device>: {drift: {add: [...],
remove: [...]}}`, read as `data.lab.drift`), lines in the platform's syntax. An indented-config
entry may be a snippet (`interface Ethernet1` with `   shape rate 100000` under it): parents
match exactly, the last line removes every line it starts (whole words). An added line takes
the place of the line removed beside it, else goes last. Set-line entries are `set` lines: remove
deletes the statement and all below it. The lab and the tests share this one implementation.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from services.compliance.blocks import Editor, parse_blocks, render_blocks
from services.compliance.set_lines import apply_commands, set_lines
from services.core.errors import InventoryError
from services.network.inventory import Device
from services.network.platforms import get_platform


class Drift(BaseModel):
    """Lines to add to and remove from the intended config."""

    model_config = ConfigDict(extra="forbid")

    add: list[str] = Field(default_factory=list)
    remove: list[str] = Field(default_factory=list)


def device_drift(device: Device) -> Drift:
    """The drift seeded for a device in its inventory (`data.lab.drift`), empty if none."""
    lab = device.data.get("lab") or {}
    raw = lab.get("drift") if isinstance(lab, dict) else None
    try:
        return Drift.model_validate(raw or {})
    except ValidationError as exc:
        raise InventoryError(f"{device.tenant}/{device.name}: data.lab.drift: {exc}") from None


def _apply_indented(text: str, drift: Drift) -> str:
    editor = Editor(parse_blocks(text))
    for entry in drift.remove:
        editor.remove(parse_blocks(entry))
    for entry in drift.add:
        editor.add(parse_blocks(entry))
    return render_blocks(editor.root)


def _apply_set(text: str, drift: Drift) -> str:
    commands = ["delete " + line.strip().removeprefix("set ") for line in drift.remove]
    commands += ["set " + line.strip().removeprefix("set ") for line in drift.add]
    return "\n".join(apply_commands(set_lines(text), commands)) + "\n"


APPLY_BY_SYNTAX: dict[str, Callable[[str, Drift], str]] = {
    "indented": _apply_indented,
    "set": _apply_set,
}


def apply_drift(platform: str, intended: str, drift: Drift | Mapping[str, Any] | None) -> str:
    """The running config a device has when `drift` is applied to its intended config."""
    if drift is None:
        return intended
    if not isinstance(drift, Drift):
        drift = Drift.model_validate(dict(drift))
    return APPLY_BY_SYNTAX[get_platform(platform).syntax](intended, drift)
