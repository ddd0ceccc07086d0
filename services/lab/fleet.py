"""The lab fleet: every device of the inventories served over SSH from one event loop."""

from __future__ import annotations

import asyncio
import resource
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any

import asyncssh

from services.core.secrets import Credential, SecretsProvider
from services.lab.device import DeviceSpec, LabDevice, LabTimings
from services.lab.faults import Faults
from services.lab.intended import intended_configs
from services.lab.platforms import get_cli
from services.lab.records import DeviceRecord, ReloadRecord
from services.lab.server import LabError, Listener, load_host_key, server_options
from services.network.inventory import Device, TenantInventory, load_all

PortMap = Callable[[Device], int]


def specs_from_inventories(
    inventories: Path,
    provider: SecretsProvider,
    *,
    port_map: PortMap | None = None,
    host: str = "127.0.0.1",
    templates: Path | None = None,
) -> list[DeviceSpec]:
    """One spec per inventory device, with its credential resolved from the provider."""
    return specs_from_tenants(
        load_all(inventories), provider, port_map=port_map, host=host, templates=templates
    )


def specs_from_tenants(
    tenants: dict[str, TenantInventory],
    provider: SecretsProvider,
    *,
    port_map: PortMap | None = None,
    host: str = "127.0.0.1",
    templates: Path | None = None,
) -> list[DeviceSpec]:
    """Specs with resolved credentials and, given a templates root, intended configs."""
    devices = [d for tenant in tenants.values() for d in tenant.devices.values()]
    intended = intended_configs(devices, templates)
    cache: dict[str, Credential] = {}
    specs = []
    for tenant in tenants.values():
        for device in tenant.devices.values():
            if device.credential not in cache:
                cache[device.credential] = provider.resolve(device.credential)
            credential = cache[device.credential]
            if device.username:  # the inventory names another login on this device
                credential = credential.model_copy(update={"username": device.username})
            specs.append(
                DeviceSpec(
                    name=device.name,
                    tenant=device.tenant,
                    platform=device.platform,
                    host=host,
                    port=port_map(device) if port_map else device.port,
                    credential=credential,
                    data=dict(device.data),
                    intended=intended.get(device.name),
                )
            )
    return specs


def _raise_fd_limit(needed: int) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = needed if hard == resource.RLIM_INFINITY else min(needed, hard)
    if soft != resource.RLIM_INFINITY and soft < wanted:
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))


class LabFleet:
    """Async context manager serving a set of simulated devices, one SSH port each."""

    def __init__(
        self,
        specs: Iterable[DeviceSpec],
        *,
        timings: LabTimings | None = None,
        host_key: asyncssh.SSHKey | None = None,
    ) -> None:
        self.timings = timings or LabTimings()
        self.devices: dict[str, LabDevice] = {}
        for spec in specs:
            if spec.name in self.devices:
                raise LabError(f"device name {spec.name!r} appears twice in the lab")
            self.devices[spec.name] = LabDevice(spec, get_cli(spec.platform), self.timings)
        self.host_key = host_key or load_host_key(None)  # shared by every device
        self._listeners: dict[str, Listener] = {}
        self.started = False

    @classmethod
    def from_inventories(
        cls,
        inventories: Path | dict[str, TenantInventory],
        provider: SecretsProvider,
        *,
        port_map: PortMap | None = None,
        timings: LabTimings | None = None,
        host_key_path: Path | None = None,
        templates: Path | None = None,
    ) -> LabFleet:
        """Serve an inventories folder (or loaded tenants); `templates` seeds golden configs."""
        tenants = load_all(inventories) if isinstance(inventories, Path) else inventories
        specs = specs_from_tenants(tenants, provider, port_map=port_map, templates=templates)
        return cls(specs, timings=timings, host_key=load_host_key(host_key_path))

    # --- life cycle --------------------------------------------------------------------------

    async def start(self) -> None:
        _raise_fd_limit(len(self.devices) * 2 + 4096)
        options = server_options(self.host_key)
        for device in self.devices.values():
            device.on_reachability = self._reachability_changed
            self._listeners[device.name] = Listener(device, options)
        try:
            listeners = [lst for lst in self._listeners.values() if lst.device.reachable]
            for chunk in range(0, len(listeners), 200):
                await asyncio.gather(*(lst.start() for lst in listeners[chunk : chunk + 200]))
        except BaseException:
            await self.stop()
            raise
        self.started = True

    async def stop(self) -> None:
        for device in self.devices.values():
            await device.close()
        await asyncio.gather(
            *(lst.stop() for lst in self._listeners.values()), return_exceptions=True
        )
        self.started = False

    async def __aenter__(self) -> LabFleet:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    async def _reachability_changed(self, device: LabDevice) -> None:
        listener = self._listeners.get(device.name)
        if listener is not None:
            await listener.sync()

    # --- devices -----------------------------------------------------------------------------

    @property
    def names(self) -> list[str]:
        return list(self.devices)

    def device(self, name: str) -> LabDevice:
        try:
            return self.devices[name]
        except KeyError:
            raise LabError(f"the lab has no device {name!r}") from None

    def serving(self, name: str) -> bool:
        """Whether the device is up and its port accepts connections."""
        listener = self._listeners.get(name)
        return self.device(name).reachable and listener is not None and listener.open

    def record(self, name: str) -> DeviceRecord:
        return self.device(name).record

    def address(self, name: str) -> tuple[str, int]:
        spec = self.device(name).spec
        return spec.host, spec.port

    def netmiko_params(self, name: str, **extra: Any) -> dict[str, Any]:
        """ConnectHandler arguments for a device (stock driver, resolved credential)."""
        spec = self.device(name).spec
        params: dict[str, Any] = {
            "device_type": spec.platform,
            "host": spec.host,
            "port": spec.port,
            "username": spec.credential.username,
        }
        if spec.credential.password is not None:
            params["password"] = spec.credential.password.get_secret_value()
        if spec.credential.enable is not None:
            params["secret"] = spec.credential.enable.get_secret_value()
        params.update(extra)
        return params

    def _select(self, name: str | None) -> Sequence[LabDevice]:
        return [self.device(name)] if name is not None else list(self.devices.values())

    # --- faults, records, reloads ------------------------------------------------------------

    async def set_faults(self, name: str, faults: Faults) -> Faults:
        await self.device(name).set_faults(faults)
        return faults

    async def set_fault(self, name: str, **changes: Any) -> Faults:
        """Add or change faults on a device (others stay): `set_fault("r1", slow=0.5)`."""
        device = self.device(name)
        return await self.set_faults(name, device.faults.merged(**changes))

    async def clear_faults(self, name: str | None = None) -> None:
        for device in self._select(name):
            await device.set_faults(Faults())

    def reset_records(self, name: str | None = None) -> None:
        for device in self._select(name):
            device.record = DeviceRecord(name=device.name)

    async def reset(self, name: str | None = None) -> None:
        """Back to the initial state: config, version, flash, faults and records."""
        for device in self._select(name):
            await device.reset()

    async def reload(self, name: str) -> ReloadRecord:
        return await self.device(name).reload(via="api")

    def expire_confirm_timers(self, name: str) -> list[str]:
        """Run out a device's confirm timers now (the pending changes go back)."""
        return self.device(name).expire_confirm_timers()
