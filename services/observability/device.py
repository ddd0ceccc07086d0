"""The one place the device layer reports what happened on a device: one function per event.

Called by the places that open device sessions (`services/network/push.py: connect` and
`disconnect`, used by every runbook, upgrade and state step; `services/network/collect.py`,
the Nornir collections of backups and audits, also in the audit helper processes, whose
sessions the worker counts from their results) and by the runbook's push and restore steps.
Each function records metrics now; a log record or a span per event belongs here too.

Outcomes are the operator's words of `Reachability` (ok, unreachable, auth_failed, timeout,
host_key_mismatch, host_key_not_trusted, no_credential, failed) for sessions, and of
`PushError` for pushes (a line the device refused is `refused`).
"""

from __future__ import annotations

import threading
import time
import weakref
from dataclasses import dataclass

from services.observability import metrics

OK = "ok"
HOST_KEY_MISMATCH = "host_key_mismatch"
# PushError kinds named otherwise in the pushes' outcome label.
_PUSH_OUTCOMES = {"rejected": "refused"}


@dataclass(frozen=True)
class _Opened:
    platform: str
    tenant: str
    started: float


# Sessions open now (the connection object -> when and where it opened); weak, so a connection
# dropped without `session_closed` is forgotten with it.
_OPEN: weakref.WeakKeyDictionary[object, _Opened] = weakref.WeakKeyDictionary()
_OPEN_LOCK = threading.Lock()


def session_finished(platform: str, tenant: str, outcome: str, seconds: float | None) -> None:
    """A device session ended, or could not open: counted by outcome; `seconds` it stayed
    open (None: it never logged in)."""
    recorded = metrics.devices()
    recorded.sessions.labels(platform, tenant, outcome).inc()
    if seconds is not None:
        recorded.session_duration.labels(platform, tenant).observe(seconds)
    if outcome == HOST_KEY_MISMATCH:
        recorded.host_key_mismatches.labels(platform, tenant).inc()


def session_opened(conn: object, platform: str, tenant: str, started: float) -> None:
    """A session logged in (counted `ok` now); timed from `started` (time.monotonic()) until
    `session_closed(conn)`."""
    session_finished(platform, tenant, OK, None)
    with _OPEN_LOCK:
        _OPEN[conn] = _Opened(platform, tenant, started)


def session_failed(platform: str, tenant: str, outcome: str) -> None:
    """A session could not open: `outcome` says why."""
    session_finished(platform, tenant, outcome, None)


def session_closed(conn: object) -> None:
    """The session of `conn` ended: its time open is observed (once)."""
    with _OPEN_LOCK:
        opened = _OPEN.pop(conn, None)
    if opened is not None:
        seconds = time.monotonic() - opened.started
        metrics.devices().session_duration.labels(opened.platform, opened.tenant).observe(seconds)


def push_outcome(error_kind: str | None) -> str:
    """The pushes' outcome label of a push that failed with `error_kind` (None: it did not)."""
    if error_kind is None:
        return OK
    kind = str(error_kind)
    return _PUSH_OUTCOMES.get(kind, kind)


def push_finished(platform: str, tenant: str, outcome: str) -> None:
    """A runbook push ended: ok, refused (by the device), not_pushed (by netwave: the device
    changed since the plan), already_applied (a retry found nothing left), or why it failed."""
    metrics.devices().pushes.labels(platform, tenant, outcome).inc()


def rollback_finished(platform: str, tenant: str, ok: bool) -> None:
    """A restore to the pre-change backup ended: ok when the running config equals it."""
    metrics.devices().rollbacks.labels(platform, tenant, OK if ok else "failed").inc()
