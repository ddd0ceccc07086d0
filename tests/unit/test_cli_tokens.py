"""`netwave token`: a default lifetime, no lifetime in the past, one principal per token
(look-alikes refused), rotation that revokes the old token in the same step."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from typer.testing import CliRunner

from services.cli import app
from services.core.settings import get_settings
from services.store.db import get_engine, make_session_factory
from services.store.repos import tokens as token_repo

runner = CliRunner()


pytestmark = pytest.mark.usefixtures("scratch_env")


@pytest.fixture
def scratch_variables() -> dict[str, str | None]:
    return {"NETWAVE_TOKEN_LIFETIME_DAYS": "30"}


def _stored(prefix: str) -> token_repo.TokenOut:
    sessions = make_session_factory(get_engine(get_settings().database_url))
    with sessions() as session:
        found = token_repo.find_by_prefix(session, prefix)
    assert found is not None
    return found


def _create(*args: str) -> str:
    result = runner.invoke(app, ["token", "create", *args])
    assert result.exit_code == 0, result.output
    return result.stdout.strip().splitlines()[-1]


def test_tokens_expire_by_default_and_never_in_the_past() -> None:
    token = _create("--role", "engineer", "--principal", "Jane.Doe")
    stored = _stored(token.split("_")[1])
    assert stored.principal == "jane.doe" and stored.principal_kind == "person"
    assert stored.expires_at is not None
    left = stored.expires_at - datetime.now(UTC)
    assert timedelta(days=29, hours=23) < left <= timedelta(days=30)
    for days in ("-5", "0"):
        refused = runner.invoke(
            app, ["token", "create", "--role", "engineer", "--expires-days", days]
        )
        assert refused.exit_code == 2 and "1 or more" in refused.output, refused.output


def test_a_look_alike_principal_is_refused() -> None:
    _create("--role", "approver", "--principal", "noc-team")
    for look_alike in ("n0c-team", "noc_team"):
        refused = runner.invoke(
            app, ["token", "create", "--role", "approver", "--principal", look_alike]
        )
        assert refused.exit_code == 2 and "looks like the existing principal" in refused.output
    again = _create("--role", "engineer", "--principal", " NOC-Team ")  # the same principal
    assert _stored(again.split("_")[1]).principal == "noc-team"


def test_rotate_issues_a_new_token_and_revokes_the_old() -> None:
    old = _create(
        "--role", "tenant", "--tenant", "acme", "--principal", "acme-portal", "--kind", "system"
    )
    prefix = old.split("_")[1]
    rotated = runner.invoke(app, ["token", "rotate", prefix])
    assert rotated.exit_code == 0, rotated.output
    new = rotated.stdout.strip().splitlines()[-1]
    assert new.startswith("nw_") and new != old
    settings = get_settings()
    sessions = make_session_factory(get_engine(settings.database_url))
    now = datetime.now(UTC)
    with sessions() as session:
        assert (
            token_repo.authenticate(session, token=old, pepper=settings.token_pepper, now=now)
            is None
        )
        identity = token_repo.authenticate(
            session, token=new, pepper=settings.token_pepper, now=now
        )
    assert identity is not None and (identity.name, identity.tenant) == ("acme-portal", "acme")
    assert _stored(new.split("_")[1]).principal_kind == "system"
    again = runner.invoke(app, ["token", "rotate", prefix])
    assert again.exit_code == 1 and "revoked" in again.output
