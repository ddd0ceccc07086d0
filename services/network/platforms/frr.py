"""FRRouting's vtysh: an IOS-like shell, driven by Netmiko's cisco_ios driver.

vtysh is always privileged; `write memory` saves the integrated frr.conf. FRR answers
`show ... json`, so state parsing is reading JSON. FRR has no confirmed commit in vtysh: a
change is taken back from the pre-change backup, line by line (a physical interface is never
deleted, its lines are negated). No OS upgrades: FRR is upgraded with its host's packages.
"""

from __future__ import annotations

import json
from typing import Any

from hier_config import MatchRule
from hier_config import Platform as HierPlatform
from hier_config.models import IdempotentCommandsRule, PerLineSubRule
from hier_config.platforms.driver_base import HConfigDriverBase

from services.core.errors import DeviceError
from services.network.platforms.base import CLI_LINE, TO_END, HierSettings, Platform
from services.network.platforms.registry import register
from services.network.push_driver import PushDriver, exit_and_save
from services.network.state import ESTABLISHED, BgpNeighbor, InterfaceState, StateCommands

NAME = "frr"
# vtysh starts every refusal with `%` (`% Unknown command: ...`, `% Command incomplete: ...`,
# `% Specify remote-as or peer-group commands first`, the northbound's `% Configuration failed.`
# then `Error type:`/`Error description:`), except bgpd's refusals of another AS, which have no
# `%` (FRR 8.4: `router bgp 65999` on a router running AS 65101).
ERRORS = (
    r"^%|^BGP is already running; AS is \d+|^BGP instance name and AS number mismatch"
    r"|^BGP instance is already running"
)
# Only the header vtysh prints goes; `frr defaults traditional|datacenter` is configuration (it
# sets timers and defaults of every daemon) and stays in backups.
VOLATILE = (
    r"^Building configuration\.\.\.\s*$",
    r"^Current configuration:\s*$",
    r"^frr version ",
)
# vtysh's secrets: clear text, or `8 ...` once `service password-encryption` is on.
TYPE = r"(?: [0-9])?"
SECRETS = (
    CLI_LINE + r"(?:enable )?password" + TYPE + " " + TO_END,
    CLI_LINE + r"(?:mpls ldp )?neighbor \S+ password" + TYPE + " " + TO_END,  # bgpd, ldpd
    CLI_LINE + r"ip ospf authentication-key (\S+)",
    CLI_LINE + r"ip ospf message-digest-key \d+ md5 (\S+)",
    CLI_LINE + r"ipv6 ospf6 authentication key-id \d+ hash-algo \S+ key (\S+)",
    CLI_LINE + r"key-string " + TO_END,  # key chains
    CLI_LINE + r"(?:isis password|area-password|domain-password) (?:clear|md5) (\S+)",
    CLI_LINE + r"ip rip authentication string " + TO_END,
)
INTERFACES = "show interface json"
BGP = "show ip bgp summary json"
ROUTES = "show ip route summary json"


# --- state (JSON) ------------------------------------------------------------------------------


def _json(command: str, output: str) -> dict[str, Any]:
    """The JSON document of a command's output (vtysh may print nothing for an empty answer)."""
    text = output.strip()
    start = text.find("{")
    if start < 0:
        if not text:
            return {}
        raise DeviceError(f"`{command}` did not answer JSON: {text[:120]!r}")
    try:
        data = json.loads(text[start:])
    except ValueError as exc:
        raise DeviceError(f"`{command}` answered malformed JSON: {exc}") from None
    if not isinstance(data, dict):
        raise DeviceError(f"`{command}` answered JSON that is not an object")
    return data


def interfaces(output: str) -> dict[str, InterfaceState]:
    """Interfaces by name; up when administratively and operationally up; bandwidth in kbps."""
    found = {}
    for name, data in _json(INTERFACES, output).items():
        if not isinstance(data, dict):
            continue
        up = data.get("administrativeStatus") == "up" and data.get("operationalStatus") == "up"
        mbps = data.get("bandwidth")
        kbps = int(mbps) * 1000 if isinstance(mbps, int) else None
        found[str(name)] = InterfaceState(up=up, bandwidth_kbps=kbps)
    return found


def bgp(output: str) -> dict[str, BgpNeighbor]:
    """IPv4 unicast peers by address with FRR's state name (`Established`, `Active`, ...)."""
    peers = (_json(BGP, output).get("ipv4Unicast") or {}).get("peers") or {}
    found = {}
    for address, data in peers.items():
        state = str(data.get("state", "unknown"))
        received = data.get("pfxRcd")
        found[str(address)] = BgpNeighbor(
            state=state,
            prefixes=int(received) if state == ESTABLISHED and received is not None else None,
        )
    return found


def routes(output: str) -> int | None:
    total = _json(ROUTES, output).get("routesTotal")
    return int(total) if isinstance(total, int) else None


# --- comparison --------------------------------------------------------------------------------


def hier_rules(driver: HConfigDriverBase) -> HConfigDriverBase:
    """FRR closes every section with a top-level `exit` and prints its version: not config."""
    rules = driver.rules
    dropped = [
        PerLineSubRule(search=r"^exit$", replace=""),
        PerLineSubRule(search=r"^frr (version|defaults) .*", replace=""),
    ]
    idempotent = [
        IdempotentCommandsRule(match_rules=(MatchRule(startswith="log syslog"),)),
        IdempotentCommandsRule(
            match_rules=(MatchRule(startswith="router bgp"), MatchRule(startswith="bgp router-id"))
        ),
    ]
    driver.rules = rules.model_copy(
        update={
            "per_line_sub": [*rules.per_line_sub, *dropped],
            "idempotent_commands": [*rules.idempotent_commands, *idempotent],
        }
    )
    return driver


PLATFORM = register(
    Platform(
        name=NAME,
        title="FRRouting (vtysh)",
        device_type="cisco_ios",
        syntax="indented",
        running_config_command="show running-config",
        push=PushDriver(ERRORS, finish=exit_and_save),
        state=StateCommands((INTERFACES, interfaces), (BGP, bgp), (ROUTES, routes)),
        max_wan_mbps=100_000,  # zebra's `bandwidth (1-100000)`, in Mbps
        volatile=VOLATILE,
        # The FRR templates have interfaces, BGP, routing policy and static routes: no QoS
        # shaper and no VLAN hand-offs, so only the WAN rate (`bandwidth`) is a change here.
        change_kinds=frozenset({"wan_bandwidth"}),
        hier=HierSettings(HierPlatform.CISCO_IOS, indentation=1, rules=hier_rules),
        # Interfaces are the kernel's: `no interface eth1.30` on an active one is refused
        # ("only inactive interfaces can be deleted"); a rollback negates its lines instead.
        deletes_logical_interfaces=False,
        secret_patterns=SECRETS,
    )
)
