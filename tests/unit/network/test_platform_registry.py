"""One driver per platform: the registry, capabilities, error patterns, and no platform names
outside the drivers (the lab aside)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from services.network.platforms import PLATFORMS, get_platform
from services.network.platforms.registry import driver_modules

ROOT = Path(__file__).resolve().parents[3]
DRIVERS = ROOT / "services" / "network" / "platforms"
# Vendor and NOS words as well as the registered names: a generic module must not branch on them.
NOS_WORDS = r"\bios\b|\beos\b|junos|\bfrr\b|vtysh|ios-?xe|arista|juniper|fortios|nx-?os"

# Refusals as each NOS prints them (vendor documentation and, for FRR, a real vtysh 8.4/10.x).
REAL_REFUSALS = {
    "cisco_ios": [
        "% Invalid input detected at '^' marker.",
        "% Incomplete command.",
        '% Ambiguous command:  "sh"',
        "% Unknown command or computer name, or unable to find computer address",
        "%Error opening flash:missing.cfg (No such file or directory)",
    ],
    "arista_eos": [
        "% Invalid input",
        "% Incomplete command",
        "% Ambiguous command",
        "% Unknown command",
    ],
    "juniper_junos": [
        "syntax error.",
        "unknown command.",
        "missing argument.",
        "error: configuration check-out failed",
        "error: invalid value: 100000000",
    ],
    "frr": [
        "% Unknown command: frobnicate",
        "% Command incomplete: interface",
        "% Ambiguous command: sh",
        "% Configuration failed.",
        "% There is no active BGP instance",
        "% Malformed address",
        "% Specify remote-as or peer-group commands first",
        "% Can't find BGP instance",
        "BGP is already running; AS is 65101",
    ],
}
ACCEPTED = {
    "cisco_ios": ["interface GigabitEthernet0/0", " bandwidth 200000", "Building configuration..."],
    "arista_eos": ["interface Ethernet1", "   shape rate 100000 kbps"],
    "juniper_junos": ["[edit]", "commit complete", "load complete"],
    "frr": ["interface eth1", " bandwidth 100", "exit"],
}


def test_every_driver_module_registers_its_platform() -> None:
    names = driver_modules()
    assert names == sorted(PLATFORMS)
    for name in names:
        platform = get_platform(name)
        assert platform.name == name
        assert (ROOT / "templates" / name).is_dir(), f"no template folder for {name}"


def test_capabilities_say_what_each_platform_serves() -> None:
    frr = get_platform("frr").capabilities()
    assert frr["change_kinds"] == ["wan_bandwidth"] and frr["os_upgrade"] is False
    assert frr["safety_net"] == "restore from backup"
    for name in ("cisco_ios", "arista_eos", "juniper_junos"):
        caps = get_platform(name).capabilities()
        assert caps["os_upgrade"] is True
        assert set(caps["change_kinds"]) == {"wan_bandwidth", "qos_profile", "vlan_handoff"}
        assert caps["safety_net"] != "restore from backup"


@pytest.mark.parametrize("name", sorted(REAL_REFUSALS))
def test_error_patterns_match_the_real_refusals(name: str) -> None:
    pattern = get_platform(name).push.error_pattern
    for text in REAL_REFUSALS[name]:
        assert re.search(pattern, text, re.M), (name, text)
    for text in ACCEPTED[name]:
        assert not re.search(pattern, text, re.M), (name, text)


def test_no_platform_name_outside_the_drivers_and_the_lab() -> None:
    words = re.compile("|".join([*(re.escape(n) for n in PLATFORMS), NOS_WORDS]), re.I)
    found = []
    for top in ("services", "workflows"):
        for path in sorted((ROOT / top).rglob("*.py")):
            if DRIVERS in path.parents or (ROOT / "services" / "lab") in path.parents:
                continue
            for number, line in enumerate(path.read_text().splitlines(), 1):
                if words.search(line):
                    found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert not found, "\n".join(found)
