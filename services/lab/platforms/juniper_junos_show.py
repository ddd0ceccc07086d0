"""Junos operational output and the curly-brace configuration format."""

from __future__ import annotations

import re

from services.lab.config_tree import SetConfig, split_junos
from services.lab.device import LabDevice
from services.lab.flash import Flash
from services.lab.opstate import InterfaceConfig, InterfaceState, OpSnapshot

# Statements whose keyword and value print on one line, as in `unit 0 {` or `server 1.1.1.1;`
PAIRED = {
    "unit",
    "family",
    "group",
    "neighbor",
    "server",
    "host",
    "user",
    "route",
    "term",
    "policy-statement",
    "prefix-list",
    "community",
    "interface",
    "class",
    "filter",
    "instance",
    "vlan",
    "scheduler",
    "forwarding-class",
    "file",
    "address",
    "area",
}


def version(device: LabDevice, hostname: str) -> str:
    v = device.state.version
    return f"""Hostname: {hostname}
Model: vmx
Junos: {v}
JUNOS OS Kernel 64-bit  [20230321.2f0b6e5_builder_stable_12_214]
JUNOS OS libs [20230321.2f0b6e5_builder_stable_12_214]
JUNOS OS runtime [20230321.2f0b6e5_builder_stable_12_214]
JUNOS OS time zone information [20230321.2f0b6e5_builder_stable_12_214]
JUNOS py extensions [{v}]
JUNOS py base [{v}]
JUNOS OS crypto [20230321.2f0b6e5_builder_stable_12_214]
JUNOS Packet Forwarding Engine Simulation Package [{v}]
JUNOS Routing Software Suite [{v}]
JUNOS Crypto Software Suite [{v}]
JUNOS Online Documentation [{v}]
"""


BraceTree = dict[str, "BraceTree"]
IFNAME = re.compile(r"^(?:[a-z]{2}-\d|(?:lo|ae|irb|em|fxp|me|vlan)\d*$)")


def braces(config: SetConfig, version_text: str | None) -> str:
    """Render set statements in the hierarchical `{ ... }` format."""
    tree: BraceTree = {}
    for statement in config.statements:
        node = tree
        for token in split_junos(statement):
            node = node.setdefault(token, {})
    lines = [f"version {version_text};"] if version_text else []
    lines += _render(tree, 0)
    return "\n".join(lines) + "\n"


def _render(tree: BraceTree, depth: int) -> list[str]:
    pad = "    " * depth
    out: list[str] = []
    for key, kids in tree.items():
        if not kids:
            out.append(f"{pad}{key};")
        elif key in PAIRED:
            for value, grand in kids.items():
                if grand:
                    out.append(f"{pad}{key} {value} {{")
                    out += _render(grand, depth + 1)
                    out.append(pad + "}")
                else:
                    out.append(f"{pad}{key} {value};")
        elif len(kids) == 1 and not next(iter(kids.values())) and not IFNAME.match(key):
            out.append(f"{pad}{key} {next(iter(kids))};")
        else:
            out.append(f"{pad}{key} {{")
            out += _render(kids, depth + 1)
            out.append(pad + "}")
    return out


def _admin_link(state: InterfaceState) -> tuple[str, str]:
    if state.status == "administratively down":
        return "down", "down"
    return "up", "up" if state.up else "down"


def _ports(snap: OpSnapshot) -> list[tuple[InterfaceState, list[InterfaceState]]]:
    """Physical ports, each with its logical units other than 0, in configuration order."""
    ports: list[tuple[InterfaceState, list[InterfaceState]]] = []
    units: dict[str, list[InterfaceState]] = {}
    for state in snap.interfaces:
        if state.config.parent is None:
            ports.append((state, units.setdefault(state.config.name, [])))
    for state in snap.interfaces:
        if state.config.parent is not None:
            units.setdefault(state.config.parent, []).append(state)
    return ports


def _wanted(only: str | None, name: str) -> bool:
    """`show interfaces X`: X names a port (with its units) or one logical unit."""
    return only is None or only == name or (only == name.split(".")[0] and "." in name)


