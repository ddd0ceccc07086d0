"""Cisco IOS / IOS-XE: `configure terminal`, lines applied as typed, `write memory`.

State from ntc-templates; upgrades copy into flash: and select the image with `boot system`
lines; the safety net is a checkpoint of the running config in flash and `configure replace`.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from hier_config import Platform as HierPlatform
from netmiko import BaseConnection

from services.core.errors import DeviceError
from services.network.platforms.base import CLI_LINE, TO_END, HierSettings, Platform
from services.network.platforms.registry import register
from services.network.push_driver import PushDriver, exit_and_save
from services.network.safety import SafetyNet, SafetyNetError, refusal
from services.network.state import (
    ESTABLISHED,
    BgpNeighbor,
    InterfaceState,
    StateCommands,
    int_of,
    ntc_rows,
)
from services.network.upgrade import (
    MD5_LINE,
    DeviceFacts,
    Image,
    UpgradeDriver,
    answer_prompts,
    boot_line_edits,
    boot_lines,
    send_and_drop,
)

NAME = "cisco_ios"
ERRORS = r"^% ?(Invalid|Incomplete|Ambiguous|Error|Unknown|Cannot|Bad)|^% .*not (permitted|allowed)"
# Secrets of IOS-like configs (Arista EOS shares them). A type before the secret (`0` clear,
# `5`/`8`/`9` hashes, `7` reversible, EOS `sha512`) stays: it tells a hash from a clear text.
TYPE = r"(?: (?:[0-9]|sha512|8a))?"
IOS_LIKE_SECRETS = (
    # username netwave privilege 15 secret 9 $9$... / username bob password 7 0822455D0A16
    CLI_LINE + r"username \S+ (?:\S+ )*?(?:secret|password)" + TYPE + " " + TO_END,
    CLI_LINE + r"enable (?:secret|password)(?: level \d+)?" + TYPE + " " + TO_END,
    CLI_LINE + r"password" + TYPE + " " + TO_END,  # line con/vty
    CLI_LINE + r"snmp-server community(?: [08])? (\S+)",
    # snmp-server host 192.0.2.1 [vrf X] [traps|informs] [version 1|2c] COMMUNITY (v3: a user)
    CLI_LINE + r"snmp-server host \S+(?: vrf \S+)?(?: traps| informs)?(?: version (?:1|2c))?"
    r" (?!version )(\S+)",
    CLI_LINE + r"snmp-server user .*? auth (?:md5|sha\S*) (\S+)",
    CLI_LINE + r"snmp-server user .*? priv (?:3des|des|aes(?: \d+)?) (\S+)",
    # tacacs-server key 7 ..., radius-server host 192.0.2.5 auth-port 1812 key 7 ...
    CLI_LINE + r"(?:tacacs|radius)-server (?:\S+ )*?key" + TYPE + " " + TO_END,
    # ` key 7 ...` under `tacacs server X` / `radius server X` (a key chain's ` key 1` is an id)
    CLI_LINE + r"key (?:[0-9] " + TO_END + r"|(?!\d+\s*$|chain )" + TO_END + ")",
    r"(?<!\S)key-string" + TYPE + " " + TO_END,  # key chains, HSRP/VRRP md5
    CLI_LINE + r"(?:mpls ldp )?neighbor \S+ password" + TYPE + " " + TO_END,
    r"(?<!\S)ip ospf authentication-key" + TYPE + " " + TO_END,
    r"(?<!\S)message-digest-key \d+ md5" + TYPE + " " + TO_END,
    # IOS `... md5 104D000A0618 7`, EOS `... md5 7 104D000A0618`
    CLI_LINE + r"ntp authentication-key \d+ \S+(?: [0-9](?= \S))? (\S+)",
    CLI_LINE + r"(?:crypto )?isakmp key" + TYPE + r" (\S+)",
    r"(?<!\S)pre-shared-key (?:address|hostname) .*?\bkey" + TYPE + r" (\S+)",
    r"(?<!\S)pre-shared-key(?: local| remote)?" + TYPE + r" (?!address |hostname )(\S+)",
    CLI_LINE + r"ppp .*?\bpassword" + TYPE + r" (\S+)",
    CLI_LINE + r"ip (?:ftp|http client) password" + TYPE + " " + TO_END,
    CLI_LINE + r"standby(?: \d+)? authentication(?: text)? (?!md5 )(\S+)",
    CLI_LINE + r"vrrp \d+ (?:peer )?authentication(?: text)? (?!(?:ietf-)?md5 )(\S+)",
    CLI_LINE + r"(?:isis password|area-password|domain-password)(?: clear| md5)? (\S+)",
    CLI_LINE + r"wpa-psk (?:ascii|hex)(?: [0-9])? (\S+)",
)
VOLATILE = (
    r"^Building configuration\.\.\.\s*$",
    r"^Current configuration ?: \d+ bytes",
    r"^! Last configuration change at ",
    r"^! NVRAM config last updated at ",
    r"^! No configuration change since last restart",
    r"^ntp clock-period \d+",
)

# What Arista EOS shares: the push (enable, lines applied as typed, `write memory`) and the
# show commands of the state, each read by the platform's own parser.
IOS_LIKE_PUSH = PushDriver(ERRORS, finish=exit_and_save, enable=True)


def ios_like_state(
    interfaces: Callable[[str], dict[str, InterfaceState]],
    bgp: Callable[[str], dict[str, BgpNeighbor]],
    routes: Callable[[str], int | None],
) -> StateCommands:
    return StateCommands(
        ("show interfaces", interfaces),
        ("show ip bgp summary", bgp),
        ("show ip route summary", routes),
    )


# --- state (ntc-templates) -------------------------------------------------------------------


def interfaces(output: str) -> dict[str, InterfaceState]:
    return {
        row["interface"]: InterfaceState(
            up=row["link_status"] == "up" and row["protocol_status"] == "up",
            bandwidth_kbps=int_of(row["bandwidth"]),
        )
        for row in ntc_rows(NAME, "show interfaces", output)
    }


def bgp(output: str) -> dict[str, BgpNeighbor]:
    found = {}
    for row in ntc_rows(NAME, "show ip bgp summary", output):
        state = row["state_or_prefixes_received"]
        if state.isdigit():
            found[row["bgp_neighbor"]] = BgpNeighbor(state=ESTABLISHED, prefixes=int(state))
        else:
            found[row["bgp_neighbor"]] = BgpNeighbor(state=state)
    return found


def routes(output: str) -> int | None:
    rows = ntc_rows(NAME, "show ip route summary", output)
    counted = [r for r in rows if r["route_source"] not in ("internal", "Total")]
    return sum((int_of(r["networks"]) or 0) + (int_of(r["subnets"]) or 0) for r in counted)


# --- upgrade -----------------------------------------------------------------------------------


class FlashBootUpgrade(UpgradeDriver):
    """Copy into flash:, select with ordered `boot system` lines, `reload`."""

    def facts(self, conn: BaseConnection) -> DeviceFacts:
        version = ntc_rows(self.platform, "show version", str(conn.send_command("show version")))
        listing = ntc_rows(self.platform, "dir flash:", str(conn.send_command("dir flash:")))
        if not version or not listing:
            raise DeviceError("show version or dir flash: gave nothing to parse")
        return DeviceFacts(
            version=version[0]["version"],
            free_bytes=int(listing[0]["total_free"]),
            boot_image=version[0].get("running_image") or None,
            files={row["name"]: int(row["size"]) for row in listing if row.get("name")},
        )

    def stage(self, conn: BaseConnection, url: str, image: Image) -> str:
        return answer_prompts(
            conn,
            f"copy {url} flash:{image.filename}",
            {"Destination filename": "", "over write": "", "[confirm]": ""},
        )

    def md5_of(self, conn: BaseConnection, image: Image) -> str | None:
        output = str(conn.send_command(f"verify /md5 {self.image_path(image)}", read_timeout=600))
        found = MD5_LINE.search(output)
        return found.group(1) if found else None

    def select_boot(self, conn: BaseConnection, image: str, fallback: str | None) -> list[str]:
        """Make the boot lines exactly `image` then `fallback`, pushing each line at most once.

        A session cut half-way (a worker killed, a dropped link) leaves the lines partly
        changed; the retry reads them again and pushes only what is still missing
        (`boot_line_edits`), then saves if the startup config does not hold them yet.
        """
        wanted = [f"boot system flash:{image}"]
        if fallback and fallback != image:
            wanted.append(f"boot system flash:{fallback}")
        commands = boot_line_edits(boot_lines(conn, "running-config"), wanted)
        if not commands and boot_lines(conn, "startup-config") != wanted:
            conn.save_config()  # lines in place, but the cut came before the save
        return commands

    def reload(self, conn: BaseConnection) -> None:
        send_and_drop(conn, "reload", {"Save? [yes/no]": "yes", "[confirm]": ""}, "[confirm]")


# --- safety net --------------------------------------------------------------------------------


class ConfigReplace(SafetyNet):
    """A checkpoint of the running config in flash before the first line; `configure replace`
    of it takes the change back exactly; confirming deletes it."""

    name = "configure replace of a flash checkpoint"

    @staticmethod
    def path(tag: str) -> str:
        return f"flash:{tag}.cfg"

    def _exists(self, conn: BaseConnection, tag: str) -> bool:
        output = str(conn.send_command(f"dir {self.path(tag)}"))
        return not re.search(r"%\s?Error|No such file", output) and f"{tag}.cfg" in output

    def before(self, conn: BaseConnection, tag: str, timeout: float) -> None:
        # An earlier attempt's checkpoint is the config before the change: keep it.
        if self._exists(conn, tag):
            return
        output = answer_prompts(
            conn, f"copy running-config {self.path(tag)}", {"Destination filename": ""}
        )
        if refusal(output, ERRORS) or "bytes copied" not in output:
            raise SafetyNetError(f"checkpoint not written: {output.strip()[:200]}")

    def confirm(self, conn: BaseConnection, tag: str, timeout: float) -> None:
        conn.send_command(f"delete /force {self.path(tag)}")

    def undo(self, conn: BaseConnection, tag: str, timeout: float) -> str | None:
        if not self._exists(conn, tag):
            return None
        command = f"configure replace {self.path(tag)} force"
        output = str(conn.send_command(command, read_timeout=max(timeout, 120.0)))
        refused = refusal(output, ERRORS)
        if refused or "Rollback Done" not in output:
            # e.g. `%The following commands are failed to apply ...` then `Rollback aborted`
            said = " / ".join(line.strip() for line in output.splitlines() if line.strip())
            raise SafetyNetError(f"{command}: {refused or said[:300]}")
        conn.send_command(f"delete /force {self.path(tag)}")
        return command


PLATFORM = register(
    Platform(
        name=NAME,
        title="Cisco IOS / IOS-XE",
        device_type="cisco_ios",
        syntax="indented",
        running_config_command="show running-config",
        push=IOS_LIKE_PUSH,
        state=ios_like_state(interfaces, bgp, routes),
        max_wan_mbps=10_000,
        volatile=VOLATILE,
        upgrade=FlashBootUpgrade(NAME),
        hier=HierSettings(HierPlatform.CISCO_IOS, indentation=1),
        safety_net=ConfigReplace(),
        secret_patterns=IOS_LIKE_SECRETS,
    )
)
