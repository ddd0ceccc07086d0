"""Per-platform CLI behaviour: `services/lab/platforms/<platform>.py` holds a platform's `CLI`.

A module named after a netwave platform (services.network.platforms) is that platform's lab
CLI; the other modules here are their parts. They load on first use, as the drivers do.
"""

from __future__ import annotations

import functools
import importlib
import pkgutil
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING

from services.network.platforms import PLATFORMS

if TYPE_CHECKING:
    from services.lab.platforms.base import PlatformCli


@functools.cache
def _discovered() -> dict[str, PlatformCli]:
    modules = (m.name for m in pkgutil.iter_modules(__path__) if m.name in PLATFORMS)
    clis = [importlib.import_module(f"{__name__}.{name}").CLI for name in modules]
    return {cli.name: cli for cli in clis}


class _Clis(Mapping[str, "PlatformCli"]):
    """The lab CLIs by platform name; reading it loads them."""

    def __getitem__(self, name: str) -> PlatformCli:
        return _discovered()[name]

    def __iter__(self) -> Iterator[str]:
        return iter(_discovered())

    def __len__(self) -> int:
        return len(_discovered())


CLIS: Mapping[str, PlatformCli] = _Clis()


def get_cli(platform: str) -> PlatformCli:
    try:
        return CLIS[platform]
    except KeyError:
        known = ", ".join(sorted(CLIS))
        raise ValueError(f"the lab has no platform {platform!r} (known: {known})") from None
