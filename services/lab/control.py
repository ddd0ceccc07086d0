"""Loopback HTTP control API of a running lab: devices, records, faults, reloads, resets."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import Iterator
from typing import Any

import uvicorn
from fastapi import APIRouter, FastAPI, HTTPException
from fastapi.responses import PlainTextResponse
from pydantic import BaseModel

from services.lab.device import LabDevice
from services.lab.faults import Faults
from services.lab.fleet import LabFleet
from services.lab.platforms import get_cli
from services.lab.records import DeviceRecord, ReloadRecord
from services.lab.server import LabError


class DeviceSummary(BaseModel):
    name: str
    tenant: str
    platform: str
    host: str
    port: int
    status: str
    reachable: bool
    version: str
    faults: dict[str, Any]
    records: dict[str, int]


class FlashFilePublic(BaseModel):
    name: str
    size: int
    md5: str
    version: str | None


class PendingConfirmPublic(BaseModel):
    key: str  # "commit" (Junos `commit confirmed`) or the EOS session name (`commit timer`)
    seconds: float  # the timer as set, in device seconds
    seconds_left: float


class ExpiredTimers(BaseModel):
    expired: list[str]


class DeviceDetail(DeviceSummary):
    unsaved_changes: bool
    flash_total: int
    flash_free: int
    flash: list[FlashFilePublic]


def _summary(device: LabDevice) -> dict[str, Any]:
    spec = device.spec
    return {
        "name": spec.name,
        "tenant": spec.tenant,
        "platform": spec.platform,
        "host": spec.host,
        "port": spec.port,
        "status": device.status,
        "reachable": device.reachable,
        "version": device.state.version,
        "faults": device.faults.active(),
        "records": device.record.summary(),
    }


def create_control_app(fleet: LabFleet) -> FastAPI:
    """The control API of one lab fleet."""
    app = FastAPI(title="netwave lab control", version="1")
    for routes in (_device_routes, _fault_routes, _state_routes):
        app.include_router(routes(fleet))
    return app


def _device(fleet: LabFleet, name: str) -> LabDevice:
    """The fleet's device by name; 404 when the lab has none."""
    try:
        return fleet.device(name)
    except LabError:
        raise HTTPException(status_code=404, detail=f"no device {name!r}") from None


def _device_routes(fleet: LabFleet) -> APIRouter:
    """Health, the devices and what they recorded."""
    router = APIRouter()

    @router.get("/health")
    async def health() -> dict[str, Any]:
        """Liveness and the number of devices served."""
        return {"status": "ok", "devices": len(fleet.devices)}

    @router.get("/devices")
    async def list_devices() -> list[DeviceSummary]:
        """Every device with status, version, faults and record counts."""
        return [DeviceSummary(**_summary(d)) for d in fleet.devices.values()]

    @router.get("/devices/{name}")
    async def device_detail(name: str) -> DeviceDetail:
        """One device in detail, flash included."""
        device = _device(fleet, name)
        flash = device.state.flash
        return DeviceDetail(
            **_summary(device),
            unsaved_changes=device.unsaved,
            flash_total=flash.total,
            flash_free=flash.free,
            flash=[
                FlashFilePublic(name=f.name, size=f.size, md5=f.md5, version=f.version)
                for f in flash.files.values()
            ],
        )

    @router.get("/devices/{name}/record")
    async def device_record(name: str) -> DeviceRecord:
        """Logins, commands, config sessions and lines, saves, commits, reloads."""
        return _device(fleet, name).record

    @router.delete("/devices/{name}/record", status_code=204)
    async def reset_device_record(name: str) -> None:
        """Forget what one device recorded."""
        fleet.reset_records(_device(fleet, name).name)

    @router.delete("/records", status_code=204)
    async def reset_all_records() -> None:
        """Forget what every device recorded."""
        fleet.reset_records()

    return router


def _fault_routes(fleet: LabFleet) -> APIRouter:
    """The faults in force on each device."""
    router = APIRouter()

    @router.get("/devices/{name}/faults")
    async def get_faults(name: str) -> Faults:
        """Faults in force on a device."""
        return _device(fleet, name).faults

    @router.put("/devices/{name}/faults")
    async def put_faults(name: str, faults: Faults) -> Faults:
        """Replace a device's faults."""
        return await fleet.set_faults(_device(fleet, name).name, faults)

    @router.patch("/devices/{name}/faults")
    async def patch_faults(name: str, changes: dict[str, Any]) -> Faults:
        """Add or change some faults, keeping the others."""
        device = _device(fleet, name)
        try:
            faults = device.faults.merged(**changes)
        except ValueError as exc:
            raise HTTPException(status_code=422, detail=str(exc)) from None
        return await fleet.set_faults(device.name, faults)

    @router.delete("/devices/{name}/faults", status_code=204)
    async def clear_faults(name: str) -> None:
        """Clear every fault of a device."""
        await fleet.clear_faults(_device(fleet, name).name)

    return router


def _state_routes(fleet: LabFleet) -> APIRouter:
    """Reload, reset, confirm timers and the running config of each device."""
    router = APIRouter()

    @router.post("/devices/{name}/reload")
    async def reload(name: str) -> ReloadRecord:
        """Reload a device as if someone typed `reload` (unsaved changes are lost)."""
        return await fleet.reload(_device(fleet, name).name)

    @router.post("/devices/{name}/reset")
    async def reset(name: str) -> DeviceSummary:
        """Back to the inventory's initial state (config, version, flash, faults, records)."""
        device = _device(fleet, name)
        await fleet.reset(device.name)
        return DeviceSummary(**_summary(device))

    @router.get("/devices/{name}/confirm-timers")
    async def confirm_timers(name: str) -> list[PendingConfirmPublic]:
        """Changes waiting for a confirmation (Junos commit confirmed, EOS commit timer)."""
        return [
            PendingConfirmPublic(key=p.key, seconds=p.seconds, seconds_left=p.remaining())
            for p in _device(fleet, name).confirms.pending.values()
        ]

    @router.post("/devices/{name}/confirm-timers/expire")
    async def expire_confirm_timers(name: str) -> ExpiredTimers:
        """Run out every confirm timer now: each pending change goes back, as on the NOS."""
        return ExpiredTimers(expired=_device(fleet, name).expire_confirm_timers())

    @router.get("/devices/{name}/running-config", response_class=PlainTextResponse)
    async def running_config(name: str) -> str:
        """The running config as the device prints it."""
        device = _device(fleet, name)
        return get_cli(device.spec.platform).running_config(device)

    return router


class _Server(uvicorn.Server):
    """uvicorn without its own signal handlers: the lab process owns SIGINT/SIGTERM."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


class ControlServer:
    """The control API served by uvicorn on the lab's event loop."""

    def __init__(self, fleet: LabFleet, port: int, host: str = "127.0.0.1") -> None:
        self.url = f"http://{host}:{port}"
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            self._sock.bind((host, port))
        except OSError as exc:
            self._sock.close()
            raise LabError(
                f"control API port {port} on {host} is already in use ({exc.strerror})",
                hint="pass another --control-port or stop the other lab",
            ) from None
        config = uvicorn.Config(create_control_app(fleet), log_level="warning", lifespan="off")
        self._server = _Server(config)
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._server.serve([self._sock]))
        while not self._server.started and not self._task.done():
            await asyncio.sleep(0.01)
        if self._task.done():
            self._task.result()

    async def stop(self) -> None:
        self._server.should_exit = True
        if self._task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        self._sock.close()
