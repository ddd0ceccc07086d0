"""A device's intended state: merged data with each value's source, revisions, config, diff."""

from __future__ import annotations

import difflib
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from services.api.viewer import viewer_of
from services.app.errors import Unprocessable
from services.app.inventory import tenant_inventory
from services.core.errors import NotFoundError, TemplateError
from services.core.settings import Settings
from services.intent.merge import Intended, merge
from services.intent.model import RevisionState
from services.intent.paths import get_value, leaf_paths, parse_path
from services.intent.source import intended_device
from services.network.inventory import Device
from services.network.render import NOT_RENDERED, renderer_for
from services.store.repos.tokens import Identity


class FileSource(BaseModel):
    kind: Literal["file"] = "file"


class ChangeSource(BaseModel):
    kind: Literal["change"] = "change"
    change_id: str
    revision: int
    requested_by: str
    approved_by: str
    at: datetime


class IntentValue(BaseModel):
    path: str
    value: Any
    source: Annotated[FileSource | ChangeSource, Field(discriminator="kind")]


class SupersededEdit(BaseModel):
    """An edit the inventory files overrode: the file's value wins."""

    path: str
    revision: int
    change_id: str
    value: Any = Field(description="what the revision set")
    file_value: Any = Field(description="what the inventory files hold now")


class IntentPublic(BaseModel):
    device: str
    platform: str
    revision: int = Field(description="the newest revision (0: none)")
    data: dict[str, Any]
    values: list[IntentValue]
    superseded: list[SupersededEdit]


class EditPublic(BaseModel):
    path: str
    before: Any = None
    after: Any = None
    applied: bool
    found: Any = Field(default=None, description="what the data held when superseded")


class RevisionPublic(BaseModel):
    revision: int
    change_id: str
    kind: str
    requested_by: str
    approved_by: str
    at: datetime
    state: RevisionState
    folded_at: datetime | None = None
    folded_by: str | None = None
    edits: list[EditPublic]


class IntentHistory(BaseModel):
    device: str
    revisions: list[RevisionPublic]


class IntentConfig(BaseModel):
    device: str
    platform: str
    revision: int
    config: str


class IntentDiff(BaseModel):
    device: str
    from_revision: int
    to_revision: int
    diff: str = Field(description="unified diff of the rendered configs ('' when equal)")


def _intended(settings: Settings, session: Session, tenant: str, device: str) -> Intended:
    if device not in tenant_inventory(settings, tenant).devices:
        raise NotFoundError(f"device {device!r} not found in tenant {tenant!r}")
    return intended_device(session, settings.inventories_path, tenant, device)


def _shown(path: str) -> bool:
    """Whether a data path may leave the API (never the credential reference or lab settings)."""
    return path.split(".", 1)[0].split("[", 1)[0] not in NOT_RENDERED


def _latest(intended: Intended) -> int:
    return max((v.revision.seq for v in intended.revisions), default=0)


def _index_path(data: dict[str, Any], path: str) -> str | None:
    """`path` as leaf_paths spells it (`vlan_handoffs[2]` for `vlan_handoffs[vlan_id=300]`)."""
    node: Any = data
    parts = []
    for segment in parse_path(path):
        if not isinstance(node, dict) or segment.key not in node:
            return None
        node = node[segment.key]
        if segment.field is None:
            parts.append(segment.key)
            continue
        if not isinstance(node, list):
            return None
        position = next((i for i, item in enumerate(node) if segment.matches(item)), None)
        if position is None:
            return None
        parts.append(f"{segment.key}[{position}]")
        node = node[position]
    return ".".join(parts)


def _under(path: str, prefix: str) -> bool:
    return path == prefix or path.startswith((prefix + ".", prefix + "["))


def _edit_spelling(intended: Intended) -> dict[str, str]:
    """Index spelling -> edit spelling of every applied edit path that selects list elements."""
    spelling = {}
    for view in intended.revisions:
        for edit in view.edits:
            if edit.applied and "[" in edit.path:
                found = _index_path(intended.device.data, edit.path)
                if found is not None:
                    spelling[found] = edit.path
    return spelling


