"""OS upgrade steps on one device: facts, staging an image, boot selection and reload.

Each platform says how it does each step (UPGRADE_DRIVERS, keyed by netwave platform): IOS-XE
copies into flash: and selects the image with `boot system` lines (the previous image kept as a
fallback), EOS with its single `boot system`, Junos installs a package with `request system
software add` that becomes active at the next reboot. Every step is safe to repeat: staging
skips an image already in flash with the right checksum, boot selection is declarative.
"""

from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass
from typing import Any

from netmiko import BaseConnection
from ntc_templates.parse import parse_output
from pydantic import BaseModel, Field

from services.core.errors import DeviceError
from services.core.secrets import Credential
from services.network.inventory import Device
from services.network.push import connect, push_config

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


def _ntc(platform: str, command: str, output: str) -> list[dict[str, Any]]:
    try:
        rows = parse_output(platform=platform, command=command, data=output)
    except Exception as exc:  # ntc raises its own parse errors
        raise DeviceError(f"cannot parse {command!r}: {exc}") from None
    return list(rows) if isinstance(rows, list) else []


def _answer_prompts(conn: BaseConnection, command: str, answers: dict[str, str]) -> str:
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


def _send_and_drop(conn: BaseConnection, command: str, answers: dict[str, str], final: str) -> None:
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
        _close(conn)


def _close(conn: BaseConnection) -> None:
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

    def set_boot(
        self, device: Device, credential: Credential, image: str, fallback: str | None
    ) -> None:
        raise NotImplementedError

    def reload(self, conn: BaseConnection) -> None:
        raise NotImplementedError


MD5_LINE = re.compile(r"=\s*([0-9a-f]{32})\s*$", re.M)


BOOT_CONFIG = re.compile(r"Software image:\s*flash:/?(\S+)")


def _boot_lines(conn: BaseConnection, config: str) -> list[str]:
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


class IosUpgrade(UpgradeDriver):
    def facts(self, conn: BaseConnection) -> DeviceFacts:
        version = _ntc("cisco_ios", "show version", str(conn.send_command("show version")))
        listing = _ntc("cisco_ios", "dir flash:", str(conn.send_command("dir flash:")))
        if not version or not listing:
            raise DeviceError("show version or dir flash: gave nothing to parse")
        return DeviceFacts(
            version=version[0]["version"],
            free_bytes=int(listing[0]["total_free"]),
            boot_image=version[0].get("running_image") or None,
            files={row["name"]: int(row["size"]) for row in listing if row.get("name")},
        )

    def stage(self, conn: BaseConnection, url: str, image: Image) -> str:
        return _answer_prompts(
            conn,
            f"copy {url} flash:{image.filename}",
            {"Destination filename": "", "over write": "", "[confirm]": ""},
        )

    def md5_of(self, conn: BaseConnection, image: Image) -> str | None:
        output = str(conn.send_command(f"verify /md5 {self.image_path(image)}", read_timeout=600))
        found = MD5_LINE.search(output)
        return found.group(1) if found else None

    def set_boot(
        self, device: Device, credential: Credential, image: str, fallback: str | None
    ) -> None:
        """Make the boot lines exactly `image` then `fallback`, pushing each line at most once.

        A session cut half-way (a worker killed, a dropped link) leaves the lines partly
        changed; the retry reads them again and pushes only what is still missing
        (`boot_line_edits`), then saves if the startup config does not hold them yet.
        """
        wanted = [f"boot system flash:{image}"]
        if fallback and fallback != image:
            wanted.append(f"boot system flash:{fallback}")
        conn = connect(device, credential, 30)
        try:
            commands = boot_line_edits(_boot_lines(conn, "running-config"), wanted)
            if not commands:
                if _boot_lines(conn, "startup-config") != wanted:
                    conn.save_config()  # lines in place, but the cut came before the save
                return
        finally:
            with contextlib.suppress(Exception):
                conn.disconnect()
        result = push_config(device, credential, commands, save=True)
        if not result.ok:
            raise DeviceError(f"boot system not set: {result.error}")

    def reload(self, conn: BaseConnection) -> None:
        _send_and_drop(conn, "reload", {"Save? [yes/no]": "yes", "[confirm]": ""}, "[confirm]")


