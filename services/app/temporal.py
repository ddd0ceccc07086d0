"""The one Temporal client helper of the use cases, and the one place for workflow ids.

Workflow code names its own children (`<parent id>-<device>`) and the audit schedule names the
runs it starts (`workflows/audit/schedules.py`); every other workflow id is made here.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Protocol, TypeVar

from pydantic import BaseModel
from temporalio.client import Client, WorkflowUpdateFailedError
from temporalio.service import RPCError

from services.app.errors import Conflict, TemporalUnavailable
from services.core.settings import Settings
from workflows.audit.schedules import schedule_id as audit_schedule_id

__all__ = [
    "PROGRESS_TIMEOUT",
    "Runtime",
    "audit_schedule_id",
    "audit_workflow_id",
    "backup_workflow_id",
    "campaign_workflow_id",
    "change_workflow_id",
    "client",
    "live_progress",
    "send_update",
    "trust_workflow_id",
    "workflow_ui",
]

# Live progress is a bonus beside the database's status: never wait long for a busy worker.
PROGRESS_TIMEOUT = timedelta(seconds=2)

Progress = TypeVar("Progress", bound=BaseModel)


class Runtime(Protocol):
    """What a use case needs of the process it runs in: settings and a Temporal client."""

    @property
    def settings(self) -> Settings: ...

    async def temporal(self) -> Client: ...


def change_workflow_id(change_id: str) -> str:
    return f"change-{change_id}"


def campaign_workflow_id(campaign_id: str) -> str:
    return f"campaign-{campaign_id}"


def _run_suffix() -> str:
    """Runs of one tenant may overlap: each gets its own id."""
    return uuid.uuid4().hex[:12]


def backup_workflow_id(tenant: str | None) -> str:
    """A backup run of one tenant, or of every tenant (`all`)."""
    return f"backup-{tenant or 'all'}-{_run_suffix()}"


def audit_workflow_id(tenant: str) -> str:
    """An on-demand audit run (scheduled ones are named by their schedule)."""
    return f"audit-{tenant}-{_run_suffix()}"


def trust_workflow_id(tenant: str) -> str:
    return f"trust-{tenant}-{_run_suffix()}"


def workflow_ui(settings: Settings, workflow_id: str) -> str:
    """The workflow's page in the Temporal Web UI."""
    return (
        f"{settings.temporal_ui_url}/namespaces/{settings.temporal_namespace}"
        f"/workflows/{workflow_id}"
    )


async def client(runtime: Runtime) -> Client:
    """The process's Temporal client; TemporalUnavailable when Temporal does not answer."""
    try:
        return await runtime.temporal()
    except Exception:
        raise TemporalUnavailable from None


async def live_progress(
    runtime: Runtime, workflow_id: str, model: type[Progress]
) -> Progress | None:
    """The workflow's `progress` query, or None when Temporal or the worker is slow or away
    (the status in the database is authoritative; progress is a bonus)."""
    try:
        handle = (await runtime.temporal()).get_workflow_handle(workflow_id)
        progress: Progress = await handle.query(
            "progress", result_type=model, rpc_timeout=PROGRESS_TIMEOUT
        )
    except Exception:
        return None
    return progress


async def send_update(
    runtime: Runtime,
    workflow_id: str,
    update: str,
    argument: BaseModel,
    *,
    ended: Callable[[str], str],
) -> None:
    """Send a workflow update. The workflow's refusal (its validator's message) is a Conflict;
    so is a workflow that has already ended: `ended` gets Temporal's message and says why."""
    handle = (await client(runtime)).get_workflow_handle(workflow_id)
    try:
        await handle.execute_update(update, argument)
    except WorkflowUpdateFailedError as exc:
        cause = exc.cause
        raise Conflict(str(getattr(cause, "message", cause))) from None
    except RPCError as exc:
        raise Conflict(ended(exc.message)) from None
