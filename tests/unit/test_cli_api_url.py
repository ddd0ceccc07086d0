"""Where the CLI reaches the API: --api-url over NETWAVE_API_URL over the settings' host and
port; https with certificates checked (a private CA by --ca-bundle or NETWAVE_API_CA_BUNDLE);
a bad URL or an API that does not answer is one clear line and a non-zero exit."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from services.cli import app
from services.core.settings import Settings
from tests.utils.api import make_token
from tests.utils.cli import Certificates, make_certificates, mock_api, serve_api, unused_port

runner = CliRunner()
LIST = ["image", "list", "-o", "json"]


pytestmark = pytest.mark.usefixtures("scratch_env")


@pytest.fixture
def scratch_variables() -> dict[str, str | None]:
    return {
        "NETWAVE_API_HOST": "10.9.8.7",
        "NETWAVE_API_PORT": "8123",
        "NETWAVE_API_URL": None,
        "NETWAVE_API_CA_BUNDLE": None,
        "NETWAVE_TOKEN": None,
    }


@pytest.mark.parametrize(
    ("env", "args", "reached"),
    [
        ({}, [], "http://10.9.8.7:8123"),
        ({"NETWAVE_API_URL": "https://netwave.example.net/"}, [], "https://netwave.example.net"),
        (
            {"NETWAVE_API_URL": "https://netwave.example.net"},
            ["--api-url", "http://127.0.0.1:9000"],
            "http://127.0.0.1:9000",
        ),
    ],
    ids=["settings", "env", "option over env"],
)
def test_api_url_precedence(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], args: list[str], reached: str
) -> None:
    made = mock_api(monkeypatch, lambda request: httpx.Response(200, json=[]))
    result = runner.invoke(app, [*args, *LIST], env={"NETWAVE_TOKEN": "t", **env})
    assert result.exit_code == 0, result.output
    assert [m["base_url"] for m in made] == [reached]
    assert made[0]["verify"] is True  # certificates are checked unless told which CA


@pytest.mark.parametrize(
    "url",
    [
        "netwave.example.net",
        "localhost:8000",
        "ftp://netwave.example.net",
        "https://",
        "http://[",
        "http://netwave:99999",
        "http://net wave",
    ],
)
def test_a_bad_api_url_is_refused(url: str) -> None:
    flag = runner.invoke(app, ["--api-url", url, *LIST], env={"NETWAVE_TOKEN": "t"})
    env = runner.invoke(app, LIST, env={"NETWAVE_TOKEN": "t", "NETWAVE_API_URL": url})
    for result in (flag, env):
        assert result.exit_code == 2
        said = " ".join(result.output.replace("│", " ").split())
        assert "--api-url" in said and "NETWAVE_API_URL" in said and repr(url) in said


def test_a_login_in_the_url_is_refused_and_not_echoed() -> None:
    url = "https://noc:s3cret@netwave.example.net"
    result = runner.invoke(app, ["--api-url", url, *LIST], env={"NETWAVE_TOKEN": "t"})
    assert result.exit_code == 2 and "s3cret" not in result.output
    assert "NETWAVE_TOKEN" in " ".join(result.output.replace("│", " ").split())


def test_an_api_that_does_not_answer_is_one_line_naming_the_url() -> None:
    url = f"http://127.0.0.1:{unused_port()}"
    result = runner.invoke(app, ["--api-url", url, *LIST], env={"NETWAVE_TOKEN": "t"})
    assert result.exit_code == 1
    assert isinstance(result.exception, SystemExit)  # no traceback
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith(f"error: cannot reach the API at {url}: ")


def test_the_api_on_loopback_over_http(settings: Settings) -> None:
    api = settings.model_copy(update={"temporal_address": "127.0.0.1:1"})
    env = {"NETWAVE_TOKEN": make_token(api, "engineer")}
    with serve_api(api) as url:
        result = runner.invoke(app, ["--api-url", url, *LIST, "--platform", "cisco_ios"], env=env)
    assert result.exit_code == 0, result.output
    assert "17.9.4a" in {image["version"] for image in json.loads(result.stdout)}


@pytest.fixture
def https_api(settings: Settings, tmp_path: Path) -> Iterator[tuple[str, Certificates, str]]:
    """The API over https with a certificate of a private CA; its URL, the PEMs, a token."""
    api = settings.model_copy(update={"temporal_address": "127.0.0.1:1"})
    certificates = make_certificates(tmp_path)
    with serve_api(api, certificates) as url:
        yield url, certificates, make_token(api, "engineer")


def test_https_checks_the_certificate(https_api: tuple[str, Certificates, str]) -> None:
    url, certificates, token = https_api
    untrusted = runner.invoke(app, ["--api-url", url, *LIST], env={"NETWAVE_TOKEN": token})
    assert untrusted.exit_code == 1 and isinstance(untrusted.exception, SystemExit)
    assert untrusted.stderr.startswith(f"error: cannot reach the API at {url}: ")
    assert "CERTIFICATE_VERIFY_FAILED" in untrusted.stderr and "--ca-bundle" in untrusted.stderr
    by_option = runner.invoke(
        app,
        ["--api-url", url, "--ca-bundle", str(certificates.ca), *LIST],
        env={"NETWAVE_TOKEN": token},
    )
    assert by_option.exit_code == 0, by_option.output
    assert json.loads(by_option.stdout)
    env = {"NETWAVE_TOKEN": token, "NETWAVE_API_URL": url}
    by_env = runner.invoke(app, LIST, env={**env, "NETWAVE_API_CA_BUNDLE": str(certificates.ca)})
    assert by_env.exit_code == 0, by_env.output
    health = runner.invoke(app, ["--ca-bundle", str(certificates.ca), "health", "--api"], env=env)
    assert json.loads(health.stdout)["database"] == "ok"  # (Temporal is down here: exit 1)


def test_a_ca_bundle_must_be_a_pem_file(tmp_path: Path) -> None:
    missing = runner.invoke(app, ["--ca-bundle", str(tmp_path / "none.pem"), *LIST])
    assert missing.exit_code == 2 and "--ca-bundle" in missing.output
    junk = tmp_path / "junk.pem"
    junk.write_text("not a certificate\n")
    args = ["--api-url", "https://127.0.0.1:1", "--ca-bundle", str(junk), *LIST]
    result = runner.invoke(app, args, env={"NETWAVE_TOKEN": "t"})
    assert result.exit_code == 2 and f"--ca-bundle {junk}: not a PEM CA bundle" in result.stderr
