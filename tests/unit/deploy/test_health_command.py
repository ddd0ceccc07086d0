"""`netwave health`: the containers' health check reports each dependency and exits non-zero."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from services.cli import app
from services.core.settings import get_settings

runner = CliRunner()


def unused_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture(autouse=True)
def scratch_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("NETWAVE_VAR_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("NETWAVE_TEMPORAL_ADDRESS", f"127.0.0.1:{unused_port()}")
    monkeypatch.setenv("NETWAVE_API_PORT", str(unused_port()))
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_health_names_the_dependency_that_is_down() -> None:
    result = runner.invoke(app, ["health"])
    assert result.exit_code == 1, result.output
    assert "database=ok" in result.output and "temporal=error" in result.output


def test_health_api_fails_when_nothing_listens() -> None:
    result = runner.invoke(app, ["health", "--api"])
    assert result.exit_code == 1
    assert "does not answer" in result.output
