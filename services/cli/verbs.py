"""Commands from a table: each verb names its options, its API call and what it prints.

Control verbs (pause, resume, approve, ...) and plain reads (list, show) differ only in these,
so a group lists them in a table and `register` makes the Typer commands; `--token` is added
to every verb and `--output`/`-o` to those that read.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import typer
from rich.console import RenderableType

from services.cli import out
from services.cli.common import DeviceOption, TenantOption, TokenOption, call_api
from services.cli.out import JsonAlias, Output, OutputOption, print_json, wants_json

if TYPE_CHECKING:
    from services.client import NetwaveClient

Args = Mapping[str, Any]


def option(name: str, annotation: Any, default: Any = inspect.Parameter.empty) -> inspect.Parameter:
    """A command parameter: `annotation` is the Annotated type with its typer.Option/Argument;
    no default makes it required."""
    return inspect.Parameter(
        name, inspect.Parameter.KEYWORD_ONLY, annotation=annotation, default=default
    )


TENANT = option("tenant", TenantOption)
DEVICE = option("device", DeviceOption)
TOKEN = option("token", TokenOption, "")
OUTPUT = option("output", OutputOption, Output.table)
JSON_ALIAS = option("as_json", JsonAlias, False)


@dataclass(frozen=True)
class Verb:
    """One command: its help, its parameters (besides --token), the API call and the printout."""

    help: str
    params: tuple[inspect.Parameter, ...]
    call: Callable[[NetwaveClient, Args], Any]
    prints: Callable[[Any, Args], None]
    check: Callable[[Args], None] | None = None  # refuses bad input before the API is asked
    reads: bool = False  # takes --output json: the API's answer on stdout instead of `prints`


def read(
    help: str,
    params: tuple[inspect.Parameter, ...],
    call: Callable[[NetwaveClient, Args], Any],
    render: Callable[[Any, Args], RenderableType],
) -> Verb:
    """A read: the API's answer drawn by `render`, or as it is with --output json."""
    return Verb(
        help=help,
        params=params,
        call=call,
        prints=lambda answer, args: out.console.print(render(answer, args)),
        reads=True,
    )


def command(verb: Verb) -> Callable[..., None]:
    """The Typer command of `verb`; its signature is the verb's parameters."""

    def run(**args: Any) -> None:
        if verb.check is not None:
            verb.check(args)
        answer = call_api(args["token"], lambda client: verb.call(client, args))
        if verb.reads and wants_json(args["output"], args["as_json"]):
            print_json(answer)
        else:
            verb.prints(answer, args)

    params = [*verb.params, TOKEN, *((OUTPUT, JSON_ALIAS) if verb.reads else ())]
    run.__signature__ = inspect.Signature(params)  # type: ignore[attr-defined]
    return run


def register(app: typer.Typer, verbs: Mapping[str, Verb]) -> None:
    for name, verb in verbs.items():
        app.command(name, help=verb.help)(command(verb))
