"""File operations shared by the platforms: paths, image copies, checksums."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from services.lab import images
from services.lab.flash import FlashFile

if TYPE_CHECKING:
    from services.lab.device import LabDevice

URL = re.compile(r"^(?:https?|ftp|tftp|scp|sftp)://\S+$", re.IGNORECASE)
FLASH_PREFIXES = (
    "flash:/",
    "flash:",
    "bootflash:/",
    "bootflash:",
    "file:/mnt/flash/",
    "/mnt/flash/",
    "/var/tmp/",
    "/var/tmp",
)


def flash_name(path: str) -> str | None:
    """`flash:x`, `flash:/x`, `bootflash:x`, `file:/mnt/flash/x`, `/var/tmp/x` -> `x`."""
    for prefix in FLASH_PREFIXES:
        if path.lower().startswith(prefix):
            return path[len(prefix) :]
    return None


def url_filename(url: str) -> str:
    return url.rstrip("/").rsplit("/", 1)[-1]


@dataclass
class CopyPlan:
    image: images.Image | None
    source: str
    dest: str
    error: str | None = None


def plan_copy(device: LabDevice, source: str, dest: str) -> CopyPlan:
    """Check a copy of a catalogue image from a URL into flash before it starts."""
    filename = url_filename(source)
    image = images.by_filename(device.spec.platform, filename)
    if image is None:
        return CopyPlan(None, source, dest, f"%Error opening {source} (No such file or directory)")
    flash = device.state.flash
    existing = flash.files.get(dest)
    if flash.free + (existing.size if existing else 0) < image.size:
        error = f"%Error copying {source} (Not enough space on device)"
        return CopyPlan(image, source, dest, error)
    return CopyPlan(image, source, dest)


def finish_copy(device: LabDevice, plan: CopyPlan) -> FlashFile:
    assert plan.image is not None
    entry = device.state.flash.add_image(plan.image, corrupt=device.faults.corrupt_copy)
    if plan.dest != plan.image.filename:
        del device.state.flash.files[plan.image.filename]
        entry.name = plan.dest
        device.state.flash.files[plan.dest] = entry
    device.record.copies.append(f"{plan.source} -> {plan.dest}")
    return entry


def copy_rate(size: int, seconds: float) -> str:
    secs = max(seconds, 0.001)
    return f"{size} bytes copied in {secs:.3f} secs ({int(size / secs)} bytes/sec)"
