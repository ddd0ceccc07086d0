"""Devices that need attention: raised once per (change, device), listed open, cleared with a
comment (kept, never deleted), scoped by tenant."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from services.store.errors import InvalidInputError
from services.store.models import DeviceAttention
from services.store.repos import attention as attention_repo
from services.store.repos.changes import create_change


def _change(session: Session, tenant: str = "acme") -> str:
    change, _ = create_change(
        session,
        tenant=tenant,
        site="hq",
        kind="wan_bandwidth",
        params={"bandwidth_mbps": 500},
        requested_by="portal",
    )
    return change.id


@pytest.mark.usefixtures("tenants")
def test_raised_once_per_change_and_device_then_cleared(session: Session) -> None:
    change = _change(session)
    first = attention_repo.raise_attention(
        session, tenant="acme", device="r1", change_id=change, reason="lines left over: x"
    )
    again = attention_repo.raise_attention(
        session, tenant="acme", device="r1", change_id=change, reason="a retry"
    )
    assert again == first and first.reason == "lines left over: x"
    other = _change(session, "globex")
    attention_repo.raise_attention(
        session, tenant="globex", device="g1", change_id=other, reason="y"
    )
    assert [m.device for m in attention_repo.open_attention(session, tenant="acme")] == ["r1"]
    assert attention_repo.open_attention(session, tenant="acme", devices=["r2"]) == []
    assert {m.tenant for m in attention_repo.open_attention(session)} == {"acme", "globex"}

    with pytest.raises(InvalidInputError, match="comment"):
        attention_repo.clear_attention(session, tenant="acme", device="r1", by="eng", comment=" ")
    (cleared,) = attention_repo.clear_attention(
        session, tenant="acme", device="r1", by="eng", comment="restored by hand"
    )
    assert cleared.change_id == change
    assert attention_repo.open_attention(session, tenant="acme") == []
    assert (
        attention_repo.clear_attention(
            session, tenant="acme", device="r1", by="eng", comment="again"
        )
        == []
    )
    row = session.scalars(select(DeviceAttention).where(DeviceAttention.device == "r1")).one()
    assert (row.cleared_by, row.comment) == ("eng", "restored by hand")
    assert session.scalar(select(func.count()).select_from(DeviceAttention)) == 2
