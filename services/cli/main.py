"""The `netwave` command: one Typer app per command group, and where the API is reached."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from services.cli.audit import audit_app
from services.cli.auditlog import auditlog
from services.cli.backup import backup_app
from services.cli.campaign import campaign_app
from services.cli.change import change_app
from services.cli.common import API, api_url
from services.cli.db import db_app
from services.cli.devices import devices_app
from services.cli.image import image_app
from services.cli.intent import intent_app
from services.cli.inventory import inventory_app
from services.cli.platforms import platforms
from services.cli.stack import stack_app
from services.cli.tokens import token_app

app = typer.Typer(
    help="netwave: durable, reviewable, reversible fleet-wide network change.", no_args_is_help=True
)


@app.callback()
def main(
    url: Annotated[
        str | None,
        typer.Option(
            "--api-url",
            envvar="NETWAVE_API_URL",
            callback=api_url,
            help="where the API answers, http:// or https:// (certificates are checked); "
            "default http://NETWAVE_API_HOST:NETWAVE_API_PORT",
        ),
    ] = None,
    ca_bundle: Annotated[
        Path | None,
        typer.Option(
            envvar="NETWAVE_API_CA_BUNDLE",
            exists=True,
            dir_okay=False,
            help="PEM file of the CA(s) that signed the API's certificate (a private CA)",
        ),
    ] = None,
) -> None:
    """netwave: durable, reviewable, reversible fleet-wide network change."""
    API.url, API.ca_bundle = url, ca_bundle


app.add_typer(stack_app)  # worker, api, lab, dev, demo, health
app.add_typer(token_app, name="token")
app.add_typer(db_app, name="db")
app.add_typer(backup_app, name="backup")
app.add_typer(audit_app, name="audit")
app.add_typer(change_app, name="change")
app.add_typer(campaign_app, name="campaign")
app.add_typer(image_app, name="image")
app.add_typer(intent_app, name="intent")
app.add_typer(devices_app, name="devices")
app.add_typer(inventory_app, name="inventory")
app.command("platforms")(platforms)
app.command("auditlog")(auditlog)
