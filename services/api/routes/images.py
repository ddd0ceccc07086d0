"""The OS image catalogue: engineers list, add and remove the images campaigns upgrade to."""

from __future__ import annotations

from typing import Annotated

from annotated_types import Ge, Le
from fastapi import APIRouter, HTTPException, Query, status
from fastapi import Path as PathParam
from pydantic import Field

from services.api.deps import EngineerIdentity, SessionDep, require_roles
from services.api.params import Digits
from services.network import upgrade
from services.network.upgrade import upgradable_platforms
from services.store.errors import ConflictError
from services.store.repos import audit_log as audit_log_repo
from services.store.repos import images as image_repo
from services.store.repos.images import ImageOut
from services.store.repos.tokens import Identity

router = APIRouter(tags=["images"])
StaffIdentity = Annotated[Identity, require_roles("engineer", "approver", "admin")]


class Image(upgrade.Image):
    """One OS image of the catalogue."""

    # As posted to the API: the size is a JSON number (not `true`, not "5"), the platform a
    # name (a refusal quotes it).
    platform: str = Field(max_length=64)
    size: int = Field(gt=0, le=2**63 - 1, strict=True, description="bytes")


@router.get("/v1/images", response_model=list[ImageOut])
def list_images(
    _identity: StaffIdentity,
    session: SessionDep,
    platform: Annotated[str | None, Query(max_length=64)] = None,
) -> list[ImageOut]:
    """The catalogue, by platform and version."""
    return image_repo.list_images(session, platform=platform)


@router.post("/v1/images", response_model=ImageOut, status_code=status.HTTP_201_CREATED)
def add_image(image: Image, identity: EngineerIdentity, session: SessionDep) -> ImageOut:
    """Add an image (platform, version, file name, size, md5)."""
    if image.platform not in upgradable_platforms():
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            detail=[
                {
                    "loc": ["body", "platform"],
                    "msg": f"netwave cannot upgrade {image.platform!r} devices "
                    f"(it upgrades: {', '.join(upgradable_platforms())})",
                    "type": "value_error",
                }
            ],
        )
    try:
        added = image_repo.add_image(session, image)
    except ConflictError as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, detail=exc.message) from None
    audit_log_repo.record(
        session,
        actor=identity.name,
        action="image.add",
        tenant=None,
        object=f"image:{image.platform}:{image.version}",
        detail=image.model_dump(),
    )
    session.commit()
    return added


@router.delete("/v1/images/{image_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_image(
    image_id: Annotated[int, Ge(1), Le(2**63 - 1), Digits, PathParam()],
    identity: EngineerIdentity,
    session: SessionDep,
) -> None:
    """Remove an image from the catalogue (campaigns already running keep theirs)."""
    image_repo.delete_image(session, image_id=image_id)
    audit_log_repo.record(
        session,
        actor=identity.name,
        action="image.delete",
        tenant=None,
        object=f"image:{image_id}",
        detail={},
    )
    session.commit()
