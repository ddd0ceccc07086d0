"""Platform registry keyed by netwave platform name; each maps to a Netmiko device_type."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

from services.core.errors import InventoryError

ConfigSyntax = Literal["ios", "junos"]


@dataclass(frozen=True)
class Platform:
    """What netwave needs to know to talk to one kind of device."""

    name: str
    device_type: str
    syntax: ConfigSyntax
    running_config_command: str
    version_command: str = "show version"
    volatile: tuple[str, ...] = field(default=())
    # Capacity-change kinds netwave can render and verify on the platform (its templates hold
    # the features each kind needs); anything else is refused at request time.
    change_kinds: frozenset[str] = frozenset({"wan_bandwidth", "qos_profile", "vlan_handoff"})

    def can_change(self, kind: str) -> bool:
        return kind in self.change_kinds

    def strip_volatile(self, config: str) -> str:
        """The config without lines that change when nothing was changed (timestamps, sizes)."""
        patterns = [re.compile(p) for p in self.volatile]
        kept = [line for line in config.splitlines() if not any(p.match(line) for p in patterns)]
        while kept and not kept[0].strip():
            kept.pop(0)
        return "\n".join(kept).rstrip() + "\n"


PLATFORMS: dict[str, Platform] = {}


def register(platform: Platform) -> Platform:
    PLATFORMS[platform.name] = platform
    return platform


IOS_VOLATILE = (
    r"^Building configuration\.\.\.\s*$",
    r"^Current configuration ?: \d+ bytes",
    r"^! Last configuration change at ",
    r"^! NVRAM config last updated at ",
    r"^! No configuration change since last restart",
    r"^ntp clock-period \d+",
)
register(Platform("cisco_ios", "cisco_ios", "ios", "show running-config", volatile=IOS_VOLATILE))
register(
    Platform(
        "arista_eos",
        "arista_eos",
        "ios",
        "show running-config",
        volatile=(r"^! Command: show running-config", r"^! Time: "),
    )
)
register(
    Platform(
        "juniper_junos",
        "juniper_junos",
        "junos",
        "show configuration | display set",
        volatile=(r"^## Last commit: ", r"^## Last changed: "),
    )
)

# FRRouting's vtysh: an IOS-like shell, driven by Netmiko's cisco_ios driver. Only the header
# vtysh prints goes; `frr defaults traditional|datacenter` is configuration (it sets timers
# and defaults of every daemon) and stays in backups.
FRR_VOLATILE = (
    r"^Building configuration\.\.\.\s*$",
    r"^Current configuration:\s*$",
    r"^frr version ",
)
# The FRR templates have interfaces, BGP, routing policy and static routes: no QoS shaper and
# no VLAN hand-offs, so only the WAN rate (`bandwidth`) is a capacity change there.
register(
    Platform(
        "frr",
        "cisco_ios",
        "ios",
        "show running-config",
        volatile=FRR_VOLATILE,
        change_kinds=frozenset({"wan_bandwidth"}),
    )
)


def get_platform(name: str) -> Platform:
    try:
        return PLATFORMS[name]
    except KeyError:
        known = ", ".join(sorted(PLATFORMS))
        raise InventoryError(f"unknown platform {name!r}; known platforms: {known}") from None
