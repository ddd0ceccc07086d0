"""Engines and sessions."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, select, text
from sqlalchemy.orm import Session, sessionmaker

from services.store.db import get_engine, make_engine, normalise_url, session_scope
from services.store.models import Tenant


@pytest.mark.parametrize(
    ("given", "driver"),
    [
        ("postgresql://u@h/db", "postgresql+psycopg"),
        ("postgres://u@h/db", "postgresql+psycopg"),
        ("postgresql+psycopg://u@h/db", "postgresql+psycopg"),
        ("sqlite:///var/netwave.db", "sqlite"),
    ],
)
def test_urls_map_to_psycopg(given: str, driver: str) -> None:
    assert normalise_url(given).drivername == driver


def test_sqlite_engine_creates_dir_and_sets_pragmas(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path}/deep/er/netwave.db")
    try:
        with engine.connect() as connection:
            pragmas = {
                name: connection.exec_driver_sql(f"PRAGMA {name}").scalar()
                for name in ("journal_mode", "foreign_keys", "busy_timeout")
            }
        assert pragmas == {"journal_mode": "wal", "foreign_keys": 1, "busy_timeout": 10_000}
        assert (tmp_path / "deep/er/netwave.db").exists()
    finally:
        engine.dispose()


def test_get_engine_is_cached(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/cached.db"
    assert get_engine(url) is get_engine(url)
    get_engine(url).dispose()


def test_session_scope_commits(factory: sessionmaker[Session], engine: Engine) -> None:
    with session_scope(factory) as session:
        session.add(Tenant(name="acme", display_name="ACME"))
    with engine.connect() as connection:
        assert connection.execute(text("SELECT name FROM tenants")).scalars().all() == ["acme"]


def test_session_scope_rolls_back(factory: sessionmaker[Session]) -> None:
    with pytest.raises(RuntimeError), session_scope(factory) as session:
        session.add(Tenant(name="acme", display_name="ACME"))
        session.flush()
        raise RuntimeError("boom")
    with session_scope(factory) as session:
        assert session.scalars(select(Tenant)).all() == []


def test_savepoint_rolls_back_inside_transaction(factory: sessionmaker[Session]) -> None:
    with session_scope(factory) as session:
        session.add(Tenant(name="kept", display_name="kept"))
        with pytest.raises(RuntimeError), session.begin_nested():
            session.add(Tenant(name="dropped", display_name="dropped"))
            session.flush()
            raise RuntimeError("undo the savepoint only")
    with session_scope(factory) as session:
        assert session.scalars(select(Tenant.name)).all() == ["kept"]


def test_the_sqlite_file_and_its_folder_are_private(tmp_path: Path) -> None:
    """Config backups live in the file: 0600 (and its WAL files), its new folder 0700; a file
    left 0644 by an older netwave is tightened."""
    import stat

    from services.store.migrate import upgrade

    path = tmp_path / "var" / "netwave.db"
    upgrade(f"sqlite:///{path}")
    files = [path, path.with_name("netwave.db-wal"), path.with_name("netwave.db-shm")]
    assert {stat.S_IMODE(p.stat().st_mode) for p in files if p.exists()} == {0o600}
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    old = tmp_path / "old.db"
    old.touch(mode=0o644)
    old.chmod(0o644)
    make_engine(f"sqlite:///{old}").dispose()
    assert stat.S_IMODE(old.stat().st_mode) == 0o600


def test_prepare_local_creates_var_private(tmp_path: Path) -> None:
    import stat

    from services.bootstrap import prepare_local
    from services.core.settings import Settings
    from tests.conftest import REPO

    settings = Settings(env="test", var_dir=tmp_path / "var", inventories_path=REPO / "inventories")
    prepare_local(settings)
    assert stat.S_IMODE(settings.var_dir.stat().st_mode) == 0o700
    assert stat.S_IMODE((settings.var_dir / "netwave.db").stat().st_mode) == 0o600
    assert stat.S_IMODE(settings.secrets_file.stat().st_mode) == 0o600
