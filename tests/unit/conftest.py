"""Fixtures the CLI tests share: scratch settings read the way `netwave` reads them.

The CLI calls `get_settings()`, which reads the environment once and caches it; a CLI test
module opts in with `pytestmark = pytest.mark.usefixtures("scratch_env")` and overrides
`scratch_variables` or `scratch_inventories` when it needs more than the defaults.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from rich.console import Console

import services.cli.out
from services.core.settings import get_settings
from tests.conftest import REPO


@pytest.fixture
def scratch_inventories() -> Path:
    """The inventories a CLI test reads: the shipped ones (override to hand out a copy)."""
    return REPO / "inventories"


@pytest.fixture
def scratch_variables() -> dict[str, str | None]:
    """More environment variables for a module's CLI tests; None removes one."""
    return {}


@pytest.fixture
def scratch_env(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    scratch_inventories: Path,
    scratch_variables: dict[str, str | None],
) -> Iterator[None]:
    """A scratch var/ (SQLite, secrets) per test, settings read afresh before and after."""
    monkeypatch.setenv("NETWAVE_VAR_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("NETWAVE_INVENTORIES_PATH", str(scratch_inventories))
    for name, value in scratch_variables.items():
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture
def wide_console(monkeypatch: pytest.MonkeyPatch) -> None:
    """Rich tables 300 columns wide, so that no cell wraps: the tests read rows as lines."""
    monkeypatch.setattr(services.cli.out, "console", Console(width=300))
