"""`netwave devices attention` and `clear-attention` through the API."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from services.api.main import create_app
from services.cli import app
from services.core.settings import Settings, get_settings
from tests.conftest import REPO
from tests.utils.api import make_token, mark_for_attention
from tests.utils.cli import use_http

runner = CliRunner()
DEVICE = "acme-branch1-r1"


pytestmark = pytest.mark.usefixtures("scratch_env", "wide_console")


@pytest.fixture
def scratch_variables() -> dict[str, str | None]:
    return {"NETWAVE_TEMPLATES_PATH": str(REPO / "templates")}


@pytest.fixture
def local() -> Settings:
    return get_settings().model_copy(update={"temporal_address": "127.0.0.1:1"})


@pytest.fixture
def api(local: Settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    with TestClient(create_app(local)) as http:
        use_http(monkeypatch, http)
        yield


@pytest.mark.usefixtures("api")
def test_list_and_clear(local: Settings) -> None:
    change_id = mark_for_attention(local, DEVICE)
    engineer = make_token(local, "engineer")
    listed = runner.invoke(app, ["devices", "attention", "--tenant", "acme", "--token", engineer])
    assert listed.exit_code == 0, listed.output
    assert DEVICE in listed.output and "shape average 50000000" in listed.output

    args = ["devices", "clear-attention", "--tenant", "acme", "--device", DEVICE]
    blank = runner.invoke(app, [*args, "--comment", " ", "--token", engineer])
    assert blank.exit_code == 2
    tenant = make_token(local, "tenant", tenant="acme")
    refused = runner.invoke(app, [*args, "--comment", "fixed", "--token", tenant])
    assert refused.exit_code == 1 and "403" in refused.output
    cleared = runner.invoke(app, [*args, "--comment", "fixed by hand", "--token", engineer])
    assert cleared.exit_code == 0, cleared.output
    assert f"cleared {DEVICE}" in cleared.output and change_id in cleared.output
    empty = runner.invoke(app, ["devices", "attention", "--tenant", "acme", "--token", engineer])
    assert "no device of acme needs attention" in empty.output
