"""Free ports for labs and stacks: each pytest-xdist worker searches its own part of a range,
so two workers that probe and then bind never race for one port."""

from __future__ import annotations

import pytest

from services.lab.testing import XDIST_SLICES, free_ports, worker_slice


def test_workers_search_disjoint_parts(monkeypatch: pytest.MonkeyPatch) -> None:
    parts = []
    for n in range(XDIST_SLICES):
        monkeypatch.setenv("PYTEST_XDIST_WORKER", f"gw{n}")
        parts.append(set(range(*worker_slice(20000, 30000, 20))))
    assert all(a.isdisjoint(b) for i, a in enumerate(parts) for b in parts[i + 1 :])
    assert set().union(*parts) <= set(range(20000, 30000))
    monkeypatch.delenv("PYTEST_XDIST_WORKER")
    assert worker_slice(20000, 30000, 20) == (20000, 30000)
    monkeypatch.setenv("PYTEST_XDIST_WORKER", "gw3")
    assert worker_slice(30000, 30100, 20) == (30000, 30100)  # too small to share out


def test_free_ports_stay_in_the_workers_part(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PYTEST_XDIST_WORKER", "gw2")
    low, high = worker_slice(20000, 30000, 30)
    found = free_ports(30)
    assert len(set(found)) == 30 and all(low <= p < high for p in found)
