"""Run netwave processes (worker, API) as real children of a test, with the test's settings."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from services.core.settings import Settings

FIELDS = (
    "env",
    "var_dir",
    "database_url",
    "temporal_address",
    "temporal_namespace",
    "task_queue",
    "device_task_queue",
    "api_host",
    "api_port",
    "inventories_path",
    "templates_path",
    "secrets_provider",
    "secrets_file",
    "device_workers",
    "activity_threads",
    "session_processes",
    "device_timeout",
    "lab_control_port",
    "lab_host_key_file",
    "heartbeat_throttle_seconds",
    "temporal_ui_url",
)


def settings_env(settings: Settings) -> dict[str, str]:
    """The environment that makes a child process read the same settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("NETWAVE_")}
    for name in FIELDS:
        env[f"NETWAVE_{name.upper()}"] = str(getattr(settings, name))
    env["PYTHONUNBUFFERED"] = "1"
    return env


def wait_for_text(path: Path, needle: str, proc: subprocess.Popen[bytes], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists() and needle in path.read_text(errors="replace"):
            return
        if proc.poll() is not None:
            raise RuntimeError(f"child exited {proc.returncode}: {path.read_text()[-3000:]}")
        time.sleep(0.1)
    raise TimeoutError(f"{needle!r} not in {path} after {timeout}s")


def start_netwave(
    settings: Settings,
    command: str,
    log: Path,
    *args: str,
    env: Mapping[str, str] | None = None,
) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "services.cli", command, *args],
            stdout=out,
            stderr=subprocess.STDOUT,
            env={**settings_env(settings), **(env or {})},
            start_new_session=True,
        )


def stop(proc: subprocess.Popen[bytes], sig: int = signal.SIGTERM) -> None:
    if proc.poll() is None:
        proc.send_signal(sig)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


@contextmanager
def running_worker(
    settings: Settings, log: Path, *args: str, env: Mapping[str, str] | None = None
) -> Iterator[subprocess.Popen[bytes]]:
    """A `netwave worker` child, ready when it says so; stopped on exit (`env`: more of it)."""
    offset = log.stat().st_size if log.exists() else 0
    proc = start_netwave(settings, "worker", log, *args, env=env)
    try:
        deadline = time.monotonic() + 60
        while True:
            text = log.read_text(errors="replace")[offset:] if log.exists() else ""
            if "worker ready" in text:
                break
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"worker did not start: {text[-3000:]}")
            time.sleep(0.1)
        yield proc
    finally:
        stop(proc)
