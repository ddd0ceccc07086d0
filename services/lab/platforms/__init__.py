"""Per-platform CLI behaviour: `services/lab/platforms/<platform>.py` holds a platform's `CLI`.

A module named after a netwave platform (services.network.platforms) is that platform's lab
CLI; the other modules here are their parts. They load on first use, as the drivers do.
"""

from __future__ import annotations

import importlib
import pkgutil
import threading
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING

from services.network.platforms import PLATFORMS

if TYPE_CHECKING:
    from services.lab.platforms.base import PlatformCli

_registered: dict[str, PlatformCli] = {}
_loaded = False
_lock = threading.RLock()


def register(cli: PlatformCli) -> PlatformCli:
    _registered[cli.name] = cli
    return cli


def _load() -> None:
    global _loaded
    if _loaded:
        return
    with _lock:
        if _loaded:
            return
        for info in pkgutil.iter_modules(__path__):
            if info.name in PLATFORMS:
                module = importlib.import_module(f"{__name__}.{info.name}")
                register(module.CLI)
        _loaded = True


class _Clis(Mapping[str, "PlatformCli"]):
    """The lab CLIs by platform name; reading it loads them."""

    def __getitem__(self, name: str) -> PlatformCli:
        _load()
        return _registered[name]

    def __iter__(self) -> Iterator[str]:
        _load()
        return iter(dict(_registered))

    def __len__(self) -> int:
        _load()
        return len(_registered)


CLIS: Mapping[str, PlatformCli] = _Clis()


def get_cli(platform: str) -> PlatformCli:
    try:
        return CLIS[platform]
    except KeyError:
        known = ", ".join(sorted(CLIS))
        raise ValueError(f"the lab has no platform {platform!r} (known: {known})") from None
