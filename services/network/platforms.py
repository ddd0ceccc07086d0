"""Platform registry keyed by netwave platform name; each maps to a Netmiko device_type."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from services.core.errors import InventoryError

ConfigSyntax = Literal["ios", "junos"]


@dataclass(frozen=True)
class Platform:
    """What netwave needs to know to talk to one kind of device."""

    name: str
    device_type: str
    syntax: ConfigSyntax
    running_config_command: str
    version_command: str = "show version"


PLATFORMS: dict[str, Platform] = {}


def register(platform: Platform) -> Platform:
    PLATFORMS[platform.name] = platform
    return platform


register(Platform("cisco_ios", "cisco_ios", "ios", "show running-config"))
register(Platform("arista_eos", "arista_eos", "ios", "show running-config"))
register(Platform("juniper_junos", "juniper_junos", "junos", "show configuration | display set"))


def get_platform(name: str) -> Platform:
    try:
        return PLATFORMS[name]
    except KeyError:
        known = ", ".join(sorted(PLATFORMS))
        raise InventoryError(f"unknown platform {name!r}; known platforms: {known}") from None
