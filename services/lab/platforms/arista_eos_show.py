"""Arista EOS show command output, in the layout EOS (and TextFSM templates) use."""

from __future__ import annotations

from services.lab.device import LabDevice
from services.lab.flash import Flash
from services.lab.opstate import InterfaceState, OpSnapshot, format_duration, uptime_words


def version(device: LabDevice, serial: str, mac: str) -> str:
    v = device.state.version
    uptime = uptime_words(device.state.uptime).replace(", ", " and ", 1)
    return f"""Arista vEOS-lab
Hardware version:
Serial number: {serial}
Hardware MAC address: {mac}
System MAC address: {mac}

Software image version: {v}
Architecture: x86_64
Internal build version: {v}-28837868.{v.replace(".", "")}
Internal build ID: 5ab8b1e4-0f7a-4d5f-9b6c-2c8a3c1a0b1e
Image format version: 1.0
Image optimization: None

Uptime: {uptime}
Total memory: 3982532 kB
Free memory: 2567492 kB

"""


def _status(state: InterfaceState) -> tuple[str, str, str]:
    if state.status == "administratively down":
        return "adminDown", "down", "disabled"
    if state.status == "down":
        return "down", "down", "notconnect"
    return "up", "up", "connected"


def ip_interface_brief(snap: OpSnapshot) -> str:
    lines = [
        "                                                                        Address",
        "Interface         IP Address            Status       Protocol         MTU    Owner",
        "----------------- --------------------- ------------ -------------- ------ -------",
    ]
    for state in snap.interfaces:
        address = state.config.address
        ip = address.with_prefixlen if address else "unassigned"
        status, protocol, _ = _status(state)
        lines.append(
            f"{state.config.name:<17} {ip:<21} {status:<12} {protocol:<14} {state.config.mtu:>6}"
        )
    return "\n".join(lines) + "\n"


def interfaces(snap: OpSnapshot, mac: str, only: str | None = None) -> str:
    blocks = []
    for state in snap.interfaces:
        if only is None or state.config.name == only:
            blocks.append(_interface_block(state, mac))
    return "".join(blocks)


def _interface_block(state: InterfaceState, mac: str) -> str:
    cfg = state.config
    status, protocol, reason = _status(state)
    word = {"up": "up", "down": "down", "adminDown": "administratively down"}[status]
    lines = [f"{cfg.name} is {word}, line protocol is {protocol} ({reason})"]
    lines.append(
        "  Hardware is Loopback"
        if cfg.loopback
        else f"  Hardware is Ethernet, address is {mac} (bia {mac})"
    )
    if cfg.description:
        lines.append(f"  Description: {cfg.description}")
    if cfg.address:
        lines.append(f"  Internet address is {cfg.address.with_prefixlen}")
        lines.append("  Broadcast address is 255.255.255.255")
    lines += [
        f"  IP MTU {cfg.mtu} bytes , BW {cfg.bandwidth_kbps} kbit",
        "  Full-duplex, 1Gb/s, auto negotiation: off, uni-link: n/a",
        "  Loopback Mode : None",
        "  2 link status changes since last clear",
        '  Last clearing of "show interface" counters never',
        f"  5 minutes input rate {state.rate_bps} bps (0.0% with framing overhead), "
        f"{state.rate_bps // 4000} packets/sec",
        f"  5 minutes output rate {state.rate_bps} bps (0.0% with framing overhead), "
        f"{state.rate_bps // 4000} packets/sec",
        f"     {state.in_packets} packets input, {state.in_bytes} bytes",
        "     Received 0 broadcasts, 0 multicast",
        "     0 runts, 0 giants",
        "     0 input errors, 0 CRC, 0 alignment, 0 symbol, 0 input discards",
        "     0 PAUSE input",
        f"     {state.out_packets} packets output, {state.out_bytes} bytes",
        "     Sent 0 broadcasts, 0 multicast",
        "     0 output errors, 0 collisions",
        "     0 late collision, 0 deferred, 0 output discards",
        "     0 PAUSE output",
    ]
    return "\n".join(lines) + "\n"


def bgp_summary(snap: OpSnapshot) -> str:
    model = snap.model
    if model.local_as is None:
        return "% Not supported\n"
    lines = [
        "BGP summary information for VRF default",
        f"Router identifier {model.router_id or '0.0.0.0'}, local AS number {model.local_as}",
        "Neighbor Status Codes: m - Under maintenance",
        "  Description              Neighbor         V AS           MsgRcvd   MsgSent  InQ OutQ"
        "  Up/Down State   PfxRcd PfxAcc",
    ]
    for n in snap.neighbors:
        state = "Estab" if n.established else n.state.split()[0]
        description = (n.config.description or "").replace(" ", "_")[:24]
        lines.append(
            f"  {description:<24} {n.config.ip!s:<16} 4 {n.config.remote_as:<12} "
            f"{n.messages_received:>7} {n.messages_sent:>9} {0:>4} {0:>4} "
            f"{format_duration(n.since_seconds):>8} {state:<7} {n.prefixes:<6} {n.prefixes}"
        )
    return "\n".join(lines) + "\n"


def route_summary(snap: OpSnapshot) -> str:
    r = snap.routes
    rows = [
        ("connected", r.connected),
        ("static (persistent)", r.static),
        ("static (non-persistent)", 0),
        ("bgp", r.bgp),
        ("internal", r.connected + 2),
        ("attached", r.connected),
        ("aggregate", 0),
    ]
    lines = [
        "VRF: default",
        "   Route Source                                Number Of Routes",
        "------------------------------------- -------------------------",
    ]
    for name, count in rows:
        lines.append(f"   {name:<35} {count:>25}")
        if name == "bgp":
            lines.append(f"     External: {r.bgp} Internal: 0")
    total = sum(count for _, count in rows)
    lines += ["", f"   {'Total Routes':<35} {total:>25}"]
    return "\n".join(lines) + "\n"


def directory(flash: Flash) -> str:
    lines = ["Directory of flash:/", ""]
    for entry in sorted(flash.files.values(), key=lambda f: f.name):
        stamp = entry.mtime.strftime("%b %d %H:%M")
        lines.append(f"       -rwx {entry.size:>12}           {stamp}  {entry.name}")
    lines += ["", f"{flash.total} bytes total ({flash.free} bytes free)"]
    return "\n".join(lines) + "\n"


def bgp_uptime(seconds: float) -> str:
    return format_duration(seconds)