def _source(intended: Intended, leaf: str, spelling: dict[str, str]) -> FileSource | ChangeSource:
    """Where the value at `leaf` comes from: the file, or the last revision that set it."""
    prefix = max((p for p in spelling if _under(leaf, p)), key=len, default=None)
    path = leaf if prefix is None else spelling[prefix] + leaf[len(prefix) :]
    # source_of sees an edit of `a` cover `a.b` but not `a[0]`: ask for each list too.
    lists = [path[:i] for i, char in enumerate(path) if char == "["]
    found = [r for r in map(intended.source_of, [path, *lists]) if r is not None]
    revision = max(found, key=lambda r: r.seq, default=None)
    if revision is None:
        return FileSource()
    return ChangeSource(
        change_id=revision.change_id,
        revision=revision.seq,
        requested_by=revision.requested_by,
        approved_by=revision.approved_by,
        at=revision.created_at,
    )


def _render(settings: Settings, device: Device) -> str:
    try:
        return renderer_for(settings.templates_path).render_device(device)
    except TemplateError as exc:
        raise Unprocessable(str(exc)) from None


def device_intent(settings: Settings, session: Session, tenant: str, device: str) -> IntentPublic:
    """The device's intended data, each value with its source (file or change)."""
    intended = _intended(settings, session, tenant, device)
    data = {k: v for k, v in intended.device.data.items() if k not in NOT_RENDERED}
    spelling = _edit_spelling(intended)
    values = [
        IntentValue(path=path, value=value, source=_source(intended, path, spelling))
        for path, value in leaf_paths(data)
    ]
    superseded = [
        SupersededEdit(
            path=edit.path,
            revision=view.revision.seq,
            change_id=view.revision.change_id,
            value=edit.after,
            file_value=get_value(intended.base.data, edit.path),
        )
        for view in intended.revisions
        if view.state != "folded"
        for edit in view.edits
        if not edit.applied and _shown(edit.path)
    ]
    return IntentPublic(
        device=device,
        platform=intended.device.platform,
        revision=_latest(intended),
        data=data,
        values=values,
        superseded=superseded,
    )


def intent_history(settings: Settings, session: Session, tenant: str, device: str) -> IntentHistory:
    """Every intent revision of the device, oldest first, with its state and edits."""
    intended = _intended(settings, session, tenant, device)
    return IntentHistory(
        device=device,
        revisions=[
            RevisionPublic(
                revision=view.revision.seq,
                change_id=view.revision.change_id,
                kind=view.revision.kind,
                requested_by=view.revision.requested_by,
                approved_by=view.revision.approved_by,
                at=view.revision.created_at,
                state=view.state,
                folded_at=view.revision.folded_at,
                folded_by=view.revision.folded_by,
                edits=[
                    EditPublic.model_validate(edit.model_dump())
                    for edit in view.edits
                    if _shown(edit.path)
                ],
            )
            for view in intended.revisions
        ],
    )


def rendered_config(settings: Settings, session: Session, tenant: str, device: str) -> IntentConfig:
    """The device's config rendered from its current intent, whole (the caller masks it)."""
    intended = _intended(settings, session, tenant, device)
    return IntentConfig(
        device=device,
        platform=intended.device.platform,
        revision=_latest(intended),
        config=_render(settings, intended.device),
    )


def intent_diff(
    settings: Settings,
    session: Session,
    viewer: Identity,
    device: str,
    *,
    tenant: str,
    from_revision: int,
    to_revision: int | None,
) -> IntentDiff:
    """Unified diff of the config at revision `from_revision` vs `to_revision` (0: the
    inventory files alone; None: the newest; a tenant's: both masked before the diff)."""
    intended = _intended(settings, session, tenant, device)
    revisions = [view.revision for view in intended.revisions]
    known = {0} | {r.seq for r in revisions}
    to_revision = _latest(intended) if to_revision is None else to_revision
    for revision in (from_revision, to_revision):
        if revision not in known:
            raise NotFoundError(
                f"revision {revision} of device {device!r} not found "
                f"(revisions: 0 to {_latest(intended)})"
            )

    view = viewer_of(viewer, intended.device.platform)

    def config_at(seq: int) -> list[str]:
        at = merge(intended.base, [r for r in revisions if r.seq <= seq]).device
        return view(_render(settings, at)).splitlines(keepends=True)

    diff = difflib.unified_diff(
        config_at(from_revision),
        config_at(to_revision),
        fromfile=f"{device}@{from_revision}",
        tofile=f"{device}@{to_revision}",
    )
    return IntentDiff(
        device=device, from_revision=from_revision, to_revision=to_revision, diff="".join(diff)
    )
