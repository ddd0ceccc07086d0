"""Per-tenant audit schedules, held as Temporal Schedules (`audit-schedule-<tenant>`)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from pydantic import BaseModel, Field, field_validator, model_validator
from temporalio.client import (
    Client,
    Schedule,
    ScheduleActionStartWorkflow,
    ScheduleAlreadyRunningError,
    ScheduleIntervalSpec,
    ScheduleOverlapPolicy,
    SchedulePolicy,
    ScheduleSpec,
    ScheduleState,
    ScheduleUpdate,
    ScheduleUpdateInput,
)
from temporalio.service import RPCError, RPCStatusCode

from services.core.settings import Settings
from services.core.zones import IanaTimezone
from workflows.audit.models import AuditInput

DEFAULT_CRON = "0 2 * * *"
CRON_FIELD = re.compile(r"^[0-9A-Za-z*/,?-]+$")


class ScheduleNotFound(LookupError):
    pass


class AuditScheduleSpec(BaseModel):
    """When a tenant's audit runs: a cron expression in a timezone, or a fixed interval."""

    cron: str | None = Field(default=DEFAULT_CRON, max_length=120, examples=["0 2 * * *"])
    timezone: IanaTimezone = Field(default="UTC", max_length=64, examples=["Europe/Berlin"])
    every_seconds: int | None = Field(default=None, ge=1, le=31 * 86400)
    note: str | None = Field(default=None, max_length=500)

    @field_validator("cron")
    @classmethod
    def _cron(cls, value: str | None) -> str | None:
        if value is None:
            return None
        fields = value.split()
        if len(fields) != 5 or not all(CRON_FIELD.match(f) for f in fields):
            raise ValueError("cron must have 5 fields: minute hour day-of-month month day-of-week")
        return " ".join(fields)

    @model_validator(mode="after")
    def _one_trigger(self) -> AuditScheduleSpec:
        if (self.cron is None) == (self.every_seconds is None):
            raise ValueError("give exactly one of cron or every_seconds")
        return self

    def temporal_spec(self) -> ScheduleSpec:
        if self.every_seconds is not None:
            return ScheduleSpec(
                intervals=[ScheduleIntervalSpec(every=timedelta(seconds=self.every_seconds))]
            )
        return ScheduleSpec(
            cron_expressions=[self.cron or DEFAULT_CRON], time_zone_name=self.timezone
        )


class AuditScheduleState(BaseModel):
    tenant: str
    schedule_id: str
    cron: str | None
    timezone: str
    every_seconds: int | None
    paused: bool
    note: str | None
    next_runs: list[datetime]
    recent_runs: list[str] = Field(description="workflow ids of the latest runs")


def schedule_id(tenant: str) -> str:
    return f"audit-schedule-{tenant}"


def _schedule(tenant: str, spec: AuditScheduleSpec, settings: Settings, paused: bool) -> Schedule:
    return Schedule(
        action=ScheduleActionStartWorkflow(
            "ComplianceAuditWorkflow",
            AuditInput(
                tenant=tenant,
                requested_by=f"schedule:{schedule_id(tenant)}",
                device_task_queue=settings.device_task_queue,
            ),
            id=f"audit-{tenant}-scheduled",
            task_queue=settings.task_queue,
        ),
        spec=spec.temporal_spec(),
        policy=SchedulePolicy(overlap=ScheduleOverlapPolicy.SKIP),
        state=ScheduleState(paused=paused, note=spec.note),
    )


async def upsert_schedule(
    client: Client, settings: Settings, tenant: str, spec: AuditScheduleSpec
) -> AuditScheduleState:
    """Create the tenant's schedule, or replace its timing (keeping paused/unpaused)."""
    try:
        await client.create_schedule(
            schedule_id(tenant), _schedule(tenant, spec, settings, paused=False)
        )
    except ScheduleAlreadyRunningError:
        handle = client.get_schedule_handle(schedule_id(tenant))

        def update(current: ScheduleUpdateInput) -> ScheduleUpdate:
            paused = current.description.schedule.state.paused
            return ScheduleUpdate(schedule=_schedule(tenant, spec, settings, paused))

        await handle.update(update)
    return await describe_schedule(client, tenant)


async def describe_schedule(client: Client, tenant: str) -> AuditScheduleState:
    handle = client.get_schedule_handle(schedule_id(tenant))
    try:
        described = await handle.describe()
    except RPCError as exc:
        if exc.status == RPCStatusCode.NOT_FOUND:
            raise ScheduleNotFound(f"tenant {tenant!r} has no audit schedule") from None
        raise
    spec = described.schedule.spec
    interval = spec.intervals[0].every if spec.intervals else None
    return AuditScheduleState(
        tenant=tenant,
        schedule_id=schedule_id(tenant),
        cron=spec.cron_expressions[0] if spec.cron_expressions else _cron_of(spec),
        timezone=spec.time_zone_name or "UTC",
        every_seconds=int(interval.total_seconds()) if interval else None,
        paused=described.schedule.state.paused,
        note=described.schedule.state.note,
        next_runs=list(described.info.next_action_times[:5]),
        recent_runs=[
            a.action.workflow_id
            for a in described.info.recent_actions[-5:]
            if hasattr(a.action, "workflow_id")
        ],
    )


def _cron_of(spec: ScheduleSpec) -> str | None:
    """The server turns cron strings into calendar specs; show them back as cron."""
    if not spec.calendars:
        return None
    cal = spec.calendars[0]

    def field(ranges: object) -> str:
        items = list(ranges)  # type: ignore[call-overload]
        if not items:
            return "*"
        parts = []
        for r in items:
            if r.start == r.end:
                parts.append(str(r.start))
            elif r.step and r.step > 1:
                parts.append(f"{r.start}-{r.end}/{r.step}")
            else:
                parts.append(f"{r.start}-{r.end}")
        return ",".join(parts)

    return " ".join(
        field(x) for x in (cal.minute, cal.hour, cal.day_of_month, cal.month, cal.day_of_week)
    )


async def set_paused(
    client: Client, tenant: str, paused: bool, note: str | None
) -> AuditScheduleState:
    await describe_schedule(client, tenant)
    handle = client.get_schedule_handle(schedule_id(tenant))
    if paused:
        await handle.pause(note=note or "paused through netwave")
    else:
        await handle.unpause(note=note or "resumed through netwave")
    return await describe_schedule(client, tenant)


async def trigger(client: Client, tenant: str) -> None:
    await describe_schedule(client, tenant)
    await client.get_schedule_handle(schedule_id(tenant)).trigger(
        overlap=ScheduleOverlapPolicy.ALLOW_ALL
    )


async def delete(client: Client, tenant: str) -> None:
    await describe_schedule(client, tenant)
    await client.get_schedule_handle(schedule_id(tenant)).delete()


async def ensure_default_schedules(
    client: Client, settings: Settings, tenants: list[str]
) -> list[str]:
    """A nightly audit for every tenant that has no schedule yet; returns the tenants added."""
    added = []
    for tenant in tenants:
        try:
            await describe_schedule(client, tenant)
        except ScheduleNotFound:
            await upsert_schedule(client, settings, tenant, AuditScheduleSpec())
            added.append(tenant)
    return added