def _terse_local(cfg: InterfaceConfig) -> str:
    if cfg.address is None:
        return ""
    local = cfg.address.with_prefixlen if not cfg.loopback else str(cfg.address.ip)
    return f" inet     {local}"


def interfaces_terse(snap: OpSnapshot, only: str | None = None) -> str:
    lines = ["Interface               Admin Link Proto    Local                 Remote"]
    for port, units in _ports(snap):
        admin, link = _admin_link(port)
        name = port.config.name
        if _wanted(only, name):
            lines.append(f"{name:<23} {admin:<5} {link:<4}")
        if port.config.address is not None and _wanted(only, name + ".0"):
            lines.append(f"{name + '.0':<23} {admin:<5} {link:<4}{_terse_local(port.config)}")
        for unit in units:
            if _wanted(only, unit.config.name):
                u_admin, u_link = _admin_link(unit)
                lines.append(
                    f"{unit.config.name:<23} {u_admin:<5} {u_link:<4}{_terse_local(unit.config)}"
                )
    return "\n".join(lines) + "\n"


def _logical(name: str, index: int, state: InterfaceState, description: str | None) -> list[str]:
    """The `Logical interface` block of one unit (unit 0 takes its port's settings)."""
    cfg = state.config
    if state.up:
        flags = "Up"
    elif state.status == "administratively down" and cfg.parent is not None:
        flags = "Down"
    else:
        flags = "Device-Down"
    tag = f" VLAN-Tag [ 0x8100.{cfg.vlan_id} ] " if cfg.vlan_id is not None else ""
    lines = [f"  Logical interface {name} (Index {index}) (SNMP ifIndex {index + 194})"]
    if description:
        lines.append(f"    Description: {description}")
    lines += [
        f"    Flags: {flags} SNMP-Traps 0x4000{tag} Encapsulation: ENET2",
        f"    Bandwidth: {cfg.bandwidth_kbps}kbps",
        f"    Input packets : {state.in_packets}",
        f"    Output packets: {state.out_packets}",
    ]
    if cfg.address is not None:
        lines += [
            f"    Protocol inet, MTU: {cfg.mtu}",
            "      Addresses, Flags: Is-Preferred Is-Primary",
            f"        Destination: {cfg.address.network}, Local: {cfg.address.ip}",
        ]
    return lines


def interfaces(snap: OpSnapshot, mac: str, only: str | None) -> str:
    """`show interfaces [X]`: ports with every unit; `X.N` prints that logical unit alone."""
    blocks = []
    logical_index = 600  # units other than 0 (unit 0: its port index + 185)
    for index, (port, units) in enumerate(_ports(snap), start=148):
        cfg = port.config
        admin, link = _admin_link(port)
        lines = [
            f"Physical interface: {cfg.name}, "
            f"{'Enabled' if admin == 'up' else 'Administratively down'}, "
            f"Physical link is {link.capitalize()}",
            f"  Interface index: {index}, SNMP ifIndex: {index + 378}",
        ]
        if cfg.description:
            lines.append(f"  Description: {cfg.description.strip(chr(34))}")
        lines += [
            f"  Link-level type: Ethernet, MTU: {cfg.mtu + 14}, Speed: 1000mbps, "
            "Duplex: Full-Duplex",
            f"  Current address: {mac}, Hardware address: {mac}",
            f"  Input rate     : {port.rate_bps} bps ({port.rate_bps // 4000} pps)",
            f"  Output rate    : {port.rate_bps} bps ({port.rate_bps // 4000} pps)",
        ]
        logical: list[tuple[str, int, InterfaceState, str | None]] = [
            (f"{cfg.name}.0", index + 185, port, None)
        ]
        for unit in units:
            logical_index += 1
            logical.append((unit.config.name, logical_index, unit, unit.config.description))
        if only is not None and "." in only:  # one logical unit, without its port
            blocks += [
                "\n".join(_logical(*entry)) + "\n\n" for entry in logical if entry[0] == only
            ]
            continue
        if not _wanted(only, cfg.name):
            continue
        for entry in logical:
            lines += _logical(*entry)
        blocks.append("\n".join(lines) + "\n\n")
    return "".join(blocks)


