"""What the CLI's command groups share: options, where the API is, the error exit, the client."""

from __future__ import annotations

import re
import ssl
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any
from urllib.parse import urlsplit

import typer
from rich.markup import escape

from services.cli.out import err
from services.core.settings import get_settings

if TYPE_CHECKING:
    from services.client import ApiError, NetwaveClient

TenantOption = Annotated[str, typer.Option(help="tenant")]
DeviceOption = Annotated[str, typer.Option(help="device name")]
TokenOption = Annotated[str, typer.Option(envvar="NETWAVE_TOKEN", help="API token")]
CommentOption = Annotated[str, typer.Option(help="why (kept in the audit log)")]


@dataclass
class ApiTarget:
    """Where this run of the CLI reaches the API; the root command's options set it."""

    url: str | None = None  # None: the settings' own (NETWAVE_API_HOST and _PORT)
    ca_bundle: Path | None = None

    def base_url(self) -> str:
        return self.url or get_settings().api_url

    def verify(self) -> bool | ssl.SSLContext:
        """https certificates are checked: against the system's CAs, or the given bundle."""
        if self.ca_bundle is None:
            return True
        try:
            return ssl.create_default_context(cafile=str(self.ca_bundle))
        except (OSError, ssl.SSLError) as exc:
            raise fail(f"--ca-bundle {self.ca_bundle}: not a PEM CA bundle ({exc})", 2) from None


# Typer offers commands no public way to their root context, so the root callback sets this
# once per run (tests that invoke the app again get it set again).
API = ApiTarget()


def api_url(value: str | None) -> str | None:
    """`--api-url`/NETWAVE_API_URL: an http or https URL with a host, kept without a trailing /."""
    if value is None:
        return None
    shown = repr(re.sub(r"//[^/@]*@", "//***@", value))  # a password in it is not echoed
    example = "e.g. https://netwave.example.net or http://127.0.0.1:8000"
    try:
        url = urlsplit(value)
        url.port  # noqa: B018 (reading it checks it: a ValueError when not 0-65535)
    except ValueError as exc:
        raise typer.BadParameter(f"{shown} is not a URL ({exc}); {example}") from None
    if url.scheme not in ("http", "https") or not url.hostname:
        raise typer.BadParameter(
            f"{shown} is not an http:// or https:// URL with a host; {example}"
        )
    if url.username is not None or url.password is not None:
        raise typer.BadParameter(f"{shown} carries a login: the API takes --token/NETWAVE_TOKEN")
    if any(c.isspace() for c in value):
        raise typer.BadParameter(f"{shown} has a space in it; {example}")
    return value.rstrip("/")


def fail(message: str, code: int = 1) -> typer.Exit:
    """Print the error; the caller raises what this returns (exit 1, or 2 for usage)."""
    err.print(f"[red]error:[/] {escape(message)}", soft_wrap=True)  # one line, for logs and grep
    return typer.Exit(code)


def api_client(token: str) -> NetwaveClient:
    from services.client import NetwaveClient

    if not token:
        raise fail("set NETWAVE_TOKEN or pass --token (netwave token create --role engineer)", 2)
    return NetwaveClient(API.base_url(), token, verify=API.verify())


def api_failure(exc: ApiError) -> str:
    """The API's refusal as it said it; an untrusted certificate with what to do about it."""
    if "CERTIFICATE_VERIFY_FAILED" in str(exc):
        return f"{exc} (a private CA: --ca-bundle FILE or NETWAVE_API_CA_BUNDLE)"
    return str(exc)


def call_api(token: str, call: Callable[[NetwaveClient], Any]) -> Any:
    """`call` with a client; an API error or an API that does not answer is printed, exit 1."""
    from services.client import ApiError

    try:
        with api_client(token) as client:
            return call(client)
    except ApiError as exc:
        raise fail(api_failure(exc)) from None


def follow_run(client: NetwaveClient, run: dict[str, Any], label: str) -> dict[str, Any]:
    """Follow a run with a live progress bar (on stderr: stdout is the result's) until it ends."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
    with Progress(*columns, console=err, transient=True) as bar:
        task = bar.add_task(f"{label} {run['run_id'][:8]}", total=None)

        def show(doc: dict[str, Any]) -> None:
            progress = doc.get("progress") or {}
            bar.update(task, completed=progress.get("done", 0), total=progress.get("total"))

        return client.wait_run(run["run_id"], on_progress=show)
