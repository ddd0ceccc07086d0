"""Store fixtures: every test runs on a fresh SQLite file and on a PostgreSQL database.

Without a PostgreSQL server the PostgreSQL half is skipped, or fails when CI is set
(tests/utils/requirements.py).
"""

from __future__ import annotations

import secrets
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import NullPool

from services.store import migrate
from services.store.db import make_engine, make_session_factory
from services.store.models import Base
from services.store.repos.tenants import ensure_tenant
from tests.utils.postgres import PG_ADMIN_URL, require_postgres


class SqliteBackend:
    """Fresh SQLite files; migrated ones are copies of one migrated template file."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.template: Path | None = None

    def _new_path(self) -> Path:
        return self.directory / f"netwave_test_{secrets.token_hex(4)}" / "netwave.db"

    def empty(self) -> str:
        return f"sqlite:///{self._new_path()}"

    def migrated(self) -> str:
        if self.template is None:
            self.template = self._new_path()
            migrate.upgrade(f"sqlite:///{self.template}")
        path = self._new_path()
        path.parent.mkdir(parents=True)
        shutil.copyfile(self.template, path)
        return f"sqlite:///{path}"

    def release(self, url: str) -> None:
        shutil.rmtree(Path(make_url(url).database or "").parent, ignore_errors=True)

    def close(self) -> None:
        """Files go with pytest's tmp dir."""


class PostgresBackend:
    """Fresh `netwave_test_<random>` databases made through the `test` database.

    Empty ones are created per test. The migrated one is created once per session and emptied
    after each test (cloning a database per test costs a checkpoint, ~0.25 s each).
    """

    def __init__(self, admin_url: str) -> None:
        self.admin_url = make_url(admin_url)
        self.admin = make_engine(admin_url, isolation_level="AUTOCOMMIT")
        self.shared: str | None = None

    def _create(self) -> str:
        name = f"netwave_test_{secrets.token_hex(4)}"
        with self.admin.connect() as connection:
            connection.execute(text(f"CREATE DATABASE {name}"))
        return self.admin_url.set(database=name).render_as_string(hide_password=False)

    def empty(self) -> str:
        return self._create()

    def migrated(self) -> str:
        if self.shared is None:
            self.shared = self._create()
            migrate.upgrade(self.shared)
        return self.shared

    def _drop(self, url: str) -> None:
        with self.admin.connect() as connection:
            name = make_url(url).database
            connection.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))

    def release(self, url: str) -> None:
        if url != self.shared:
            self._drop(url)
            return
        tables = ", ".join(table.name for table in Base.metadata.sorted_tables)
        engine = make_engine(url, poolclass=NullPool)
        try:
            with engine.begin() as connection:
                # The table owner may lift its own append-only trigger; the tests' data must go.
                connection.execute(text("ALTER TABLE audit_log DISABLE TRIGGER USER"))
                connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY"))
                connection.execute(text("ALTER TABLE audit_log ENABLE TRIGGER USER"))
        finally:
            engine.dispose()

    def close(self) -> None:
        if self.shared is not None:
            self._drop(self.shared)
        self.admin.dispose()


Backend = SqliteBackend | PostgresBackend


@pytest.fixture(
    scope="session", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def backend(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Backend]:
    """The database server under test, shared by every test of one parametrisation."""
    chosen: Backend
    if request.param == "sqlite":
        chosen = SqliteBackend(tmp_path_factory.mktemp("store"))
    else:
        require_postgres(PG_ADMIN_URL)  # skips, or fails in CI, when nothing listens
        chosen = PostgresBackend(PG_ADMIN_URL)
    yield chosen
    chosen.close()


@pytest.fixture
def empty_url(backend: Backend) -> Iterator[str]:
    """URL of a fresh database with no tables."""
    url = backend.empty()
    yield url
    backend.release(url)


@pytest.fixture
def db_url(backend: Backend) -> Iterator[str]:
    """URL of a fresh database migrated to head."""
    url = backend.migrated()
    yield url
    backend.release(url)


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    """An engine on the fresh migrated database."""
    created = make_engine(db_url)
    yield created
    created.dispose()


@pytest.fixture
def factory(engine: Engine) -> sessionmaker[Session]:
    """The session factory the API and activities would use."""
    return make_session_factory(engine)


@pytest.fixture
def session(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One session; tests commit when they need data visible elsewhere."""
    with factory() as opened:
        yield opened


@pytest.fixture
def tenants(session: Session) -> tuple[str, str]:
    """Two committed tenants, acme and globex."""
    ensure_tenant(session, name="acme", display_name="ACME Corp")
    ensure_tenant(session, name="globex")
    session.commit()
    return "acme", "globex"
