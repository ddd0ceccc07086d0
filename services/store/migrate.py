"""Run the store's Alembic migrations from code, without an alembic.ini."""

from __future__ import annotations

import threading
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection

from services.store.db import make_engine, normalise_url

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
# Alembic keeps the running migration in module globals: one migration per process at a time.
# Across processes, env.py serialises PostgreSQL migrators with an advisory lock.
_ALEMBIC_LOCK = threading.Lock()


def _config(connection: Connection | None = None, url: str | None = None) -> Config:
    """An Alembic config pointing at our migrations, with a live connection if given."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if url is not None:
        rendered = normalise_url(url).render_as_string(hide_password=False)
        config.set_main_option("sqlalchemy.url", rendered.replace("%", "%%"))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def head() -> str:
    """The newest revision the code knows."""
    revision = ScriptDirectory.from_config(_config()).get_current_head()
    assert revision is not None, "the migrations directory has no revision"
    return revision


def upgrade(url: str, revision: str = "head") -> None:
    """Bring the database at `url` up to `revision` (creates a SQLite file if needed)."""
    engine = make_engine(url)
    try:
        with _ALEMBIC_LOCK, engine.begin() as connection:
            command.upgrade(_config(connection), revision)
    finally:
        engine.dispose()


def downgrade(url: str, revision: str) -> None:
    """Take the database at `url` back to `revision` (`base` drops everything)."""
    engine = make_engine(url)
    try:
        with _ALEMBIC_LOCK, engine.begin() as connection:
            command.downgrade(_config(connection), revision)
    finally:
        engine.dispose()


def current(url: str) -> str | None:
    """The revision the database at `url` is at, or None when it was never migrated."""
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    finally:
        engine.dispose()


def upgrade_sql(url: str, revision: str = "head") -> None:
    """Print the upgrade SQL for the URL's dialect to stdout instead of running it."""
    with _ALEMBIC_LOCK:
        command.upgrade(_config(url=url), revision, sql=True)
