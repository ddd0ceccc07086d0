"""OS upgrade steps on one device: facts, staging an image, boot selection and reload.

Each platform driver that can upgrade gives an UpgradeDriver (`Platform.upgrade`) saying how
it does each step: copy into flash and select the image with boot lines (the previous image
kept as a fallback), or install a package that becomes active at the next reboot. Every step
is safe to repeat: staging skips an image already in flash with the right checksum, boot
selection is declarative. This module holds the steps and the helpers the drivers share.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from dataclasses import dataclass

from netmiko import BaseConnection
from pydantic import BaseModel, Field

from services.core.errors import DeviceError
from services.core.secrets import Credential
from services.network.inventory import Device
from services.network.platforms import PLATFORMS, get_platform
from services.network.push import connect, disconnect, push_config
from services.network.push_driver import LineHook
from services.observability.device_log import session_closed

COPY_TIMEOUT = 3600.0  # an 800 MB image over a slow WAN link
UNITS = {"": 1, "B": 1, "K": 1024, "M": 1024**2, "G": 1024**3, "T": 1024**4}


class Image(BaseModel):
    """One OS image of the catalogue."""

    platform: str
    version: str = Field(min_length=1, max_length=64)
    filename: str = Field(min_length=1, max_length=255, pattern=r"^[A-Za-z0-9._+-]+$")
    size: int = Field(gt=0, le=2**63 - 1, description="bytes")
    md5: str = Field(pattern=r"^[0-9a-f]{32}$")


class DeviceFacts(BaseModel):
    """What an upgrade needs to know before it starts."""

    version: str
    free_bytes: int
    boot_image: str | None = None
    files: dict[str, int] = Field(default_factory=dict, description="flash file -> size")


class StageResult(BaseModel):
    copied: bool
    verified: bool
    detail: str = ""


def answer_prompts(conn: BaseConnection, command: str, answers: dict[str, str]) -> str:
    """Send `command`, answer the device's questions, return everything it printed."""
    prompt = re.escape(conn.base_prompt)
    questions = "|".join(re.escape(q) for q in answers)
    pattern = rf"(?:{questions})[^\n]*$|{prompt}[^\n]*[#>]\s*$"
    output = str(conn.send_command(command, expect_string=pattern, read_timeout=COPY_TIMEOUT))
    for _ in range(5):
        asked = next((q for q in answers if re.search(rf"{re.escape(q)}[^\n]*$", output)), None)
        if asked is None:
            return output
        output += str(
            conn.send_command(
                answers[asked],
                expect_string=pattern,
                read_timeout=COPY_TIMEOUT,
                strip_prompt=False,
                strip_command=False,
            )
        )
    return output


def send_and_drop(conn: BaseConnection, command: str, answers: dict[str, str], final: str) -> None:
    """Send a reload and answer its questions up to the `final` one; the device then cuts the
    session (expected), so nothing more is read."""
    conn.write_channel(command + conn.RETURN)
    pattern = "|".join(re.escape(q) for q in answers)
    try:
        for _ in range(len(answers)):
            output = conn.read_until_pattern(pattern=pattern, read_timeout=30)
            asked = next(q for q in answers if q in output)
            conn.write_channel(answers[asked] + conn.RETURN)
            if asked == final:
                break
    finally:
        close_now(conn)


def close_now(conn: BaseConnection) -> None:
    """Close a session the device is cutting: no `exit`, no wait for a prompt."""
    with contextlib.suppress(Exception):
        conn.paramiko_cleanup()


@dataclass(frozen=True)
class UpgradeDriver:
    """How one platform runs the upgrade steps."""

    platform: str

    def facts(self, conn: BaseConnection) -> DeviceFacts:
        raise NotImplementedError

    def image_path(self, image: Image) -> str:
        return f"flash:{image.filename}"

    def stage(self, conn: BaseConnection, url: str, image: Image) -> str:
        raise NotImplementedError

    def md5_of(self, conn: BaseConnection, image: Image) -> str | None:
        raise NotImplementedError

    def select_boot(self, conn: BaseConnection, image: str, fallback: str | None) -> list[str]:
        """Select `image` (then `fallback`) for the next boot on the open session, or say how:
        the config lines still to push (none when the selection is in place or done here)."""
        raise NotImplementedError

    def reload(self, conn: BaseConnection) -> None:
        raise NotImplementedError


