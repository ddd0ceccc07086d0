"""`netwave db`: the database schema."""

from __future__ import annotations

import typer

from services.cli import out
from services.core.settings import get_settings

db_app = typer.Typer(help="Database schema.", no_args_is_help=True)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply database migrations up to the newest."""
    from services.store.migrate import upgrade

    settings = get_settings()
    upgrade(settings.database_url)
    out.console.print("database is up to date")
