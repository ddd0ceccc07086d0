"""Campaign activities: thin adapters over services.campaigns, services.network and the store.

Every device step is safe to run again after a worker crash: staging skips an image already in
flash, boot selection is declarative, a reload is committed in the database before it is sent
and never sent twice, backups are idempotent per run id.
"""

from __future__ import annotations

import contextlib
import time
from typing import Unpack

from pydantic import ValidationError
from temporalio import activity
from temporalio.exceptions import ApplicationError

from services.campaigns.budget import allowed_failures
from services.campaigns.checks import compare_snapshots
from services.campaigns.lifecycle import DEVICE_OUTCOMES, WORKFLOW_EVENTS
from services.campaigns.resolve import resolve_campaign
from services.campaigns.spec import CampaignSpec
from services.campaigns.targets import plan_waves
from services.core.errors import NetwaveError
from services.core.failpoints import before_last_line
from services.core.secrets import Credential
from services.network.backup import store_running
from services.network.inventory import Device, load_all
from services.network.jump import resolve_login
from services.network.push import connect, fetch_running
from services.network.state import DeviceState, collect_state
from services.network.upgrade import (
    Image,
    read_facts,
    set_boot,
    stage_image,
    upgrade_driver,
)
from services.observability import device_log, outcomes
from services.store.repos import audit_log as audit_log_repo
from services.store.repos import campaign_events
from services.store.repos import campaigns as campaign_repo
from services.store.repos import images as image_repo
from services.store.repos.campaigns import DeviceRecord
from workflows.campaigns.models import (
    BootInput,
    CampaignPlan,
    CampaignRef,
    CampaignStatusInput,
    DeviceRunInput,
    DeviceStatusInput,
    PreCheck,
    ReloadInput,
    StepResult,
    WaitInput,
)
from workflows.campaigns.notify import CampaignNotifications
from workflows.common.heartbeat import heartbeating

POLL_SECONDS = 1.0
MID_BOOT = "campaign.mid_boot"  # failpoint: after all but the last boot line


def _fail(message: str, kind: str = "PlanError") -> ApplicationError:
    return ApplicationError(message, type=kind, non_retryable=True)


