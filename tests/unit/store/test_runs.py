"""Runs: recorded once per workflow id, listed and read within a tenant."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlalchemy.orm import Session

from services.core.errors import NotFoundError
from services.store.errors import ConflictError, InvalidInputError
from services.store.repos.runs import create_run, get_run, get_run_by_workflow, list_runs
from tests.unit.store.helpers import T0


def _three(session: Session) -> list[str]:
    made = [
        create_run(
            session,
            kind=kind,
            tenant=tenant,
            workflow_id=f"wf-{i}",
            requested_by="alice",
            created_at=T0 + timedelta(minutes=i),
        )
        for i, (kind, tenant) in enumerate(
            [("backup", "acme"), ("backup", "globex"), ("upgrade", None)]
        )
    ]
    session.commit()
    return [run.id for run in made]


def test_create_and_get(session: Session, tenants: tuple[str, str]) -> None:
    acme, _, _ = _three(session)
    run = get_run(session, run_id=acme)
    assert run is not None
    assert (run.kind, run.tenant, run.workflow_id, run.requested_by) == (
        "backup",
        "acme",
        "wf-0",
        "alice",
    )
    assert run.created_at == T0
    assert uuid.UUID(run.id)
    assert get_run_by_workflow(session, workflow_id="wf-0") == run


def test_reads_are_scoped_by_tenant(session: Session, tenants: tuple[str, str]) -> None:
    acme, globex, campaign = _three(session)
    assert get_run(session, run_id=acme, tenant="acme") is not None
    assert get_run(session, run_id=globex, tenant="acme") is None
    assert get_run(session, run_id=campaign, tenant="acme") is None
    assert get_run_by_workflow(session, workflow_id="wf-1", tenant="acme") is None
    assert [r.id for r in list_runs(session)] == [campaign, globex, acme]
    assert [r.id for r in list_runs(session, tenant="acme")] == [acme]
    assert [r.id for r in list_runs(session, kind="backup")] == [globex, acme]
    assert [r.id for r in list_runs(session, tenant="globex", kind="upgrade")] == []
    assert list_runs(session, tenant="nobody") == []
    assert [r.id for r in list_runs(session, limit=1)] == [campaign]


def test_same_workflow_id_is_recorded_once(session: Session, tenants: tuple[str, str]) -> None:
    first = create_run(
        session, kind="backup", tenant="acme", workflow_id="wf", requested_by="alice"
    )
    session.commit()
    again = create_run(session, kind="backup", tenant="acme", workflow_id="wf", requested_by="bob")
    assert again == first
    with pytest.raises(ConflictError, match="workflow id 'wf' already belongs to run"):
        create_run(session, kind="backup", tenant="globex", workflow_id="wf", requested_by="x")
    with pytest.raises(ConflictError, match="already exists"):
        create_run(
            session,
            kind="backup",
            tenant="acme",
            workflow_id="other",
            requested_by="x",
            run_id=first.id,
        )
    session.commit()
    assert len(list_runs(session)) == 1


def test_bad_input_is_refused(session: Session) -> None:
    with pytest.raises(NotFoundError, match="tenant 'nobody' not found"):
        create_run(session, kind="backup", tenant="nobody", workflow_id="wf", requested_by="a")
    with pytest.raises(InvalidInputError, match="run_id 'nope' is not a UUID"):
        create_run(
            session, kind="backup", tenant=None, workflow_id="wf", requested_by="a", run_id="nope"
        )
    with pytest.raises(InvalidInputError, match="kind"):
        create_run(session, kind="", tenant=None, workflow_id="wf", requested_by="a")