def bgp_summary(snap: OpSnapshot) -> str:
    if snap.model.local_as is None:
        return "BGP is not running\n"
    down = sum(1 for n in snap.neighbors if not n.established)
    total = sum(n.prefixes for n in snap.neighbors)
    lines = [
        "Threading mode: BGP I/O",
        "Default eBGP mode: advertise - accept, receive - accept",
        f"Groups: 1 Peers: {len(snap.neighbors)} Down peers: {down}",
        "Table          Tot Paths  Act Paths Suppressed    History Damp State    Pending",
        "inet.0",
        f"{total:>24} {total:>10} {0:>10} {0:>10} {0:>10} {0:>10}",
        "Peer                     AS      InPkt     OutPkt    OutQ   Flaps Last Up/Dwn "
        "State|#Active/Received/Accepted/Damped...",
    ]
    for n in snap.neighbors:
        state = "Establ" if n.established else n.state.split()[0]
        lines.append(
            f"{n.config.ip!s:<20} {n.config.remote_as:>9} {n.messages_received:>10} "
            f"{n.messages_sent:>10} {0:>7} {0:>7} {junos_duration(n.since_seconds):>11} {state}"
        )
        if n.established:
            lines.append(f"  inet.0: {n.prefixes}/{n.prefixes}/{n.prefixes}/0")
    return "\n".join(lines) + "\n"


def junos_duration(seconds: float) -> str:
    """`12:29`, `1:06:40`, `2d 3:04:05`, as Junos prints BGP up/down times."""
    total = int(seconds)
    days, rest = divmod(total, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    clock = f"{hours}:{minutes:02d}:{secs:02d}" if hours or days else f"{minutes}:{secs:02d}"
    return f"{days}d {clock}" if days else clock


def route_summary(snap: OpSnapshot) -> str:
    r = snap.routes
    total = r.connected * 2 + r.static + r.bgp
    lines = [
        f"Autonomous system number: {snap.model.local_as or 'none'}",
        f"Router ID: {snap.model.router_id or '0.0.0.0'}",
        "",
        f"inet.0: {total} destinations, {total} routes ({total} active, 0 holddown, 0 hidden)",
        f"              Direct: {r.connected:>6} routes, {r.connected:>6} active",
        f"               Local: {r.connected:>6} routes, {r.connected:>6} active",
    ]
    if r.bgp:
        lines.append(f"                 BGP: {r.bgp:>6} routes, {r.bgp:>6} active")
    if r.static:
        lines.append(f"              Static: {r.static:>6} routes, {r.static:>6} active")
    return "\n".join(lines) + "\n"


def storage(flash: Flash) -> str:
    gb = 1024**3
    used, free, total = flash.used / gb, flash.free / gb, flash.total / gb
    pct = int(100 * flash.used / flash.total) if flash.total else 0
    return (
        "Filesystem              Size       Used      Avail  Capacity  Mounted on\n"
        "/dev/gpt/junos           20G       1.2G        17G        7%  /.mount\n"
        f"/dev/gpt/var           {total:>5.1f}G     {used:>5.1f}G     {free:>5.1f}G"
        f"       {pct:>2}%  /.mount/var\n"
    )


def file_list(flash: Flash, detail: bool) -> str:
    lines = ["/var/tmp/:"]
    for entry in sorted(flash.files.values(), key=lambda f: f.name):
        if detail:
            stamp = entry.mtime.strftime("%b %d %H:%M")
            lines.append(f"-rw-r--r--  1 root  wheel  {entry.size:>12} {stamp} {entry.name}")
        else:
            lines.append(entry.name)
    if detail:
        lines.append(f"total files: {len(flash.files)}")
    return "\n".join(lines) + "\n"
