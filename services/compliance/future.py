"""Predict the running config after remediation is pushed (to verify a remediation converges)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from services.compliance.hier import driver_for, lines_of, parse
from services.compliance.set_lines import apply_commands, set_lines
from services.network.platforms import get_platform


def _indented_future(platform: str, running: str, commands: Sequence[str]) -> str:
    driver = driver_for(platform)
    future = parse(driver, running).future(parse(driver, "\n".join(commands)))
    return "\n".join(lines_of(future)) + "\n"


def _set_future(platform: str, running: str, commands: Sequence[str]) -> str:
    return "\n".join(apply_commands(set_lines(running), commands)) + "\n"


FUTURE_BY_SYNTAX: dict[str, Callable[[str, str, Sequence[str]], str]] = {
    "indented": _indented_future,
    "set": _set_future,
}


def future_config(platform: str, running: str, commands: Sequence[str]) -> str:
    """The config text after `commands` (remediation, in push order) are applied to `running`."""
    return FUTURE_BY_SYNTAX[get_platform(platform).syntax](platform, running, commands)
