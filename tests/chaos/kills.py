"""What the chaos tests share: the summary they fill, and the moves of a kill -9 test.

The summary (`SUMMARY`) lives in this module so that every chaos test file of one pytest
process adds to it; `test_chaos_summary` prints it and fails on a duplicate or a declared kill
point that never fired. The chaos files share one xdist worker (tests/conftest.py).
"""

from __future__ import annotations

import asyncio
import signal
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from services.core.settings import Settings
from tests.utils.lab import ThreadedLab
from tests.utils.processes import running_worker, stop

# Kill points placed on purpose (failpoints); the summary fails if one never fired.
DECLARED = (
    "change@mid-push",
    "change@mid-restore",
    "change@verified-record",
    "campaign@mid-boot",
)
SUMMARY: dict[str, Any] = {
    "kill_points": [],
    "runs": 0,
    "completed": 0,
    "duplicate_pushes": 0,
    "duplicate_revisions": 0,
    "lost_revisions": 0,
}


async def request(api: TestClient, method: str, path: str, **kwargs: Any) -> Any:
    return await asyncio.to_thread(lambda: api.request(method, path, **kwargs))


def duplicates(lab: ThreadedLab, name: str, lines: list[str]) -> int:
    """Lines of `lines` the device accepted more than once."""
    record = lab.record(name)
    return sum(max(0, record.pushed_count(line) - 1) for line in set(lines))


def leaves(commands: list[str]) -> list[str]:
    """The lines that change something: not the section headers that only give context
    (`interface X` before its indented lines), which a retry may type again."""
    found = []
    for i, line in enumerate(commands):
        depth = len(line) - len(line.lstrip())
        nxt = commands[i + 1] if i + 1 < len(commands) else ""
        if not (nxt.strip() and len(nxt) - len(nxt.lstrip()) > depth):
            found.append(line.strip())
    return [line for line in found if line not in ("exit", "end")]


def count_revisions(kept: list[Any], change_id: str) -> None:
    """A verified change has exactly one intent revision on its device."""
    own = [r for r in kept if r.change_id == change_id]
    SUMMARY["duplicate_revisions"] += max(0, len(own) - 1)
    SUMMARY["lost_revisions"] += 1 if not own else 0


async def until_failpoint(
    marker: Path, where: Callable[[], str], on_wait: Callable[[], Awaitable[None]] | None = None
) -> None:
    """Until a worker holds at the failpoint whose marker is `marker` (`on_wait` runs on each
    look: opening a change's window once it waits for it, say)."""
    deadline = time.monotonic() + 120
    while not marker.exists():
        assert time.monotonic() < deadline, f"never reached {marker.name}: {where()}"
        if on_wait is not None:
            await on_wait()
        await asyncio.sleep(0.2)


@asynccontextmanager
async def held_worker(
    settings: Settings,
    log: Path,
    failpoint: str,
    point: str,
    reached: Callable[[], Awaitable[None]],
) -> AsyncIterator[None]:
    """A worker that holds at `failpoint`: the body runs once `reached()` returned (the
    worker is held there), then the worker is killed and the kill `point` counted."""
    with running_worker(settings, log, env={"NETWAVE_FAILPOINTS": failpoint}) as worker:
        await reached()
        yield
        stop(worker, signal.SIGKILL)
    SUMMARY["kill_points"].append(point)
    SUMMARY["runs"] += 1


async def finish(
    settings: Settings,
    log: Path,
    done: Callable[[], bool],
    where: Callable[[], str],
    on_wait: Callable[[], Awaitable[None]] | None = None,
) -> None:
    """A fresh worker (no failpoint) until the run is final."""
    with running_worker(settings, log):
        deadline = time.monotonic() + 180
        while not done():
            if time.monotonic() > deadline:
                tail = log.read_text(errors="replace")[-3000:]
                raise AssertionError(f"not finished: {where()}\nworker log:\n{tail}")
            if on_wait is not None:
                await on_wait()
            await asyncio.sleep(0.3)


def window_opener(
    api: TestClient, path: str, admin: dict[str, str], status: Callable[[], str]
) -> Callable[[], Awaitable[None]]:
    """Overrides a change's maintenance window once, when it is scheduled: the chaos runs
    never depend on the wall clock."""
    opened = False

    async def open_once() -> None:
        nonlocal opened
        if status() == "scheduled" and not opened:
            reply = await request(
                api, "POST", f"{path}/override-window", json={"reason": "chaos"}, headers=admin
            )
            opened = reply.status_code == 200

    return open_once
