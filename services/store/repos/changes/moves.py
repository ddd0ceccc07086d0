"""A change request's status: its creation, each move through the lifecycle
(services.changes.lifecycle) with the event that records it, and an admin's window override."""

from __future__ import annotations

import uuid
from collections.abc import Set as AbstractSet
from datetime import datetime
from typing import Any, Unpack

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from services.changes.lifecycle import CHANGE_STATUSES, LIFECYCLE_HINT, ChangeStatus, check_move
from services.store.errors import ConflictError, InvalidInputError
from services.store.models import CHANGE_KINDS, ChangeEvent, ChangeKind, ChangeRequest, utcnow
from services.store.repos._checks import aware, text_field
from services.store.repos.changes.checks import (
    MAX_ATTEMPTS,
    ChangeFields,
    expected_statuses,
    json_object,
    one_of,
    settable_fields,
    token_id,
)
from services.store.repos.changes.queries import change_row, last_event, newest_plan
from services.store.repos.changes.views import ChangeOut, change_out
from services.store.repos.tenants import tenant_id_of


def create_change(
    session: Session,
    *,
    tenant: str,
    site: str,
    kind: ChangeKind,
    params: dict[str, Any],
    requested_by: str,
    requested_by_token_id: int | None = None,
    idempotency_key: str | None = None,
) -> tuple[ChangeOut, bool]:
    """Record a submitted change request and its creation event; returns (change, created).

    With an idempotency key already used in the tenant, the existing change is returned with
    created=False (also against a concurrent insert, settled by the unique constraint); the
    same key with a different body (site, kind or params) is a ConflictError.
    """
    text_field("site", site, 255)
    one_of("kind", kind, CHANGE_KINDS)
    body = json_object("params", params)
    text_field("requested_by", requested_by, 255)
    if idempotency_key is not None:
        text_field("idempotency_key", idempotency_key, 255)
    tenant_id = tenant_id_of(session, name=tenant)
    if requested_by_token_id is not None:
        token_id(session, "requested_by_token_id", requested_by_token_id)

    def replayed() -> ChangeOut | None:
        if idempotency_key is None:
            return None
        row = session.scalar(
            select(ChangeRequest)
            .where(
                ChangeRequest.tenant_id == tenant_id,
                ChangeRequest.idempotency_key == idempotency_key,
            )
            .execution_options(populate_existing=True)
        )
        if row is None:
            return None
        if (row.site, row.kind, row.params) != (site, kind, body):
            raise ConflictError(
                f"idempotency_key {idempotency_key!r} was already used in tenant {tenant!r}"
                f" for a different request (change {row.id})",
                hint="send the same request body again, or use a new idempotency key",
            )
        return change_out(row, tenant)

    found = replayed()
    if found is not None:
        return found, False
    now = utcnow()
    row = ChangeRequest(
        id=str(uuid.uuid4()),
        tenant_id=tenant_id,
        site=site,
        kind=kind,
        params=body,
        status="submitted",
        requested_by=requested_by,
        requested_by_token_id=requested_by_token_id,
        idempotency_key=idempotency_key,
        created_at=now,
        updated_at=now,
    )
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()  # the event's foreign key needs the change first
            session.add(
                ChangeEvent(
                    change_id=row.id,
                    at=now,
                    from_status=None,
                    to_status="submitted",
                    actor=requested_by,
                    detail={},
                )
            )
    except IntegrityError:
        found = replayed()  # a concurrent request with the same key won
        if found is None:
            raise
        return found, False
    return change_out(row, tenant), True


def transition(
    session: Session,
    *,
    tenant: str,
    change_id: str,
    to_status: ChangeStatus,
    actor: str,
    detail: dict[str, Any] | None = None,
    expected_from: AbstractSet[str] | None = None,
    **fields: Unpack[ChangeFields],
) -> ChangeOut:
    """Move the change to `to_status`, setting `fields`, and append a ChangeEvent.

    Illegal transitions (see services.changes.lifecycle), and a current status outside
    `expected_from` when given, are ConflictErrors naming both statuses. Asking for the status
    the change already has, as the actor that set it, returns the change unchanged and writes
    no event, so activities can retry; the stored fields are kept (the first write wins).
    """
    one_of("to_status", to_status, CHANGE_STATUSES)
    text_field("actor", actor, 255)
    event_detail = json_object("detail", {} if detail is None else detail)
    expected = expected_statuses(expected_from)
    values = settable_fields(fields)
    for _ in range(MAX_ATTEMPTS):
        row = change_row(session, tenant, change_id)
        if row.status == to_status:
            _check_retry(session, row, actor)
            return change_out(row, tenant)
        _check_transition(session, row, to_status, expected, values)
        if _move(session, row, to_status, actor, event_detail, values):
            return change_out(change_row(session, tenant, change_id), tenant)
        # A concurrent transition moved it first: look again.
    raise ConflictError(
        f"could not move change {change_id} to {to_status}"
        f" after {MAX_ATTEMPTS} attempts against concurrent writers"
    )


