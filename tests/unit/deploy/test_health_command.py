"""`netwave health`: the containers' health check reports each dependency and exits non-zero."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from services.cli import app
from tests.utils.cli import unused_port

runner = CliRunner()


pytestmark = pytest.mark.usefixtures("scratch_env")


@pytest.fixture
def scratch_variables() -> dict[str, str | None]:
    return {
        "NETWAVE_TEMPORAL_ADDRESS": f"127.0.0.1:{unused_port()}",
        "NETWAVE_API_PORT": str(unused_port()),
    }


def test_health_names_the_dependency_that_is_down() -> None:
    result = runner.invoke(app, ["health"])
    assert result.exit_code == 1, result.output
    assert "database=ok" in result.output and "temporal=error" in result.output


def test_health_api_fails_when_nothing_listens() -> None:
    result = runner.invoke(app, ["health", "--api"])
    assert result.exit_code == 1
    assert "does not answer" in result.output
