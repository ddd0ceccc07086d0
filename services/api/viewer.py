"""Config text as the caller may see it: staff whole, a tenant with secrets masked.

A tenant's token reads its devices' backups, diffs, compliance reports, change plans and
device page; none of them may show the MSP's management account hash, an enable secret, a
key or an SNMP community. Every API route and console page that returns config text passes it
through here (masking itself: `services.network.masking`, per platform).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from services.api.deps import STAFF_ROLES
from services.core.errors import InventoryError
from services.core.settings import Settings
from services.network.inventory import load_tenant
from services.network.masking import SecretMasker, masker
from services.store.repos.compliance import DeviceResultOut
from services.store.repos.tokens import Identity


def sees_secrets(identity: Identity) -> bool:
    """Staff (engineer, approver, admin) see configs whole; anyone else sees them masked."""
    return identity.role in STAFF_ROLES


def _masker(identity: Identity, platform: str | None) -> SecretMasker | None:
    return None if sees_secrets(identity) else masker(platform)


def viewer_of(identity: Identity, platform: str | None) -> Callable[[str], str]:
    """A config text's view for this caller (mask each side of a diff with it, then diff)."""
    found = _masker(identity, platform)
    return _whole if found is None else found.text


def prose_viewer_of(identity: Identity, platform: str | None) -> Callable[[str], str]:
    """A message's view for this caller (an error or a violation may quote a config line)."""
    found = _masker(identity, platform)
    return _whole if found is None else found.prose


def _whole(text: str) -> str:
    return text


def for_viewer(identity: Identity, platform: str | None, text: str) -> str:
    """A config (or any config text) as this caller may see it."""
    return viewer_of(identity, platform)(text)


def compliance_for_viewer(identity: Identity, result: dict[str, Any]) -> dict[str, Any]:
    """A device's compliance result (`DeviceCompliance` JSON) as this caller may see it."""
    found = _masker(identity, result.get("platform"))
    if found is None:
        return result
    features = [
        {
            **feature,
            **{
                key: found.lines(feature.get(key) or [])
                for key in ("missing", "extra", "remediation")
            },
            # `forbidden /<regex>/ matches: <the device's line>`
            "violations": [found.prose(v) for v in feature.get("violations") or []],
            "message": found.prose(feature.get("message") or ""),
        }
        for feature in result.get("features") or []
    ]
    return {**result, "features": features, "message": found.prose(result.get("message") or "")}


def device_result_for_viewer(identity: Identity, found: DeviceResultOut) -> DeviceResultOut:
    """One device of a compliance report as this caller may see it."""
    if sees_secrets(identity):
        return found
    shown = compliance_for_viewer(identity, {"platform": found.platform, **found.result})
    return found.model_copy(update={"result": shown})


def plan_device_for_viewer(identity: Identity, device: dict[str, Any]) -> dict[str, Any]:
    """One device of a change's plan (`DevicePlan` JSON) as this caller may see it."""
    found = _masker(identity, device.get("platform"))
    if found is None:
        return device
    shown = {**device, "diff": found.diff(device.get("diff") or "")}
    for key in ("commands", "rollback", "left_alone", "sections"):
        if key in device:
            shown[key] = found.lines(device[key] or [])
    if "by_feature" in device:
        shown["by_feature"] = {
            feature: found.lines(lines or [])
            for feature, lines in (device["by_feature"] or {}).items()
        }
    return shown


def device_viewer(
    identity: Identity, settings: Settings, tenant: str, device: str
) -> Callable[[str], str]:
    """`viewer_of` a device known by name alone (a backup): its platform from the inventory."""
    if sees_secrets(identity):
        return _whole
    return viewer_of(identity, device_platforms(settings, tenant).get(device))


def device_platforms(settings: Settings, tenant: str) -> dict[str, str]:
    """Each device's platform in the tenant's inventory. A device the inventory does not name
    (a backup outlives its device) is masked with every platform's rules."""
    try:
        devices = load_tenant(settings.inventories_path, tenant).devices
    except InventoryError:
        return {}
    return {name: device.platform for name, device in devices.items()}
