"""`netwave image`: the OS image catalogue campaigns upgrade to."""

from __future__ import annotations

from typing import Annotated

import typer

from services.cli import out
from services.cli.common import TokenOption, call_api
from services.cli.tables import images_table
from services.cli.verbs import option, read, register

image_app = typer.Typer(help="The OS image catalogue campaigns upgrade to.", no_args_is_help=True)


@image_app.command("add")
def image_add(
    platform: Annotated[str, typer.Option(help="platform (see `netwave platforms`)")],
    version: Annotated[str, typer.Option(help="OS version, e.g. 17.9.4a")],
    filename: Annotated[str, typer.Option(help="file name on the image server and in flash")],
    size: Annotated[int, typer.Option(help="size in bytes")],
    md5: Annotated[str, typer.Option(help="checksum the device must report after the copy")],
    token: TokenOption = "",
) -> None:
    """Add an image to the catalogue (engineer or admin)."""
    body = {"platform": platform, "version": version, "filename": filename, "size": size}
    added = call_api(token, lambda client: client.add_image({**body, "md5": md5.lower()}))
    out.console.print(f"image {added['id']}: {added['platform']} {added['version']} added")


@image_app.command("delete")
def image_delete(
    image_id: Annotated[int, typer.Argument(help="image id (see `image list`)")],
    token: TokenOption = "",
) -> None:
    """Remove an image from the catalogue; campaigns already running keep theirs."""
    call_api(token, lambda client: client.delete_image(image_id))
    out.console.print(f"image {image_id} deleted")


register(
    image_app,
    {
        "list": read(
            "List the OS images campaigns may upgrade to.",
            (
                option(
                    "platform",
                    Annotated[
                        str | None, typer.Option(help="one platform (see `netwave platforms`)")
                    ],
                    None,
                ),
            ),
            lambda client, a: client.images(a["platform"]),
            lambda images, a: images_table(images),
        )
    },
)
