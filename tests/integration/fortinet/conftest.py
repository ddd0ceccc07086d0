"""The change flow's fixtures (settings on the test's own queues, workers, API) for vandelay."""

from __future__ import annotations

import pytest

from services.core.settings import Settings
from tests.integration.change_flow.conftest import api, change_settings, running_workers
from tests.utils.api import bearer, make_token

__all__ = ["api", "change_settings", "running_workers"]


@pytest.fixture
def tokens(change_settings: Settings) -> dict[str, dict[str, str]]:
    return {
        "vandelay": bearer(make_token(change_settings, "tenant", tenant="vandelay")),
        "approver": bearer(make_token(change_settings, "approver")),
        "admin": bearer(make_token(change_settings, "admin")),
        "engineer": bearer(make_token(change_settings, "engineer")),
    }
