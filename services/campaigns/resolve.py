"""Resolve a campaign spec against the inventories and the image catalogue, or say what is wrong."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from sqlalchemy.orm import Session

from services.campaigns.spec import CampaignSpec
from services.campaigns.targets import Target, select_targets
from services.changes.attention import describe, marks_on
from services.core.errors import ChangeValidationError
from services.network.inventory import TenantInventory
from services.network.upgrade import Image, upgradable_platforms

FindImage = Callable[[str, str], Image | None]


def refuse_campaign_on_attention(session: Session, targets: list[Target]) -> None:
    """A campaign never starts on a device that needs an engineer: 422 naming each one."""
    errors = []
    for tenant in sorted({t.tenant for t in targets}):
        names = [t.device for t in targets if t.tenant == tenant]
        errors += [("targets", describe(mark)) for mark in marks_on(session, tenant, names)]
    if errors:
        raise ChangeValidationError(errors)


def resolve_campaign(
    spec: CampaignSpec, inventories: Mapping[str, TenantInventory], find_image: FindImage
) -> tuple[list[Target], dict[str, Image]]:
    """The targeted devices and, for an OS upgrade, the image of each targeted platform.

    An os_upgrade targets only the devices whose platform has a version in target_versions.
    """
    targets = select_targets(inventories, spec.targets)
    images: dict[str, Image] = {}
    if spec.kind != "os_upgrade":
        return targets, images
    errors: list[tuple[str, str]] = []
    for platform, version in sorted(spec.target_versions.items()):
        where = f"target_versions.{platform}"
        if platform not in upgradable_platforms():
            named = sorted(f"{t.tenant}/{t.device}" for t in targets if t.platform == platform)
            shown = (
                f" ({', '.join(named[:10])}{', ...' if len(named) > 10 else ''})" if named else ""
            )
            errors.append((where, f"netwave cannot upgrade {platform!r} devices{shown}"))
            continue
        image = find_image(platform, version)
        if image is None:
            errors.append((where, f"the image catalogue has no {platform} {version}"))
        else:
            images[platform] = image
    if errors:
        raise ChangeValidationError(errors)
    targets = [t for t in targets if t.platform in spec.target_versions]
    if not targets:
        raise ChangeValidationError(
            [("target_versions", "no targeted device runs a platform named here")]
        )
    return targets, images
