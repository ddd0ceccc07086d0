"""The contract itself: derived from the code, so it tracks new settings and commands."""

from __future__ import annotations

from services.core.settings import Settings
from tests.unit.deploy.contract import (
    PRODUCTION_SAMPLES,
    console_script,
    netwave_command_error,
    production_refusals,
    required_variables,
    setting_variables,
)


def test_every_production_refusal_has_a_sample() -> None:
    refused = production_refusals()
    missing = [v for v in refused if v not in PRODUCTION_SAMPLES]
    assert not missing, f"add a production sample (and set it in deploy/) for {missing}"
    assert {"NETWAVE_TOKEN_PEPPER", "NETWAVE_DATABASE_URL"} <= set(refused)


def test_required_variables_are_real_settings() -> None:
    required = required_variables()
    assert set(required) <= setting_variables()
    # The ones production cannot work without, whichever rule finds them.
    expected = {
        "NETWAVE_ENV",
        "NETWAVE_DATABASE_URL",
        "NETWAVE_TOKEN_PEPPER",
        "NETWAVE_TEMPORAL_ADDRESS",
        "NETWAVE_SECRETS_PROVIDER",
        "NETWAVE_TASK_QUEUE",
        "NETWAVE_DEVICE_TASK_QUEUE",
        "NETWAVE_API_HOST",
        "NETWAVE_INVENTORIES_PATH",
        "NETWAVE_TEMPLATES_PATH",
        "NETWAVE_VAR_DIR",
    }
    assert expected <= set(required), expected - set(required)


def test_console_script_is_the_typer_app() -> None:
    assert console_script() == ("netwave", "services.cli:app")
    assert "NETWAVE_ENV" in {f"NETWAVE_{n.upper()}" for n in Settings.model_fields}


def test_command_check_knows_real_and_bad_commands() -> None:
    for good in (["api"], ["worker"], ["lab"], ["db", "upgrade"], ["health", "--api"]):
        assert netwave_command_error(good) is None, good
    assert netwave_command_error(["db"]) is not None
    assert netwave_command_error(["wokrer"]) is not None
    assert netwave_command_error(["api", "--bogus"]) is not None
