"""The config sections netwave manages come from its golden templates plus the seeded drift.

A lab device boots on `apply_drift(intended, data.lab.drift)` for the sections the templates
render (so an audit of an undrifted device is compliant), and on the lab's own scaffolding for
the rest (boot image, loopback, unused ports, automation user, vty lines). Devices whose
inventory data cannot render the templates (generated or minimal inventories) fall back to the
lab's built-in config for those sections.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from pathlib import Path

from services.compliance.drift import apply_drift, device_drift
from services.core.errors import NetwaveError
from services.network.inventory import Device
from services.network.render import renderer_for

log = logging.getLogger(__name__)


def render_intended(device: Device, templates: Path) -> str:
    """The device's intended config with its seeded drift applied (raises on template errors)."""
    intended = renderer_for(templates).render_device(device)
    return apply_drift(device.platform, intended, device_drift(device))


def intended_configs(devices: Iterable[Device], templates: Path | None) -> dict[str, str]:
    """Rendered running configs by device name; devices that cannot render are left out."""
    if templates is None or not templates.is_dir():
        return {}
    rendered: dict[str, str] = {}
    failures: list[str] = []
    for device in devices:
        try:
            rendered[device.name] = render_intended(device, templates)
        except NetwaveError as exc:
            failures.append(f"{device.name}: {exc.message}")
    if failures:
        log.info(
            "lab: %d device(s) boot on the built-in config (templates did not render), e.g. %s",
            len(failures),
            failures[0],
        )
    return rendered
