"""Fortinet FortiOS (FortiGate): `config ...` / `edit ...` / `set ...` / `next` / `end`.

Netmiko's `fortinet` driver has no config mode and no save: a `config` block applies its
objects at `next` and `end`, and FortiOS writes the config to flash as it applies it
(`cfg-save automatic`), so the push closes every block it opens (`frame`) and the apply is
the save. hier_config's FortiOS driver compares configs (`set` replaces a value, `unset`
removes it). State from ntc-templates (`get system interface physical` for link state, `get
router info bgp summary`, `get router info routing-table all`) and the interface table of the
config for the WAN rate (estimated bandwidth). Upgrades write the image to the secondary
partition (`execute restore secondary-image`), select it with `execute set-next-reboot` and
`execute reboot`. No safety net: a change is taken back from the pre-change backup, value by
value.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from hier_config import Platform as HierPlatform
from hier_config.child import HConfigChild
from hier_config.models import PerLineSubRule
from hier_config.platforms.driver_base import HConfigDriverBase
from hier_config.platforms.fortinet_fortios.driver import HConfigDriverFortinetFortiOS
from netmiko import BaseConnection

from services.core.errors import DeviceError
from services.network.platforms.base import HierSettings, Platform
from services.network.platforms.registry import register
from services.network.push_driver import PushDriver
from services.network.state import (
    ESTABLISHED,
    BgpNeighbor,
    InterfaceState,
    StateCommands,
    int_of,
    ntc_rows,
)
from services.network.upgrade import (
    DeviceFacts,
    Image,
    UpgradeDriver,
    answer_prompts,
    send_and_drop,
)

NAME = "fortinet"
INDENT = 4
# `command parse error before 'x'`, `value parse error before 'x'`, then `Command fail. Return
# code -61`; an object refused at `next`/`end`: `node_check_object fail! for ...`.
ERRORS = r"^Command fail\. Return code|parse error before|^node_check_object fail"
VOLATILE = (r"^#",)  # `#config-version=...`, `#conf_file_ver=...`, `#buildno=...`
# Secrets FortiOS prints as `set password ENC ...`, `set passwd ENC ...`, `set psksecret ENC`.
SECRETS = (r"^\s*set (?:password|passwd|psksecret|key|secret|auth-pwd|priv-pwd) (?:ENC )?(\S+)",)
LINKS = "get system interface physical"
INTERFACES = "show system interface"
BGP = "get router info bgp summary"
ROUTES = "get router info routing-table all"
EDIT = re.compile(r'^\s*edit "?([^"]+)"?\s*$')
VERSION = re.compile(r"v(\d+\.\d+\.\d+)")
PARTITION = re.compile(r"^\s*(\d+)\s+(\S+)\s+(\d+)\s+(\d+)\s+\d+%\s+(Yes|No)\s*$", re.M)

# --- state -------------------------------------------------------------------------------------


def _rates(config: str) -> dict[str, InterfaceState]:
    """The interface table of the config: up unless `set status down`; the WAN rate is the
    `estimated-upstream-bandwidth` (kbps) that SD-WAN and the shaper work from."""
    found: dict[str, InterfaceState] = {}
    current: str | None = None
    for line in config.splitlines():
        if match := EDIT.match(line):
            current = match.group(1)
            found[current] = InterfaceState(up=True)
        elif current is not None and line.strip() == "set status down":
            found[current] = InterfaceState(up=False, bandwidth_kbps=found[current].bandwidth_kbps)
        elif current is not None and line.strip().startswith("set estimated-upstream-bandwidth "):
            kbps = int_of(line.split()[-1])
            found[current] = InterfaceState(up=found[current].up, bandwidth_kbps=kbps)
        elif line.strip() == "next":
            current = None
    return found


def interfaces(output: str) -> dict[str, InterfaceState]:
    """A port is up when `get system interface physical` says its link is; its rate is the
    config's (`show system interface`, printed after it)."""
    physical, table, config = output.partition("config system interface")
    found = _rates(table + config)
    for row in ntc_rows(NAME, LINKS, physical):
        rate = found[row["name"]].bandwidth_kbps if row["name"] in found else None
        found[row["name"]] = InterfaceState(up=row["status"] == "up", bandwidth_kbps=rate)
    return found


def _neighbor(state: str) -> BgpNeighbor:
    """`State/PfxRcd`: a prefix count once established, else the state's name."""
    if state.isdigit():
        return BgpNeighbor(state=ESTABLISHED, prefixes=int(state))
    return BgpNeighbor(state=state)


def bgp(output: str) -> dict[str, BgpNeighbor]:
    return {row["bgp_neigh"]: _neighbor(row["state_pfxrcd"]) for row in ntc_rows(NAME, BGP, output)}


def routes(output: str) -> int | None:
    return len({row["destination"] for row in ntc_rows(NAME, ROUTES, output)}) or None


# --- config blocks -----------------------------------------------------------------------------


def frame(commands: list[str]) -> list[str]:
    """The lines as a FortiOS session types them: each `edit` closed by `next` and each
    `config` by `end`, found from the indentation hier_config prints."""
    typed: list[str] = []
    open_blocks: list[tuple[int, str]] = []
    for command in commands:
        depth = (len(command) - len(command.lstrip(" "))) // INDENT
        while open_blocks and open_blocks[-1][0] >= depth:
            typed.append(open_blocks.pop()[1])
        text = command.strip()
        typed.append(text)
        if text.startswith("config "):
            open_blocks.append((depth, "end"))
        elif text.startswith("edit "):
            open_blocks.append((depth, "next"))
    typed += [closer for _depth, closer in reversed(open_blocks)]
    return typed


