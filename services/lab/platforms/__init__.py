"""Per-platform CLI behaviour, registered by Netmiko device_type."""

from __future__ import annotations

from services.lab.platforms.arista_eos import AristaEosCli
from services.lab.platforms.base import PlatformCli
from services.lab.platforms.cisco_ios import CiscoIosCli
from services.lab.platforms.juniper_junos import JuniperJunosCli

CLIS: dict[str, PlatformCli] = {}


def register(cli: PlatformCli) -> PlatformCli:
    CLIS[cli.name] = cli
    return cli


register(CiscoIosCli())
register(AristaEosCli())
register(JuniperJunosCli())


def get_cli(platform: str) -> PlatformCli:
    try:
        return CLIS[platform]
    except KeyError:
        known = ", ".join(sorted(CLIS))
        raise ValueError(f"the lab has no platform {platform!r} (known: {known})") from None
