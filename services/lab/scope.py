"""Which inventory devices the lab stands in for: the ones it can simulate that point at loopback.

A real device (a routable address, or a platform the lab has no CLI for) is left alone: the lab
does not serve it, and nothing invents a credential for it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from ipaddress import ip_address

from services.lab.platforms import CLIS
from services.network.inventory import Device, TenantInventory


def on_loopback(hostname: str) -> bool:
    if hostname == "localhost":
        return True
    try:
        return ip_address(hostname).is_loopback
    except ValueError:
        return False


def lab_serves(device: Device) -> bool:
    """Whether the lab simulates `device`: a platform it has a CLI for, on a loopback address."""
    return device.platform in CLIS and on_loopback(device.hostname)


def served(tenants: dict[str, TenantInventory]) -> dict[str, TenantInventory]:
    """The inventories narrowed to the devices the lab serves (tenants without one dropped)."""
    kept: dict[str, TenantInventory] = {}
    for name, inventory in tenants.items():
        devices = {n: d for n, d in inventory.devices.items() if lab_serves(d)}
        if devices:
            kept[name] = replace(inventory, devices=devices)
    return kept


def left_alone(tenants: dict[str, TenantInventory]) -> list[Device]:
    return [d for t in tenants.values() for d in t.devices.values() if not lab_serves(d)]


def lab_credentials(devices: Iterable[Device]) -> set[str]:
    """Credential names the lab may create (random, development only): those only its own
    devices use (a name a real device also uses is the real device's, never invented)."""
    listed = list(devices)
    real = {d.credential for d in listed if not lab_serves(d)}
    return {d.credential for d in listed if lab_serves(d)} - real
