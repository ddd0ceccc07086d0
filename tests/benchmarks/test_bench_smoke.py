"""The benchmarks at toy size, so `make bench` cannot rot between runs."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.benchmarks.api_load import run_api_load
from tests.benchmarks.audit_profile import profile_audit
from tests.benchmarks.audit_scale import run_audit_scale
from tests.benchmarks.campaign_scale import run_campaign_scale
from tests.benchmarks.floor import run_floor_lab
from tests.benchmarks.lab_fleet import run_bench
from tests.benchmarks.render import run_render
from tests.benchmarks.run import SCENARIOS, span, spread

pytestmark = pytest.mark.slow


def test_lab_collect_smoke() -> None:
    result = run_bench(devices=10, workers=5)
    assert result.collected == 10 and result.failed == 0
    assert result.lab_rss_mb > 0


def test_audit_scale_smoke(tmp_path: Path) -> None:
    result = run_audit_scale(tmp_path, devices=6, tenants=2, pairs=2, compared_pairs=1)
    assert result.bare_failed == 0 and result.floor_failed == 0
    assert result.netwave_devices_reported == 6
    assert len(result.pairs) == len(result.ratios) == 2
    assert result.compared_all is not None and len(result.compared_all.pairs) == 1
    assert result.ratio > 0 and result.peak_rss_mb.keys() >= {"lab", "worker", "api"}
    assert result.floor_seconds > 0
    rules = [tmp_path / "inventories" / t / "compliance.yaml" for t in ("gen-01", "gen-02")]
    assert all(path.exists() for path in rules)  # changed before each run


def test_audit_profile_smoke(tmp_path: Path) -> None:
    result = profile_audit(
        tmp_path / "in-threads", devices=6, parallel_chunks=2, session_processes=0
    )
    assert result["collected"] == 6
    phases = result["phase_ms_per_device (summed over threads)"]
    assert phases.keys() >= {
        "render",
        "compare",
        "store: one transaction per batch (writer thread)",
    }
    helped = profile_audit(tmp_path / "helper", devices=6, parallel_chunks=2, session_processes=2)
    assert helped["collected"] == 6 and helped["session_processes"] == 2
    assert helped["helpers_cpu_ms_per_device"] > 0  # the sessions ran in the helpers


def test_render_smoke() -> None:
    result = run_render(devices=8)
    assert result.devices == 8 and result.chars > 8 * 500
    assert result.configs_per_second > 0


def test_floor_smoke(tmp_path: Path) -> None:
    runs = run_floor_lab(tmp_path, devices=6, repeat=2, concurrency=3)
    assert [r.failed for r in runs] == [0, 0]
    assert all(r.chars > 6 * 500 and r.devices_per_second > 0 for r in runs)


def test_api_load_smoke(tmp_path: Path) -> None:
    # One client: concurrent change requests now stall on SQLite's write lock inside the
    # API's event loop (what the full run's error column shows); the smoke run checks the code.
    load = run_api_load(tmp_path, devices=4, tenants=1, clients=1, duration=0.5, warmup=0.1)
    assert list(load.runs) == ["bare FastAPI", "list devices", "get change", "create change"]
    assert load.database == "sqlite"
    for runs in load.runs.values():
        assert runs[0].requests > 0 and runs[0].errors == 0 and runs[0].p99_ms > 0


def test_every_row_is_registered_and_spread_is_stated() -> None:
    assert list(SCENARIOS) == ["render", "floor", "lab", "audit", "api", "campaign"]
    assert spread([9.0, 10.0, 11.0]) == {"min": 9.0, "median": 10.0, "max": 11.0, "spread %": 20.0}
    assert span([10.0, 9.0, 11.0]) == "10.0 (9.0-11.0)" and span([2.0]) == "2.0"


def test_campaign_scale_smoke(tmp_path: Path) -> None:
    result = run_campaign_scale(tmp_path, devices=4, reload_seconds=1.0, wave_size=2)
    assert result.upgraded == 4 and result.other_outcomes == {}
    assert result.waves >= 1 and result.ideal_seconds > 0 and result.peak_rss_mb["worker"] > 0
