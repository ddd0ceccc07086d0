"""Juniper Junos: `set` lines, `configure exclusive` from a clean candidate, `commit`.

Interfaces and BGP are parsed by hand (ntc's templates expect other layouts); upgrades install
a package with `request system software add`; the safety net is `commit confirmed`, confirmed
by a plain `commit` once verified, taken back with `rollback 1` (or by the device's timer).
"""

from __future__ import annotations

import re

from netmiko import BaseConnection
from netmiko.juniper.juniper import JuniperBase

from services.core.errors import DeviceError
from services.network.platforms.base import Platform
from services.network.platforms.registry import register
from services.network.push_driver import PushDriver
from services.network.safety import CONFIRM_MINUTES, SafetyNet, SafetyNetError
from services.network.state import (
    ESTABLISHED,
    BgpNeighbor,
    InterfaceState,
    StateCommands,
    int_of,
    ntc_rows,
)
from services.network.upgrade import (
    COPY_TIMEOUT,
    MD5_LINE,
    UNITS,
    DeviceFacts,
    Image,
    UpgradeDriver,
    send_and_drop,
)

NAME = "juniper_junos"
ERRORS = r"syntax error|unknown command|missing argument|invalid value|^error:"
CONFIGURE = "configure exclusive"
# Secrets of `display set` lines (and of the braces syntax): Junos prints them quoted, mostly
# `$9$...` (reversible) or `$6$...` hashes. The quotes stay; the text inside goes.
VALUE = r'(?:"((?:[^"\\]|\\.)*)"|([^\s;"]+))'
SECRETS = (
    r"(?<!\S)encrypted-password " + VALUE,  # root-authentication, login user authentication
    r"(?<!\S)plain-text-password-value " + VALUE,
    r"(?<!\S)(?:secret|simple-password|privacy-key|default-chap-secret|default-pap-password) "
    + VALUE,  # radius-server/tacplus-server secret, OSPF simple, SNMPv3 privacy, PPP
    # BGP, LDP, VRRP, SNMPv3 `authentication-key "$9$..."` (not NTP's `authentication-key 1`)
    r"(?<!\S)(?:hello-)?authentication-key (?!\d+(?: |$))" + VALUE,
    r"(?<!\S)authentication-key \d+ (?:type \S+ )?value " + VALUE,  # system ntp
    r"(?<!\S)md5 \d+ key " + VALUE,  # OSPF/IS-IS md5 keys
    r"(?<!\S)pre-shared-key (?:ascii-text|hexadecimal) " + VALUE,
    # SNMP v1/v2c communities; a trap group's name is the community its traps carry
    r"(?<!\S)snmp (?:community|trap-group) " + VALUE,
    r"(?<!\S)community-name " + VALUE,  # snmp v3 snmp-community
)

PHYSICAL = re.compile(r"^Physical interface: (\S+), (Enabled|Administratively down)")
LINK = re.compile(r"Physical link is (\w+)")
LOGICAL = re.compile(r"^\s+Logical interface (\S+)")
BANDWIDTH = re.compile(r"^\s+Bandwidth: (\d+)\s*kbps")
PEER = re.compile(r"^(\d+\.\d+\.\d+\.\d+)\s+\d+\s+\d+\s+\d+\s+\d+\s+\d+\s+.*\s(\S+)\s*$")
RIB = re.compile(r"^\s+\S+\.\d+: (\d+)/(\d+)/(\d+)/(\d+)")
STORAGE_VAR = re.compile(
    r"^\S+\s+\S+\s+\S+\s+(?P<avail>[\d.]+)(?P<unit>[KMGT]?)\S*\s+\d+%\s+\S*/var$", re.M
)
FILE_ROW = re.compile(r"^[-rwxd]{10}\s+\d+\s+\S+\s+\S+\s+(?P<size>\d+)\s+.+?\s(?P<name>\S+)$", re.M)
COMMIT_ROW = re.compile(r"^\s*(\d+)\s+\S+\s+\S+")


# --- state -------------------------------------------------------------------------------------


def interfaces(output: str) -> dict[str, InterfaceState]:
    """Physical interfaces and their logical units (`ge-0/0/0.0`, with the unit bandwidth)."""
    found: dict[str, InterfaceState] = {}
    physical_up = False
    current: str | None = None
    for line in output.splitlines():
        if match := PHYSICAL.match(line):
            link = LINK.search(line)
            physical_up = match.group(2) == "Enabled" and bool(link and link.group(1) == "Up")
            current = match.group(1)
            found[current] = InterfaceState(up=physical_up)
        elif match := LOGICAL.match(line):
            current = match.group(1)
            found[current] = InterfaceState(up=physical_up)
        elif (match := BANDWIDTH.match(line)) and current is not None:
            found[current] = InterfaceState(up=found[current].up, bandwidth_kbps=int(match[1]))
    return found


