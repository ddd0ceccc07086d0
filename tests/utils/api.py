"""Factories for API tests: an app on scratch settings and tokens of each role."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from services.bootstrap import prepare_local
from services.core.settings import Settings
from services.store.repos import tokens as token_repo


def make_token(
    settings: Settings,
    role: str,
    tenant: str | None = None,
    expired: bool = False,
    principal: str | None = None,
) -> str:
    sessions = prepare_local(settings, lab=True)
    with sessions.begin() as session:
        plaintext, _ = token_repo.create_token(
            session,
            role=role,
            tenant=tenant,
            name=f"test-{role}-{tenant or 'all'}",
            principal=principal,
            pepper=settings.token_pepper.get_secret_value(),
            # An expired token: issued a day ago for a minute (a past expiry is refused now).
            expires_at=datetime.now(UTC) - timedelta(hours=23) if expired else None,
            now=datetime.now(UTC) - timedelta(days=1) if expired else None,
        )
    return plaintext


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def mark_for_attention(
    settings: Settings,
    device: str,
    *,
    tenant: str = "acme",
    site: str = "branch1",
    reason: str = "rollback incomplete; lines left over: shape average 50000000",
) -> str:
    """`device` marked as a change's rollback would mark it; the change's id."""
    from services.store.repos import attention as attention_repo
    from services.store.repos import changes as change_repo

    sessions = prepare_local(settings, lab=True)
    with sessions.begin() as session:
        change, _ = change_repo.create_change(
            session,
            tenant=tenant,
            site=site,
            kind="wan_bandwidth",
            params={"kind": "wan_bandwidth"},
            requested_by="test",
        )
        attention_repo.raise_attention(
            session, tenant=tenant, device=device, change_id=change.id, reason=reason
        )
    return change.id
