"""`netwave token`: API tokens, each for one principal (a person or a system), with a lifetime.

Local commands (they open the database directly): create, list, revoke, rotate. The plaintext
is printed once, on stdout alone (`export NETWAVE_TOKEN=$(netwave token create ...)`).
"""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from services.cli import out
from services.cli.common import fail
from services.cli.out import JsonAlias, Output, OutputOption
from services.core.errors import NetwaveError
from services.core.settings import get_settings
from services.store.models import ROLES
from services.store.repos import audit_log as audit_log_repo

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

token_app = typer.Typer(help="API tokens (only their hash is stored).", no_args_is_help=True)


def _operator() -> str:
    return f"cli:{os.environ.get('USER', 'unknown')}"


def _record(
    session: Session,
    action: str,
    tenant: str | None,
    prefix: str,
    detail: dict[str, Any] | None = None,
) -> None:
    """The audit log entry of a token command, by the operator at this shell."""

    audit_log_repo.record(
        session,
        actor=_operator(),
        action=action,
        tenant=tenant,
        object=f"token:{prefix}",
        detail=detail,
    )


def _expiry(days: int | None) -> datetime:
    lifetime = days if days is not None else get_settings().token_lifetime_days
    if lifetime < 1:
        raise fail(
            f"--expires-days must be 1 or more (a token that is already expired), not {lifetime}", 2
        )
    return datetime.now(UTC) + timedelta(days=lifetime)


@token_app.command("create")
def token_create(
    role: Annotated[str, typer.Option(help=f"one of {', '.join(ROLES)}")],
    tenant: Annotated[str | None, typer.Option(help="tenant (required for role tenant)")] = None,
    principal: Annotated[
        str | None,
        typer.Option(
            help="who stands behind the token, a person or a system (default: --name, else "
            "$USER); four-eyes compares principals: give approvers their own"
        ),
    ] = None,
    kind: Annotated[str, typer.Option(help="person or system")] = "person",
    name: Annotated[str | None, typer.Option(help="a label: what the token is for")] = None,
    expires_days: Annotated[
        int | None,
        typer.Option(help="lifetime in days (default NETWAVE_TOKEN_LIFETIME_DAYS, 90)"),
    ] = None,
) -> None:
    """Create an API token and print it once; only its hash is stored."""
    from services.bootstrap import prepare_local
    from services.store.repos import tokens as token_repo

    if role not in ROLES:
        raise fail(f"--role must be one of {', '.join(ROLES)}, not {role!r}", 2)
    expires_at = _expiry(expires_days)
    who = principal or name or os.environ.get("USER", "cli")
    try:
        sessions = prepare_local(get_settings())
        with sessions.begin() as session:
            plaintext, token = token_repo.create_token(
                session,
                role=role,
                tenant=tenant,
                name=name or f"{role}-{who}",
                principal=who,
                principal_kind=kind,
                pepper=get_settings().token_pepper.get_secret_value(),
                expires_at=expires_at,
            )
            _record(
                session,
                "token.create",
                tenant,
                token.prefix,
                {"role": role, "name": token.name, "principal": token.principal},
            )
    except (NetwaveError, ValueError) as exc:
        raise fail(str(exc), 2) from None
    out.err.print(
        f"token {token.prefix} ({role}{', tenant ' + tenant if tenant else ''}) for "
        f"{token.principal}, expires {token.expires_at:%Y-%m-%d}; it is shown once:"
    )
    print(plaintext)


@token_app.command("list")
def token_list(output: OutputOption = Output.table, as_json: JsonAlias = False) -> None:
    """List tokens (prefix, principal, role, tenant, expiry); never the secret."""
    from services.store.db import get_engine, make_session_factory
    from services.store.repos import tokens as token_repo

    sessions = make_session_factory(get_engine(get_settings().database_url))
    with sessions() as session:
        tokens = token_repo.list_tokens(session)
    if out.wants_json(output, as_json):
        out.print_json([t.model_dump(mode="json") for t in tokens])
        return
    table = Table("prefix", "principal", "name", "role", "tenant", "expires", "revoked")
    for t in tokens:
        table.add_row(
            t.prefix,
            f"{t.principal} ({t.principal_kind})",
            t.name,
            t.role,
            t.tenant or "-",
            str(t.expires_at or "-"),
            str(t.revoked_at or "-"),
        )
    out.console.print(table)


@token_app.command("revoke")
def token_revoke(
    prefix: Annotated[str, typer.Argument(help="token prefix from `token list`")],
) -> None:
    """Revoke a token by its prefix (its console sessions end with it)."""
    from services.store.db import get_engine, make_session_factory
    from services.store.repos import tokens as token_repo

    sessions = make_session_factory(get_engine(get_settings().database_url))
    with sessions.begin() as session:
        found = token_repo.find_by_prefix(session, prefix)
        if found is None:
            raise fail(f"no token with prefix {prefix!r}")
        token_repo.revoke_token(session, token_id=found.id)
        _record(session, "token.revoke", found.tenant, prefix)
    out.console.print(f"token {prefix} revoked")


@token_app.command("rotate")
def token_rotate(
    prefix: Annotated[str, typer.Argument(help="token prefix from `token list`")],
    expires_days: Annotated[
        int | None, typer.Option(help="lifetime of the new token (default 90)")
    ] = None,
) -> None:
    """Replace a token: a new one for the same principal, role and tenant is printed once, the
    old one is revoked in the same transaction."""
    from services.store.db import get_engine, make_session_factory
    from services.store.repos import tokens as token_repo

    expires_at = _expiry(expires_days)
    settings = get_settings()
    sessions = make_session_factory(get_engine(settings.database_url))
    try:
        with sessions.begin() as session:
            old = token_repo.find_by_prefix(session, prefix)
            if old is None:
                raise fail(f"no token with prefix {prefix!r}")
            if old.revoked_at is not None:
                raise fail(f"token {prefix} is revoked: create a new one instead")
            plaintext, new = token_repo.create_token(
                session,
                role=old.role,
                tenant=old.tenant,
                name=old.name,
                principal=old.principal,
                principal_kind=old.principal_kind,
                pepper=settings.token_pepper.get_secret_value(),
                expires_at=expires_at,
            )
            token_repo.revoke_token(session, token_id=old.id)
            _record(
                session,
                "token.rotate",
                old.tenant,
                prefix,
                {"new": new.prefix, "principal": new.principal},
            )
    except (NetwaveError, ValueError) as exc:
        raise fail(str(exc), 2) from None
    out.err.print(f"token {prefix} revoked; its replacement {new.prefix} is shown once:")
    print(plaintext)
