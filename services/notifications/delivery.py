"""Sending a staff message to every target that wants its event, through apprise.

A delivery never fails or blocks what raised the event: each target gets a bounded number of
attempts with short timeouts (targets in parallel), a failure is logged as a warning naming
the target (never its URL's tokens) and counted (`netwave_staff_notifications_total`). The
targets file is read again when it changes; a broken file is logged and sends nothing until
it is fixed.
"""

from __future__ import annotations

import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import apprise
from apprise.common import NotifyFormat, NotifyType

from services.core.errors import NetwaveError
from services.core.secrets import SecretsProvider
from services.notifications.config import (
    SIGNED_SCHEMES,
    Target,
    load_file,
    resolve_targets,
)
from services.notifications.events import StaffMessage
from services.notifications.signed import signed_target
from services.observability import metrics

log = logging.getLogger(__name__)

RETRIES = 1  # after the first attempt: two in all per target
RETRY_WAIT_SECONDS = 1.0
CONNECT_TIMEOUT_SECONDS = 3.0
READ_TIMEOUT_SECONDS = 5.0
_TYPES = {"info": NotifyType.INFO, "warning": NotifyType.WARNING, "failure": NotifyType.FAILURE}


@dataclass
class StaffNotifier:
    """The MSP's targets (from `path`, secrets from `provider`) and how to reach them."""

    path: Path
    provider: SecretsProvider
    _stamp: tuple[int, int] | None = field(default=None, init=False)
    _targets: list[Target] = field(default_factory=list, init=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False)

    def targets(self) -> list[Target]:
        """The targets as the file says now (re-read and re-resolved when it changed)."""
        try:
            stat = self.path.stat()
        except FileNotFoundError:
            return []
        stamp = (stat.st_mtime_ns, stat.st_size)
        with self._lock:
            if stamp != self._stamp:
                parsed = load_file(self.path)
                self._targets = (
                    [] if parsed is None else resolve_targets(parsed, self.provider, self.path)
                )
                self._stamp = stamp
            return list(self._targets)

    def send(self, message: StaffMessage) -> dict[str, bool]:
        """Deliver to each target that wants the event: target name -> delivered. Never raises."""
        try:
            wanted = [t for t in self.targets() if message.event in t.events]
        except Exception as exc:  # a broken file or secret: said, counted, never raised
            _count(message.event, "(configuration)", ok=False)
            why = str(exc) if isinstance(exc, NetwaveError) else type(exc).__name__
            log.warning("staff notification %s not sent: %s", message.event, why)
            return {}
        if not wanted:
            return {}
        with ThreadPoolExecutor(len(wanted), thread_name_prefix="staff-notify") as pool:
            done = list(pool.map(lambda t: (t.name, _deliver(t, message)), wanted))
        return dict(done)


def _count(event: str, target: str, *, ok: bool) -> None:
    """On the worker's metrics port with the other netwave_* metrics (docs/observability.md)."""
    metrics.runs().staff_notifications.labels(event, target, "sent" if ok else "failed").inc()


def _deliver(target: Target, message: StaffMessage) -> bool:
    try:
        sender = apprise.Apprise()
        plugin = _plugin(target, message)
        if plugin is None or not sender.add(plugin):
            raise ValueError("apprise cannot use this target's URL")
        plugin.retry = RETRIES
        plugin.wait = RETRY_WAIT_SECONDS
        plugin.socket_connect_timeout = CONNECT_TIMEOUT_SECONDS
        plugin.socket_read_timeout = READ_TIMEOUT_SECONDS
        ok = bool(
            sender.notify(
                body=message.body,
                title=message.title,
                notify_type=_TYPES[message.severity],
                body_format=NotifyFormat.TEXT,
            )
        )
    except Exception as exc:  # a notification never takes down what raised it
        ok = False
        log.warning(
            "staff notification %s to %s: %s", message.event, target.shown, type(exc).__name__
        )
    _count(message.event, target.name, ok=ok)
    if ok:
        return True
    log.warning(
        "staff notification %s (%s) to %s failed after %d attempts",
        message.event,
        message.subject,
        target.shown,
        RETRIES + 1,
    )
    return False


def _plugin(target: Target, message: StaffMessage) -> apprise.NotifyBase | None:
    scheme = target.url.split("://", 1)[0].lower()
    if target.signing_secret is not None and scheme in SIGNED_SCHEMES:
        return signed_target(target.url, target.signing_secret, message)
    return apprise.Apprise.instantiate(target.url, suppress_exceptions=True)
