"""The lab's OS image catalogue: the images each platform can copy, verify and boot."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

MB = 1024 * 1024


@dataclass(frozen=True)
class Image:
    platform: str
    version: str
    filename: str
    size: int

    @property
    def md5(self) -> str:
        """Checksum of the (simulated) file: stable, derived from its name."""
        return hashlib.md5(f"netwave-lab:{self.filename}".encode()).hexdigest()


def _ios(version: str, size_mb: int) -> Image:
    major, minor, patch = version.split(".", 2)
    digits = patch.rstrip("abcdefghijklmnopqrstuvwxyz")
    tag = f"{int(major):02d}.{int(minor):02d}.{int(digits):02d}{patch[len(digits) :]}"
    return Image("cisco_ios", version, f"c8000v-universalk9.{tag}.SPA.bin", size_mb * MB)


def _eos(version: str, size_mb: int) -> Image:
    return Image("arista_eos", version, f"EOS-{version}.swi", size_mb * MB)


def _junos(version: str, size_mb: int) -> Image:
    return Image("juniper_junos", version, f"junos-vmx-x86-64-{version}.tgz", size_mb * MB)


CATALOGUE: tuple[Image, ...] = (
    _ios("17.3.4a", 780),
    _ios("17.6.5", 812),
    _ios("17.6.6a", 815),
    _ios("17.9.4a", 846),
    _ios("17.12.2", 901),
    _eos("4.27.6M", 901),
    _eos("4.28.3M", 936),
    _eos("4.29.2F", 958),
    _eos("4.30.4M", 982),
    _eos("4.31.2F", 1004),
    _junos("20.4R3-S4", 1320),
    _junos("21.4R3-S5", 1402),
    _junos("22.4R3", 1488),
    _junos("23.2R2", 1536),
)

# What `make demo` upgrades the lab's devices to (the lab's Junos routers stay as they are).
DEMO_UPGRADE = {"cisco_ios": "17.9.4a", "arista_eos": "4.30.4M", "fortinet": "7.4.3"}

IMAGE_SUFFIX = {"cisco_ios": ".bin", "arista_eos": ".swi", "juniper_junos": ".tgz"}


def add(*extra: Image) -> None:
    """A lab CLI module adds its platform's images (they load with the CLIs)."""
    global CATALOGUE
    CATALOGUE = (*CATALOGUE, *extra)


def images_for(platform: str) -> list[Image]:
    return [image for image in CATALOGUE if image.platform == platform]


def by_filename(platform: str, filename: str) -> Image | None:
    for image in CATALOGUE:
        if image.platform == platform and image.filename == filename:
            return image
    return None


def for_version(platform: str, version: str) -> Image:
    """The catalogue image of a version; unknown versions get a synthetic entry."""
    for image in CATALOGUE:
        if image.platform == platform and image.version == version:
            return image
    builders = {"cisco_ios": _ios, "arista_eos": _eos, "juniper_junos": _junos}
    try:
        return builders[platform](version, 800)
    except (KeyError, ValueError):
        suffix = IMAGE_SUFFIX.get(platform, ".img")
        return Image(platform, version, f"{platform}-{version}{suffix}", 800 * MB)