def bgp(output: str) -> dict[str, BgpNeighbor]:
    found: dict[str, BgpNeighbor] = {}
    last: str | None = None
    for line in output.splitlines():
        if match := PEER.match(line):
            last = match.group(1)
            state = ESTABLISHED if match.group(2) == "Establ" else match.group(2)
            found[last] = BgpNeighbor(state=state, prefixes=0 if state == ESTABLISHED else None)
        elif (match := RIB.match(line)) and last is not None and found[last].established:
            received = int(match.group(2)) + (found[last].prefixes or 0)
            found[last] = BgpNeighbor(state=ESTABLISHED, prefixes=received)
    return found


def routes(output: str) -> int | None:
    rows = ntc_rows(NAME, "show route summary", output)
    return sum(int_of(r["routes"]) or 0 for r in rows if r["table_name"] == "inet.0") or None


# --- config session ----------------------------------------------------------------------------


def commit_and_exit(conn: BaseConnection, save: bool, timeout: float) -> None:
    """A commit is both the apply and the save: it always runs."""
    if isinstance(conn, JuniperBase):
        conn.commit(read_timeout=max(timeout, 30.0))
    else:
        conn.commit()
    conn.exit_config_mode()


# --- upgrade -----------------------------------------------------------------------------------


class PackageUpgrade(UpgradeDriver):
    """Copy a package to /var/tmp, `request system software add`, `request system reboot`."""

    def image_path(self, image: Image) -> str:
        return f"/var/tmp/{image.filename}"

    def facts(self, conn: BaseConnection) -> DeviceFacts:
        version = ntc_rows(self.platform, "show version", str(conn.send_command("show version")))
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

    def select_boot(self, conn: BaseConnection, image: str, fallback: str | None) -> list[str]:
        command = f"request system software add /var/tmp/{image} no-validate"
        output = str(conn.send_command(command, read_timeout=900))
        if re.search(r"^(error|ERROR)", output, re.M):
            raise DeviceError(f"software add refused: {output.strip().splitlines()[0]}")
        return []  # one command, no config lines

    def reload(self, conn: BaseConnection) -> None:
        send_and_drop(conn, "request system reboot", {"[yes,no]": "yes"}, "[yes,no]")


# --- safety net --------------------------------------------------------------------------------


def latest_commit(output: str) -> tuple[str, str]:
    """The newest entry of `show system commit`: its line and its comment ('' if none)."""
    lines = output.splitlines()
    for index, line in enumerate(lines):
        if (match := COMMIT_ROW.match(line)) and match.group(1) == "0":
            after = lines[index + 1] if index + 1 < len(lines) else ""
            comment = "" if COMMIT_ROW.match(after) or not after.startswith(" ") else after
            return line.strip(), comment.strip()
    return "", ""


class CommitConfirmed(SafetyNet):
    """`commit confirmed N comment TAG`: a plain `commit` keeps it; `rollback 1` + `commit`
    takes it back; the device rolls back by itself after N minutes without a confirmation."""

    name = "commit confirmed"

    def __init__(self, minutes: int = CONFIRM_MINUTES) -> None:
        self.minutes = minutes

    def _ours_pending(self, conn: BaseConnection, tag: str) -> bool:
        line, comment = latest_commit(str(conn.send_command("show system commit")))
        return comment == tag and "commit confirmed" in line

    def apply(self, conn: BaseConnection, tag: str, timeout: float) -> bool:
        if not isinstance(conn, JuniperBase):
            raise SafetyNetError("the session is not a set-line session")
        conn.commit(confirm=True, confirm_delay=self.minutes, comment=tag, read_timeout=120.0)
        conn.exit_config_mode()
        return True

    def confirm(self, conn: BaseConnection, tag: str, timeout: float) -> None:
        if not self._ours_pending(conn, tag):
            raise SafetyNetError(
                "the change's confirmed commit is no longer the latest commit "
                "(the device's timer rolled it back, or someone committed since)"
            )
        conn.config_mode(config_command=CONFIGURE)
        commit_and_exit(conn, True, timeout)

    def undo(self, conn: BaseConnection, tag: str, timeout: float) -> str | None:
        if not self._ours_pending(conn, tag):
            return None
        conn.config_mode(config_command=CONFIGURE)
        output = str(conn.send_command("rollback 1", expect_string=r"#\s*$"))
        if re.search(ERRORS, output, re.M):
            raise SafetyNetError(f"rollback 1: {output.strip()[:200]}")
        commit_and_exit(conn, True, timeout)
        return "rollback 1; commit"


PLATFORM = register(
    Platform(
        name=NAME,
        title="Juniper Junos",
        device_type="juniper_junos",
        syntax="set",
        running_config_command="show configuration | display set",
        # A clean candidate first, so the commit holds our lines and nothing left by others.
        push=PushDriver(
            ERRORS,
            config_command=CONFIGURE,
            prelude=("rollback 0",),
            finish=commit_and_exit,
            commit_saves=True,
            applies_each_line=False,
        ),
        state=StateCommands(
            ("show interfaces", interfaces),
            ("show bgp summary", bgp),
            ("show route summary", routes),
        ),
        max_wan_mbps=10_000,
        volatile=(r"^## Last commit: ", r"^## Last changed: "),
        upgrade=PackageUpgrade(NAME),
        safety_net=CommitConfirmed(),
        secret_patterns=SECRETS,
    )
)