class EosUpgrade(IosUpgrade):
    def facts(self, conn: BaseConnection) -> DeviceFacts:
        version = _ntc("arista_eos", "show version", str(conn.send_command("show version")))
        listing = _ntc("arista_eos", "dir flash:", str(conn.send_command("dir flash:")))
        boot = BOOT_CONFIG.search(str(conn.send_command("show boot-config")))
        if not version or not listing:
            raise DeviceError("show version or dir flash: gave nothing to parse")
        return DeviceFacts(
            version=version[0]["image"],
            free_bytes=int(listing[0]["total_free"]),
            boot_image=boot.group(1) if boot else None,
            files={row["name"]: int(row["size"]) for row in listing if row.get("name")},
        )

    def stage(self, conn: BaseConnection, url: str, image: Image) -> str:
        return str(
            conn.send_command(f"copy {url} flash:{image.filename}", read_timeout=COPY_TIMEOUT)
        )

    def set_boot(
        self, device: Device, credential: Credential, image: str, fallback: str | None
    ) -> None:
        # EOS boots one image (its boot-config, written at once); the previous one stays in
        # flash for a rollback. Already selected (a retry after a cut session): nothing to push.
        conn = connect(device, credential, 30)
        try:
            selected = BOOT_CONFIG.search(str(conn.send_command("show boot-config")))
        finally:
            with contextlib.suppress(Exception):
                conn.disconnect()
        if selected is not None and selected.group(1) == image:
            return
        result = push_config(device, credential, [f"boot system flash:{image}"], save=True)
        if not result.ok:
            raise DeviceError(f"boot system not set: {result.error}")

    def reload(self, conn: BaseConnection) -> None:
        conn.write_channel("reload now" + conn.RETURN)  # EOS asks nothing with `now`
        _close(conn)


STORAGE_VAR = re.compile(
    r"^\S+\s+\S+\s+\S+\s+(?P<avail>[\d.]+)(?P<unit>[KMGT]?)\S*\s+\d+%\s+\S*/var$", re.M
)
FILE_ROW = re.compile(r"^[-rwxd]{10}\s+\d+\s+\S+\s+\S+\s+(?P<size>\d+)\s+.+?\s(?P<name>\S+)$", re.M)


class JunosUpgrade(UpgradeDriver):
    def image_path(self, image: Image) -> str:
        return f"/var/tmp/{image.filename}"

    def facts(self, conn: BaseConnection) -> DeviceFacts:
        version = _ntc("juniper_junos", "show version", str(conn.send_command("show version")))
        storage = STORAGE_VAR.search(str(conn.send_command("show system storage")))
        listing = str(conn.send_command("file list /var/tmp/ detail"))
        if not version or storage is None:
            raise DeviceError("show version or show system storage gave nothing to parse")
        files = {m.group("name"): int(m.group("size")) for m in FILE_ROW.finditer(listing)}
        running = version[0]["junos_version"]
        boot = next((name for name in files if running in name and name.endswith(".tgz")), None)
        return DeviceFacts(
            version=running,
            free_bytes=int(float(storage.group("avail")) * UNITS[storage.group("unit")]),
            boot_image=boot,
            files=files,
        )

    def stage(self, conn: BaseConnection, url: str, image: Image) -> str:
        command = f"file copy {url} {self.image_path(image)}"
        return str(conn.send_command(command, read_timeout=COPY_TIMEOUT))

    def md5_of(self, conn: BaseConnection, image: Image) -> str | None:
        output = str(conn.send_command(f"file checksum md5 {self.image_path(image)}"))
        found = MD5_LINE.search(output)
        return found.group(1) if found else None

    def set_boot(
        self, device: Device, credential: Credential, image: str, fallback: str | None
    ) -> None:
        conn = connect(device, credential, 30)
        try:
            output = str(
                conn.send_command(
                    f"request system software add /var/tmp/{image} no-validate", read_timeout=900
                )
            )
        finally:
            with contextlib.suppress(Exception):
                conn.disconnect()
        if re.search(r"^(error|ERROR)", output, re.M):
            raise DeviceError(f"software add refused: {output.strip().splitlines()[0]}")

    def reload(self, conn: BaseConnection) -> None:
        _send_and_drop(conn, "request system reboot", {"[yes,no]": "yes"}, "[yes,no]")


UPGRADE_DRIVERS: dict[str, UpgradeDriver] = {
    "cisco_ios": IosUpgrade("cisco_ios"),
    "arista_eos": EosUpgrade("arista_eos"),
    "juniper_junos": JunosUpgrade("juniper_junos"),
}


def upgrade_driver(platform: str) -> UpgradeDriver:
    try:
        return UPGRADE_DRIVERS[platform]
    except KeyError:
        known = ", ".join(sorted(UPGRADE_DRIVERS))
        raise DeviceError(f"no OS upgrade driver for {platform!r}; known: {known}") from None


# --- the steps, each in its own session ------------------------------------------------------


def read_facts(device: Device, credential: Credential, timeout: float = 30.0) -> DeviceFacts:
    driver = upgrade_driver(device.platform)
    conn = connect(device, credential, timeout)
    try:
        return driver.facts(conn)
    finally:
        with contextlib.suppress(Exception):
            conn.disconnect()


def stage_image(
    device: Device, credential: Credential, image: Image, url: str, timeout: float = 30.0
) -> StageResult:
    """Copy the image unless flash already holds it with the right checksum; verify it."""
    driver = upgrade_driver(device.platform)
    conn = connect(device, credential, timeout)
    try:
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
    finally:
        with contextlib.suppress(Exception):
            conn.disconnect()


def set_boot(
    device: Device, credential: Credential, image: str, fallback: str | None = None
) -> None:
    upgrade_driver(device.platform).set_boot(device, credential, image, fallback)


def send_reload(device: Device, credential: Credential, timeout: float = 30.0) -> None:
    driver = upgrade_driver(device.platform)
    conn = connect(device, credential, timeout)
    driver.reload(conn)
