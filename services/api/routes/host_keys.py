"""Device host keys: what netwave trusts per tenant, and the explicit first contact that records
them (an admin reads each device's key and compares the fingerprints with the device's own)."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Body, HTTPException, status
from pydantic import BaseModel, ConfigDict, Field
from temporalio.client import WorkflowFailureError

from services.api.deps import AdminIdentity, SessionDep, StateDep, TenantDep
from services.api.workflow_runs import temporal_client
from services.store.repos import host_keys as host_key_repo
from services.store.repos.host_keys import HostKeyOut
from workflows.trust.models import TrustInput, TrustReport

router = APIRouter(tags=["host keys"])
TRUST_TIMEOUT = timedelta(minutes=15)


class TrustBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    devices: list[Annotated[str, Field(min_length=1, max_length=255)]] = Field(
        default_factory=list, max_length=10000, description="empty means every device"
    )
    replace: bool = Field(
        default=False,
        strict=True,
        description="replace a recorded key that the device no longer presents (after "
        "checking the new fingerprint with the device's own)",
    )


@router.get("/v1/tenants/{tenant}/host-keys", response_model=list[HostKeyOut])
def list_host_keys(tenant: TenantDep, session: SessionDep) -> list[HostKeyOut]:
    """The host keys recorded for the tenant's devices and jump hosts, with fingerprints."""
    return host_key_repo.list_keys(session, tenant=tenant)


@router.post("/v1/tenants/{tenant}/host-keys/trust", response_model=TrustReport)
async def trust_host_keys(
    tenant: TenantDep,
    body: Annotated[TrustBody, Body()],
    identity: AdminIdentity,
    state: StateDep,
    session: SessionDep,
) -> TrustReport:
    """Read each device's host key (no login: the key exchange shows it) and record it.

    A first key is recorded; a key that differs from the recorded one is reported as a
    mismatch and kept, unless `replace` is set. Every recorded key is in the audit log.
    """
    session.rollback()  # no database lock held while the worker reads the keys
    client = await temporal_client(state)
    request = TrustInput(
        tenant=tenant,
        devices=body.devices,
        replace=body.replace,
        requested_by=identity.name,
        device_task_queue=state.settings.device_task_queue,
    )
    try:
        report: TrustReport = await client.execute_workflow(
            "TrustHostKeysWorkflow",
            request,
            id=f"trust-{tenant}-{uuid.uuid4().hex[:12]}",
            task_queue=state.settings.task_queue,
            execution_timeout=TRUST_TIMEOUT,
            result_type=TrustReport,
        )
    except WorkflowFailureError as exc:
        cause = exc.cause
        message = str(getattr(cause, "cause", None) or cause)
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, message) from None
    return report
