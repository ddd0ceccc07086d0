"""Long sync activities: run the device work in a thread and heartbeat progress meanwhile."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from typing import TypeVar

from pydantic import BaseModel
from temporalio import activity

HEARTBEAT_SECONDS = 1.0
M = TypeVar("M", bound=BaseModel)


def run_heartbeating(work: Callable[[], object], progress: Callable[[], BaseModel]) -> None:
    """Call `work()`; while it runs, heartbeat `progress()` so a retry can resume from it."""
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="device-work") as pool:
        future = pool.submit(work)
        while True:
            try:
                future.result(timeout=HEARTBEAT_SECONDS)
                return
            except FutureTimeout:
                activity.heartbeat(progress())


def last_heartbeat(model: type[M]) -> M | None:
    """The progress an earlier attempt of this activity heartbeated, if any."""
    details = activity.info().heartbeat_details
    return model.model_validate(details[0]) if details else None
