"""The platform registry: every module of this package but `base` and `registry` is a driver
that registers one platform when imported (in the spirit of Netmiko's device_type class map
and Nornir's plugin register). Drivers load on first use, so the generic modules they build
on can import the registry without an import loop.
"""

from __future__ import annotations

import importlib
import pkgutil
import threading
from collections.abc import Iterator, Mapping

from services.core.errors import InventoryError
from services.network.platforms.base import Platform

_NOT_DRIVERS = frozenset({"base", "registry"})
_registered: dict[str, Platform] = {}
_loaded = False
_lock = threading.RLock()


def register(platform: Platform) -> Platform:
    """Called once by each driver module, at import."""
    with _lock:
        known = _registered.get(platform.name)
        if known is not None and known is not platform:
            raise ValueError(f"platform {platform.name!r} is registered twice")
        _registered[platform.name] = platform
    return platform


def driver_modules() -> list[str]:
    """The driver modules of this package, by name."""
    package = importlib.import_module("services.network.platforms")
    return sorted(
        info.name
        for info in pkgutil.iter_modules(package.__path__)
        if info.name not in _NOT_DRIVERS and not info.name.startswith("_")
    )


def _load() -> None:
    global _loaded
    if _loaded:
        return
    with _lock:
        if _loaded:
            return
        for name in driver_modules():
            importlib.import_module(f"services.network.platforms.{name}")
        _loaded = True


class _Registry(Mapping[str, Platform]):
    """Every registered platform by name; reading it loads the drivers."""

    def __getitem__(self, name: str) -> Platform:
        _load()
        return _registered[name]

    def __iter__(self) -> Iterator[str]:
        _load()
        return iter(dict(_registered))

    def __len__(self) -> int:
        _load()
        return len(_registered)

    def __contains__(self, name: object) -> bool:
        _load()
        return name in _registered


PLATFORMS: Mapping[str, Platform] = _Registry()


def get_platform(name: str) -> Platform:
    try:
        return PLATFORMS[name]
    except KeyError:
        known = ", ".join(sorted(PLATFORMS))
        raise InventoryError(f"unknown platform {name!r}; known platforms: {known}") from None
