"""Tenants, the API tokens that act for them or for staff, and signed-out console sessions."""

from __future__ import annotations

from datetime import datetime
from typing import Literal, get_args

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from services.store.models.base import Base, UTCDateTime, utcnow

Role = Literal["tenant", "engineer", "approver", "admin"]
ROLES: tuple[Role, ...] = get_args(Role)


class Tenant(Base):
    """A client of the MSP; every tenant-owned row points here."""

    __tablename__ = "tenants"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(63), unique=True)
    display_name: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ApiToken(Base):
    """An API token; only the HMAC of the token is stored, the prefix identifies it."""

    __tablename__ = "api_tokens"
    __table_args__ = (
        CheckConstraint(f"role IN ({', '.join(repr(r) for r in ROLES)})", name="role"),
        CheckConstraint(
            "(role = 'tenant' AND tenant_id IS NOT NULL)"
            " OR (role <> 'tenant' AND tenant_id IS NULL)",
            name="tenant_scope",
        ),
        CheckConstraint("principal_kind IN ('person', 'system')", name="principal_kind"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100))  # a label: what the token is for
    # Who stands behind it (services/core/principals.py): four-eyes and the audit log use it.
    principal: Mapped[str] = mapped_column(String(100), index=True)
    principal_kind: Mapped[str] = mapped_column(String(16), default="person")
    prefix: Mapped[str] = mapped_column(String(16), unique=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    tenant_id: Mapped[int | None] = mapped_column(ForeignKey("tenants.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class EndedConsoleSession(Base):
    """A console session signed out on the server: its cookie no longer works, even copied.

    Kept until the cookie would have expired anyway (`expires_at`), then dropped.
    """

    __tablename__ = "console_sessions_ended"

    nonce: Mapped[str] = mapped_column(String(64), primary_key=True)
    token_id: Mapped[int] = mapped_column(ForeignKey("api_tokens.id"))
    ended_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
