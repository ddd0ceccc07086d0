"""Render + compare in helper processes gives the same answer as in the worker's threads."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from services.compliance.rules import tenant_rules
from services.network.collect import Collected, Reachability
from services.network.inventory import load_tenant
from services.network.render import renderer_for
from workflows.audit.assess import AssessPool, RuleSource

REPO = Path(__file__).resolve().parents[3]
TEMPLATES = REPO / "templates"
SOURCE = RuleSource(REPO / "inventories", "acme", TEMPLATES / "compliance.yaml")
RULES = tenant_rules(SOURCE.inventories, "acme", SOURCE.default)
DEVICE = load_tenant(REPO / "inventories", "acme").device("acme-hq-r1")


@pytest.fixture
def pool() -> Iterator[AssessPool]:
    helpers = AssessPool(1)
    yield helpers
    helpers.close()


def drifted() -> Collected:
    intended = renderer_for(TEMPLATES).render_device(DEVICE)
    running = intended.replace("ntp server", "ntp server 192.0.2.99\nntp server", 1)
    return Collected(DEVICE.name, Reachability.ok, output=running)


def test_a_helper_process_reports_what_the_threads_would(pool: AssessPool) -> None:
    in_threads = AssessPool(0).assess(TEMPLATES, RULES, SOURCE, DEVICE, drifted())
    helped = pool.assess(TEMPLATES, RULES, SOURCE, DEVICE, drifted())
    assert pool._executor is not None  # it really went to a helper
    assert helped == in_threads
    assert helped.report.status == "drift" and helped.intended_hash is not None


def test_unreachable_devices_never_go_to_a_helper(pool: AssessPool) -> None:
    item = Collected(DEVICE.name, Reachability.auth_failed, error="bad password")
    done = pool.assess(TEMPLATES, RULES, SOURCE, DEVICE, item)
    assert done.report.status == "unreachable" and done.intended_hash is None
    assert pool._executor is None


def test_a_dead_helper_pool_falls_back_to_the_threads(
    pool: AssessPool, caplog: pytest.LogCaptureFixture
) -> None:
    first = pool.assess(TEMPLATES, RULES, SOURCE, DEVICE, drifted())
    assert pool._executor is not None
    for process in list(pool._executor._processes.values()):
        process.kill()
        process.join()
    again = pool.assess(TEMPLATES, RULES, SOURCE, DEVICE, drifted())
    assert again == first
    assert "audit helper processes off" in caplog.text
    assert pool.assess(TEMPLATES, RULES, SOURCE, DEVICE, drifted()) == first


def test_helpers_leave_when_their_worker_is_killed(tmp_path: Path) -> None:
    """A worker killed with -9 (chaos, OOM) must not leave helper processes behind."""
    script = tmp_path / "worker.py"
    script.write_text(
        "import sys, time\n"
        f"sys.path.insert(0, {str(REPO)!r})\n"
        "from tests.unit.workflows.test_audit_assess import AssessPool, DEVICE, RULES, SOURCE,"
        " TEMPLATES, drifted\n"
        "if __name__ == '__main__':\n"
        "    pool = AssessPool(1)\n"
        "    pool.assess(TEMPLATES, RULES, SOURCE, DEVICE, drifted())\n"
        "    print(*pool._executor._processes, flush=True)\n"
        "    time.sleep(60)\n"
    )
    worker = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True)
    try:
        assert worker.stdout is not None
        helpers = [int(pid) for pid in worker.stdout.readline().split()]
        assert helpers
    finally:
        worker.kill()
        worker.wait()
    deadline = time.monotonic() + 10
    while any(Path(f"/proc/{pid}").exists() for pid in helpers):
        assert time.monotonic() < deadline, f"helpers {helpers} outlived their worker"
        time.sleep(0.1)
