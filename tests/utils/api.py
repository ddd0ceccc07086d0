"""Factories for API tests: an app on scratch settings and tokens of each role."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from services.bootstrap import prepare_local
from services.core.settings import Settings
from services.store.repos import tokens as token_repo


def make_token(
    settings: Settings, role: str, tenant: str | None = None, expired: bool = False
) -> str:
    sessions = prepare_local(settings)
    with sessions.begin() as session:
        plaintext, _ = token_repo.create_token(
            session,
            role=role,
            tenant=tenant,
            name=f"test-{role}-{tenant or 'all'}",
            pepper=settings.token_pepper.get_secret_value(),
            expires_at=datetime.now(UTC) - timedelta(minutes=1) if expired else None,
        )
    return plaintext


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
