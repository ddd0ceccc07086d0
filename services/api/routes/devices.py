"""Devices of a tenant, read from its inventory."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, status
from pydantic import BaseModel

from services.api.deps import SettingsDep, TenantDep
from services.core.errors import InventoryError
from services.network.inventory import Device, TenantInventory, load_tenant

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


def tenant_inventory(settings: SettingsDep, tenant: str) -> TenantInventory:
    try:
        return load_tenant(settings.inventories_path, tenant)
    except InventoryError as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, detail=str(exc)) from None


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
