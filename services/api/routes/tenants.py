"""Tenants: the MSP's clients. A tenant token sees only its own tenant."""

from __future__ import annotations

from fastapi import APIRouter

from services.api.deps import CurrentIdentity, SessionDep, TenantDep, tenant_not_found
from services.app.inventory import TenantPublic, visible_tenants
from services.store.repos import tenants as tenant_repo

router = APIRouter(prefix="/v1/tenants", tags=["tenants"])


@router.get("", response_model=list[TenantPublic])
def list_tenants(session: SessionDep, identity: CurrentIdentity) -> list[TenantPublic]:
    """Tenants the caller may see."""
    return visible_tenants(session, identity)


@router.get("/{tenant}", response_model=TenantPublic)
def get_tenant(tenant: TenantDep, session: SessionDep) -> TenantPublic:
    """One tenant."""
    found = tenant_repo.get_tenant(session, name=tenant)
    if found is None:
        raise tenant_not_found(tenant)
    return TenantPublic(name=found.name, display_name=found.display_name)