MD5_LINE = re.compile(r"=\s*([0-9a-f]{32})\s*$", re.M)


def boot_lines(conn: BaseConnection, config: str) -> list[str]:
    output = str(conn.send_command(f"show {config} | include ^boot system"))
    return [ln.strip() for ln in output.splitlines() if ln.startswith("boot system ")]


def boot_line_edits(current: list[str], wanted: list[str]) -> list[str]:
    """Config lines that turn the ordered `current` boot lines into `wanted`.

    Lines already in place at the head are kept; the rest of `current` is removed and the rest
    of `wanted` appended. Replaying after any prefix of these lines was applied pushes no
    `boot system` line a second time: the applied ones are then part of the kept head.
    """
    keep = 0
    while keep < min(len(current), len(wanted)) and current[keep] == wanted[keep]:
        keep += 1
    return [f"no {line}" for line in current[keep:]] + wanted[keep:]


def upgradable_platforms() -> list[str]:
    """The platforms whose driver can run an OS upgrade."""
    return sorted(name for name, platform in PLATFORMS.items() if platform.can_upgrade)


def upgrade_driver(platform: str) -> UpgradeDriver:
    driver = get_platform(platform).upgrade
    if driver is None:
        known = ", ".join(upgradable_platforms())
        raise DeviceError(f"no OS upgrade driver for {platform!r}; known: {known}")
    return driver


# --- the steps, each in its own session ------------------------------------------------------


@contextlib.contextmanager
def session(device: Device, credential: Credential, timeout: float) -> Iterator[BaseConnection]:
    conn = connect(device, credential, timeout)
    try:
        yield conn
    finally:
        disconnect(conn)


def read_facts(device: Device, credential: Credential, timeout: float = 30.0) -> DeviceFacts:
    driver = upgrade_driver(device.platform)
    with session(device, credential, timeout) as conn:
        return driver.facts(conn)


def stage_image(
    device: Device, credential: Credential, image: Image, url: str, timeout: float = 30.0
) -> StageResult:
    """Copy the image unless flash already holds it with the right checksum; verify it."""
    driver = upgrade_driver(device.platform)
    with session(device, credential, timeout) as conn:
        present = driver.md5_of(conn, image)
        if present == image.md5:
            return StageResult(copied=False, verified=True, detail="already in flash, checksum ok")
        output = driver.stage(conn, url, image)
        if re.search(r"%\s?Error|^error:", output, re.M | re.I):
            line = next(ln for ln in output.splitlines() if re.search(r"error", ln, re.I))
            return StageResult(copied=False, verified=False, detail=line.strip()[:300])
        copied = driver.md5_of(conn, image)
        if copied != image.md5:
            return StageResult(
                copied=True,
                verified=False,
                detail=f"checksum mismatch: flash has {copied}, catalogue says {image.md5}",
            )
        return StageResult(copied=True, verified=True, detail="copied, checksum ok")


def set_boot(
    device: Device,
    credential: Credential,
    image: str,
    fallback: str | None = None,
    after_line: LineHook | None = None,
) -> None:
    """Select `image` (then `fallback`) for the next boot; `after_line` sees each boot line the
    device accepted (none where the platform selects with a command, not config lines)."""
    driver = upgrade_driver(device.platform)
    with session(device, credential, 30) as conn:
        lines = driver.select_boot(conn, image, fallback)
    if not lines:
        return
    result = push_config(device, credential, lines, save=True, after_line=after_line)
    if not result.ok:
        raise DeviceError(f"boot system not set: {result.error}")


def send_reload(device: Device, credential: Credential, timeout: float = 30.0) -> None:
    driver = upgrade_driver(device.platform)
    conn = connect(device, credential, timeout)
    try:
        driver.reload(conn)
    finally:
        session_closed(conn)  # the reload ends the session: nothing left to disconnect
