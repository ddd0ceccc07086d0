"""Host-key mismatches to staff: one message per device and presented key, not one per session
attempt, retry or audit of the same device (again after `repeat_after`, while it lasts).

Sessions report a mismatch through `services.network.host_keys.report_mismatch` from device
threads; the message goes out on a background thread so a slow target never holds a device
step or an audit chunk. Which key was presented is part of the event: another new key is
another message.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from datetime import timedelta

from services.core.secrets import SecretsProvider
from services.core.settings import Settings
from services.network.host_keys import on_mismatch
from services.notifications.delivery import StaffNotifier
from services.notifications.messages import host_key_message
from services.notifications.staff import notifier

log = logging.getLogger(__name__)

REPEAT_AFTER = timedelta(hours=24)
_MAX_REMEMBERED = 10_000  # devices told of; the oldest are forgotten beyond it
_MAX_PENDING = 200  # messages waiting to go out; beyond it they are dropped with a warning


class HostKeyAlerts:
    """The listener `report_mismatch` calls: remembers what it told, sends in the background."""

    def __init__(
        self,
        settings: Settings,
        staff: StaffNotifier,
        *,
        repeat_after: timedelta = REPEAT_AFTER,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._console_url = settings.console_url
        self._staff = staff
        self._repeat_after = repeat_after.total_seconds()
        self._clock = clock
        self._told: dict[tuple[str, str, str], float] = {}
        self._pending: set[Future[dict[str, bool]]] = set()
        self._lock = threading.Lock()
        self._pool = ThreadPoolExecutor(1, thread_name_prefix="host-key-alerts")

    def __call__(self, tenant: str, device: str, platform: str, error: str) -> None:
        key = (tenant, device, error)
        now = self._clock()
        with self._lock:
            last = self._told.get(key)
            if last is not None and now - last < self._repeat_after:
                return
            if len(self._pending) >= _MAX_PENDING:
                log.warning("host key mismatch of %s/%s not told: too many waiting", tenant, device)
                return
            self._told[key] = now
            while len(self._told) > _MAX_REMEMBERED:
                del self._told[next(iter(self._told))]
            message = host_key_message(
                console_url=self._console_url,
                tenant=tenant,
                device=device,
                platform=platform,
                error=error,
            )
            future = self._pool.submit(self._staff.send, message)
            self._pending.add(future)
        future.add_done_callback(self._done)

    def _done(self, future: Future[dict[str, bool]]) -> None:
        with self._lock:
            self._pending.discard(future)

    def drain(self, timeout: float = 30.0) -> None:
        """Wait for the messages on their way (tests, and a worker that stops)."""
        with self._lock:
            pending = list(self._pending)
        wait(pending, timeout=timeout)


def install(settings: Settings, provider: SecretsProvider) -> HostKeyAlerts:
    """Check the targets file now (a worker with a broken one refuses to start, naming the
    entry) and make sessions report their host-key mismatches to staff."""
    staff = notifier(settings, provider)
    staff.targets()  # raises ConfigurationError naming the file, line and entry
    alerts = HostKeyAlerts(settings, staff)
    on_mismatch(alerts)
    return alerts
