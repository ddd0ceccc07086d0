"""Commands a NOS accepts: a physical interface is never deleted, its lines are negated.

`no interface eth1` on a port with an address is refused by some NOSes ("only inactive
interfaces can be deleted") and resets nothing useful on others; what a rollback or remediation
means by it
is "this port should carry none of these lines". Logical interfaces (sub-interfaces,
loopbacks, VLAN interfaces, tunnels, bundles) can be deleted as they are, unless the platform's
interfaces are kernel objects it only configures (`Platform.deletes_logical_interfaces`).
"""

from __future__ import annotations

import re

from services.compliance.hier import driver_for, parse
from services.network.platforms import get_platform

# Interface names that are not ports: they can be created and deleted.
LOGICAL = re.compile(
    r"^(.*\..*|loopback.*|lo\d*|vlan.*|tunnel.*|port-channel.*|bvi.*|bond.*|br.*|dummy.*|gre.*"
    r"|vrf.*)$",
    re.IGNORECASE,
)


def physical(interface: str) -> bool:
    """Whether an interface name is a port (deleting it is refused or meaningless)."""
    return LOGICAL.match(interface) is None


def keep_ports(platform: str, commands: list[str], config: str) -> list[str]:
    """`commands` with each `no interface <port>` replaced by negating that port's lines in
    `config` (the config the commands are applied to)."""
    if not any(c.startswith("no interface ") for c in commands):
        return commands
    tree = parse(driver_for(platform), config)
    result: list[str] = []
    for command in commands:
        name = command.removeprefix("no interface ").strip()
        deletable = get_platform(platform).deletes_logical_interfaces and not physical(name)
        if not command.startswith("no interface ") or deletable:
            result.append(command)
            continue
        section = tree.get_child(equals=f"interface {name}")
        lines = [child.text for child in section.children] if section is not None else []
        if lines:
            result.append(f"interface {name}")
            result += [f" no {line}" for line in lines if not line.startswith("no ")]
    return result
