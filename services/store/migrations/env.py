"""Alembic environment: run by services.store.migrate with a connection, no alembic.ini."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection, text

from services.store.db import make_engine
from services.store.models import Base

# Any constant works; it only has to be the same for every netwave process.
MIGRATION_LOCK_KEY = 0x6E657477617665

config = context.config


def _run(connection: Connection) -> None:
    """Run pending migrations on one connection, one migrator at a time on PostgreSQL."""
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        if connection.dialect.name == "postgresql":
            lock = text("SELECT pg_advisory_xact_lock(:key)")
            connection.execute(lock, {"key": MIGRATION_LOCK_KEY})
        context.run_migrations()


def run_offline() -> None:
    """Emit SQL for a URL instead of running it (for DBAs who apply scripts by hand)."""
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=Base.metadata,
        literal_binds=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    """Use the connection handed over by services.store.migrate, or open one from the URL."""
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = make_engine(config.get_main_option("sqlalchemy.url") or "")
    try:
        with engine.begin() as fresh:
            _run(fresh)
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
