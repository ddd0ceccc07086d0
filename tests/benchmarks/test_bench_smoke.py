"""The benchmarks at toy size, so `make bench` cannot rot between runs."""

from __future__ import annotations

from pathlib import Path

import pytest

from services.lab.bench import run_bench
from tests.benchmarks.audit_scale import run_audit_scale

pytestmark = pytest.mark.slow


def test_lab_collect_smoke() -> None:
    result = run_bench(devices=10, workers=5)
    assert result.collected == 10 and result.failed == 0
    assert result.lab_rss_mb > 0


def test_audit_scale_smoke(tmp_path: Path) -> None:
    result = run_audit_scale(tmp_path, devices=6, tenants=2)
    assert result.bare_failed == 0
    assert result.netwave_devices_reported == 6
    assert result.ratio > 0 and result.peak_rss_mb.keys() >= {"lab", "worker", "api"}
