"""The OS image catalogue: per platform, the versions a campaign may upgrade to."""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from services.core.errors import InventoryError, NotFoundError
from services.network.upgrade import Image
from services.store.errors import ConflictError
from services.store.models import OsImage


class ImageOut(Image):
    model_config = ConfigDict(frozen=True, from_attributes=True)

    id: int


class CatalogueFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    images: list[Image]


def list_images(session: Session, *, platform: str | None = None) -> list[ImageOut]:
    query = select(OsImage).order_by(OsImage.platform, OsImage.version)
    if platform is not None:
        query = query.where(OsImage.platform == platform)
    return [ImageOut.model_validate(row) for row in session.scalars(query)]


def find_image(session: Session, *, platform: str, version: str) -> ImageOut | None:
    row = session.scalar(
        select(OsImage).where(OsImage.platform == platform, OsImage.version == version)
    )
    return ImageOut.model_validate(row) if row is not None else None


def add_image(session: Session, image: Image) -> ImageOut:
    """Add an image; the same platform and version twice is a conflict."""
    row = OsImage(**image.model_dump())
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:
        raise ConflictError(f"the catalogue already has {image.platform} {image.version}") from None
    return ImageOut.model_validate(row)


def delete_image(session: Session, *, image_id: int) -> None:
    row = session.get(OsImage, image_id)
    if row is None:
        raise NotFoundError(f"image {image_id} not found")
    session.delete(row)


def load_catalogue(path: Path) -> list[Image]:
    """The images of a catalogue YAML file; errors name the file and the entry."""
    try:
        raw = yaml.safe_load(path.read_text())
        return CatalogueFile.model_validate(raw or {"images": []}).images
    except yaml.YAMLError as exc:
        raise InventoryError(f"{path}: not valid YAML: {exc}") from None
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise InventoryError(f"{path}: {where}: {first['msg']}") from None


def seed_images(session: Session, images: list[Image]) -> int:
    """Add the images the catalogue does not have yet; returns how many were added."""
    have = {(i.platform, i.version) for i in list_images(session)}
    added = 0
    for image in images:
        if (image.platform, image.version) not in have:
            session.add(OsImage(**image.model_dump()))
            added += 1
    return added
