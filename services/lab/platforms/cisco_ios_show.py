"""Cisco IOS-XE show command output, in the layout real routers (and TextFSM templates) use."""

from __future__ import annotations

from datetime import datetime

from services.lab import images
from services.lab.device import LabDevice
from services.lab.flash import Flash
from services.lab.opstate import InterfaceState, OpSnapshot, format_duration, uptime_words


def version(device: LabDevice, hostname: str, boot_file: str) -> str:
    v = device.state.version
    image = images.for_version("cisco_ios", v)
    dotted = image.filename.split(".", 1)[1].rsplit(".SPA", 1)[0]
    uptime = uptime_words(device.state.uptime)
    seed_serial = device.spec.name.upper().replace("-", "")[:6] + "0A1B"
    return f"""Cisco IOS XE Software, Version {dotted}
Cisco IOS Software [Bengaluru], Virtual XE Software (X86_64_LINUX_IOSD-UNIVERSALK9-M), \
Version {v}, RELEASE SOFTWARE (fc2)
Technical Support: http://www.cisco.com/techsupport
Copyright (c) 1986-2023 by Cisco Systems, Inc.
Compiled Wed 08-Mar-23 12:00 by mcpre


Cisco IOS-XE software, Copyright (c) 2005-2023 by cisco Systems, Inc.
All rights reserved.  Certain components of Cisco IOS-XE software are
licensed under the GNU General Public License ("GPL") Version 2.0.  The
software code licensed under GPL Version 2.0 is free software that comes
with ABSOLUTELY NO WARRANTY.  You can redistribute and/or modify such
GPL code under the terms of GPL Version 2.0.  For more details, see the
documentation or "License Notice" file accompanying the IOS-XE software,
or the applicable URL provided on the flyer accompanying the IOS-XE
software.


ROM: IOS-XE ROMMON

{hostname} uptime is {uptime}
Uptime for this control processor is {uptime}
System returned to ROM by reload
System image file is "flash:{boot_file}"
Last reload reason: Reload Command



This product contains cryptographic features and is subject to United
States and local country laws governing import, export, transfer and
use.

License Level: ax
License Type: N/A(Smart License Enabled)
Next reload license Level: ax

The current throughput level is 1000000 kbps


Smart Licensing Status: UNREGISTERED/No Licenses in Use

cisco C8000V (VXE) processor (revision VXE) with 2028465K/3075K bytes of memory.
Processor board ID {seed_serial}
Router operating mode: Autonomous
4 Gigabit Ethernet interfaces
32768K bytes of non-volatile configuration memory.
3965212K bytes of physical memory.
{device.state.flash.total // 1024}K bytes of virtual hard disk at flash:.

Configuration register is 0x2102

"""


def _status(state: InterfaceState) -> tuple[str, str]:
    if state.status == "administratively down":
        return "administratively down", "down"
    return (state.status, state.status)


def ip_interface_brief(snap: OpSnapshot) -> str:
    lines = ["Interface              IP-Address      OK? Method Status                Protocol"]
    for state in snap.interfaces:
        address = state.config.address
        ip = str(address.ip) if address else "unassigned"
        method = "NVRAM" if address else "unset"
        status, protocol = _status(state)
        lines.append(f"{state.config.name:<22} {ip:<15} YES {method:<6} {status:<21} {protocol}")
    return "\n".join(lines) + "\n"


def interfaces(snap: OpSnapshot, mac: str, only: str | None = None) -> str:
    blocks = []
    for state in snap.interfaces:
        if only is not None and state.config.name != only:
            continue
        blocks.append(_interface_block(state, mac))
    return "".join(blocks)


