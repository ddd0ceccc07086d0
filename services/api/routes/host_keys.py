"""Device host keys: what netwave trusts per tenant, and the explicit first contact that records
them (an admin reads each device's key and compares the fingerprints with the device's own)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body

from services.api.deps import AdminIdentity, SessionDep, StateDep, TenantDep
from services.app import runs
from services.app.runs import TrustBody
from services.store.repos import host_keys as host_key_repo
from services.store.repos.host_keys import HostKeyOut
from workflows.trust.models import TrustReport

router = APIRouter(tags=["host keys"])


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
    return await runs.trust_host_keys(state, session, identity, tenant, body)
