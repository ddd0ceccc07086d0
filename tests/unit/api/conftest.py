"""The API on scratch settings, with Temporal nowhere (port 1): routes that answer before any
workflow starts."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from services.api.main import create_app
from services.core.settings import Settings


@pytest.fixture
def api_settings(settings: Settings) -> Settings:
    # Nothing listens on port 1: health reports Temporal down quickly.
    return settings.model_copy(update={"temporal_address": "127.0.0.1:1"})


@pytest.fixture
def client(api_settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(api_settings)) as test_client:
        yield test_client
