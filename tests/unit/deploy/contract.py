"""What a deployment must give netwave, derived from the code: settings, commands, env values.

The tests read deploy/ against these, so a new setting that production refuses at its default,
or a renamed subcommand, fails here instead of in a cluster.
"""

from __future__ import annotations

import re
import shlex
import tomllib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import typer
from pydantic import ValidationError
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from services.cli import app
from services.core.settings import Settings
from tests.conftest import REPO

DEPLOY = REPO / "deploy"
CHART = DEPLOY / "helm" / "netwave"
PREFIX = "NETWAVE_"
CREDENTIAL_VARIABLE = re.compile(r"^NETWAVE_CREDENTIAL_[A-Z0-9_]+_(USERNAME|PASSWORD|ENABLE)$")

# Values that satisfy the production validator, per setting it refuses at the default. A new
# refusal without a sample here fails `test_every_production_refusal_has_a_sample` by name.
PRODUCTION_SAMPLES: dict[str, str] = {
    "NETWAVE_TOKEN_PEPPER": "p" * 48,
    "NETWAVE_DATABASE_URL": "postgresql://netwave:secret@postgres:5432/netwave",
}

# Settings a deployment must set although the validator accepts their defaults, and why.
DEPLOYMENT_SETTINGS: dict[str, str] = {
    "NETWAVE_ENV": "production is what refuses the development pepper and SQLite",
    "NETWAVE_SECRETS_PROVIDER": "the default file provider reads var/secrets.yaml, absent here",
    "NETWAVE_TASK_QUEUE": "the API starts workflows on it; the workers must poll the same",
    "NETWAVE_DEVICE_TASK_QUEUE": "the API names it in workflow input; the workers poll it",
    "NETWAVE_TEMPORAL_NAMESPACE": "API and workers must use one namespace",
    "NETWAVE_API_PORT": "the container port, Service and health check are derived from it",
}


def env_name(field: str) -> str:
    return PREFIX + field.upper()


def field_name(variable: str) -> str:
    return variable[len(PREFIX) :].lower()


def setting_variables() -> set[str]:
    """Every NETWAVE_* variable the Settings model reads."""
    return {env_name(name) for name in Settings.model_fields}


class IsolatedSettings(Settings):
    """Settings from keyword arguments only: no environment, no netwave.toml."""

    model_config = SettingsConfigDict(toml_file=None)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings,)


def settings_from_env(env: Mapping[str, str]) -> Settings:
    """Validate a deployment's NETWAVE_* variables the way a netwave process would."""
    values: dict[str, Any] = {field_name(k): v for k, v in env.items() if k.startswith(PREFIX)}
    return IsolatedSettings(**{k: v for k, v in values.items() if k in Settings.model_fields})


def production_refusals() -> list[str]:
    """Variables the production validator refuses at their defaults, found by asking it."""
    given: dict[str, str] = {"NETWAVE_ENV": "production"}
    refused: list[str] = []
    for _ in Settings.model_fields:
        try:
            settings_from_env(given)
        except ValidationError as exc:
            named = re.findall(r"NETWAVE_[A-Z_]+", str(exc))
            if not named:
                raise AssertionError(f"a production refusal names no variable: {exc}") from exc
            variable = named[0]
            if variable in refused:
                raise AssertionError(f"{variable} is refused with its sample value") from exc
            refused.append(variable)
            given[variable] = PRODUCTION_SAMPLES.get(variable, "")
            if variable not in PRODUCTION_SAMPLES:
                return refused
        else:
            return refused
    raise AssertionError("the production validator never accepted the samples")


def _points_at_loopback(default: object) -> bool:
    return any(host in str(default) for host in ("127.0.0.1", "localhost", "::1"))


def _is_relative_path(default: object) -> bool:
    return isinstance(default, Path) and str(default) not in ("", ".") and not default.is_absolute()


def required_variables() -> dict[str, str]:
    """Variables every production netwave container must set, each with the reason."""
    required = dict(DEPLOYMENT_SETTINGS)
    for variable in production_refusals():
        required[variable] = "the production validator refuses its default"
    for name, info in Settings.model_fields.items():
        if _points_at_loopback(info.default):
            required[env_name(name)] = "its default points at the container's own loopback"
        if _is_relative_path(info.default):
            required[env_name(name)] = "its default is relative to the working directory"
    return required


def unknown_variables(variables: Sequence[str]) -> list[str]:
    """NETWAVE_* names no setting or secrets provider reads (typos, removed settings)."""
    known = setting_variables()
    return [
        v
        for v in variables
        if v.startswith(PREFIX) and v not in known and not CREDENTIAL_VARIABLE.match(v)
    ]


# --- the `netwave` command ------------------------------------------------------------------


def console_script() -> tuple[str, str]:
    """(name, target) of the console script in pyproject.toml."""
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    scripts: dict[str, str] = project["scripts"]
    assert len(scripts) == 1, scripts
    ((name, target),) = scripts.items()
    return name, target


def netwave_command_error(args: Sequence[str]) -> str | None:
    """None when `netwave ARGS` names a real subcommand with valid options, else why not."""
    # Typer may bundle its own click: walk groups by their `commands`, not by click classes.
    command: Any = typer.main.get_command(app)
    rest = list(args)
    path: list[str] = []
    while hasattr(command, "commands"):
        if not rest:
            return f"`netwave {' '.join(path)}` needs a subcommand"
        name = rest.pop(0)
        found = command.commands.get(name)
        if found is None:
            return f"`netwave {' '.join([*path, name])}`: no such command"
        path.append(name)
        command = found
    try:
        command.make_context(" ".join(["netwave", *path]), rest)
    except Exception as exc:  # click's UsageError/BadParameter, whichever click typer ships
        format_message = getattr(exc, "format_message", None)
        message = format_message() if callable(format_message) else str(exc)
        return f"`netwave {shlex.join(args)}`: {message}"
    return None


def as_argv(command: Any) -> list[str]:
    """A compose/Kubernetes command as a list (a string is split like a shell would)."""
    if isinstance(command, str):
        return shlex.split(command)
    assert isinstance(command, list), command
    return [str(part) for part in command]


# --- compose interpolation ----------------------------------------------------------------

INTERPOLATION = re.compile(r"\$\{(?P<name>[A-Z0-9_]+)(?::?(?P<op>[-?])(?P<arg>[^}]*))?\}")


def interpolate(value: str, required: Mapping[str, str]) -> str:
    """Compose-style `${VAR:-default}` / `${VAR:?error}` with samples for the required ones."""

    def substitute(match: re.Match[str]) -> str:
        name, op, arg = match.group("name"), match.group("op"), match.group("arg")
        if op == "-":
            return arg or ""
        assert name in required, f"no sample value for required compose variable {name}"
        return required[name]

    return INTERPOLATION.sub(substitute, value)
