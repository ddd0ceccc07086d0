"""A benchmark's own stack: generated inventory, lab process, Temporal + worker + API."""

from __future__ import annotations

import os
import random
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import psutil

from services.bootstrap import prepare_local
from services.core.secrets import ensure_dev_secrets
from services.core.settings import Settings
from services.devstack import DevStack
from services.lab.generate import GENERATED_CREDENTIAL, write_generated_inventory
from services.store.repos import tokens as token_repo
from tests.benchmarks.lab_fleet import contiguous_free_ports
from tests.utils.lab import DEFAULT_RULES, free_ports
from tests.utils.processes import settings_env

REPO = Path(__file__).resolve().parents[2]


@dataclass
class PeakRss:
    """Samples the resident memory of processes (and their children) in the background."""

    pids: dict[str, int]
    peak_mb: dict[str, float] = field(default_factory=dict)
    _stop: threading.Event = field(default_factory=threading.Event)

    def _sample(self) -> None:
        while not self._stop.is_set():
            for name, pid in self.pids.items():
                try:
                    proc = psutil.Process(pid)
                    rss = proc.memory_info().rss + sum(
                        c.memory_info().rss for c in proc.children(recursive=True)
                    )
                except psutil.Error:
                    continue
                self.peak_mb[name] = max(self.peak_mb.get(name, 0.0), rss / 2**20)
            self._stop.wait(0.2)

    def __enter__(self) -> PeakRss:
        threading.Thread(target=self._sample, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()


def lab_base_port(devices: int) -> int:
    """First of `devices` free consecutive ports, searched from a random start.

    Other labs on the machine (tests, other benchmarks) search from the bottom of the range
    too; a random start makes two of them racing for the same ports unlikely.
    """
    start = random.randrange(21001, max(21002, 32000 - 2 * devices))
    try:
        return contiguous_free_ports(devices, start=start)
    except RuntimeError:
        return contiguous_free_ports(devices)


def bench_settings(workdir: Path, devices: int, tenants: int) -> Settings:
    inventories = workdir / "inventories"
    write_generated_inventory(
        inventories, devices, lab_base_port(devices), tenants=tenants, default_rules=DEFAULT_RULES
    )
    temporal, ui, api, control = free_ports(4, start=17000, stop=19000)
    settings = Settings(
        env="test",
        var_dir=workdir / "var",
        inventories_path=inventories,
        templates_path=REPO / "templates",
        temporal_address=f"127.0.0.1:{temporal}",
        temporal_ui_url=f"http://127.0.0.1:{ui}",
        api_port=api,
        lab_control_port=control,
    )
    ensure_dev_secrets(settings.secrets_file, [GENERATED_CREDENTIAL])
    return settings


@contextmanager
def lab_process(settings: Settings, *args: str) -> Iterator[subprocess.Popen[bytes]]:
    """`netwave lab` over the settings' inventories (extra `args`, e.g. timings), once ready."""
    log = settings.var_dir / "bench-lab.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "services.cli",
                "lab",
                "--inventory",
                str(settings.inventories_path),
                *args,
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=settings_env(settings),
        )
    try:
        deadline = time.monotonic() + 300
        while "netwave lab: ready" not in log.read_text(errors="replace"):
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"lab did not start: {log.read_text()[-2000:]}")
            time.sleep(0.2)
        yield proc
    finally:
        proc.terminate()
        proc.wait(30)


@contextmanager
def netwave_stack(settings: Settings, device_workers: int = 0) -> Iterator[tuple[DevStack, str]]:
    """Temporal, worker (plus `device_workers` device-queue workers) and API (no lab: the
    benchmark runs its own); yields an engineer token."""
    sessions = prepare_local(settings, lab=True)
    with sessions.begin() as session:
        token, _ = token_repo.create_token(
            session,
            role="engineer",
            tenant=None,
            name="bench",
            pepper=settings.token_pepper.get_secret_value(),
        )
    stack = DevStack(settings, with_lab=False, device_workers=device_workers)
    saved = dict(os.environ)
    os.environ.update(settings_env(settings))
    try:
        stack.start(timeout=120)
        yield stack, token
    finally:
        stack.stop()
        os.environ.clear()
        os.environ.update(saved)
