"""Change lifecycle activities: status records (with the intent revision of `verified`),
per-device locks, maintenance windows and webhooks. Thin adapters over services.store and
services.changes."""

from __future__ import annotations

from temporalio import activity
from temporalio.exceptions import ApplicationError

from services.changes.contract import load_contract
from services.changes.intent import record_intent
from services.changes.webhooks import build_event, deliver, webhook_target
from services.changes.windows import next_window
from services.core.errors import NetwaveError
from services.core.failpoints import failpoint
from services.notifications.staff import STAFF_TOLD, tell_of_change
from services.observability import outcomes
from services.store.models import utcnow
from services.store.repos import audit_log as audit_log_repo
from services.store.repos import changes as change_repo
from services.store.repos import intent as intent_repo
from services.store.repos.changes import ChangeFields
from workflows.changes.models import (
    DecisionRecord,
    LockInput,
    NotifyInput,
    StatusInput,
    WindowInput,
    WindowOut,
)
from workflows.common.context import WorkerActivities


class ChangeLifecycleActivities(WorkerActivities):
    """See `WorkerActivities`: settings, database sessions, secrets provider."""

    @activity.defn(name="set_change_status")
    def set_change_status(self, request: StatusInput) -> None:
        """Move the change to a new status; the event and the audit entry commit together."""
        fields: ChangeFields = {}
        if request.window_start is not None:
            fields["window_start"] = request.window_start
            fields["window_end"] = request.window_end
        if request.failure is not None:
            fields["failure"] = request.failure[:2000]
        if "reason" in request.detail and request.to_status in ("planned", "awaiting_approval"):
            fields.setdefault("policy_reason", str(request.detail["reason"]))
        if request.to_status == "verified":
            failpoint("change.before_verified_record", self.settings.var_dir)
        with self.sessions.begin() as session:
            before = change_repo.get_change(
                session, tenant=request.tenant, change_id=request.change_id
            )
            change = change_repo.transition(
                session,
                tenant=request.tenant,
                change_id=request.change_id,
                to_status=request.to_status,
                actor=request.actor,
                detail=request.detail,
                **fields,
            )
            if request.to_status == "verified":
                # The intent revision commits with `verified`, or neither does.
                record_intent(session, change)
            if change.terminal:
                intent_repo.unlock_devices(
                    session, tenant=request.tenant, change_id=request.change_id
                )
            audit_log_repo.record(
                session,
                actor=request.actor,
                action=f"change.{request.to_status}",
                tenant=request.tenant,
                object=f"change:{request.change_id}",
                detail=request.detail,
            )
        if change.terminal and (before is None or before.status != change.status):
            outcomes.change_finished(request.tenant, change.status)  # not again on a retry

    @activity.defn(name="lock_change_devices")
    def lock_change_devices(self, request: LockInput) -> None:
        """Hold the change's devices (all or none); busy devices make Temporal retry later."""
        with self.sessions.begin() as session:
            busy = intent_repo.lock_devices(
                session,
                tenant=request.tenant,
                change_id=request.change_id,
                devices=request.devices,
            )
        if busy:
            held = ", ".join(f"{d} by change {c}" for d, c in sorted(busy.items()))
            raise ApplicationError(f"waiting for the device: held {held}", type="DeviceBusy")

    @activity.defn(name="unlock_change_devices")
    def unlock_change_devices(self, request: LockInput) -> None:
        """Give the change's devices back (it goes back to approval, or it ended)."""
        with self.sessions.begin() as session:
            intent_repo.unlock_devices(session, tenant=request.tenant, change_id=request.change_id)

    @activity.defn(name="record_override")
    def record_override(self, request: StatusInput) -> None:
        """An admin opened the window early: recorded in the change's events and the audit log."""
        with self.sessions.begin() as session:
            change_repo.record_window_override(
                session,
                tenant=request.tenant,
                change_id=request.change_id,
                actor=request.actor,
                reason=str(request.detail.get("override_reason", "")) or "no reason given",
                at=utcnow(),
            )
            audit_log_repo.record(
                session,
                actor=request.actor,
                action="change.window_override",
                tenant=request.tenant,
                object=f"change:{request.change_id}",
                detail=request.detail,
            )

    @activity.defn(name="record_decision")
    def record_decision(self, request: DecisionRecord) -> None:
        """The decision the workflow accepted: approval row and audit entry in one transaction
        (a second writer, the API after its update, finds them and writes nothing)."""
        decision = request.decision
        if decision.approver_token_id is None:  # refused by the validator; never recorded
            return
        with self.sessions.begin() as session:
            change_repo.record_decision(
                session,
                tenant=request.tenant,
                change_id=request.change_id,
                plan_revision=decision.plan_revision,
                approver=decision.approver,
                approver_token_id=decision.approver_token_id,
                decision=decision.decision,
                comment=decision.comment,
                features=decision.features,
            )

    @activity.defn(name="next_change_window")
    def next_change_window(self, request: WindowInput) -> WindowOut:
        """The open or next maintenance window of the tenant (blackout dates skipped)."""
        try:
            window = next_window(
                load_contract(self.settings.inventories_path, request.tenant), request.now
            )
        except NetwaveError as exc:
            raise ApplicationError(str(exc), type="NoWindow", non_retryable=True) from None
        return WindowOut(start=window.start, end=window.end, source=window.source)

    @activity.defn(name="notify_change")
    def notify_change(self, request: NotifyInput) -> None:
        """Tell staff (once), then deliver the signed webhook event; raising makes Temporal
        retry with backoff, and a retry skips staff (the heartbeat says they were told)."""
        if not activity.info().heartbeat_details:
            tell_of_change(
                self.settings,
                self.provider,
                tenant=request.tenant,
                change_id=request.change_id,
                status=request.status,
                detail=request.detail,
            )
            activity.heartbeat(STAFF_TOLD)
        contract = load_contract(self.settings.inventories_path, request.tenant)
        target = webhook_target(contract, self.provider)
        if target is None:
            return
        url, secret = target
        body = build_event(request.change_id, request.tenant, request.status, request.detail)
        result = deliver(url, body, secret, timeout=10.0)
        if not result.ok:
            raise ApplicationError(f"webhook {url} failed: {result.error or result.status_code}")
