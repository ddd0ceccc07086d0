"""Change activities: thin adapters over services.changes, services.network and services.store."""

from __future__ import annotations

import json

from temporalio import activity
from temporalio.exceptions import ApplicationError

from services.changes.attention import describe, marks_on
from services.changes.intent import commands_hash
from services.changes.plan import DevicePlan, restore_commands, same_config, sha256
from services.changes.policy import PolicyDecision, decide
from services.changes.prechecks import missing_targets
from services.changes.remediation import RemediationRequest
from services.changes.requests import validate_request
from services.core.errors import NetwaveError
from services.core.failpoints import before_last_line
from services.network.backup import store_running
from services.network.jump import resolve_login
from services.network.platforms import get_platform
from services.network.push import (
    PushError,
    fetch_running,
    push_config,
    save_running,
    undo_change,
)
from services.network.safety import SafetyNetError, tag_for
from services.network.state import (
    DeviceState,
    VerifyCheck,
    VerifyResult,
    collect_state,
    verify_change,
)
from services.store.repos import attention as attention_repo
from services.store.repos import backups as backup_repo
from services.store.repos import changes as change_repo
from workflows.change.loading import ChangeLoading
from workflows.change.loading import fail as _fail
from workflows.change.models import (
    DeviceChangeInput,
    DeviceStep,
    PlanInput,
    PlanSummary,
)
from workflows.common.heartbeat import heartbeating

MID_PUSH = "change.mid_push"  # failpoint: after all but the last line of a push
MID_RESTORE = "change.mid_restore"  # failpoint: after all but the last line of a restore


