"""Platforms netwave drives: one driver module each, found and registered by `registry`."""

from services.network.platforms.base import CHANGE_KINDS, ConfigSyntax, HierSettings, Platform
from services.network.platforms.registry import PLATFORMS, get_platform, register

__all__ = [
    "CHANGE_KINDS",
    "PLATFORMS",
    "ConfigSyntax",
    "HierSettings",
    "Platform",
    "get_platform",
    "register",
]
