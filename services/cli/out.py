"""Where the CLI prints: Rich tables for people, or `--output json` on stdout alone for `jq`.

Commands print through `out.console` (looked up at call time, so tests can widen it).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from enum import StrEnum
from typing import Annotated, Any

import typer
from rich.console import Console, RenderableType

# Piped output (CI logs, `make demo | tee`) is not 80 columns wide: keep tables readable.
console = Console(width=None if sys.stdout.isatty() else 150)
err = Console(stderr=True)


class Output(StrEnum):
    table = "table"
    json = "json"


OutputOption = Annotated[
    Output,
    typer.Option("--output", "-o", help="table, or json (on stdout alone, for jq)"),
]
JsonAlias = Annotated[bool, typer.Option("--json", hidden=True, help="--output json")]


def wants_json(output: Output, as_json: bool) -> bool:
    return as_json or output is Output.json


def print_json(data: Any) -> None:
    """JSON as the API sent it, nothing else on stdout (no Rich markup, no wrapping)."""
    typer.echo(json.dumps(data, indent=2, default=str))


def show(
    data: Any, render: Callable[[Any], RenderableType], output: Output, as_json: bool = False
) -> None:
    """`data` as JSON with --output json, else as `render` draws it for people."""
    if wants_json(output, as_json):
        print_json(data)
    else:
        console.print(render(data))
