"""`python -m services.cli`: the `netwave` command (tests and the dev stack start it so)."""

from services.cli.main import app

app()
