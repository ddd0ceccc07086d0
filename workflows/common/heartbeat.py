"""Long sync activities: run the device work in a thread and heartbeat progress meanwhile.

The work thread runs in a copy of the activity thread's context (a new thread starts with an
empty one): the activity's trace span, and whatever else context variables carry, reach it.
"""

from __future__ import annotations

import contextvars
import functools
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from typing import TypeVar

from pydantic import BaseModel
from temporalio import activity

from services.core import log_context
from services.core.secrets import SecretsProvider
from services.core.settings import Settings
from services.network.collect import Collected, collect
from services.network.inventory import Device

HEARTBEAT_SECONDS = 1.0
M = TypeVar("M", bound=BaseModel)
R = TypeVar("R")


def run_heartbeating(work: Callable[[], object], progress: Callable[[], BaseModel]) -> None:
    """Call `work()`; while it runs, heartbeat `progress()` so a retry can resume from it."""
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="device-work") as pool:
        future = pool.submit(contextvars.copy_context().run, log_context.carried(work))
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


def collect_resumable(
    pending: list[Device],
    settings: Settings,
    provider: SecretsProvider,
    handle: Callable[[Collected], R],
    done: dict[str, R],
    progress: Callable[[list[R]], BaseModel],
) -> None:
    """Collect `pending` devices; `handle` each as it arrives into `done`, heartbeating it all.

    `done` starts with what an earlier attempt finished (see `last_heartbeat`), so a retry
    after a worker crash collects only the devices that attempt had not finished.
    """
    lock = threading.Lock()

    def on_done(item: Collected) -> None:
        result = handle(item)
        with lock:
            done[item.device] = result

    def snapshot() -> BaseModel:
        with lock:
            return progress(list(done.values()))

    run_heartbeating(
        lambda: collect(
            pending,
            provider,
            workers=settings.device_workers,
            timeout=settings.device_timeout,
            on_done=on_done,
        ),
        snapshot,
    )


def call_heartbeating(work: Callable[[], R]) -> R:
    """Return `work()`, heartbeating while it runs so a crashed worker's step is retried soon
    (outside an activity, e.g. called directly by a test or the CLI, it is just `work()`)."""
    if not activity.in_activity():
        return work()
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="device-step") as pool:
        future = pool.submit(contextvars.copy_context().run, log_context.carried(work))
        while True:
            try:
                return future.result(timeout=HEARTBEAT_SECONDS)
            except FutureTimeout:
                activity.heartbeat()


A = TypeVar("A")
S = TypeVar("S")


def heartbeating(method: Callable[[S, A], R]) -> Callable[[S, A], R]:
    """Decorate a one-argument activity method to run under `call_heartbeating`."""

    @functools.wraps(method)
    def wrapper(self: S, arg: A) -> R:
        return call_heartbeating(lambda: method(self, arg))

    return wrapper
