"""Migrations: up from empty, down and up again, and agreement with the models."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Column, Integer, MetaData, inspect

from services.store import migrate
from services.store.db import make_engine
from services.store.models import Base

TABLES = {
    "tenants",
    "api_tokens",
    "config_blobs",
    "config_backups",
    "runs",
    "audit_log",
    "compliance_reports",
    "device_compliance_results",
    "change_requests",
    "change_plans",
    "change_events",
    "change_approvals",
    "change_backups",
    "os_images",
    "campaigns",
    "campaign_devices",
    "campaign_events",
    "intent_revisions",
    "device_locks",
    "device_attention",
    "host_keys",
    "console_sessions_ended",
}


def _diff(url: str, metadata: MetaData) -> list[object]:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            return list(compare_metadata(context, metadata))
    finally:
        engine.dispose()


def _tables(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        return set(inspect(engine).get_table_names()) - {"alembic_version"}
    finally:
        engine.dispose()


def test_upgrade_from_empty(empty_url: str) -> None:
    assert migrate.current(empty_url) is None
    migrate.upgrade(empty_url)
    assert migrate.current(empty_url) == migrate.head() == "0012"
    assert _tables(empty_url) == TABLES
    migrate.upgrade(empty_url)  # a second run is a no-op
    assert migrate.current(empty_url) == "0012"


def test_downgrade_to_base_and_up_again(empty_url: str) -> None:
    migrate.upgrade(empty_url)
    migrate.downgrade(empty_url, "base")
    assert migrate.current(empty_url) is None
    assert _tables(empty_url) == set()
    migrate.upgrade(empty_url)
    assert _tables(empty_url) == TABLES


CAMPAIGN_TABLES = {"os_images", "campaigns", "campaign_devices"}
INTENT_TABLES = {"intent_revisions", "device_locks"}
ATTENTION_TABLES = {"device_attention"}
HOST_KEY_TABLES = {"host_keys"}
LOGOUT_TABLES = {"console_sessions_ended"}
CAMPAIGN_EVENT_TABLES = {"campaign_events"}


def test_downgrade_one_revision_drops_only_its_tables(empty_url: str) -> None:
    migrate.upgrade(empty_url)
    expected = TABLES
    for revision, dropped in (
        ("0011", CAMPAIGN_EVENT_TABLES),
        ("0010", set()),  # 0011 adds audit_log indexes only
        ("0009", set()),  # 0010 widens the change statuses only
        ("0008", LOGOUT_TABLES),
        ("0007", set()),  # 0008 adds columns only
        ("0006", HOST_KEY_TABLES),
        ("0005", ATTENTION_TABLES),
        ("0004", INTENT_TABLES),
        ("0003", CAMPAIGN_TABLES),
    ):
        migrate.downgrade(empty_url, revision)
        expected = expected - dropped
        assert _tables(empty_url) == expected, revision
    migrate.downgrade(empty_url, "0002")
    assert migrate.current(empty_url) == "0002"
    assert _tables(empty_url) == {name for name in expected if not name.startswith("change_")}
    migrate.upgrade(empty_url)
    assert _tables(empty_url) == TABLES


def test_models_match_migrations(db_url: str) -> None:
    assert _diff(db_url, Base.metadata) == []


def test_agreement_check_sees_a_difference(db_url: str) -> None:
    changed = MetaData(naming_convention=Base.metadata.naming_convention)
    for table in Base.metadata.tables.values():
        table.to_metadata(changed)
    changed.tables["tenants"].append_column(Column("extra", Integer))
    diff = _diff(db_url, changed)
    assert [entry[0] for entry in diff] == ["add_column"]  # type: ignore[index]


def test_offline_sql_for_dbas(capsys: pytest.CaptureFixture[str]) -> None:
    migrate.upgrade_sql("postgresql://netwave@db.example/netwave")
    sql = capsys.readouterr().out
    assert "CREATE TABLE audit_log" in sql
    assert "CREATE TRIGGER audit_log_no_update_delete" in sql
    assert "CREATE TRIGGER change_events_no_update_delete" in sql


def test_tokens_from_before_principals_get_their_name_as_principal(empty_url: str) -> None:
    """0008 on a database with tokens: each gets the principal its name normalizes to."""
    from sqlalchemy import text

    migrate.upgrade(empty_url, "0007")
    engine = make_engine(empty_url)
    try:
        with engine.begin() as connection:
            for name, prefix in (("ACME-OPS ", "a" * 12), ("Jane Doe", "b" * 12), ("??", "c" * 12)):
                connection.execute(
                    text(
                        "INSERT INTO api_tokens (name, prefix, token_hash, role, created_at)"
                        " VALUES (:name, :prefix, :hash, 'engineer', CURRENT_TIMESTAMP)"
                    ),
                    {"name": name, "prefix": prefix, "hash": prefix * 5},
                )
        migrate.upgrade(empty_url)
        with engine.connect() as connection:
            rows = connection.execute(
                text("SELECT name, principal, principal_kind FROM api_tokens ORDER BY id")
            ).all()
    finally:
        engine.dispose()
    assert [tuple(r) for r in rows] == [
        ("ACME-OPS ", "acme-ops", "person"),
        ("Jane Doe", "janedoe", "person"),
        ("??", "token-3", "person"),
    ]


def test_change_events_stay_append_only_after_0010(db_url: str) -> None:
    """0010 rebuilds change_events on SQLite: its triggers must come back with it."""
    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError

    from services.store.db import make_session_factory
    from services.store.repos.changes import create_change
    from services.store.repos.tenants import ensure_tenant

    engine = make_engine(db_url)
    try:
        with make_session_factory(engine).begin() as session:
            ensure_tenant(session, name="acme")
            create_change(
                session,
                tenant="acme",
                site="hq",
                kind="wan_bandwidth",
                params={"bandwidth_mbps": 500},
                requested_by="portal",
            )
        for statement in ("UPDATE change_events SET actor = 'x'", "DELETE FROM change_events"):
            with pytest.raises(DBAPIError, match="append-only"), engine.begin() as connection:
                connection.execute(text(statement))
    finally:
        engine.dispose()
