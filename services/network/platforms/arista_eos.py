"""Arista EOS: IOS-like CLI (indentation 3), configuration sessions with a commit timer.

State from ntc-templates (route summary read by hand); upgrades boot one image from flash:
through `boot system`; the safety net is a configuration session committed with a timer,
confirmed once verified, aborted to take the change back.
"""

from __future__ import annotations

import re

from hier_config import Platform as HierPlatform
from netmiko import BaseConnection

from services.core.errors import DeviceError
from services.network.platforms.base import CLI_LINE, TO_END, HierSettings, Platform
from services.network.platforms.cisco_ios import (
    ERRORS,
    IOS_LIKE_PUSH,
    IOS_LIKE_SECRETS,
    TYPE,
    FlashBootUpgrade,
    ios_like_state,
)
from services.network.platforms.registry import register
from services.network.safety import CONFIRM_MINUTES, SafetyNet, SafetyNetError, refusal
from services.network.state import (
    ESTABLISHED,
    BgpNeighbor,
    InterfaceState,
    int_of,
    ntc_rows,
)
from services.network.upgrade import COPY_TIMEOUT, DeviceFacts, Image, close_now

NAME = "arista_eos"
VOLATILE = (r"^! Command: show running-config", r"^! Time: ")
# IOS's secrets (EOS writes `username X ... secret sha512 $6$...`, `enable password sha512`,
# `neighbor X password 7 ...` the same way) and EOS's own.
SECRETS = (
    *IOS_LIKE_SECRETS,
    CLI_LINE + r"aaa root secret" + TYPE + " " + TO_END,
    CLI_LINE + r"(?:isis )?authentication key" + TYPE + r" (\S+)",  # router isis
)
TOTAL_ROUTES = re.compile(r"^\s*Total Routes\s+(\d+)\s*$", re.M)
BOOT_CONFIG = re.compile(r"Software image:\s*flash:/?(\S+)")


# --- state -------------------------------------------------------------------------------------


def interfaces(output: str) -> dict[str, InterfaceState]:
    return {
        row["interface"]: InterfaceState(
            up=row["link_status"] == "up" and row["protocol_status"].startswith("up"),
            bandwidth_kbps=int_of(row["bandwidth"]),
        )
        for row in ntc_rows(NAME, "show interfaces", output)
    }


def bgp(output: str) -> dict[str, BgpNeighbor]:
    found = {}
    for row in ntc_rows(NAME, "show ip bgp summary", output):
        if row["state"] == "Estab":
            found[row["bgp_neigh"]] = BgpNeighbor(
                state=ESTABLISHED, prefixes=int_of(row["state_pfxrcd"])
            )
        else:
            found[row["bgp_neigh"]] = BgpNeighbor(state=row["state"])
    return found


def routes(output: str) -> int | None:
    match = TOTAL_ROUTES.search(output)
    return int(match.group(1)) if match else None


# --- upgrade -----------------------------------------------------------------------------------


class SingleImageUpgrade(FlashBootUpgrade):
    """One `boot system` image (the boot-config, written at once); `reload now`."""

    def facts(self, conn: BaseConnection) -> DeviceFacts:
        version = ntc_rows(self.platform, "show version", str(conn.send_command("show version")))
        listing = ntc_rows(self.platform, "dir flash:", str(conn.send_command("dir flash:")))
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

    def select_boot(self, conn: BaseConnection, image: str, fallback: str | None) -> list[str]:
        # One image boots; the previous one stays in flash for a rollback. Already selected
        # (a retry after a cut session): nothing to push.
        selected = BOOT_CONFIG.search(str(conn.send_command("show boot-config")))
        if selected is not None and selected.group(1) == image:
            return []
        return [f"boot system flash:{image}"]

    def reload(self, conn: BaseConnection) -> None:
        conn.write_channel("reload now" + conn.RETURN)  # asks nothing with `now`
        close_now(conn)


# --- safety net --------------------------------------------------------------------------------


class SessionCommitTimer(SafetyNet):
    """The change goes into a configuration session (nothing applied while lines are typed),
    committed with a timer; `configure session NAME commit` keeps it, `... abort` takes it
    back, and the device takes it back by itself when the timer runs out."""

    name = "configuration session with a commit timer"

    def __init__(self, minutes: int = CONFIRM_MINUTES) -> None:
        self.minutes = minutes

    def config_command(self, tag: str) -> str | None:
        return f"configure session {tag}"

    def _exec(self, conn: BaseConnection, command: str) -> str:
        return str(conn.send_command(command, expect_string=r"#\s*$"))

    def before(self, conn: BaseConnection, tag: str, timeout: float) -> None:
        # A session left by an attempt that died while typing holds part of the lines.
        self._exec(conn, f"configure session {tag} abort")

    def apply(self, conn: BaseConnection, tag: str, timeout: float) -> bool:
        hours, minutes = divmod(self.minutes, 60)
        command = f"commit timer {hours:02d}:{minutes:02d}:00"
        output = str(conn.send_command(command, expect_string=r"#\s*$", read_timeout=timeout))
        refused = refusal(output, ERRORS)
        if refused:
            raise SafetyNetError(f"{command}: {refused}")
        return True

    def abandon(self, conn: BaseConnection, tag: str) -> None:
        self._exec(conn, "abort")

    def confirm(self, conn: BaseConnection, tag: str, timeout: float) -> None:
        command = f"configure session {tag} commit"
        refused = refusal(self._exec(conn, command), r"^%")
        if refused:
            raise SafetyNetError(f"{command}: {refused}")

    def undo(self, conn: BaseConnection, tag: str, timeout: float) -> str | None:
        command = f"configure session {tag} abort"
        # No such pending session: nothing was applied, or the timer took it back already.
        return None if refusal(self._exec(conn, command), r"^%") else command


PLATFORM = register(
    Platform(
        name=NAME,
        title="Arista EOS",
        device_type="arista_eos",
        syntax="indented",
        running_config_command="show running-config",
        push=IOS_LIKE_PUSH,
        state=ios_like_state(interfaces, bgp, routes),
        max_wan_mbps=100_000,
        volatile=VOLATILE,
        upgrade=SingleImageUpgrade(NAME),
        hier=HierSettings(HierPlatform.ARISTA_EOS, indentation=3),
        safety_net=SessionCommitTimer(),
        secret_patterns=SECRETS,
    )
)
