"""What a test needs from the machine (PostgreSQL, network namespaces, Chromium, Playwright).

Missing on a developer's machine, the test is skipped, saying what and why. Missing in CI (a
truthy `CI` variable: `.ci/run` runs with CI=true), it fails instead: a CI run whose
PostgreSQL, realnet or browser tests all skipped would otherwise pass while testing none of it.
"""

from __future__ import annotations

import importlib
import os
from types import ModuleType
from typing import NoReturn

import pytest

# `CI=false` (or 0, no, off, empty) is a developer saying "not CI", not a CI run.
FALSE_WORDS = frozenset({"", "0", "false", "no", "off"})


def in_ci() -> bool:
    """Whether this run is CI's: the `CI` variable set to anything but a false word."""
    return os.environ.get("CI", "").strip().lower() not in FALSE_WORDS


def require(what: str, reason: str) -> NoReturn:
    """Skip (on a developer's machine) or fail (in CI) the test because `what` is missing.

    Callable from a test, a fixture or a test module's top level (which skips the module).
    """
    message = f"needs {what}: {reason}"
    if in_ci():
        pytest.fail(f"{message} (CI is set: a missing requirement fails)", pytrace=False)
    pytest.skip(message, allow_module_level=True)


def require_module(name: str, reason: str) -> ModuleType:
    """The imported module `name`, else `require` it (pytest.importorskip that fails in CI)."""
    try:
        return importlib.import_module(name)
    except ImportError as exc:
        require(f"the Python module {name}", f"{reason} ({exc})")