class ChangeActivities(ChangeLoading):
    """The device steps of a change; `ChangeLoading` finds the change, its plan and device."""

    # -- plan and lifecycle --------------------------------------------------------------
    @activity.defn(name="plan_change")
    @heartbeating
    def plan_change(self, request: PlanInput) -> PlanSummary:
        """Collect the running configs, compute commands, rollback and diff; store a revision."""
        _change, parsed, inventory, contract = self._context(request.tenant, request.change_id)
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
                plans.append(self._plan_device(device, running, parsed, request.features))
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
        _change, parsed, _inventory, _contract = self._context(request.tenant, request.change_id)
        for doc in plan.devices:
            planned = DevicePlan.model_validate(doc)
            device, credential = self._device(request.tenant, planned.device)
            running = fetch_running(device, credential, timeout=self.settings.device_timeout)
            if (
                sha256(get_platform(device.platform).strip_volatile(running))
                != planned.running_hash
            ):
                return False
            # The intent may have moved too: a change verified on the device since this plan.
            try:
                again = self._plan_device(device, running, parsed, planned.features or None)
            except NetwaveError as exc:
                raise _fail(exc) from None
            if again.intended_hash != planned.intended_hash:
                return False
        return True

    # -- per device ----------------------------------------------------------------------
    @activity.defn(name="change_backup")
    @heartbeating
    def change_backup(self, request: DeviceChangeInput) -> DeviceStep:
        """The pre-change backup: stored as a version and linked to the change (idempotent)."""
        with self.sessions() as session:
            linked = [
                b
                for b in change_repo.backups_of(
                    session, tenant=request.tenant, change_id=request.change_id
                )
                if b.device == request.device
            ]
        if linked:
            return DeviceStep(ok=True, data={"version": linked[0].backup_version})
        device, credential = self._device(request.tenant, request.device)
        running = fetch_running(device, credential, timeout=self.settings.device_timeout)
        with self.sessions.begin() as session:
            stored = store_running(
                session,
                tenant=request.tenant,
                device=request.device,
                platform=device.platform,
                running=running,
                run_id=f"change-{request.change_id}-pre",
            )
            change_repo.link_backup(
                session,
                tenant=request.tenant,
                change_id=request.change_id,
                device=request.device,
                backup_version=stored.version,
            )
        return DeviceStep(ok=True, data={"version": stored.version})

    @activity.defn(name="change_pre_check")
    @heartbeating
    def change_pre_check(self, request: DeviceChangeInput) -> DeviceStep:
        """Operational state before the change (interfaces, BGP neighbours, routes); not ok
        when an interface the change configures does not exist on the device."""
        _change, parsed, inventory, _contract = self._context(request.tenant, request.change_id)
        device, credential = self._device(request.tenant, request.device)
        with self.sessions() as session:
            marks = [
                m
                for m in marks_on(session, request.tenant, [request.device])
                if m.change_id != request.change_id
            ]
        if marks:  # an earlier rollback left lines behind: an engineer looks first
            return DeviceStep(ok=False, detail=f"{describe(marks[0])}; nothing pushed")
        state = collect_state(device, credential, timeout=self.settings.device_timeout)
        missing = []
        if not isinstance(parsed, RemediationRequest):
            missing = missing_targets(parsed, inventory.device(request.device).data, state)
        detail = (
            f"{', '.join(missing)} does not exist on {request.device} "
            f"(interfaces: {', '.join(sorted(state.interfaces)) or 'none'}); nothing pushed"
            if missing
            else ""
        )
        return DeviceStep(ok=not missing, detail=detail, data=state.model_dump(mode="json"))

    @activity.defn(name="change_push")
    @heartbeating
    def change_push(self, request: DeviceChangeInput) -> DeviceStep:
        """Push the planned commands once: a retry that finds them applied pushes nothing."""
        _change, parsed, _inventory, _contract = self._context(request.tenant, request.change_id)
        plan = self._plan_of(request.tenant, request.change_id, request.device)
        device, credential = self._device(request.tenant, request.device)
        running = fetch_running(device, credential, timeout=self.settings.device_timeout)
        again = self._plan_device(device, running, parsed, plan.features)
        if again.noop:
            return DeviceStep(ok=True, detail="already applied", data={"pushed": 0})
        # A retry after a push cut short (a worker killed mid-push on a NOS that applies each
        # line as it is typed) sends only what the device still lacks, only approved lines.
        approved = {c.strip() for c in plan.commands}
        unapproved = [c.strip() for c in again.commands if c.strip() not in approved]
        if unapproved:
            return DeviceStep(
                ok=False,
                detail=f"the device changed since the plan: {'; '.join(unapproved[:5])} "
                "was not approved; nothing pushed",
                data={"pushed": 0, "error_kind": "failed"},
            )
        # Not saved yet: the startup config takes the change only once it is verified, so a
        # device that reloads mid-change comes back as it was. Under the platform's safety
        # net (the change's tag names its checkpoint, session or commit on the device).
        result = push_config(
            device,
            credential,
            again.commands,
            save=False,
            timeout=self.settings.device_timeout,
            tag=tag_for(request.change_id),
            # chaos: a worker killed after all but the last line (a genuine partial push)
            after_line=before_last_line(MID_PUSH, self.settings.var_dir),
        )
        return DeviceStep(
            ok=result.ok,
            detail=result.error or "",
            data={"pushed": result.pushed, "error_kind": result.error_kind},
        )

    @activity.defn(name="change_verify")
    @heartbeating
    def change_verify(self, request: DeviceChangeInput) -> DeviceStep:
        """Post-checks against the pre-change state carried in `request.before`."""
        _change, parsed, _inventory, _contract = self._context(request.tenant, request.change_id)
        device, credential = self._device(request.tenant, request.device)
        after = collect_state(device, credential, timeout=self.settings.device_timeout)
        before = DeviceState.model_validate(request.before)
        if isinstance(parsed, RemediationRequest):
            plan = self._plan_of(request.tenant, request.change_id, request.device)
            running = fetch_running(device, credential, timeout=self.settings.device_timeout)
            left = self._plan_device(device, running, parsed, plan.features).commands
            lost = sorted(before.interfaces.keys() - after.interfaces.keys())
            checks = [
                VerifyCheck(
                    name="compliant",
                    ok=not left,
                    detail=f"still to push: {left}" if left else "features match the golden config",
                ),
                VerifyCheck(
                    name="interfaces",
                    ok=not lost,
                    detail=f"missing after the change: {lost}" if lost else "all still present",
                ),
            ]
            result = VerifyResult(ok=all(c.ok for c in checks), checks=checks)
        else:
            result = verify_change(parsed, before, after, device.data)
        failed = [f"{c.name}: {c.detail}" for c in result.checks if not c.ok]
        if result.ok:
            saved = save_running(
                device,
                credential,
                timeout=self.settings.device_timeout,
                tag=tag_for(request.change_id),
            )
            if not saved.ok:
                failed.append(f"save: {saved.error}")
        return DeviceStep(
            ok=not failed,
            detail="; ".join(failed) or "all post-checks passed; saved",
            data={"checks": [c.model_dump(mode="json") for c in result.checks]},
        )

    @activity.defn(name="change_rollback")
    @heartbeating
    def change_rollback(self, request: DeviceChangeInput) -> DeviceStep:
        """Restore the pre-change backup and confirm the running config equals it."""
        plan = self._plan_of(request.tenant, request.change_id, request.device)
        device, credential = self._device(request.tenant, request.device)
        with self.sessions() as session:
            links = change_repo.backups_of(
                session, tenant=request.tenant, change_id=request.change_id
            )
            version = next(b.backup_version for b in links if b.device == request.device)
            backup = backup_repo.get_backup(
                session, tenant=request.tenant, device=request.device, version=version
            )
        if backup is None:
            raise _fail(LookupError(f"pre-change backup v{version} of {request.device} is missing"))
        refused = ""
        undone = ""
        try:  # the NOS's own take-back first (configure replace, session abort, rollback 1)
            done = undo_change(
                device, credential, tag_for(request.change_id), timeout=self.settings.device_timeout
            )
            undone = f"; {done}" if done else ""
        except SafetyNetError as exc:
            refused = f"; the device refused its own rollback: {exc}"
        running = fetch_running(device, credential, timeout=self.settings.device_timeout)
        if not same_config(device.platform, running, backup.content):
            commands = restore_commands(plan, running, backup.content)
            # Never saved: the change was not saved either, so the startup config is as it was.
            # A retry after a cut restore (a worker killed) reads the device again above and
            # types only the lines still missing.
            result = push_config(
                device,
                credential,
                commands,
                save=False,
                timeout=self.settings.device_timeout,
                after_line=before_last_line(MID_RESTORE, self.settings.var_dir),
            )
            if not result.ok and result.error_kind is not PushError.rejected:
                raise ApplicationError(f"rollback push failed: {result.error}")
            # A line the device refuses is refused again on retry: report it, do not retry.
            if not result.ok:
                refused += f"; the device refused: {result.error}"
            running = fetch_running(device, credential, timeout=self.settings.device_timeout)
        equal = same_config(device.platform, running, backup.content)
        if equal:
            detail = f"running config equals the pre-change backup{undone}"
        else:
            left = restore_commands(plan, running, backup.content)
            shown = "; ".join(line.strip() for line in left[:20]) or "outside the plan's sections"
            detail = f"rollback incomplete; lines left over: {shown}{refused}"
            with self.sessions.begin() as session:  # no change reaches it until an engineer looked
                attention_repo.raise_attention(
                    session,
                    tenant=request.tenant,
                    device=request.device,
                    change_id=request.change_id,
                    reason=detail,
                )
        return DeviceStep(ok=equal, detail=detail[:1500], data={"backup_version": version})
