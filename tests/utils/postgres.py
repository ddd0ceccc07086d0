"""The PostgreSQL server of the tests (127.0.0.1:5432, trust auth) and fresh databases on it."""

from __future__ import annotations

import os
import secrets
import socket
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from services.store.db import make_engine
from tests.utils.requirements import require

# Databases are created and dropped through this one (the server's `test` database).
PG_ADMIN_URL = os.environ.get(
    "NETWAVE_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


def reachable(url: str = PG_ADMIN_URL) -> bool:
    """Whether something listens on the URL's host and port."""
    parsed = make_url(url)
    try:
        with socket.create_connection((parsed.host or "127.0.0.1", parsed.port or 5432), 1):
            return True
    except OSError:
        return False


def require_postgres(url: str = PG_ADMIN_URL) -> None:
    """Return when the server listens; else skip the test (fail it in CI)."""
    if not reachable(url):
        parsed = make_url(url)
        require("PostgreSQL", f"nothing listens on {parsed.host}:{parsed.port}")


@contextmanager
def fresh_database(prefix: str = "netwave_test") -> Iterator[str]:
    """A new empty `<prefix>_<random>` database's URL; dropped (connections closed) after."""
    require_postgres()
    admin_url = make_url(PG_ADMIN_URL)
    name = f"{prefix}_{secrets.token_hex(4)}"
    admin = make_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    try:
        with admin.connect() as connection:
            connection.execute(text(f"CREATE DATABASE {name}"))
        try:
            yield admin_url.set(database=name).render_as_string(hide_password=False)
        finally:
            with admin.connect() as connection:
                connection.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
    finally:
        admin.dispose()
