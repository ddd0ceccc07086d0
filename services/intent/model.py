"""What an intent revision holds: the data paths one verified change set on one device."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

RevisionState = Literal["applied", "superseded", "folded"]


class IntentEdit(BaseModel):
    """One data path a change sets: the value it replaced and the value it set (None: absent)."""

    model_config = ConfigDict(frozen=True)

    path: str
    before: Any = None
    after: Any = None


class IntentRevision(BaseModel):
    """Revision `seq` of a device's intent, written once when its change was verified."""

    model_config = ConfigDict(frozen=True)

    id: int
    tenant: str
    device: str
    seq: int
    change_id: str
    kind: str
    requested_by: str
    approved_by: str
    created_at: datetime
    edits: list[IntentEdit]
    folded_at: datetime | None = None
    folded_by: str | None = None


class EditState(BaseModel):
    """How one edit of a revision stands against the inventory files."""

    model_config = ConfigDict(frozen=True)

    path: str
    before: Any = None
    after: Any = None
    applied: bool
    # What the data held instead of `before` when the edit was superseded by a file edit.
    found: Any = None


class RevisionView(BaseModel):
    """A revision and whether it still shapes the intent."""

    model_config = ConfigDict(frozen=True)

    revision: IntentRevision
    state: RevisionState
    edits: list[EditState]
