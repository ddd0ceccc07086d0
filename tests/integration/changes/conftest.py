"""Lab edge devices of each platform, with their credentials, for the change tests."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pytest

from services.core.secrets import Credential, FileSecretsProvider
from services.network.inventory import Device, load_tenant
from services.network.platforms import get_platform
from services.network.state import DeviceState, collect_state
from tests.utils.lab import ThreadedLab

REPO = Path(__file__).resolve().parents[3]
TEMPLATES = REPO / "templates"
EDGES = {
    "cisco_ios": "acme-hq-r1",
    "arista_eos": "acme-branch3-r1",
    "juniper_junos": "acme-branch2-r1",
}
TIMEOUT = 10.0
Edge = tuple[str, Device, Credential]
EdgeFactory = Callable[[str], Edge]


@pytest.fixture
def edge(lab: ThreadedLab, lab_provider: FileSecretsProvider) -> EdgeFactory:
    """`edge(platform)`: the lab device name, its Device (lab port) and its credential."""

    def make(platform: str) -> Edge:
        name = EDGES[platform]
        assert lab.inventories_path is not None
        device = lab.trusted(load_tenant(lab.inventories_path, name.split("-")[0]).device(name))
        return name, device, lab_provider.resolve(device.credential)

    return make


def stable_state(device: Device, credential: Credential) -> DeviceState:
    """The device's state once its BGP sessions are up (the lab starts them after boot)."""
    deadline = time.monotonic() + 5
    while True:
        state = collect_state(device, credential, timeout=TIMEOUT)
        if all(n.established for n in state.bgp.values()) or time.monotonic() > deadline:
            return state
        time.sleep(0.1)


def strip(platform: str, config: str) -> str:
    return get_platform(platform).strip_volatile(config)
