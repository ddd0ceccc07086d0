"""Configuration safety nets the platforms share: changes that go back by themselves unless
confirmed in time (Junos `commit confirmed`, EOS `commit timer`), EOS configuration sessions
and the Junos commit history.

A pending confirm keeps the config from before the change (its checkpoint) and an asyncio
timer. The timer runs in device time: a device minute lasts `LabTimings.confirm_minute_seconds`
real seconds (60 unless an inventory or a test says otherwise), so a timer never fires during
a short test. Tests expire timers on demand instead: `LabDevice.expire_confirm_timers()`, the
control API's `POST /devices/{name}/confirm-timers/expire`, `ThreadedLab.expire_confirm_timers`.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from services.lab.config_tree import ConfigTree, SetConfig
from services.lab.records import now

log = logging.getLogger(__name__)

Checkpoint = ConfigTree | SetConfig
SessionState = Literal["pending", "pending-commit-timer", "completed"]


@dataclass
class PendingConfirm:
    """A change in force that the device takes back unless it is confirmed in time."""

    key: str  # "commit" (Junos) or the EOS session name
    checkpoint: Checkpoint  # the running config before the change
    seconds: float  # the timer, in device seconds
    scale: float = 1.0  # real seconds per device second
    started: float = field(default_factory=time.monotonic)
    started_wall: datetime = field(default_factory=now)

    def remaining(self) -> float:
        """Device seconds left before the change goes back."""
        elapsed = (time.monotonic() - self.started) / self.scale if self.scale else 0.0
        return max(0.0, self.seconds - elapsed)

    def minutes_left(self) -> int:
        return max(1, math.ceil(self.remaining() / 60))


class ConfirmTimers:
    """A device's pending confirms and the asyncio tasks that expire them."""

    def __init__(self, on_expiry: Callable[[PendingConfirm], None]) -> None:
        self.pending: dict[str, PendingConfirm] = {}
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._on_expiry = on_expiry

    def arm(self, pending: PendingConfirm) -> None:
        """Start (or restart) the timer of `pending.key`."""
        self._cancel_task(pending.key)
        self.pending[pending.key] = pending
        task = asyncio.get_running_loop().create_task(self._run(pending))
        self._tasks[pending.key] = task

    async def _run(self, pending: PendingConfirm) -> None:
        await asyncio.sleep(pending.seconds * pending.scale)
        self._tasks.pop(pending.key, None)
        if self.pending.get(pending.key) is pending:
            self._fire(pending)

    def stop(self, key: str) -> PendingConfirm | None:
        """Stop a timer without taking the change back; the caller keeps or restores it."""
        self._cancel_task(key)
        return self.pending.pop(key, None)

    def expire(self) -> list[str]:
        """Take every pending change back now, as if its timer had run out."""
        fired = []
        for key, pending in list(self.pending.items()):
            self._cancel_task(key)
            self._fire(pending)
            fired.append(key)
        return fired

    def cancel_all(self) -> None:
        """Forget every pending confirm (the device's state is being replaced)."""
        for key in list(self._tasks):
            self._cancel_task(key)
        self.pending.clear()

    def _fire(self, pending: PendingConfirm) -> None:
        self.pending.pop(pending.key, None)
        try:
            self._on_expiry(pending)
        except Exception:  # a bug in a platform's rollback must not kill the lab
            log.exception("confirm timer %s failed to roll back", pending.key)

    def _cancel_task(self, key: str) -> None:
        task = self._tasks.pop(key, None)
        if task is not None:
            task.cancel()


@dataclass
class ConfigSession:
    """An EOS `configure session`: a candidate copied from running, applied on commit."""

    name: str
    candidate: ConfigTree
    user: str
    state: SessionState = "pending"
    created: datetime = field(default_factory=now)


@dataclass
class CommitEntry:
    """One entry of the Junos commit history (`show system commit`, `rollback N`)."""

    config: SetConfig
    user: str = "root"
    via: str = "cli"
    comment: str | None = None
    confirm_minutes: int | None = None
    at: datetime = field(default_factory=now)

    def line(self, index: int) -> str:
        """The entry as `show system commit` prints it (with its comment line)."""
        text = f"{index:<3} {self.at:%Y-%m-%d %H:%M:%S} UTC by {self.user} via {self.via}"
        if self.confirm_minutes is not None:
            text += f" commit confirmed, rollback in {self.confirm_minutes}mins"
        if self.comment:
            text += f"\n    {self.comment}"
        return text
