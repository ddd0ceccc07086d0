"""Render: full intended configs per second for N generated devices with the real templates."""

from __future__ import annotations

import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from services.lab.generate import write_generated_inventory
from services.network.inventory import Device, list_tenants, load_tenant
from services.network.render import Renderer

REPO = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class RenderRun:
    devices: int
    load_seconds: float
    render_seconds: float
    chars: int

    @property
    def configs_per_second(self) -> float:
        return self.devices / self.render_seconds


def generated_devices(folder: Path, devices: int) -> tuple[list[Device], float]:
    """Write and load a generated inventory (the lab's mix); returns devices and load seconds."""
    write_generated_inventory(folder, devices, base_port=20000)
    start = time.perf_counter()
    loaded = [d for t in list_tenants(folder) for d in load_tenant(folder, t).devices.values()]
    return loaded, time.perf_counter() - start


def run_render(devices: int = 1000, templates: Path = REPO / "templates") -> RenderRun:
    """Render every device's full config with a fresh Renderer (template compile included)."""
    with tempfile.TemporaryDirectory(prefix="netwave-render-") as tmp:
        fleet, load_seconds = generated_devices(Path(tmp), devices)
    renderer = Renderer(templates)
    start = time.perf_counter()
    chars = sum(len(renderer.render_device(d)) for d in fleet)
    return RenderRun(
        devices=len(fleet),
        load_seconds=load_seconds,
        render_seconds=time.perf_counter() - start,
        chars=chars,
    )
