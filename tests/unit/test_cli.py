"""The `netwave` command: tokens are printed once, bad input exits non-zero with a reason."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from typer.testing import CliRunner

from services.cli import app
from services.core.settings import get_settings
from services.store.db import get_engine, make_session_factory
from services.store.repos import audit_log as audit_log_repo
from services.store.repos import tokens as token_repo

runner = CliRunner()


pytestmark = pytest.mark.usefixtures("scratch_env")


def test_token_create_prints_once_and_stores_only_hash() -> None:
    result = runner.invoke(app, ["token", "create", "--role", "tenant", "--tenant", "acme"])
    assert result.exit_code == 0, result.output
    token = result.stdout.strip().splitlines()[-1]
    assert token.startswith("nw_")
    settings = get_settings()
    sessions = make_session_factory(get_engine(settings.database_url))
    with sessions() as session:
        identity = token_repo.authenticate(
            session, token=token, pepper=settings.token_pepper, now=datetime.now(UTC)
        )
        assert identity is not None and identity.tenant == "acme"
        actions = [e.action for e in audit_log_repo.list_entries(session)]
    assert "token.create" in actions
    listing = runner.invoke(app, ["token", "list"])
    assert listing.exit_code == 0 and token not in listing.output


def test_token_create_refuses_bad_role_and_missing_tenant() -> None:
    bad_role = runner.invoke(app, ["token", "create", "--role", "root"])
    assert bad_role.exit_code == 2 and "--role must be one of" in bad_role.output
    no_tenant = runner.invoke(app, ["token", "create", "--role", "tenant"])
    assert no_tenant.exit_code == 2 and "tenant" in no_tenant.output


def test_token_revoke() -> None:
    created = runner.invoke(app, ["token", "create", "--role", "engineer"])
    prefix = created.stdout.strip().split("_")[1]
    assert runner.invoke(app, ["token", "revoke", prefix]).exit_code == 0
    assert runner.invoke(app, ["token", "revoke", "nope"]).exit_code == 1


def test_backup_run_needs_a_token() -> None:
    result = runner.invoke(app, ["backup", "run"], env={"NETWAVE_TOKEN": ""})
    assert result.exit_code == 2 and "NETWAVE_TOKEN" in result.output
