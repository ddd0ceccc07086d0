"""Audit helper processes: the same answer as the worker's threads, and no device lost.

The helpers collect (Nornir + Netmiko) and assess their share of a chunk against the lab; a
helper that dies mid-job leaves its unfinished devices to the worker, and helpers never
outlive a killed worker.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from services.compliance.rules import RuleSet, tenant_rules
from services.core.secrets import EnvSecretsProvider, FileSecretsProvider
from services.core.settings import Settings
from services.network.collect import Collected, Reachability, collect
from services.network.inventory import Device, load_tenant
from services.network.render import renderer_for
from tests.utils.lab_fixtures import ThreadedLab
from workflows.audit import assess as assess_module
from workflows.audit.assess import Outcome, RuleSource, audit_outcome
from workflows.audit.session_pool import SessionPool, SliceJob

REPO = Path(__file__).resolve().parents[3]
TEMPLATES = REPO / "templates"
SOURCE = RuleSource(REPO / "inventories", "acme")
RULES = tenant_rules(SOURCE.inventories, "acme")
DEVICE = load_tenant(REPO / "inventories", "acme").device("acme-hq-r1")


@pytest.fixture
def pool() -> Iterator[SessionPool]:
    helpers = SessionPool(2)
    yield helpers
    helpers.close()


def lab_devices(lab: ThreadedLab, lab_settings: Settings) -> list[Device]:
    return [
        lab.trusted(d) for d in load_tenant(lab_settings.inventories_path, "acme").devices.values()
    ]


def job_for(lab_settings: Settings, devices: list[Device]) -> SliceJob:
    return SliceJob(
        devices=devices,
        provider=FileSecretsProvider(lab_settings.secrets_file),
        templates=lab_settings.templates_path,
        source=RuleSource(lab_settings.inventories_path, "acme"),
        workers=4,
        timeout=10,
    )


def in_threads(lab_settings: Settings, devices: list[Device]) -> dict[str, Outcome]:
    job = job_for(lab_settings, devices)
    collected = collect(devices, job.provider, workers=4, timeout=10)
    by_name = {d.name: d for d in devices}
    return {
        name: audit_outcome(job.templates, RULES, by_name[name], item)
        for name, item in collected.items()
    }


def comparable(outcome: Outcome) -> tuple[object, ...]:
    return (outcome.status, outcome.score, outcome.backup, outcome.intended_hash)


def test_helpers_report_what_the_threads_would(
    pool: SessionPool, lab: ThreadedLab, lab_settings: Settings
) -> None:
    devices = lab_devices(lab, lab_settings)
    got: dict[str, Outcome] = {}
    left = pool.audit(job_for(lab_settings, devices), lambda o: got.setdefault(o.device, o))
    assert left == [] and len(pool.pids()) == 2  # both helpers really did the work
    assert sorted(got) == sorted(d.name for d in devices)
    expected = in_threads(lab_settings, devices)
    assert {n: comparable(o) for n, o in got.items()} == {
        n: comparable(o) for n, o in expected.items()
    }
    assert all(o.backup is not None and o.intended_hash for o in got.values())


def test_an_unreachable_device_is_reported_not_lost(
    pool: SessionPool, lab: ThreadedLab, lab_settings: Settings
) -> None:
    devices = lab_devices(lab, lab_settings)
    down = devices[0].name
    lab.set_fault(down, unreachable=True)
    got: dict[str, Outcome] = {}
    assert pool.audit(job_for(lab_settings, devices), lambda o: got.setdefault(o.device, o)) == []
    assert got[down].status == "unreachable" and got[down].backup is None
    assert got[down].result["message"].startswith("unreachable: ")


def test_a_helper_killed_mid_job_leaves_its_devices_to_the_worker(
    pool: SessionPool, lab: ThreadedLab, lab_settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    devices = lab_devices(lab, lab_settings)
    for device in devices:  # slow sessions: the kill lands while the helpers work
        lab.set_fault(device.name, slow=0.05)
    assert pool.start()
    victim = pool.pids()[0]
    got: list[str] = []
    timer = threading.Timer(1.0, os.kill, (victim, signal.SIGKILL))
    timer.start()
    left = pool.audit(job_for(lab_settings, devices), lambda o: got.append(o.device))
    timer.join()
    assert left  # the dead helper's unfinished devices come back to the caller
    assert sorted(got + [d.name for d in left]) == sorted(d.name for d in devices)
    assert "audit helper processes off (a helper process died)" in caplog.text
    assert not pool.enabled
    # and the caller gets everything back from a pool that is off
    assert pool.audit(job_for(lab_settings, devices), lambda o: None) == devices


def test_outcome_of_an_unreachable_item_needs_no_helper() -> None:
    item = Collected(DEVICE.name, Reachability.auth_failed, error="bad password")
    done = audit_outcome(TEMPLATES, RULES, DEVICE, item)
    assert done.status == "unreachable" and done.backup is None and done.intended_hash is None


def test_a_drifted_config_is_drift_with_its_backup_stripped() -> None:
    intended = renderer_for(TEMPLATES).render_device(DEVICE)
    running = "Building configuration...\n" + intended.replace(
        "ntp server", "ntp server 192.0.2.99\nntp server", 1
    )
    done = audit_outcome(TEMPLATES, RULES, DEVICE, Collected(DEVICE.name, Reachability.ok, running))
    assert done.status == "drift" and done.backup is not None
    assert "Building configuration" not in done.backup and "192.0.2.99" in done.backup


def test_a_device_found_as_last_time_is_not_compared_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    compared: list[str] = []
    real = assess_module.compare_device

    def counting(device: Device, running: str, intended: str, rules: RuleSet) -> object:
        compared.append(device.name)
        return real(device, running, intended, rules)

    monkeypatch.setattr(assess_module, "compare_device", counting)
    monkeypatch.setattr(assess_module, "_VERDICTS", assess_module._Verdicts(2))
    intended = renderer_for(TEMPLATES).render_device(DEVICE)
    drifted = intended.replace("ntp server", "ntp server 192.0.2.98\nntp server", 1)
    other = load_tenant(REPO / "inventories", "acme").device("acme-branch1-r1")

    def audit(device: Device, running: str, rules: RuleSet = RULES) -> Outcome:
        item = Collected(device.name, Reachability.ok, running)
        return audit_outcome(TEMPLATES, rules, device, item)

    first = audit(DEVICE, drifted)
    again = audit(DEVICE, drifted)
    assert compared == [DEVICE.name] and again == first and again.status == "drift"
    fixed = audit(DEVICE, intended)  # its running config changed: compared again
    assert fixed.status == "compliant" and len(compared) == 2
    reread = RULES.model_copy(deep=True)  # the rule file changed on disk and was read again
    assert audit(DEVICE, intended, reread).status == "compliant" and len(compared) == 3
    audit(other, drifted)  # another device with the same text is its own verdict
    assert compared[-1] == other.name
    audit(DEVICE, drifted)  # the oldest verdicts went: the cache keeps 2
    assert compared[-1] == DEVICE.name and len(compared) == 5


def test_providers_pickle_without_their_secrets(tmp_path: Path) -> None:
    """A job carries the provider to a helper: a path or the credential variables only."""
    import pickle

    secrets = tmp_path / "secrets.yaml"
    secrets.write_text("credentials:\n  lab: {username: u, password: s3cret-pw}\n")
    secrets.chmod(0o600)
    provider = FileSecretsProvider(secrets)
    assert provider.resolve("lab").password.get_secret_value() == "s3cret-pw"
    assert b"s3cret-pw" not in pickle.dumps(provider)
    assert pickle.loads(pickle.dumps(provider)).resolve("lab").username == "u"
    env = EnvSecretsProvider(
        {
            "NETWAVE_CREDENTIAL_LAB_USERNAME": "u",
            "NETWAVE_CREDENTIAL_LAB_PASSWORD": "p",
            "HOME": "/x",
        }
    )
    assert pickle.loads(pickle.dumps(env))._environ == {
        "NETWAVE_CREDENTIAL_LAB_USERNAME": "u",
        "NETWAVE_CREDENTIAL_LAB_PASSWORD": "p",
    }


def test_helpers_leave_when_their_worker_is_killed(tmp_path: Path) -> None:
    """A worker killed with -9 (chaos, OOM) must not leave helper processes behind."""
    script = tmp_path / "worker.py"
    script.write_text(
        "import sys, time\n"
        f"sys.path.insert(0, {str(REPO)!r})\n"
        "from workflows.audit.session_pool import SessionPool\n"
        "if __name__ == '__main__':\n"
        "    pool = SessionPool(2)\n"
        "    pool.start()\n"
        "    print(*pool.pids(), flush=True)\n"
        "    time.sleep(60)\n"
    )
    worker = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True)
    try:
        assert worker.stdout is not None
        helpers = [int(pid) for pid in worker.stdout.readline().split()]
        assert len(helpers) == 2
    finally:
        worker.kill()
        worker.wait()
    deadline = time.monotonic() + 10
    while any(Path(f"/proc/{pid}").exists() for pid in helpers):
        assert time.monotonic() < deadline, f"helpers {helpers} outlived their worker"
        time.sleep(0.1)


def test_a_job_that_cannot_reach_a_helper_is_left_to_the_worker(
    pool: SessionPool, caplog: pytest.LogCaptureFixture
) -> None:
    """A secrets provider that cannot be pickled (a plugin holding a client, say): the worker
    audits in its own threads, and says why once."""

    class HeldClient(FileSecretsProvider):
        def __init__(self) -> None:
            super().__init__(Path("unused"))
            self.client = threading.Lock()  # not picklable

        def __getstate__(self) -> dict[str, object]:
            return self.__dict__

    job = SliceJob([DEVICE], HeldClient(), TEMPLATES, SOURCE, workers=2, timeout=5)
    assert pool.audit(job, lambda o: None) == [DEVICE]
    assert not pool.enabled and not pool.restartable
    assert "cannot hand a job to a helper" in caplog.text