class CampaignActivities(CampaignNotifications):
    """See `WorkerActivities`: settings, database sessions, secrets provider."""

    def _device(self, run: DeviceRunInput) -> tuple[Device, Credential]:
        device = self.trusted_tenant(run.target.tenant).device(run.target.device)
        return device, resolve_login(self.provider, device)

    def _record(self, run: DeviceRunInput, **values: Unpack[DeviceRecord]) -> None:
        with self.sessions.begin() as session:
            campaign_repo.update_device(
                session,
                campaign_id=run.campaign_id,
                tenant=run.target.tenant,
                device=run.target.device,
                **values,
            )

    # -- the campaign ----------------------------------------------------------------------
    @activity.defn(name="campaign_plan")
    @heartbeating
    def campaign_plan(self, ref: CampaignRef) -> CampaignPlan:
        """Targets from the inventories, images from the catalogue, waves; devices recorded."""
        with self.sessions() as session:
            campaign = campaign_repo.get_campaign(session, campaign_id=ref.campaign_id)
        try:
            spec = CampaignSpec.model_validate(campaign.spec)
            with self.sessions() as session:

                def find(platform: str, version: str) -> Image | None:
                    found = image_repo.find_image(session, platform=platform, version=version)
                    return Image.model_validate(found.model_dump(exclude={"id"})) if found else None

                targets, images = resolve_campaign(
                    spec, load_all(self.settings.inventories_path), find
                )
        except (NetwaveError, ValidationError) as exc:
            raise _fail(str(exc)) from None
        waves = plan_waves(targets, spec.strategy.canary_size, spec.strategy.wave_size)
        with self.sessions.begin() as session:
            campaign_repo.add_devices(
                session,
                campaign_id=ref.campaign_id,
                devices=[
                    (t.tenant, t.device, t.platform, index)
                    for index, wave in enumerate(waves)
                    for t in wave
                ],
            )
        return CampaignPlan(
            spec=spec,
            waves=waves,
            images={
                p: Image.model_validate(i.model_dump(exclude={"id"})) for p, i in images.items()
            },
            allowed_failures=allowed_failures(spec.strategy, len(targets)),
        )

    @activity.defn(name="campaign_status")
    def campaign_status(self, request: CampaignStatusInput) -> None:
        """The campaign's status (and devices never started); audit-logged together, and in the
        campaign's events when the workflow reached it by itself (a gate, an end)."""
        with self.sessions.begin() as session:
            campaign_repo.set_status(
                session,
                campaign_id=request.campaign_id,
                status=request.status,
                summary=request.summary,
            )
            newly = 0
            for target in request.not_started:
                previous = campaign_repo.update_device(
                    session,
                    campaign_id=request.campaign_id,
                    tenant=target.tenant,
                    device=target.device,
                    status="not_started",
                    detail=f"campaign {request.status} before this device started",
                )
                newly += previous != "not_started"
            audit_log_repo.record(
                session,
                actor=request.actor,
                action=f"campaign.{request.status}",
                tenant=None,
                object=f"campaign:{request.campaign_id}",
                detail=request.summary or {},
            )
            if request.actor == "netwave" and request.status in WORKFLOW_EVENTS:
                campaign_events.record_event(
                    session,
                    campaign_id=request.campaign_id,
                    event=request.status,
                    actor=request.actor,
                    comment=str((request.summary or {}).get("reason", "")),
                )
        if newly:
            outcomes.campaign_device_finished("not_started", newly)
        activity.logger.info(
            "campaign %s %s", request.campaign_id, request.status, extra={"status": request.status}
        )

    @activity.defn(name="campaign_device_status")
    def campaign_device_status(self, request: DeviceStatusInput) -> None:
        """Record a device's progress; a final state is counted once (not again on a retry)."""
        with self.sessions.begin() as session:
            previous = campaign_repo.update_device(
                session,
                campaign_id=request.campaign_id,
                tenant=request.target.tenant,
                device=request.target.device,
                status=request.status,
                step=request.step,
                detail=request.detail,
                **request.fields,
            )
        if request.status in DEVICE_OUTCOMES and request.status != previous:
            outcomes.campaign_device_finished(request.status)
        if request.status is not None:
            activity.logger.info(
                "campaign %s: %s %s",
                request.campaign_id,
                request.target.device,
                request.status,
                extra={"status": request.status, "step": request.step},
            )

    # -- OS upgrade steps ------------------------------------------------------------------
    @activity.defn(name="upgrade_pre_check")
    @heartbeating
    def upgrade_pre_check(self, run: DeviceRunInput) -> PreCheck:
        """Reachable, current version, room in flash, a state snapshot; skip if on target."""
        assert run.image is not None
        device, credential = self._device(run)
        self._record(run, status="running", step="pre_check", to_version=run.image.version)
        facts = read_facts(device, credential, timeout=self.settings.device_timeout)
        self._record(run, from_version=facts.version)
        if facts.version == run.image.version:
            return PreCheck(ok=True, skip=True, version=facts.version, detail="already on target")
        if run.image.filename not in facts.files and facts.free_bytes < run.image.size:
            return PreCheck(
                ok=False,
                version=facts.version,
                detail=f"flash has {facts.free_bytes} bytes free; {run.image.filename} needs "
                f"{run.image.size}",
            )
        state = collect_state(device, credential, timeout=self.settings.device_timeout)
        return PreCheck(
            ok=True,
            version=facts.version,
            boot_image=facts.boot_image,
            before=state.model_dump(mode="json"),
            detail=f"on {facts.version}, {facts.free_bytes} bytes free",
        )

    @activity.defn(name="campaign_backup")
    @heartbeating
    def campaign_backup(self, run: DeviceRunInput) -> StepResult:
        """The running config before the device is touched (idempotent per campaign)."""
        self._record(run, step="backup")
        device, credential = self._device(run)
        running = fetch_running(device, credential, timeout=self.settings.device_timeout)
        with self.sessions.begin() as session:
            stored = store_running(
                session,
                tenant=run.target.tenant,
                device=run.target.device,
                platform=device.platform,
                running=running,
                run_id=f"campaign-{run.campaign_id}-{run.target.device}-pre",
            )
            campaign_repo.update_device(
                session,
                campaign_id=run.campaign_id,
                tenant=run.target.tenant,
                device=run.target.device,
                backup_version=stored.version,
            )
        return StepResult(ok=True, data={"version": stored.version})

    @activity.defn(name="upgrade_stage")
    @heartbeating
    def upgrade_stage(self, run: DeviceRunInput) -> StepResult:
        """Copy the image into flash (unless there with the right checksum) and verify it."""
        assert run.image is not None
        self._record(run, step="stage")
        device, credential = self._device(run)
        url = f"{self.settings.image_server_url.rstrip('/')}/{run.image.filename}"
        result = stage_image(device, credential, run.image, url, self.settings.device_timeout)
        return StepResult(ok=result.verified, detail=result.detail)

    @activity.defn(name="upgrade_set_boot")
    @heartbeating
    def upgrade_set_boot(self, request: BootInput) -> StepResult:
        self._record(request.run, step="set_boot")
        device, credential = self._device(request.run)
        try:
            mid_boot = before_last_line(MID_BOOT, self.settings.var_dir)  # crash tests
            set_boot(device, credential, request.image, request.fallback, mid_boot)
        except NetwaveError as exc:
            return StepResult(ok=False, detail=exc.message)
        return StepResult(ok=True, detail=f"boots {request.image}")

    @activity.defn(name="upgrade_reload")
    @heartbeating
    def upgrade_reload(self, request: ReloadInput) -> StepResult:
        """Reload once: the intent is committed before the command goes out, so a retry after a
        crash finds it and never reloads the device a second time."""
        run = request.run
        self._record(run, step=request.once_key)
        device, credential = self._device(run)
        conn = connect(device, credential, self.settings.device_timeout)
        try:
            with self.sessions.begin() as session:
                first = campaign_repo.mark_once(
                    session,
                    campaign_id=run.campaign_id,
                    tenant=run.target.tenant,
                    device=run.target.device,
                    step=request.once_key,
                )
        except Exception:
            with contextlib.suppress(Exception):
                conn.disconnect()
            raise
        if not first:
            with contextlib.suppress(Exception):
                conn.disconnect()
            return StepResult(ok=True, detail="reload already issued", data={"sent": False})
        upgrade_driver(device.platform).reload(conn)
        return StepResult(ok=True, detail="reload sent", data={"sent": True})

    @activity.defn(name="upgrade_wait")
    def upgrade_wait(self, request: WaitInput) -> StepResult:
        """Wait for the device to go down and come back; heartbeats while it is away."""
        run = request.run
        self._record(run, step="wait_for_return")
        device, credential = self._device(run)
        details = activity.info().heartbeat_details
        seen_down = bool(details and details[0])
        deadline = time.monotonic() + run.reload_timeout_seconds
        grace = min(30.0, run.reload_timeout_seconds / 4)
        started = time.monotonic()
        poll_timeout = min(10.0, self.settings.device_timeout)
        while time.monotonic() < deadline:
            activity.heartbeat(seen_down)
            try:
                with device_log.expected_down():  # its refused logins are no warnings now
                    facts = read_facts(device, credential, timeout=poll_timeout)
            except Exception:  # still reloading
                seen_down = True
                time.sleep(POLL_SECONDS)
                continue
            back = seen_down or facts.version == request.expect_version
            if back or time.monotonic() - started > grace:
                return StepResult(
                    ok=facts.version == request.expect_version,
                    detail=f"back on {facts.version}"
                    + (
                        ""
                        if facts.version == request.expect_version
                        else f", expected {request.expect_version}"
                    ),
                    data={"version": facts.version},
                )
            time.sleep(POLL_SECONDS)
        raise _fail(
            f"{run.target.device} did not come back within {run.reload_timeout_seconds:g} s",
            "ReloadTimeout",
        )

    @activity.defn(name="upgrade_post_check")
    def upgrade_post_check(self, run: DeviceRunInput) -> StepResult:
        """Interfaces, BGP and routes against the pre-snapshot; BGP may take settle_seconds."""
        self._record(run, step="post_check")
        device, credential = self._device(run)
        before = DeviceState.model_validate(run.before)
        deadline = time.monotonic() + run.tolerance.settle_seconds
        while True:
            activity.heartbeat()
            after = collect_state(device, credential, timeout=self.settings.device_timeout)
            result = compare_snapshots(before, after, run.tolerance)
            if result.ok or time.monotonic() >= deadline:
                break
            time.sleep(POLL_SECONDS)
        failed = [f"{c.name}: {c.detail}" for c in result.checks if not c.ok]
        return StepResult(ok=result.ok, detail="; ".join(failed) or "post-checks passed")
