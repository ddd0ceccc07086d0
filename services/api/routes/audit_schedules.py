"""A tenant's audit schedule (a Temporal Schedule): show, set, pause, resume, trigger, delete."""

from __future__ import annotations

from fastapi import APIRouter, Body, HTTPException, status
from pydantic import Field
from temporalio.service import RPCError

from services.api.deps import CurrentIdentity, EngineerIdentity, SessionDep, StateDep, TenantDep
from services.app import temporal
from services.store.repos import audit_log as audit_log_repo
from workflows.audit import schedules
from workflows.audit.schedules import AuditScheduleState, ScheduleNotFound

router = APIRouter(prefix="/v1/tenants/{tenant}/audit-schedule", tags=["compliance"])


class AuditScheduleSpec(schedules.AuditScheduleSpec):
    """When a tenant's audit runs: a cron expression in a timezone, or a fixed interval."""

    # As put to the API: the interval is a JSON number (not `true`, not "60", not 1.5).
    every_seconds: int | None = Field(default=None, ge=1, le=31 * 86400, strict=True)


def _not_found(exc: ScheduleNotFound) -> HTTPException:
    return HTTPException(status.HTTP_404_NOT_FOUND, detail=str(exc))


def _log_action(session: SessionDep, identity: CurrentIdentity, tenant: str, action: str) -> None:
    audit_log_repo.record(
        session,
        actor=identity.name,
        action=f"audit_schedule.{action}",
        tenant=tenant,
        object=temporal.audit_schedule_id(tenant),
    )


@router.get("", response_model=AuditScheduleState)
async def show_schedule(tenant: TenantDep, state: StateDep) -> AuditScheduleState:
    """The tenant's audit schedule with its next run times."""
    try:
        return await schedules.describe_schedule(await temporal.client(state), tenant)
    except ScheduleNotFound as exc:
        raise _not_found(exc) from None


@router.put("", response_model=AuditScheduleState)
async def set_schedule(
    tenant: TenantDep,
    spec: AuditScheduleSpec,
    identity: EngineerIdentity,
    state: StateDep,
    session: SessionDep,
) -> AuditScheduleState:
    """Create or change the tenant's audit schedule (cron with timezone, or an interval)."""
    try:
        result = await schedules.upsert_schedule(
            await temporal.client(state), state.settings, tenant, spec
        )
    except RPCError as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, detail=exc.message) from None
    _log_action(session, identity, tenant, "set")
    return result


def _add_pause_route(action: str, paused: bool, summary: str) -> None:
    """POST /`action`: pause or resume the tenant's scheduled audits, with an optional note."""

    async def set_paused(
        tenant: TenantDep,
        identity: EngineerIdentity,
        state: StateDep,
        session: SessionDep,
        note: str | None = Body(default=None, embed=True, max_length=500),
    ) -> AuditScheduleState:
        try:
            result = await schedules.set_paused(await temporal.client(state), tenant, paused, note)
        except ScheduleNotFound as exc:
            raise _not_found(exc) from None
        _log_action(session, identity, tenant, action)
        return result

    router.add_api_route(
        f"/{action}",
        set_paused,
        methods=["POST"],
        response_model=AuditScheduleState,
        name=f"{action}_schedule",
        description=summary,
    )


_add_pause_route("pause", True, "Pause the tenant's scheduled audits.")
_add_pause_route("resume", False, "Resume the tenant's scheduled audits.")


@router.post("/trigger", status_code=status.HTTP_202_ACCEPTED)
async def trigger_schedule(
    tenant: TenantDep, identity: EngineerIdentity, state: StateDep, session: SessionDep
) -> dict[str, str]:
    """Run the scheduled audit now."""
    try:
        await schedules.trigger(await temporal.client(state), tenant)
    except ScheduleNotFound as exc:
        raise _not_found(exc) from None
    _log_action(session, identity, tenant, "trigger")
    return {"status": "triggered"}


@router.delete("", status_code=status.HTTP_204_NO_CONTENT)
async def delete_schedule(
    tenant: TenantDep, identity: EngineerIdentity, state: StateDep, session: SessionDep
) -> None:
    """Delete the tenant's audit schedule."""
    try:
        await schedules.delete(await temporal.client(state), tenant)
    except ScheduleNotFound as exc:
        raise _not_found(exc) from None
    _log_action(session, identity, tenant, "delete")
