"""A console on scratch settings (no Temporal: nothing listens on port 1) and signed-in clients."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient

from services.api.main import create_app
from services.core.settings import Settings
from tests.unit.web.factories import CSRF
from tests.utils.api import make_token


@pytest.fixture
def web_settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"temporal_address": "127.0.0.1:1"})


@pytest.fixture
def client(web_settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(web_settings)) as test_client:
        yield test_client


def sign_in(client: TestClient, token: str, next_path: str = "") -> str:
    """Sign in through the form; returns the session's CSRF token from the landing page."""
    form = client.get("/console/login")
    csrf = CSRF.search(form.text)
    assert csrf, form.text
    response = client.post(
        "/console/login",
        data={"csrf_token": csrf[1], "token": token, "next": next_path},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    landing = client.get(response.headers["location"])
    found = CSRF.search(landing.text)
    assert found, landing.text
    return found[1]


SignedIn = Callable[..., tuple[TestClient, str, str]]


@pytest.fixture
def signed_in(web_settings: Settings) -> Iterator[SignedIn]:
    """signed_in(role, tenant) -> (client, token, csrf): a fresh browser per call."""
    opened: list[TestClient] = []

    def make(role: str, tenant: str | None = None) -> tuple[TestClient, str, str]:
        test_client = TestClient(create_app(web_settings)).__enter__()
        opened.append(test_client)
        token = make_token(web_settings, role, tenant=tenant)
        return test_client, token, sign_in(test_client, token)

    yield make
    for test_client in opened:
        test_client.__exit__(None, None, None)
