"""FortiOS config text and outputs: `show full-configuration`, `get system status`, BGP,
routes, flash partitions, and the operational model read from the config tree."""

from __future__ import annotations

from ipaddress import IPv4Address, IPv4Interface

from services.lab import images
from services.lab.config_tree import ConfigNode, ConfigTree
from services.lab.device import LabDevice
from services.lab.opstate import (
    InterfaceConfig,
    NeighborConfig,
    OpModel,
    OpSnapshot,
    format_duration,
)
from services.lab.records import now

INDENT = "    "
# FortiOS builds of the lab's images: version -> build number.
BUILDS = {"7.0.12": 523, "7.2.5": 1517, "7.2.8": 1639, "7.4.3": 2573}


def image(version: str) -> images.Image:
    build = BUILDS.get(version, 1000)
    return images.Image(
        "fortinet", version, f"FGT_VM64-v{version}.F-build{build:04d}-FORTINET.out", 90 * images.MB
    )


images.add(*(image(version) for version in BUILDS))


def partition_name(filename: str) -> str:
    return filename.removesuffix(".out").removesuffix("-FORTINET")


def parse(text: str) -> ConfigTree:
    """FortiOS config text (as `show` prints it) as a tree; `next`/`end` close blocks."""
    kept = [
        line
        for line in text.splitlines()
        if line.strip() not in ("next", "end") and not line.startswith("#") and line.strip()
    ]
    return ConfigTree.from_text("\n".join(kept))


def _node(node: ConfigNode, depth: int) -> list[str]:
    lines = [INDENT * depth + node.line]
    for child in node.children:
        lines += _node(child, depth + 1)
    if node.line.startswith("config "):
        lines.append(INDENT * depth + "end")
    elif node.line.startswith("edit "):
        lines.append(INDENT * depth + "next")
    return lines


def render(nodes: list[ConfigNode], depth: int = 0) -> str:
    return "".join(line + "\n" for node in nodes for line in _node(node, depth))


def header(device: LabDevice, user: str, tree: ConfigTree) -> str:
    version = device.state.version
    build = BUILDS.get(version, 1000)
    return (
        f"#config-version=FGVM64-{version}-FW-build{build}-230606:opmode=0:vdom=0:user={user}\n"
        f"#conf_file_ver={abs(hash(render(tree.root.children))) % 10**12}\n"
        f"#buildno={build}\n#global_vdom=1\n"
    )


def status(device: LabDevice, hostname: str, serial: str) -> str:
    version = device.state.version
    build = BUILDS.get(version, 1000)
    return (
        f"Version: FortiGate-VM64 v{version},build{build:04d},230606 (GA.F)\n"
        "Security Level: 1\n"
        "Firmware Signature: certified\n"
        "Virus-DB: 1.00000(2018-04-09 18:07)\n"
        "IPS-DB: 6.00741(2015-12-01 02:30)\n"
        f"Serial-Number: FGVM02TM{serial}\n"
        "License Status: Valid\n"
        "BIOS version: 04000002\n"
        "Log hard disk: Not available\n"
        f"Hostname: {hostname}\n"
        "Private Encryption: Disable\n"
        "Operation Mode: NAT\n"
        "Current virtual domain: root\n"
        "Max number of virtual domains: 1\n"
        "Virtual domains status: 1 in NAT mode, 0 in TP mode\n"
        "Virtual domain configuration: disable\n"
        "FIPS-CC mode: disable\n"
        "Current HA mode: standalone\n"
        f"Branch point: {build}\n"
        "Release Version Information: GA\n"
        "FortiOS x86-64: Yes\n"
        f"System time: {now():%a %b %d %H:%M:%S %Y}\n"
        "Last reboot reason: warm reboot\n"
    )


def flash_list(device: LabDevice) -> str:
    """`diagnose sys flash list`: one partition per image in flash, the running one active."""
    running = image(device.state.version).filename
    lines = [f"{'Partition':<10} {'Image':<41} TotalSize(KB)  Used(KB)  Use%  Active"]
    total_kb = 253871
    for number, entry in enumerate(sorted(device.state.flash.files.values(), key=lambda f: f.name)):
        used = entry.size // 1024
        active = "Yes" if entry.name == partition_name(running) else "No"
        lines.append(
            f"{number + 1:<10} {entry.name:<41} {total_kb:>13} {used:>9} "
            f"{used * 100 // total_kb:>3}%  {active}"
        )
    return "\n".join(lines) + "\n"


# --- operational model -------------------------------------------------------------------------


