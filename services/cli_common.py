"""What the API-backed CLI modules share: options, the error exit and the API client."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape

from services.core.settings import get_settings

if TYPE_CHECKING:
    from services.client import NetwaveClient

err = Console(stderr=True)

TenantOption = Annotated[str, typer.Option(help="tenant")]
DeviceOption = Annotated[str, typer.Option(help="device name")]
TokenOption = Annotated[str, typer.Option(envvar="NETWAVE_TOKEN", help="API token")]


def fail(message: str, code: int = 1) -> typer.Exit:
    """Print the error; the caller raises what this returns (exit 1, or 2 for usage)."""
    err.print(f"[red]error:[/] {escape(message)}")
    return typer.Exit(code)


def api_client(token: str) -> NetwaveClient:
    from services.client import NetwaveClient

    if not token:
        raise fail("set NETWAVE_TOKEN or pass --token (netwave token create --role engineer)", 2)
    return NetwaveClient(get_settings().api_url, token)


def call_api(token: str, call: Callable[[NetwaveClient], Any]) -> Any:
    """`call` with a client; an API error is printed and exits 1."""
    from services.client import ApiError

    try:
        with api_client(token) as client:
            return call(client)
    except ApiError as exc:
        raise fail(str(exc)) from None
