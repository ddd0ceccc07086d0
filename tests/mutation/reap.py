"""A pytest plugin for `make mutation` only (the Makefile names it in PYTEST_PLUGINS): at the
end of each test session, stop and reap the child processes the tests left (a Temporal
server still shutting down, a worker).

mutmut runs the clean tests in its own process and then collects each mutant's forked run
with `os.wait()`, which would hand it one of those leftovers instead, a pid it does not know
(`KeyError` in `wait_for_result`)."""

from __future__ import annotations

import contextlib
import os

import psutil
import pytest


def pytest_sessionfinish(session: pytest.Session) -> None:
    children = psutil.Process().children()
    for child in children:  # every one of them was started by this session's tests
        with contextlib.suppress(psutil.Error):
            child.terminate()
    _gone, alive = psutil.wait_procs(children, timeout=10)
    for child in alive:
        with contextlib.suppress(psutil.Error):
            child.kill()
    psutil.wait_procs(alive, timeout=5)
    with contextlib.suppress(ChildProcessError):
        while os.waitpid(-1, os.WNOHANG)[0]:  # any zombie left
            pass