def _check_retry(session: Session, row: ChangeRequest, actor: str) -> None:
    """The change already has the status asked for: fine for the actor that set it (a retry)."""
    last = last_event(session, row.id)
    if last is not None and last.actor == actor:
        return
    by = "" if last is None else f" (set by {last.actor!r})"
    raise ConflictError(
        f"change {row.id} is already {row.status}{by}; {actor!r} cannot move it"
        f" from {row.status} to {row.status}",
        hint=LIFECYCLE_HINT,
    )


def _check_transition(
    session: Session,
    row: ChangeRequest,
    to_status: ChangeStatus,
    expected: AbstractSet[str] | None,
    values: dict[str, Any],
) -> None:
    """The move is expected, allowed by the lifecycle, and leaves the change consistent."""
    current = row.status
    if expected is not None and current not in expected:
        raise ConflictError(
            f"change {row.id} is {current}, not {' or '.join(sorted(expected))};"
            f" refusing to move it from {current} to {to_status}",
            hint=LIFECYCLE_HINT,
        )
    check_move(row.id, current, to_status)
    if to_status == "planned" and newest_plan(session, row.id) is None:
        raise ConflictError(
            f"change {row.id} has no plan; add one with add_plan before moving it"
            f" from {current} to planned",
            hint="store the plan first, then mark the change planned",
        )
    wanted_workflow = values.get("workflow_id")
    if wanted_workflow is not None and row.workflow_id not in (None, wanted_workflow):
        raise ConflictError(
            f"change {row.id} already runs as workflow {row.workflow_id!r};"
            f" workflow_id cannot become {wanted_workflow!r}"
        )
    start = values.get("window_start", row.window_start)
    end = values.get("window_end", row.window_end)
    if start is not None and end is not None and end <= start:
        raise InvalidInputError(
            f"window_end {end.isoformat()} must be after window_start {start.isoformat()}"
        )


def _move(
    session: Session,
    row: ChangeRequest,
    to_status: ChangeStatus,
    actor: str,
    detail: dict[str, Any],
    values: dict[str, Any],
) -> bool:
    """Write the move and its event if the change still has the status it was read in;
    False when a concurrent writer moved it first."""
    current = row.status
    now = utcnow()
    try:
        with session.begin_nested():
            moved = session.scalar(
                update(ChangeRequest)
                .where(ChangeRequest.id == row.id, ChangeRequest.status == current)
                .values(status=to_status, updated_at=now, **values)
                .returning(ChangeRequest.id)
                .execution_options(synchronize_session=False)
            )
            if moved is not None:
                session.add(
                    ChangeEvent(
                        change_id=row.id,
                        at=now,
                        from_status=current,
                        to_status=to_status,
                        actor=actor,
                        detail=detail,
                    )
                )
    except IntegrityError:
        wanted_workflow = values.get("workflow_id")
        if wanted_workflow is None:
            raise
        raise ConflictError(
            f"workflow_id {wanted_workflow!r} already belongs to another change"
        ) from None
    return moved is not None


def record_window_override(
    session: Session, *, tenant: str, change_id: str, actor: str, reason: str, at: datetime
) -> ChangeOut:
    """An admin ran a scheduled change now: an event on its timeline (who, why; the status is
    unchanged) and its window starts at `at`. A retry finds its event and writes nothing."""
    text_field("actor", actor, 255)
    text_field("reason", reason, 500)
    row = change_row(session, tenant, change_id)
    last = last_event(session, change_id)
    if last is not None and last.actor == actor and last.detail.get("window_override") == reason:
        return change_out(row, tenant)
    if row.window_end is None or aware("at", at) < row.window_end:
        row.window_start = at
    row.updated_at = at
    session.add(
        ChangeEvent(
            change_id=change_id,
            at=at,
            from_status=row.status,
            to_status=row.status,
            actor=actor,
            detail={"window_override": reason, "window_start": at.isoformat()},
        )
    )
    session.flush()
    return change_out(row, tenant)
