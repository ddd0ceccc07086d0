"""Unit-test helpers: lab devices built in memory, and Netmiko helpers for the SSH tests."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import Any

from netmiko import BaseConnection, ConnectHandler
from pydantic import SecretStr

from services.core.secrets import Credential
from services.lab.device import DeviceSpec, LabDevice, LabTimings
from services.lab.platforms import get_cli
from tests.utils.lab import ThreadedLab

CREDENTIAL = Credential(username="netwave", password=SecretStr("pw"), enable=SecretStr("en"))
WAN = {
    "cisco_ios": "GigabitEthernet0/0",
    "arista_eos": "Ethernet1",
    "juniper_junos": "ge-0/0/0",
}
VERSION = {"cisco_ios": "17.6.5", "arista_eos": "4.28.3M", "juniper_junos": "21.4R3-S5"}


def make_device(platform: str = "cisco_ios", **lab: Any) -> LabDevice:
    data = {
        "credential": "lab-test",
        "version": VERSION[platform],
        "asn": 65001,
        "domain": "test.example.net",
        "ntp_servers": ["192.0.2.10"],
        "syslog_server": "192.0.2.20",
        "wan": {"interface": WAN[platform], "bandwidth_mbps": 100, "address": "198.51.100.1/30"},
        "bgp_neighbors": [{"ip": "198.51.100.2", "remote_as": 64500, "description": "ISP-A"}],
        "lab": lab,
    }
    spec = DeviceSpec(f"t-{platform}", "test", platform, "127.0.0.1", 1, CREDENTIAL, data)
    return LabDevice(
        spec,
        get_cli(platform),
        LabTimings(reload_seconds=0, copy_seconds=0, bgp_establish_seconds=0),
    )


ERRORS = r"% Invalid input|% Incomplete|syntax error|unknown command|missing argument"
EXEC = r"#\s*$"


@contextmanager
def connect(lab: ThreadedLab, name: str) -> Iterator[BaseConnection]:
    """A Netmiko session on a lab device (the stock driver of its platform)."""
    conn = ConnectHandler(**lab.netmiko_params(name))
    try:
        yield conn
    finally:
        with suppress(Exception):
            conn.disconnect()


def send(conn: BaseConnection, command: str, expect: str | None = None) -> str:
    """`send_command` as text (until the prompt, or `expect`)."""
    if expect is None:
        return str(conn.send_command(command))
    return str(conn.send_command(command, expect_string=expect))


def timing(conn: BaseConnection, command: str) -> str:
    """`send_command_timing`: what the device printed once it went quiet (questions too)."""
    return str(conn.send_command_timing(command, last_read=0.3))
