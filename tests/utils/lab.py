"""Run a lab fleet in a background thread, for synchronous callers (Netmiko, Nornir, tests)."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import os
import random
import socket
import threading
import time
from collections.abc import Callable, Coroutine
from concurrent.futures import Future
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from types import TracebackType
from typing import Any, TypeVar

import yaml

from services.lab.device import LabDevice
from services.lab.faults import Faults
from services.lab.fleet import LabFleet
from services.lab.opstate import OpSnapshot
from services.lab.platforms import get_cli
from services.lab.records import DeviceRecord, ReloadRecord
from services.lab.server import public_key_line
from services.network.host_keys import DeviceTrust, HostKey
from services.network.inventory import Device, TenantInventory, load_tenant

# The fleet's default compliance rules as netwave ships them, for generated inventories.
DEFAULT_RULES = Path(__file__).resolve().parents[2] / "inventories" / "compliance.yaml"

T = TypeVar("T")


class ThreadedLab:
    """A LabFleet on its own event loop thread, driven through thread-safe sync methods."""

    def __init__(self, fleet: LabFleet, inventories_path: Path | None = None) -> None:
        self.fleet = fleet
        self.inventories_path = inventories_path
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self._loop.run_forever, name="netwave-lab", daemon=True
        )

    def start(self) -> ThreadedLab:
        self._thread.start()
        try:
            self.run(self.fleet.start())
        except BaseException:
            self._shutdown()
            raise
        return self

    def stop(self) -> None:
        if self._thread.is_alive():
            try:
                self.run(self.fleet.stop())
            finally:
                self._shutdown()

    def _shutdown(self) -> None:
        async def cancel_rest() -> None:
            tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

        if self._loop.is_running():
            with contextlib.suppress(Exception):
                self.run(cancel_rest(), timeout=10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop.close()

    def __enter__(self) -> ThreadedLab:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def run(self, coro: Coroutine[Any, Any, T], timeout: float = 60.0) -> T:
        """Run a coroutine on the lab's loop and wait for its result."""
        future: Future[T] = asyncio.run_coroutine_threadsafe(coro, self._loop)
        return future.result(timeout)

    def call(self, fn: Callable[[], T]) -> T:
        """Run a plain function on the lab's loop (so it sees a consistent state)."""

        async def wrapper() -> T:
            return fn()

        return self.run(wrapper())

    # --- the LabFleet API, synchronously -----------------------------------------------------

    @property
    def names(self) -> list[str]:
        return self.fleet.names

    def device(self, name: str) -> LabDevice:
        return self.fleet.device(name)

    @property
    def host_key(self) -> HostKey:
        """The public host key every lab device presents."""
        return HostKey.parse(public_key_line(self.fleet.host_key))

    def trusted(self, device: Device, jump_host: HostKey | None = None) -> Device:
        """`device` with the lab's host key recorded for it (as `netwave devices trust` would),
        and `jump_host` for its bastion, for tests that open sessions without the database."""
        return device.model_copy(
            update={"trust": DeviceTrust(device=self.host_key, jump_host=jump_host)}
        )

    def tenant(self, name: str, jump_host: HostKey | None = None) -> TenantInventory:
        """A tenant of the lab's inventories, every device trusted (see `trusted`)."""
        if self.inventories_path is None:
            raise ValueError("this lab was started without an inventories folder")
        inventory = load_tenant(self.inventories_path, name)
        devices = {n: self.trusted(d, jump_host) for n, d in inventory.devices.items()}
        return dataclasses.replace(inventory, devices=devices)

    def netmiko_params(self, name: str, **extra: Any) -> dict[str, Any]:
        return self.fleet.netmiko_params(name, **extra)

    def address(self, name: str) -> tuple[str, int]:
        return self.fleet.address(name)

    def record(self, name: str) -> DeviceRecord:
        """A snapshot copy of what the device recorded."""
        return self.call(lambda: self.fleet.record(name).model_copy(deep=True))

    def set_fault(self, name: str, **changes: Any) -> Faults:
        return self.run(self.fleet.set_fault(name, **changes))

    def clear_faults(self, name: str | None = None) -> None:
        self.run(self.fleet.clear_faults(name))

    def reset_records(self, name: str | None = None) -> None:
        self.call(lambda: self.fleet.reset_records(name))

    def reset(self, name: str | None = None) -> None:
        self.run(self.fleet.reset(name))

    def reload(self, name: str) -> ReloadRecord:
        return self.run(self.fleet.reload(name))

    def expire_confirm_timers(self, name: str) -> list[str]:
        """Run out the device's confirm timers now, as if their minutes had passed: Junos
        `commit confirmed` and EOS `commit timer` changes go back. Returns their keys."""
        return self.call(lambda: self.fleet.expire_confirm_timers(name))

    def pending_confirms(self, name: str) -> dict[str, float]:
        """Pending confirms of a device: key -> device seconds left."""
        device = self.fleet.device(name)
        return self.call(lambda: {k: p.remaining() for k, p in device.confirms.pending.items()})

    def running_config(self, name: str) -> str:
        device = self.fleet.device(name)
        cli = get_cli(device.spec.platform)
        return self.call(lambda: cli.running_config(device))

    def snapshot(self, name: str) -> OpSnapshot:
        """Interfaces, BGP neighbours and route counts as the device would show them now."""
        device = self.fleet.device(name)
        cli = get_cli(device.spec.platform)
        return self.call(lambda: cli.snapshot(device))

    def version(self, name: str) -> str:
        return self.call(lambda: self.fleet.device(name).state.version)

    def status(self, name: str) -> str:
        return self.call(lambda: self.fleet.device(name).status)

    def wait_until_up(self, name: str, timeout: float = 30.0) -> None:
        """Block until a reloading device answers again."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.call(lambda: self.fleet.serving(name)):
                return
            time.sleep(0.05)
        raise TimeoutError(f"lab device {name} did not come back within {timeout} s")


def port_is_free(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


XDIST_SLICES = 8  # pytest-xdist workers gw0..gw7 each own every 8th block of ports
PORT_BLOCK = 64


def owns(port: int) -> bool:
    """Whether this pytest-xdist worker may take `port` (any port outside xdist): ports come
    in blocks of PORT_BLOCK, block n belongs to worker n % XDIST_SLICES, so two workers that
    probe and then bind never race for one port, whatever ranges they search."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    if not worker.startswith("gw") or not worker[2:].isdigit():
        return True
    return (port // PORT_BLOCK) % XDIST_SLICES == int(worker[2:]) % XDIST_SLICES


def free_ports(count: int, start: int = 20000, stop: int = 30000) -> list[int]:
    """`count` ports below the ephemeral range that nothing listens on right now, among the
    ports this test worker owns (`owns`)."""
    base = random.randrange(start, stop)
    ports: list[int] = []
    for port in [*range(base, stop), *range(start, base)]:  # from a random point, wrapping
        if owns(port) and port_is_free(port):
            ports.append(port)
            if len(ports) == count:
                return ports
    raise RuntimeError(f"could not find {count} free ports between {start} and {stop}")


CLOSED_WINDOW_DAYS_AHEAD = 180


def closed_window(
    now: datetime | None = None, blackouts: set[date] | frozenset[date] = frozenset()
) -> dict[str, Any]:
    """A maintenance window that opens once a year, about six months from `now` (UTC).

    Tests that expect a change to wait in `scheduled` (and then open it with an admin override)
    must not depend on the clock: a tenant's real window (globex: Saturday 23:00 London) may be
    open while the suite runs. This one is always closed during a test, yet still within the
    400-day search, so a change is scheduled rather than refused for having no window at all.
    """
    day = (now or datetime.now(UTC)).date() + timedelta(days=CLOSED_WINDOW_DAYS_AHEAD)
    while day in blackouts or (day.month, day.day) == (2, 29):
        day += timedelta(days=1)
    return {"cron": f"0 3 {day.day} {day.month} *", "duration_minutes": 60, "timezone": "UTC"}


def _blackout_days(contract: dict[str, Any]) -> set[date]:
    days: set[date] = set()
    for entry in contract.get("blackout_dates") or []:
        value = entry["date"] if isinstance(entry, dict) else entry
        days.add(value if isinstance(value, date) else date.fromisoformat(str(value)))
    return days


OPEN_WINDOW: dict[str, Any] = {"cron": "* * * * *", "duration_minutes": 1440, "timezone": "UTC"}


def write_remapped_inventories(
    src: Path,
    dst: Path,
    ports: dict[str, int],
    *,
    close_windows: bool = False,
    open_windows: bool = False,
) -> Path:
    """Copy inventories to `dst` (every tenant file, lab.yaml too), each host's port replaced
    from `ports` (by host name).

    With `close_windows`, every tenant's maintenance windows are replaced by `closed_window()`;
    with `open_windows`, by a window that is always open (and no blackout days): either way
    tests behave the same whatever the day and hour they run.
    """
    if close_windows and open_windows:
        raise ValueError("windows are either closed or open, not both")
    for tenant_dir in sorted(p for p in src.iterdir() if (p / "hosts.yaml").exists()):
        out = dst / tenant_dir.name
        out.mkdir(parents=True, exist_ok=True)
        for file in tenant_dir.glob("*.yaml"):
            data = yaml.safe_load(file.read_text()) or {}
            if file.name == "hosts.yaml":
                for name, host in data.items():
                    if name in ports:
                        host["port"] = ports[name]
            if close_windows and file.name == "tenant.yaml" and "windows" in data:
                data["windows"] = [closed_window(blackouts=_blackout_days(data))]
            if open_windows and file.name == "tenant.yaml" and "windows" in data:
                data["windows"] = [OPEN_WINDOW]
                data.pop("blackout_dates", None)
            (out / file.name).write_text(yaml.safe_dump(data, sort_keys=False))
    for shared in src.glob("*.yaml"):  # fleet-wide files such as the image catalogue
        dst.mkdir(parents=True, exist_ok=True)
        (dst / shared.name).write_text(shared.read_text())
    return dst
