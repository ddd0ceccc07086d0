"""Console sessions signed out on the server: a denylist of session nonces until expiry."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from services.store.models import EndedConsoleSession
from services.store.repos._checks import aware


def end_session(
    session: Session, *, nonce: str, token_id: int, now: datetime, expires_at: datetime
) -> None:
    """Sign the session out for good; entries past their cookie's expiry are dropped."""
    aware("now", now)
    session.execute(delete(EndedConsoleSession).where(EndedConsoleSession.expires_at <= now))
    if session.get(EndedConsoleSession, nonce) is None:
        session.add(
            EndedConsoleSession(
                nonce=nonce,
                token_id=token_id,
                ended_at=now,
                expires_at=aware("expires_at", expires_at),
            )
        )
    session.flush()


def has_ended(session: Session, nonce: str) -> bool:
    return (
        session.scalar(select(EndedConsoleSession.nonce).where(EndedConsoleSession.nonce == nonce))
        is not None
    )
