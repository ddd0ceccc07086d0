"""Change planning activities: thin adapters over services.changes, services.network and the
store. The device steps of a change are the device runbook's (workflows/runbook)."""

from __future__ import annotations

import json

from temporalio import activity

from services.changes.intent import commands_hash
from services.changes.plan import DevicePlan, sha256
from services.changes.policy import PolicyDecision, decide
from services.changes.remediation import RemediationRequest
from services.changes.requests import validate_request
from services.core.errors import NetwaveError
from services.network.jump import resolve_login
from services.network.platforms import get_platform
from services.network.push import fetch_running
from services.store.repos import changes as change_repo
from workflows.changes.loading import ChangeLoading
from workflows.changes.loading import fail as _fail
from workflows.changes.models import PlanInput, PlanSummary
from workflows.common.heartbeat import heartbeating


class ChangeActivities(ChangeLoading):
    """Plan a change; `ChangeLoading` finds the change, its plan and device."""

    # -- plan and lifecycle --------------------------------------------------------------
    @activity.defn(name="plan_change")
    @heartbeating
    def plan_change(self, request: PlanInput) -> PlanSummary:
        """Collect the running configs, compute commands, rollback and diff; store a revision."""
        _change, parsed, inventory, contract = self.context(request.tenant, request.change_id)
        try:
            if isinstance(parsed, RemediationRequest):
                devices = [inventory.device(parsed.device)]
                policy = PolicyDecision(
                    auto_approved=False,
                    reason=f"remediation of {', '.join(parsed.features)} needs an approver",
                    expire_after_hours=contract.approval.expire_after_hours,
                )
            else:
                devices = validate_request(parsed, inventory, contract)
                policy = decide(parsed, contract, devices[0].data)
            plans = []
            for device in devices:
                credential = resolve_login(self.provider, device)
                running = fetch_running(device, credential, timeout=self.settings.device_timeout)
                plans.append(self.plan_device(device, running, parsed, request.features))
        except NetwaveError as exc:
            raise _fail(exc) from None
        documents = [p.model_dump(mode="json") for p in plans]
        digest = sha256(json.dumps(documents, sort_keys=True))
        with self.sessions.begin() as session:
            plan = change_repo.add_plan(
                session,
                tenant=request.tenant,
                change_id=request.change_id,
                devices=documents,
                plan_hash=digest,
            )
        return PlanSummary(
            revision=plan.revision,
            devices=[p.device for p in plans],
            auto_approved=policy.auto_approved,
            reason=policy.reason,
            expire_after_hours=policy.expire_after_hours,
            noop=all(p.noop for p in plans),
            commands_hash=commands_hash(plans),
            features=sorted({f for p in plans for f in p.features}),
        )

    @activity.defn(name="plan_is_current")
    @heartbeating
    def plan_is_current(self, request: PlanInput) -> bool:
        """Whether every device still runs the config the latest plan was computed from."""
        with self.sessions() as session:
            plan = change_repo.latest_plan(
                session, tenant=request.tenant, change_id=request.change_id
            )
        if plan is None:
            return False
        _change, parsed, _inventory, _contract = self.context(request.tenant, request.change_id)
        for doc in plan.devices:
            planned = DevicePlan.model_validate(doc)
            device, credential = self.device_login(request.tenant, planned.device)
            running = fetch_running(device, credential, timeout=self.settings.device_timeout)
            if (
                sha256(get_platform(device.platform).strip_volatile(running))
                != planned.running_hash
            ):
                return False
            # The intent may have moved too: a change verified on the device since this plan.
            try:
                again = self.plan_device(device, running, parsed, planned.features or None)
            except NetwaveError as exc:
                raise _fail(exc) from None
            if again.intended_hash != planned.intended_hash:
                return False
        return True
