"""The device steps of every runbook, written once: backup + pre-check, push, verify + confirm,
restore. Each runs in one device session (`DeviceSession`: one login) and can run again after a
worker crash: the backup an earlier attempt kept stands, a push sends only what the device
still lacks, a restore types only the lines still missing."""

from __future__ import annotations

from temporalio.exceptions import ApplicationError

from services.changes.plan import same_config
from services.core.failpoints import before_last_line
from services.core.settings import Settings
from services.network.push_driver import PushError
from services.network.safety import SafetyNetError
from services.network.state import DeviceState
from services.observability import device as device_events
from workflows.runbook.job import DeviceJob
from workflows.runbook.models import Prepared, RunbookStep

MID_PUSH = "change.mid_push"  # failpoint: after all but the last line of a push
MID_RESTORE = "change.mid_restore"  # failpoint: after all but the last line of a restore


def prepare(job: DeviceJob, settings: Settings) -> Prepared:
    """Backup, then the state before and the pre-check, in one session; skipped when the
    device needs nothing (no backup then)."""
    job.record("pre_check", started=True)
    with job.session(settings.device_timeout) as device:
        version = job.stored_backup()
        if version is None:
            running = device.running()
            skip = job.nothing_to_do(running)
            if skip:
                return Prepared(ok=True, skip=True, detail=skip)
            version = job.keep_backup(running)
        state = device.state()
    problem = job.pre_check(state)
    return Prepared(
        ok=not problem,
        detail=problem,
        backup_version=version,
        before=state.model_dump(mode="json"),
    )


def push(job: DeviceJob, settings: Settings) -> RunbookStep:
    """Push the job's lines once, under the safety net (not saved until verified): a retry
    reads the device again and sends only what it still lacks."""
    job.record("push")
    where = (job.device.platform, job.device.tenant)
    with job.session(settings.device_timeout) as device:
        commands, refused = job.commands(device.running())
        if refused:
            device_events.push_finished(*where, "not_pushed")
            return RunbookStep(ok=False, detail=refused, data={"pushed": 0, "error_kind": "failed"})
        if not commands:
            device_events.push_finished(*where, "already_applied")
            return RunbookStep(ok=True, detail="already applied", data={"pushed": 0})
        result = device.push(
            commands,
            save=job.tag is None,
            tag=job.tag,
            # chaos: a worker killed after all but the last line (a genuine partial push)
            after_line=before_last_line(MID_PUSH, settings.var_dir),
        )
    device_events.push_finished(*where, device_events.push_outcome(result.error_kind))
    return RunbookStep(
        ok=result.ok,
        detail=result.error or f"pushed {result.pushed} lines",
        data={"pushed": result.pushed, "error_kind": result.error_kind},
    )


def verify(job: DeviceJob, settings: Settings, before: DeviceState) -> RunbookStep:
    """Post-checks against the state before; once they pass, confirm and save the change."""
    job.record("verify")
    with job.session(settings.device_timeout) as device:
        failed = job.post_checks(device, before, device.state())
        if not failed:
            saved = device.save(tag=job.tag)
            if not saved.ok:
                failed.append(f"save: {saved.error}")
    return RunbookStep(ok=not failed, detail="; ".join(failed) or "all post-checks passed; saved")


def restore(job: DeviceJob, settings: Settings) -> RunbookStep:
    """Take the job back: the NOS's own take-back first, then the lines the backup has and the
    device lacks; the running config must equal the backup. Counted ok only then."""
    try:
        step = _restore(job, settings)
    except Exception:
        device_events.rollback_finished(job.device.platform, job.device.tenant, ok=False)
        raise
    device_events.rollback_finished(job.device.platform, job.device.tenant, ok=step.ok)
    return step


def _restore(job: DeviceJob, settings: Settings) -> RunbookStep:
    job.record("rollback")
    version, backup = job.backup()
    platform = job.device.platform
    refused = undone = ""
    with job.session(settings.device_timeout) as device:
        if job.tag is not None:
            try:  # configure replace, session abort, rollback 1
                done = device.undo(job.tag)
                undone = f"; {done}" if done else ""
            except SafetyNetError as exc:
                refused = f"; the device refused its own rollback: {exc}"
        running = device.running()
        if not same_config(platform, running, backup):
            # Never saved with a net: the change was not saved either. A retry after a cut
            # restore reads the device again and types only the lines still missing.
            result = device.push(
                job.restore_commands(running, backup),
                save=job.tag is None,
                after_line=before_last_line(MID_RESTORE, settings.var_dir),
            )
            if not result.ok and result.error_kind is not PushError.rejected:
                raise ApplicationError(f"rollback push failed: {result.error}")
            # A line the device refuses is refused again on retry: report it, do not retry.
            if not result.ok:
                refused += f"; the device refused: {result.error}"
            running = device.running()
    equal = same_config(platform, running, backup)
    if equal:
        detail = f"running config equals the {job.backup_noun} backup{undone}"
    else:
        left = job.restore_commands(running, backup)
        shown = "; ".join(line.strip() for line in left[:20]) or "outside the plan's sections"
        detail = f"rollback incomplete; lines left over: {shown}{refused}"
        job.left_over(detail)
    return RunbookStep(ok=equal, detail=detail[:1500], data={"backup_version": version})
