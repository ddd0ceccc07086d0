"""A change's part in the intended state: the revision it writes once verified, and the
guard that keeps remediation from undoing what verified changes added."""

from __future__ import annotations

import json
from collections.abc import Sequence

from sqlalchemy.orm import Session

from services.changes.plan import PATHS, DevicePlan, sha256
from services.core.errors import ChangeValidationError
from services.intent.merge import Intended, merge
from services.intent.model import IntentEdit, IntentRevision
from services.network.platforms import get_platform
from services.network.render import Renderer
from services.store.repos import changes as change_repo
from services.store.repos import intent as intent_repo
from services.store.repos.changes import ChangeOut

POLICY_APPROVER = "policy"


def commands_hash(plans: Sequence[DevicePlan]) -> str:
    """What a decision approves: every device's commands, in order."""
    return sha256(json.dumps([[p.device, p.commands] for p in plans]))


def record_intent(session: Session, change: ChangeOut) -> list[IntentRevision]:
    """The intent revisions of a change that was just verified (idempotent: written once)."""
    plan = change_repo.latest_plan(session, tenant=change.tenant, change_id=change.id)
    if plan is None:
        return []
    edits = {
        str(doc["device"]): [IntentEdit.model_validate(e) for e in doc.get("intent") or []]
        for doc in plan.devices
    }
    approvals = change_repo.approvals(session, tenant=change.tenant, change_id=change.id)
    approved = [a.approver for a in approvals if a.decision == "approved"]
    return intent_repo.record_revisions(
        session,
        tenant=change.tenant,
        change_id=change.id,
        kind=change.kind,
        requested_by=change.requested_by,
        approved_by=approved[-1] if approved else POLICY_APPROVER,
        edits=edits,
    )


def _added_by(intent: Intended, renderer: Renderer) -> dict[str, IntentRevision]:
    """Each config line that an applied revision added, with that revision."""
    platform = intent.base.platform
    paths = PATHS[get_platform(platform).syntax]
    applied = intent.applied
    added: dict[str, IntentRevision] = {}
    previous = paths(platform, renderer.render_device(intent.base))
    for index, revision in enumerate(applied):
        now = paths(
            platform, renderer.render_device(merge(intent.base, applied[: index + 1]).device)
        )
        for path in now - previous:
            added.setdefault(path[-1].strip(), revision)
        previous = now
    return added


def _removed(command: str) -> str | None:
    text = command.strip()
    for prefix in ("no ", "delete "):
        if text.startswith(prefix):
            return text.removeprefix(prefix)
    return None


def refuse_removing_intent(plan: DevicePlan, intent: Intended, renderer: Renderer) -> None:
    """A remediation must not delete a line that a verified change added: refuse it, naming
    the line and the change."""
    if not intent.applied:
        return
    added = _added_by(intent, renderer)
    for command in plan.commands:
        target = _removed(command)
        if target is None:
            continue
        for line, revision in added.items():
            if line == target or line.removeprefix("set ").startswith(target):
                raise ChangeValidationError(
                    [
                        (
                            "features",
                            f"remediation would remove {line!r} on {plan.device}, which change "
                            f"{revision.change_id} added (intent revision {revision.seq}); "
                            "change the compliance rule or request the removal as a change",
                        )
                    ]
                )