def applied_at_end(conn: BaseConnection, save: bool, timeout: float) -> None:
    """Nothing to do: `end` applied the blocks and FortiOS saved them."""


class FortiOSDriver(HConfigDriverFortinetFortiOS):
    """hier_config's FortiOS driver for nested tables: a `config` ends with `end` and an
    `edit` with `next` at any depth, and a table entry is removed with `delete`."""

    def sectional_exit(self, config: HConfigChild) -> str | None:
        if config.text.startswith("config "):
            return "end"
        if config.text.startswith("edit "):
            return "next"
        return None

    def swap_negation(self, child: HConfigChild) -> HConfigChild:
        if child.text.startswith("edit "):
            child.text = "delete " + child.text.removeprefix("edit ")
            return child
        return super().swap_negation(child)


def hier_rules(driver: HConfigDriverBase) -> HConfigDriverBase:
    """Netwave's tuning on the nested-table driver; `next`/`end` read as the last line of
    their block (one level in), so that the parser drops them as the block's exit."""
    fortios = FortiOSDriver()
    fortios.rules = driver.rules.model_copy(
        update={
            "per_line_sub": [
                PerLineSubRule(search=r"^(?=\s*(?:next|end)$)", replace=" " * INDENT),
                PerLineSubRule(search=r"^#.*", replace=""),  # `#config-version=...`: no config
            ],
            "sectional_exiting": [],
            "parent_allows_duplicate_child": [],
        }
    )
    return fortios


# --- upgrade -----------------------------------------------------------------------------------


def partitions(output: str) -> list[tuple[str, int, int, bool]]:
    """`diagnose sys flash list`: (image, total, used, active) per partition (sizes in KB)."""
    return [
        (m.group(2), int(m.group(3)) * 1024, int(m.group(4)) * 1024, m.group(5) == "Yes")
        for m in PARTITION.finditer(output)
    ]


def image_build(filename: str) -> str:
    """The partition name of an image file: `FGT_VM64-v7.4.3.F-build2573-FORTINET.out` ->
    `FGT_VM64-v7.4.3.F-build2573`."""
    return filename.removesuffix(".out").removesuffix("-FORTINET")


class PartitionUpgrade(UpgradeDriver):
    """The image goes to the partition not running (`execute restore secondary-image`);
    `execute set-next-reboot` selects it; `execute reboot`. The running one is the fallback."""

    def image_path(self, image: Image) -> str:
        return image_build(image.filename)

    def _partitions(self, conn: BaseConnection) -> list[tuple[str, int, int, bool]]:
        found = partitions(str(conn.send_command("diagnose sys flash list")))
        if not found:
            raise DeviceError("diagnose sys flash list gave nothing to parse")
        return found

    def facts(self, conn: BaseConnection) -> DeviceFacts:
        output = str(conn.send_command("get system status"))
        status = ntc_rows(self.platform, "get system status", output)
        version = VERSION.search(status[0]["version"]) if status else None
        if version is None:
            raise DeviceError("get system status gave no version")
        found = self._partitions(conn)
        # The image overwrites the partition not running, whatever it holds: its size is free.
        return DeviceFacts(
            version=version.group(1),
            free_bytes=max(total for _name, total, _used, _active in found),
            boot_image=next((name for name, *_rest, active in found if active), None),
            files={name: used for name, _total, used, _active in found},
        )

    def stage(self, conn: BaseConnection, url: str, image: Image) -> str:
        # FortiOS fetches an image by TFTP or FTP from the image server's host.
        host = urlsplit(url).hostname or url
        command = f"execute restore secondary-image tftp {image.filename} {host}"
        return answer_prompts(conn, command, {"(y/n)": "y"})

    def md5_of(self, conn: BaseConnection, image: Image) -> str | None:
        # FortiOS checks an image's signature as it writes it: a partition holding the
        # image's build is that image.
        held = {name for name, *_rest in self._partitions(conn)}
        return image.md5 if self.image_path(image) in held else None

    def select_boot(self, conn: BaseConnection, image: str, fallback: str | None) -> list[str]:
        found = self._partitions(conn)
        build = image_build(image)
        if any(name == build and active for name, *_rest, active in found):
            return []
        if not any(name == build for name, *_rest in found):
            raise DeviceError(f"no partition holds {image}")
        output = str(conn.send_command("execute set-next-reboot secondary"))
        if re.search(ERRORS, output, re.M):
            raise DeviceError(f"set-next-reboot refused: {output.strip()[:200]}")
        return []  # one command, no config lines

    def reload(self, conn: BaseConnection) -> None:
        send_and_drop(conn, "execute reboot", {"(y/n)": "y"}, "(y/n)")


PLATFORM = register(
    Platform(
        name=NAME,
        title="Fortinet FortiOS (FortiGate)",
        device_type="fortinet",
        syntax="indented",
        running_config_command="show full-configuration",
        version_command="get system status",
        push=PushDriver(ERRORS, finish=applied_at_end, commit_saves=True, frame=frame),
        state=StateCommands(
            (LINKS, interfaces), (BGP, bgp), (ROUTES, routes), interfaces_also=(INTERFACES,)
        ),
        max_wan_mbps=80_000,  # estimated-*-bandwidth takes up to 80 Gbit/s, in kbps
        volatile=VOLATILE,
        # The shaper follows the WAN rate and the site's profile; no VLAN hand-offs here.
        change_kinds=frozenset({"wan_bandwidth", "qos_profile"}),
        upgrade=PartitionUpgrade(NAME),
        hier=HierSettings(HierPlatform.FORTINET_FORTIOS, indentation=INDENT, rules=hier_rules),
        secret_patterns=SECRETS,
    )
)
