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
    "intent_revisions",
    "device_locks",
    "device_attention",
    "host_keys",
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
    assert migrate.current(empty_url) == migrate.head() == "0007"
    assert _tables(empty_url) == TABLES
    migrate.upgrade(empty_url)  # a second run is a no-op
    assert migrate.current(empty_url) == "0007"


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


def test_downgrade_one_revision_drops_only_its_tables(empty_url: str) -> None:
    migrate.upgrade(empty_url)
    migrate.downgrade(empty_url, "0006")
    assert _tables(empty_url) == TABLES - HOST_KEY_TABLES
    migrate.downgrade(empty_url, "0005")
    assert _tables(empty_url) == TABLES - ATTENTION_TABLES - HOST_KEY_TABLES
    migrate.downgrade(empty_url, "0004")
    assert _tables(empty_url) == TABLES - INTENT_TABLES - ATTENTION_TABLES - HOST_KEY_TABLES
    migrate.downgrade(empty_url, "0003")
    assert (
        _tables(empty_url)
        == TABLES - INTENT_TABLES - CAMPAIGN_TABLES - ATTENTION_TABLES - HOST_KEY_TABLES
    )
    migrate.downgrade(empty_url, "0002")
    assert migrate.current(empty_url) == "0002"
    assert _tables(empty_url) == {
        name
        for name in TABLES - CAMPAIGN_TABLES - INTENT_TABLES - ATTENTION_TABLES - HOST_KEY_TABLES
        if not name.startswith("change_")
    }
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
