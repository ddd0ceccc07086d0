"""Devices of a tenant, read from its inventory."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, status
from pydantic import BaseModel

from services.api.deps import SettingsDep, TenantDep
from services.app.inventory import tenant_inventory
from services.network.inventory import Device

router = APIRouter(prefix="/v1/tenants/{tenant}/devices", tags=["devices"])


class DevicePublic(BaseModel):
    name: str
    platform: str
    hostname: str
    port: int
    site: str | None = None
    role: str | None = None
    groups: list[str] = []


def _public(device: Device) -> DevicePublic:
    return DevicePublic(
        name=device.name,
        platform=device.platform,
        hostname=device.hostname,
        port=device.port,
        site=device.site,
        role=device.role,
        groups=list(device.groups),
    )


@router.get("", response_model=list[DevicePublic])
def list_devices(tenant: TenantDep, settings: SettingsDep) -> list[DevicePublic]:
    """Every device in the tenant's inventory."""
    inventory = tenant_inventory(settings, tenant)
    return [_public(d) for d in inventory.devices.values()]


@router.get("/{device}", response_model=DevicePublic)
def get_device(tenant: TenantDep, device: str, settings: SettingsDep) -> DevicePublic:
    """One device of the tenant."""
    inventory = tenant_inventory(settings, tenant)
    if device not in inventory.devices:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"device {device!r} not found")
    return _public(inventory.devices[device])
