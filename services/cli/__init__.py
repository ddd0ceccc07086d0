"""The `netwave` command (Typer + Rich), one module per command group."""

from services.cli.main import app

__all__ = ["app"]