def _interface_block(state: InterfaceState, mac: str) -> str:
    cfg = state.config
    status, protocol = _status(state)
    rate_pps = state.rate_bps // 8 // 500
    lines = [f"{cfg.name} is {status}, line protocol is {protocol} "]
    if cfg.loopback:
        lines.append("  Hardware is Loopback")
    else:
        lines.append(f"  Hardware is vNIC, address is {mac} (bia {mac})")
    if cfg.description:
        lines.append(f"  Description: {cfg.description}")
    if cfg.address:
        lines.append(f"  Internet address is {cfg.address.with_prefixlen}")
    lines += [
        f"  MTU {cfg.mtu} bytes, BW {cfg.bandwidth_kbps} Kbit/sec, DLY 10 usec, ",
        "     reliability 255/255, txload 1/255, rxload 1/255",
        "  Encapsulation ARPA, loopback not set",
        "  Keepalive set (10 sec)",
        "  Full Duplex, 1000Mbps, link type is auto, media type is Virtual",
        "  ARP type: ARPA, ARP Timeout 04:00:00",
        "  Last input 00:00:00, output 00:00:00, output hang never",
        '  Last clearing of "show interface" counters never',
        "  Input queue: 0/375/0/0 (size/max/drops/flushes); Total output drops: 0",
        "  Queueing strategy: fifo",
        "  Output queue: 0/40 (size/max)",
        f"  5 minute input rate {state.rate_bps} bits/sec, {rate_pps} packets/sec",
        f"  5 minute output rate {state.rate_bps} bits/sec, {rate_pps} packets/sec",
        f"     {state.in_packets} packets input, {state.in_bytes} bytes, 0 no buffer",
        "     Received 0 broadcasts (0 IP multicasts)",
        "     0 runts, 0 giants, 0 throttles ",
        "     0 input errors, 0 CRC, 0 frame, 0 overrun, 0 ignored",
        "     0 watchdog, 0 multicast, 0 pause input",
        f"     {state.out_packets} packets output, {state.out_bytes} bytes, 0 underruns",
        "     0 output errors, 0 collisions, 1 interface resets",
        "     0 unknown protocol drops",
        "     0 babbles, 0 late collision, 0 deferred",
        "     0 lost carrier, 0 no carrier, 0 pause output",
        "     0 output buffer failures, 0 output buffers swapped out",
    ]
    return "\n".join(lines) + "\n"


def bgp_summary(snap: OpSnapshot) -> str:
    model = snap.model
    if model.local_as is None:
        return "% BGP not active\n\n"
    established = [n for n in snap.neighbors if n.established]
    entries = sum(n.prefixes for n in established)
    lines = [
        f"BGP router identifier {model.router_id or '0.0.0.0'}, local AS number {model.local_as}",
        f"BGP table version is {entries + 1}, main routing table version {entries + 1}",
        f"{entries} network entries using {entries * 248} bytes of memory",
        f"{entries} path entries using {entries * 136} bytes of memory",
        "",
        "Neighbor        V           AS MsgRcvd MsgSent   TblVer  InQ OutQ Up/Down  State/PfxRcd",
    ]
    for n in snap.neighbors:
        state = str(n.prefixes) if n.established else n.state
        up_down = format_duration(n.since_seconds) if n.established else "never"
        lines.append(
            f"{n.config.ip!s:<15} 4 {n.config.remote_as:>12} {n.messages_received:>7} "
            f"{n.messages_sent:>7} {entries + 1:>8}    0    0 {up_down:<8} {state}"
        )
    return "\n".join(lines) + "\n"


def route_summary(snap: OpSnapshot) -> str:
    r = snap.routes
    asn = snap.model.local_as
    lines = [
        "IP routing table name is default (0x0)",
        "IP routing table maximum-paths is 32",
        "Route Source    Networks    Subnets     Replicates  Overhead    Memory (bytes)",
        f"{'application':<15} {0:<11} {0:<11} {0:<11} {0:<11} {0}",
        f"{'connected':<15} {0:<11} {r.connected:<11} {0:<11} {r.connected * 96:<11} "
        f"{r.connected * 304}",
        f"{'static':<15} {r.static:<11} {0:<11} {0:<11} {r.static * 96:<11} {r.static * 304}",
        f"{'local':<15} {0:<11} {r.connected:<11} {0:<11} {r.connected * 96:<11} "
        f"{r.connected * 304}",
    ]
    if asn is not None:
        lines.append(
            f"{'bgp ' + str(asn):<15} {r.bgp:<11} {0:<11} {0:<11} {r.bgp * 96:<11} {r.bgp * 304}"
        )
        lines.append(f"  External: {r.bgp} Internal: 0 Local: 0")
    total = r.connected * 2 + r.static + r.bgp
    lines.append(f"{'internal':<15} {3:<11} {'':<11} {'':<11} {'':<11} 1412")
    lines.append(
        f"{'Total':<15} {r.static + r.bgp + 3:<11} {r.connected * 2:<11} {0:<11} "
        f"{total * 96:<11} {total * 304 + 1412}"
    )
    return "\n".join(lines) + "\n"


def directory(flash: Flash, only: str | None = None) -> str:
    label = f"flash:/{only}" if only else "flash:/"
    lines = [f"Directory of {label}", ""]
    for index, entry in enumerate(sorted(flash.files.values(), key=lambda f: f.name), start=11):
        if only is not None and entry.name != only:
            continue
        stamp = entry.mtime.strftime("%b %d %Y %H:%M:%S +00:00")
        lines.append(f"{index:>6}  -rw- {entry.size:>14}  {stamp}  {entry.name}")
    lines += ["", f"{flash.total} bytes total ({flash.free} bytes free)"]
    return "\n".join(lines) + "\n"


def clock(at: datetime) -> str:
    return (
        at.strftime("*%H:%M:%S.")
        + f"{at.microsecond // 1000:03d}"
        + at.strftime(" UTC %a %b %d %Y\n")
    )
