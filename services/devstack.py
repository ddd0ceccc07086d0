"""The embedded stack behind `netwave dev`, `make up` and `make demo`: child processes, health."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from services.core.settings import Settings
from services.core.temporal import temporal_cli_path


class StackError(RuntimeError):
    """The stack could not start; the message says which part and why."""


@dataclass
class Child:
    name: str
    argv: list[str]
    healthy: Callable[[], bool]
    log_path: Path
    process: subprocess.Popen[bytes] | None = None


def lab_device_ports(settings: Settings) -> dict[str, tuple[str, int]]:
    """The SSH ports the lab will listen on (its devices on loopback), by device."""
    from services.lab.scope import lab_serves
    from services.network.inventory import load_all

    return {
        f"lab device {d.tenant}/{d.name}": ("127.0.0.1", d.port)
        for inventory in load_all(settings.inventories_path).values()
        for d in inventory.devices.values()
        if lab_serves(d)
    }


def port_taken(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.2)
        return sock.connect_ex((host, port)) == 0


def _host_port(address: str) -> tuple[str, int]:
    host, _, port = address.rpartition(":")
    return host or "127.0.0.1", int(port)


def _http_ok(url: str) -> Callable[[], bool]:
    def check() -> bool:
        try:
            return httpx.get(url, timeout=1.0).status_code == 200
        except httpx.HTTPError:
            return False

    return check


def _log_contains(path: Path, needle: str) -> Callable[[], bool]:
    def check() -> bool:
        return path.exists() and needle in path.read_text(errors="replace")

    return check


def _netwave(*args: str) -> list[str]:
    return [sys.executable, "-m", "services.cli", *args]


@dataclass
class DevStack:
    """Temporal dev server, lab, worker and API as children; stopped in reverse order."""

    settings: Settings
    with_lab: bool = True
    lab_args: tuple[str, ...] = ()  # e.g. the demo's shorter reloads: ("--reload-seconds", "3")
    # More `netwave worker --queues devices` processes: SSH work in more interpreters (cores).
    device_workers: int = 0
    children: list[Child] = field(default_factory=list)

    def plan(self) -> list[Child]:
        s = self.settings
        logs = s.var_dir / "logs"
        logs.mkdir(mode=0o700, parents=True, exist_ok=True)
        t_host, t_port = _host_port(s.temporal_address)
        ui_port = int(s.temporal_ui_url.rsplit(":", 1)[1].split("/")[0])
        children = [
            Child(
                "temporal",
                [
                    str(temporal_cli_path()),
                    "server",
                    "start-dev",
                    "--ip",
                    t_host,
                    "--port",
                    str(t_port),
                    "--ui-port",
                    str(ui_port),
                    "--db-filename",
                    str(s.var_dir / "temporal.db"),
                    "--namespace",
                    s.temporal_namespace,
                    "--ui-disable-news-fetch",
                    "--log-level",
                    "warn",
                    # WAL, synced at checkpoints: a quarter less of Temporal's CPU per workflow
                    # (half its system time); it survives a crash of any process, as netwave's
                    # own SQLite does (services/store/db.py). Production runs a Temporal cluster.
                    "--sqlite-pragma",
                    "journal_mode=wal",
                    "--sqlite-pragma",
                    "synchronous=normal",
                ],
                lambda: port_taken(t_host, t_port) and port_taken(t_host, ui_port),
                logs / "temporal.log",
            )
        ]
        if self.with_lab:
            children.append(
                Child(
                    "lab",
                    _netwave("lab", "--inventory", str(s.inventories_path), *self.lab_args),
                    _http_ok(f"http://127.0.0.1:{s.lab_control_port}/health"),
                    logs / "lab.log",
                )
            )
        children += [
            Child(
                "worker",
                _netwave("worker"),
                _log_contains(logs / "worker.log", "worker ready"),
                logs / "worker.log",
            ),
        ]
        for number in range(1, self.device_workers + 1):
            log = logs / f"device-worker-{number}.log"
            children.append(
                Child(
                    f"device-worker-{number}",
                    _netwave("worker", "--queues", "devices"),
                    _log_contains(log, "worker ready"),
                    log,
                )
            )
        children.append(
            Child("api", _netwave("api"), _http_ok(f"{s.api_url}/healthz"), logs / "api.log")
        )
        return children

    def ports(self) -> dict[str, tuple[str, int]]:
        s = self.settings
        ports = {
            "Temporal frontend": _host_port(s.temporal_address),
            "Temporal Web UI": ("127.0.0.1", int(s.temporal_ui_url.rsplit(":", 1)[1])),
            "API": (s.api_host, s.api_port),
        }
        if self.with_lab:
            ports["lab control"] = ("127.0.0.1", s.lab_control_port)
        return ports

    def check_ports(self, extra: dict[str, tuple[str, int]] | None = None) -> None:
        for what, (host, port) in {**self.ports(), **(extra or {})}.items():
            if port_taken(host, port):
                raise StackError(
                    f"port {host}:{port} for {what} is already in use; stop what "
                    "holds it or change the port in netwave.toml / NETWAVE_*"
                )

    def start(self, timeout: float = 90.0, on_ready: Callable[[str], None] | None = None) -> None:
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        for child in self.plan():
            log = child.log_path.open("wb")
            child.process = subprocess.Popen(
                child.argv, stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True
            )
            self.children.append(child)
            deadline = time.monotonic() + timeout
            while not child.healthy():
                if child.process.poll() is not None:
                    tail = child.log_path.read_text(errors="replace")[-2000:]
                    self.stop()
                    raise StackError(
                        f"{child.name} exited with {child.process.returncode}:\n{tail}"
                    )
                if time.monotonic() > deadline:
                    self.stop()
                    raise StackError(
                        f"{child.name} not healthy after {timeout:.0f}s; see {child.log_path}"
                    )
                time.sleep(0.2)
            if on_ready:
                on_ready(child.name)

    def stop(self, grace: float = 15.0) -> None:
        for child in reversed(self.children):
            proc = child.process
            if proc is None or proc.poll() is not None:
                continue
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(grace)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)
        self.children.clear()

    def failed_child(self) -> Child | None:
        return next((c for c in self.children if c.process and c.process.poll() is not None), None)
