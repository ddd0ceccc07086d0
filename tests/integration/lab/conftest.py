"""Helpers shared by the lab integration tests: one representative device per platform."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import Any

from netmiko import BaseConnection, ConnectHandler

from tests.utils.lab import ThreadedLab

DEVICES = {
    "cisco_ios": "acme-hq-r1",
    "arista_eos": "acme-hq-r2",
    "juniper_junos": "acme-branch2-r1",
}
RUNNING = {
    "cisco_ios": "show running-config",
    "arista_eos": "show running-config",
    "juniper_junos": "show configuration | display set",
}
ERROR_PATTERN = r"% Invalid input|% Incomplete|syntax error|unknown command|missing argument"


@contextmanager
def connect(lab: ThreadedLab, name: str, **extra: Any) -> Iterator[BaseConnection]:
    conn = ConnectHandler(**lab.netmiko_params(name, **extra))
    try:
        yield conn
    finally:
        with suppress(Exception):  # the device may have dropped the session on purpose
            conn.disconnect()
