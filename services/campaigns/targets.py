"""Target selection and wave planning."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from itertools import zip_longest

from pydantic import BaseModel, ConfigDict

from services.campaigns.spec import TargetSelection
from services.core.errors import ChangeValidationError
from services.network.inventory import Device, TenantInventory


class Target(BaseModel):
    """One device of a campaign, as workflows carry it (no credential, no data)."""

    model_config = ConfigDict(frozen=True)

    tenant: str
    device: str
    platform: str

    @property
    def key(self) -> str:
        return f"{self.tenant}/{self.device}"


def select_targets(
    inventories: Mapping[str, TenantInventory], selection: TargetSelection
) -> list[Target]:
    """The devices every non-empty filter admits; unknown names are an error, not a no-op."""
    unknown_tenants = sorted(set(selection.tenants) - set(inventories))
    if unknown_tenants:
        raise ChangeValidationError(
            [("targets.tenants", f"unknown tenants: {', '.join(unknown_tenants)}")]
        )
    devices = [d for inv in inventories.values() for d in inv.devices.values()]
    unknown_devices = sorted(set(selection.devices) - {d.name for d in devices})
    if unknown_devices:
        raise ChangeValidationError(
            [("targets.devices", f"unknown devices: {', '.join(unknown_devices[:20])}")]
        )
    chosen = [d for d in devices if _admits(selection, d)]
    if not chosen:
        raise ChangeValidationError([("targets", "the target selection matches no device")])
    return [Target(tenant=d.tenant, device=d.name, platform=d.platform) for d in chosen]


def _admits(selection: TargetSelection, device: Device) -> bool:
    checks: list[tuple[list[str], str | None]] = [
        (selection.tenants, device.tenant),
        (selection.sites, device.site),
        (selection.roles, device.role),
        (selection.platforms, device.platform),
        (selection.devices, device.name),
    ]
    return all(not wanted or value in wanted for wanted, value in checks)


def interleave(targets: Iterable[Target]) -> list[Target]:
    """Sorted by tenant and name, then one device per tenant in turn, so that every wave
    (and the canary) spreads its risk across tenants."""
    by_tenant: dict[str, list[Target]] = {}
    for target in sorted(targets, key=lambda t: (t.tenant, t.device)):
        by_tenant.setdefault(target.tenant, []).append(target)
    rounds = zip_longest(*by_tenant.values())
    return [t for group in rounds for t in group if t is not None]


def plan_waves(targets: Iterable[Target], canary_size: int, wave_size: int) -> list[list[Target]]:
    """Wave 0 is the canary (when canary_size > 0); then waves of wave_size."""
    ordered = interleave(targets)
    waves: list[list[Target]] = []
    if canary_size > 0:
        waves.append(ordered[:canary_size])
        ordered = ordered[canary_size:]
    waves.extend(ordered[i : i + wave_size] for i in range(0, len(ordered), wave_size))
    return [w for w in waves if w]
