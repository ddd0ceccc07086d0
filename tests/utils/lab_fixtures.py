"""pytest fixtures for the lab: loaded by tests/conftest.py (`pytest_plugins`).

- `lab_secrets_file` (session): a 0600 secrets file with every lab credential (random).
- `lab_provider` (session): a FileSecretsProvider over it.
- `lab_fleet` (session): the repo's inventories served on free ports (fast timings), as a
  `ThreadedLab`; `lab_fleet.inventories_path` is a copy of the inventories with those ports.
- `lab` (function): `lab_fleet`, reset first (configs, versions, faults, records).
- `lab_factory` (function): `lab_factory(devices=20)` or `lab_factory(inventories=path)` starts
  another ThreadedLab, stopped after the test.
- `lab_settings` (function): netwave Settings (and NETWAVE_* env) pointing at the lab's
  inventories copy and secrets file and a temporary var dir.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from services.core.secrets import FileSecretsProvider, ensure_dev_secrets
from services.core.settings import Settings, get_settings
from services.lab.device import LabTimings
from services.lab.fleet import LabFleet
from services.lab.generate import GENERATED_CREDENTIAL, write_generated_inventory
from services.lab.server import load_host_key
from services.network.inventory import load_all
from tests.utils.lab import DEFAULT_RULES, ThreadedLab, free_ports, write_remapped_inventories

HOST_KEY_ENV = "NETWAVE_LAB_HOST_KEY_FILE"


def lab_host_key_file() -> Path:
    """The one host key of every lab a test run starts, also what `prepare_local` trusts
    (`Settings.lab_host_key_file` reads the same variable), so workflows reach the labs."""
    return Path(os.environ[HOST_KEY_ENV])


def pytest_configure(config: pytest.Config) -> None:
    """Create the run's lab host key once, before pytest-xdist starts its workers (they
    inherit the variable)."""
    if os.environ.get(HOST_KEY_ENV):
        return
    folder = Path(tempfile.mkdtemp(prefix="netwave-lab-key-"))
    path = folder / "ssh_host_ed25519_key"
    load_host_key(path)
    os.environ[HOST_KEY_ENV] = str(path)
    atexit.register(shutil.rmtree, folder, True)


FAST_TIMINGS = LabTimings(reload_seconds=1.0, copy_seconds=0.2, bgp_establish_seconds=0.3)
LabFactory = Callable[..., ThreadedLab]


def _credentials(inventories: Path) -> set[str]:
    return {d.credential for t in load_all(inventories).values() for d in t.devices.values()}


def start_lab(
    source: Path,
    workdir: Path,
    provider: FileSecretsProvider,
    timings: LabTimings = FAST_TIMINGS,
    templates: Path | None = None,
) -> ThreadedLab:
    """Serve `source` inventories on free ports; the remapped copy is written under workdir.

    Its tenants' maintenance windows are closed for the whole test (`closed_window`), so a
    change waits in `scheduled` whatever the day and hour; tests open it with an override.
    """
    names = [d.name for t in load_all(source).values() for d in t.devices.values()]
    ports = dict(zip(names, free_ports(len(names)), strict=True))
    remapped = write_remapped_inventories(
        source, workdir / "inventories", ports, close_windows=True
    )
    fleet = LabFleet.from_inventories(
        remapped, provider, timings=timings, templates=templates, host_key_path=lab_host_key_file()
    )
    return ThreadedLab(fleet, inventories_path=remapped).start()


@pytest.fixture(scope="session")
def lab_secrets_file(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    path = tmp_path_factory.mktemp("lab-secrets") / "secrets.yaml"
    inventories = request.config.rootpath / "inventories"
    names = _credentials(inventories) if inventories.is_dir() else set()
    ensure_dev_secrets(path, names | {GENERATED_CREDENTIAL})
    return path


@pytest.fixture(scope="session")
def lab_provider(lab_secrets_file: Path) -> FileSecretsProvider:
    return FileSecretsProvider(lab_secrets_file)


@pytest.fixture(scope="session")
def lab_fleet(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    lab_provider: FileSecretsProvider,
) -> Iterator[ThreadedLab]:
    workdir = tmp_path_factory.mktemp("lab-fleet")
    root = request.config.rootpath
    lab = start_lab(root / "inventories", workdir, lab_provider, templates=root / "templates")
    try:
        yield lab
    finally:
        lab.stop()


@pytest.fixture
def lab(lab_fleet: ThreadedLab) -> ThreadedLab:
    lab_fleet.reset()
    return lab_fleet


@pytest.fixture
def lab_factory(
    request: pytest.FixtureRequest, tmp_path: Path, lab_provider: FileSecretsProvider
) -> Iterator[LabFactory]:
    started: list[ThreadedLab] = []

    def make(
        *,
        devices: int | None = None,
        inventories: Path | None = None,
        tenants: int = 2,
        timings: LabTimings = FAST_TIMINGS,
    ) -> ThreadedLab:
        workdir = tmp_path / f"lab-{len(started)}"
        source = inventories
        if devices is not None:
            source = workdir / "generated"
            write_generated_inventory(
                source, devices, base_port=1, tenants=tenants, default_rules=DEFAULT_RULES
            )
        if source is None:
            raise ValueError("lab_factory needs devices=N or inventories=path")
        templates = request.config.rootpath / "templates"
        lab = start_lab(source, workdir, lab_provider, timings, templates)
        started.append(lab)
        return lab

    try:
        yield make
    finally:
        for lab in started:
            lab.stop()


@pytest.fixture
def lab_settings(
    lab_fleet: ThreadedLab,
    lab_secrets_file: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[Settings]:
    assert lab_fleet.inventories_path is not None
    # A clean fleet for every test that runs netwave against it, whether or not it also asks
    # for `lab`: faults, versions and configs left by the previous test on this worker
    # (pytest-xdist gives each worker its own order) must not leak in.
    lab_fleet.reset()
    monkeypatch.setenv("NETWAVE_VAR_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("NETWAVE_SECRETS_PROVIDER", "file")
    monkeypatch.setenv("NETWAVE_SECRETS_FILE", str(lab_secrets_file))
    monkeypatch.setenv("NETWAVE_INVENTORIES_PATH", str(lab_fleet.inventories_path))
    # Tests send heartbeats at most every 0.5 s: their heartbeat timeouts (a few seconds, for
    # fast crash recovery: tests/utils/temporal.py) keep a wide margin, so a step that is only
    # slow is never run twice at once.
    monkeypatch.setenv("NETWAVE_HEARTBEAT_THROTTLE_SECONDS", "0.5")
    get_settings.cache_clear()
    try:
        yield get_settings()
    finally:
        get_settings.cache_clear()
