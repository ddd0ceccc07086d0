"""What netwave knows about one kind of device: the `Platform` a driver module registers.

A driver (`services/network/platforms/<name>.py`) describes its platform once: how to connect
(the Netmiko device_type), how its config reads (indented blocks or `set` lines), how a config
session runs and what a refusal looks like, how its state is parsed, what it can be asked to
do (capabilities) and how to undo a change. Everything else in netwave asks the registry.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from hier_config import Platform as HierPlatform
from hier_config.platforms.driver_base import HConfigDriverBase

if TYPE_CHECKING:  # the drivers build these; importing them here would be an import loop
    from services.network.push_driver import PushDriver
    from services.network.safety import SafetyNet
    from services.network.state import StateCommands
    from services.network.upgrade import UpgradeDriver

# How a config reads: indented blocks under top-level lines (`show running-config` of most
# NOSes), or one `set` statement a line (`show configuration | display set`).
ConfigSyntax = Literal["indented", "set"]
CHANGE_KINDS = ("wan_bandwidth", "qos_profile", "vlan_handoff")

# Building blocks of `secret_patterns`: a CLI line (or its negation, as remediation and
# rollback print it) and a secret that runs to the end of the line (IOS takes spaces in a
# username's or a BGP neighbour's password).
CLI_LINE = r"^[ \t]*(?:no )?"
TO_END = r"(\S(?:.*\S)?)"


@dataclass(frozen=True)
class HierSettings:
    """hier_config for an indented platform: its driver, the indentation the NOS prints and
    the platform's own rules on top of netwave's shared tuning."""

    platform: HierPlatform
    indentation: int = 1
    rules: Callable[[HConfigDriverBase], HConfigDriverBase] | None = None


@dataclass(frozen=True)
class Platform:
    """One kind of device, as its driver module describes it."""

    name: str
    title: str  # what an engineer calls it: "Cisco IOS-XE"
    device_type: str  # Netmiko's device_type
    syntax: ConfigSyntax
    running_config_command: str
    push: PushDriver
    state: StateCommands
    max_wan_mbps: int  # the highest WAN rate the platform's shaper and CLI take
    version_command: str = "show version"
    volatile: tuple[str, ...] = field(default=())  # lines that change when nothing changed
    change_kinds: frozenset[str] = frozenset(CHANGE_KINDS)
    upgrade: UpgradeDriver | None = None
    hier: HierSettings | None = None  # indented platforms only
    safety_net: SafetyNet | None = None
    # `no interface <sub-interface, loopback, tunnel...>` deletes it (False: the NOS only
    # configures interfaces that exist outside it, and refuses to delete an active one).
    deletes_logical_interfaces: bool = True
    # Where the platform's config holds secrets (password hashes, keys, SNMP communities): regexes
    # searched in each line, every capture group a secret that a tenant sees masked
    # (`services/network/masking.py`); structure goes in non-capturing groups.
    secret_patterns: tuple[str, ...] = field(default=())

    def can_change(self, kind: str) -> bool:
        return kind in self.change_kinds

    @property
    def can_upgrade(self) -> bool:
        return self.upgrade is not None

    def capabilities(self) -> dict[str, Any]:
        """What the platform supports, as the API and `netwave platforms` show it."""
        return {
            "platform": self.name,
            "title": self.title,
            "device_type": self.device_type,
            "config_syntax": self.syntax,
            "change_kinds": sorted(self.change_kinds),
            "os_upgrade": self.can_upgrade,
            "max_wan_mbps": self.max_wan_mbps,
            "safety_net": self.safety_net.name if self.safety_net else "restore from backup",
            "state": list(self.state.commands),
        }

    def strip_volatile(self, config: str) -> str:
        """The config without lines that change when nothing was changed (timestamps, sizes)."""
        patterns = [re.compile(p) for p in self.volatile]
        kept = [line for line in config.splitlines() if not any(p.match(line) for p in patterns)]
        while kept and not kept[0].strip():
            kept.pop(0)
        return "\n".join(kept).rstrip() + "\n"
