import pytest

from services.core.errors import InventoryError
from services.network.platforms import get_platform


def test_ios_volatile_lines_are_stripped() -> None:
    raw = (
        "Building configuration...\n\nCurrent configuration : 1706 bytes\n!\n"
        "! Last configuration change at 18:37:33 UTC Sat Nov 28 2026 by netwave\n!\n"
        "hostname r1\n!\nend\n"
    )
    assert get_platform("cisco_ios").strip_volatile(raw) == "!\n!\nhostname r1\n!\nend\n"


def test_junos_commit_stamp_is_stripped() -> None:
    raw = "## Last commit: 2026-11-28 18:00:00 UTC by netwave\nset system host-name r1\n"
    assert get_platform("juniper_junos").strip_volatile(raw) == "set system host-name r1\n"


def test_unknown_platform_lists_known_ones() -> None:
    with pytest.raises(InventoryError, match="known platforms: arista_eos, cisco_ios"):
        get_platform("cisco_xyz")