def _sets(node: ConfigNode) -> dict[str, str]:
    return {
        c.line.split()[1]: c.line.split(" ", 2)[2] if c.line.count(" ") > 1 else ""
        for c in node.children
        if c.line.startswith("set ")
    }


def _edits(tree: ConfigTree, *path: str) -> list[tuple[str, dict[str, str]]]:
    table = tree.section(path)
    if table is None:
        return []
    return [
        (c.line.removeprefix("edit ").strip('"'), _sets(c))
        for c in table.children
        if c.line.startswith("edit ")
    ]


def op_model(tree: ConfigTree) -> OpModel:
    interfaces = []
    for name, values in _edits(tree, "config system interface"):
        ip = values.get("ip", "").split()
        interfaces.append(
            InterfaceConfig(
                name=name,
                description=values.get("description", "").strip('"') or None,
                address=IPv4Interface(f"{ip[0]}/{ip[1]}") if len(ip) == 2 else None,
                admin_up=values.get("status") != "down",
                bandwidth_kbps=int(values.get("estimated-upstream-bandwidth") or 1_000_000),
            )
        )
    bgp = tree.section(["config router bgp"])
    settings = _sets(bgp) if bgp is not None else {}
    neighbors = tuple(
        NeighborConfig(IPv4Address(ip), int(values.get("remote-as") or 0))
        for ip, values in _edits(tree, "config router bgp", "config neighbor")
    )
    return OpModel(
        interfaces=tuple(interfaces),
        local_as=int(settings["as"]) if settings.get("as") else None,
        router_id=settings.get("router-id"),
        neighbors=neighbors,
        static_routes=len(_edits(tree, "config router static")),
    )


def interface_physical(snap: OpSnapshot) -> str:
    """`get system interface physical`: link state and speed of each port."""
    lines = ["== [onboard]"]
    for state in snap.interfaces:
        address = state.config.address
        ip = f"{address.ip} {address.netmask}" if address is not None else "0.0.0.0 0.0.0.0"
        lines += [
            f"{INDENT * 2}==[{state.config.name}]",
            f"{INDENT * 4}mode: static",
            f"{INDENT * 4}ip: {ip}",
            f"{INDENT * 4}ipv6: ::/0",
            f"{INDENT * 4}status: {'up' if state.up else 'down'}",
            f"{INDENT * 4}speed: " + ("1000Mbps (Duplex: full)" if state.up else "n/a"),
        ]
    return "\n".join(lines) + "\n"


def bgp_summary(snap: OpSnapshot) -> str:
    model = snap.model
    lines = [
        f"BGP router identifier {model.router_id or '0.0.0.0'}, local AS number "
        f"{model.local_as or 0}",
        "BGP table version is 3",
        "2 BGP AS-PATH entries",
        "0 BGP community entries",
        "",
        "Neighbor        V         AS MsgRcvd MsgSent   TblVer  InQ OutQ Up/Down  State/PfxRcd",
    ]
    for n in snap.neighbors:
        state = str(n.prefixes) if n.established else n.state.split()[0]
        up = "never" if not n.established else format_duration(n.since_seconds)
        lines.append(
            f"{n.config.ip!s:<15} 4 {n.config.remote_as:>10} {n.messages_received:>7} "
            f"{n.messages_sent:>7} {3:>8} {0:>4} {0:>4} {up:<8} {state}"
        )
    lines += ["", f"Total number of neighbors {len(snap.neighbors)}", ""]
    return "\n".join(lines) + "\n"


def routing_table(snap: OpSnapshot) -> str:
    lines = [
        "Codes: K - kernel, C - connected, S - static, R - RIP, B - BGP",
        "       O - OSPF, IA - OSPF inter area",
        "       N1 - OSPF NSSA external type 1, N2 - OSPF NSSA external type 2",
        "       E1 - OSPF external type 1, E2 - OSPF external type 2",
        "       i - IS-IS, L1 - IS-IS level-1, L2 - IS-IS level-2, ia - IS-IS inter area",
        "       * - candidate default",
        "",
        "Routing table for VRF=0",
    ]
    for state in snap.interfaces:
        address = state.config.address
        if state.up and address is not None:
            lines.append(f"C       {address.network} is directly connected, {state.config.name}")
    for n in snap.neighbors:
        via = next(
            (
                s.config.name
                for s in snap.interfaces
                if s.config.address is not None and n.config.ip in s.config.address.network
            ),
            "wan1",
        )
        for index in range(n.prefixes if n.established else 0):
            lines.append(
                f"B       10.{200 + index // 256 % 50}.{index % 256}.0/24 [20/0] via "
                f"{n.config.ip}, {via}, 00:10:00"
            )
    return "\n".join(lines) + "\n"
