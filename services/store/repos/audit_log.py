"""The audit log: who did what to which object of which tenant, when; append-only."""

from __future__ import annotations

import base64
import binascii
import json
from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field
from sqlalchemy import Select, and_, or_, select
from sqlalchemy.orm import Session

from services.store.errors import InvalidInputError
from services.store.models import AuditEntry, utcnow
from services.store.repos._checks import aware, text_field

MAX_LIMIT = 1000
DEFAULT_LIMIT = 100


class AuditOut(BaseModel):
    """One audit entry as the API shows it."""

    model_config = ConfigDict(frozen=True, from_attributes=True)

    id: int
    at: datetime
    actor: str
    action: str
    tenant: str | None
    object: str
    detail: dict[str, Any]


def record(
    session: Session,
    *,
    actor: str,
    action: str,
    tenant: str | None,
    object: str,
    detail: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> None:
    """Append an entry in the caller's transaction, so it commits with the change it records."""
    text_field("actor", actor, 255)
    text_field("action", action, 100)
    text_field("object", object, 255)
    if tenant is not None:
        text_field("tenant", tenant, 63)
    try:
        json.dumps(detail or {})
    except (TypeError, ValueError) as exc:
        raise InvalidInputError(f"detail must be JSON-serialisable: {exc}") from None
    session.add(
        AuditEntry(
            at=utcnow() if at is None else aware("at", at),
            actor=actor,
            action=action,
            tenant=tenant,
            object=object,
            detail=dict(detail or {}),
        )
    )


def list_entries(
    session: Session, *, tenant: str | None = None, limit: int = 100, before_id: int | None = None
) -> list[AuditOut]:
    """Newest entries first (one tenant's when given); page with `before_id`."""
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidInputError(f"limit must be between 1 and {MAX_LIMIT}, got {limit}")
    query = select(AuditEntry)
    if tenant is not None:
        query = query.where(AuditEntry.tenant == tenant)
    if before_id is not None:
        query = query.where(AuditEntry.id < before_id)
    rows = session.scalars(query.order_by(AuditEntry.id.desc()).limit(limit))
    return [AuditOut.model_validate(row) for row in rows]


def encode_cursor(at: datetime, entry_id: int) -> str:
    """The opaque cursor of the page after the entry (`at`, `entry_id`)."""
    raw = json.dumps([at.isoformat(), entry_id]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, int]:
    """(`at`, `id`) of the last entry of the page before; a ValueError names what is wrong."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        at_text, entry_id = json.loads(raw)
        at = _utc(datetime.fromisoformat(at_text))
    except (binascii.Error, ValueError, TypeError, UnicodeDecodeError):
        raise ValueError("not a cursor of the audit log (use next_cursor as given)") from None
    if at.tzinfo is None or type(entry_id) is not int:
        raise ValueError("not a cursor of the audit log (use next_cursor as given)")
    return at, entry_id


def _utc(value: datetime) -> datetime:
    """The time in UTC; one a zone pushes out of the calendar (year 1 at +14:00) is refused."""
    try:
        return value.astimezone(UTC)
    except OverflowError:
        raise ValueError("time is out of range in UTC") from None


def _checked_cursor(cursor: str | None) -> str | None:
    if cursor is not None:
        decode_cursor(cursor)
    return cursor


# No control character (a NUL is refused by PostgreSQL, not matched).
Printable = Annotated[str, Field(min_length=1, pattern=r"^[^\x00-\x1f\x7f]+$")]


class AuditQuery(BaseModel):
    """Which entries, newest first: every filter given must match; `action` ending in `.` is a
    prefix (`change.` matches `change.request`, `change.approve`, ...)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    tenant: Printable | None = Field(default=None, max_length=63)
    actor: Printable | None = Field(default=None, max_length=255)
    action: Printable | None = Field(default=None, max_length=100)
    since: Annotated[AwareDatetime, AfterValidator(_utc)] | None = None
    until: Annotated[AwareDatetime, AfterValidator(_utc)] | None = None
    limit: int = Field(default=DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)
    cursor: Annotated[str | None, AfterValidator(_checked_cursor)] = Field(
        default=None, max_length=200
    )


class AuditPage(BaseModel):
    """One page of entries and the cursor of the next (None on the last page)."""

    entries: list[AuditOut]
    next_cursor: str | None


def _filtered(query: AuditQuery) -> Select[AuditEntry]:
    statement = select(AuditEntry)
    if query.tenant is not None:
        statement = statement.where(AuditEntry.tenant == query.tenant)
    if query.actor is not None:
        statement = statement.where(AuditEntry.actor == query.actor)
    if query.action is not None and query.action.endswith("."):
        statement = statement.where(AuditEntry.action.startswith(query.action, autoescape=True))
    elif query.action is not None:
        statement = statement.where(AuditEntry.action == query.action)
    if query.since is not None:
        statement = statement.where(AuditEntry.at >= query.since)
    if query.until is not None:
        statement = statement.where(AuditEntry.at < query.until)
    if query.cursor is not None:
        at, entry_id = decode_cursor(query.cursor)
        statement = statement.where(
            or_(AuditEntry.at < at, and_(AuditEntry.at == at, AuditEntry.id < entry_id))
        )
    return statement


def find_entries(session: Session, query: AuditQuery) -> AuditPage:
    """A page of the entries `query` selects, newest first (by time, then by id)."""
    statement = _filtered(query).order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
    rows = list(session.scalars(statement.limit(query.limit + 1)))
    entries = [AuditOut.model_validate(row) for row in rows[: query.limit]]
    more = len(rows) > query.limit
    last = entries[-1] if more else None
    return AuditPage(entries=entries, next_cursor=encode_cursor(last.at, last.id) if last else None)
