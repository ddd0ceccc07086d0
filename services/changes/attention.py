"""No change reaches a device that needs an engineer (a rollback that left lines behind)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.orm import Session

from services.core.errors import NeedsAttentionError
from services.store.repos import attention as attention_repo
from services.store.repos.attention import AttentionOut


def describe(mark: AttentionOut) -> str:
    return (
        f"{mark.device} needs attention since change {mark.change_id} "
        f"({mark.raised_at:%Y-%m-%d %H:%M} UTC): {mark.reason[:300]}; an engineer clears it "
        f"with `netwave devices clear-attention --tenant {mark.tenant} --device {mark.device}`"
    )


def marks_on(session: Session, tenant: str, devices: Sequence[str]) -> list[AttentionOut]:
    return attention_repo.open_attention(session, tenant=tenant, devices=list(devices))


def refuse_needing_attention(session: Session, tenant: str, devices: Sequence[str]) -> None:
    """Raise NeedsAttentionError naming the first device that needs attention."""
    marks = marks_on(session, tenant, devices)
    if marks:
        raise NeedsAttentionError(describe(marks[0]))
