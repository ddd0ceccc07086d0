"""What each platform netwave drives can do: change kinds, OS upgrades, WAN limit, safety net."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel

from services.api.deps import CurrentIdentity
from services.network.platforms import PLATFORMS

router = APIRouter(tags=["platforms"])


class PlatformOut(BaseModel):
    platform: str
    title: str
    device_type: str
    config_syntax: str
    change_kinds: list[str]
    os_upgrade: bool
    max_wan_mbps: int
    safety_net: str
    state: list[str]


@router.get("/v1/platforms", response_model=list[PlatformOut])
def list_platforms(_identity: CurrentIdentity) -> list[PlatformOut]:
    """Every platform and its capabilities; a request a platform cannot serve gets a 422."""
    return [PlatformOut(**PLATFORMS[name].capabilities()) for name in sorted(PLATFORMS)]
