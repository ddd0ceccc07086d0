"""Free ports for labs and stacks: each pytest-xdist worker owns every eighth block of ports,
so two workers that probe and then bind never race for one port, whatever range each searches
(labs 20000-30000, stacks 30000-32700, the benchmarks' consecutive ports from 21001)."""

from __future__ import annotations

import pytest

from tests.benchmarks.lab_fleet import contiguous_free_ports
from tests.utils.lab import PORT_BLOCK, XDIST_SLICES, free_ports, owns


def test_every_port_has_one_owner(monkeypatch: pytest.MonkeyPatch) -> None:
    owners: dict[int, list[int]] = {}
    for n in range(XDIST_SLICES):
        monkeypatch.setenv("PYTEST_XDIST_WORKER", f"gw{n}")
        for port in range(20000, 32700):
            if owns(port):
                owners.setdefault(port, []).append(n)
    assert set(owners) == set(range(20000, 32700))
    assert all(len(who) == 1 for who in owners.values())
    monkeypatch.delenv("PYTEST_XDIST_WORKER")
    assert all(owns(port) for port in range(20000, 20200))  # outside xdist: every port


def test_free_and_consecutive_ports_are_the_workers_own(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PYTEST_XDIST_WORKER", "gw2")
    found = free_ports(30)
    assert len(set(found)) == 30 and all(owns(p) for p in found)
    base = contiguous_free_ports(10)
    assert all(owns(p) for p in range(base, base + 10))
    assert base // PORT_BLOCK == (base + 9) // PORT_BLOCK
