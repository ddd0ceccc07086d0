"""One `netwave.device` record per device session and per push, with its outcome.

    {"msg": "session acme-hq-r1 ok", "event": "session", "device": "acme-hq-r1",
     "tenant": "acme", "platform": "<driver name>", "outcome": "ok", "duration_ms": 812.4, ...}

A session record is written when the session ends (its duration is the whole session), or when
it could not be opened (`outcome` says why, in `collect.Reachability`'s words). A push record
(`event` push, save or undo) says how many lines the device took and how it ended. Errors are
masked with the platform's secret patterns (a refused line may hold a community or a key);
nothing else from the device's answers is written. The ids of the activity that opened the
session come from `log_context` (bound by the activity interceptor; Nornir's threads get them
from the snapshot `nornir_fleet` carries).
"""

from __future__ import annotations

import contextvars
import functools
import logging
import time
import weakref
from collections.abc import Callable, Iterator, Sized
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, ParamSpec

from services.core import log_context
from services.network.inventory import Device
from services.network.masking import masker
from services.network.push_driver import PushResult

log = logging.getLogger("netwave.device")
# Set while netwave polls a device it knows is away (reloading): a login it cannot make then is
# what it waits for, logged at INFO; anything else, or any other time, is a WARNING.
_EXPECTED_DOWN = contextvars.ContextVar("expected_down", default=False)
AWAY_OUTCOMES = frozenset({"unreachable", "timeout"})


@contextmanager
def expected_down() -> Iterator[None]:
    """Within it, a session that cannot open because the device is away is no warning."""
    token = _EXPECTED_DOWN.set(True)
    try:
        yield
    finally:
        _EXPECTED_DOWN.reset(token)


P = ParamSpec("P")


@dataclass(frozen=True)
class _Open:
    fields: dict[str, Any]
    started: float
    ids: dict[str, str] = field(default_factory=dict)


# Sessions open now, by connection object: connect and disconnect are far apart in the code.
_OPEN: weakref.WeakKeyDictionary[object, _Open] = weakref.WeakKeyDictionary()


def device_fields(device: Device) -> dict[str, Any]:
    return {"device": device.name, "tenant": device.tenant, "platform": device.platform}


def log_device_event(
    event: str,
    outcome: str,
    fields: dict[str, Any],
    *,
    started: float,
    ids: dict[str, str] | None = None,
    error: str | None = None,
    **extra: Any,
) -> None:
    """The one record of a session or a push; `started` is its `time.monotonic()` start."""
    record: dict[str, Any] = {
        **(ids or {}),
        **fields,
        "event": event,
        "outcome": outcome,
        "duration_ms": round((time.monotonic() - started) * 1000, 1),
        **extra,
    }
    if error:
        record["error"] = masker(fields.get("platform")).prose(error)
    expected = outcome == "ok" or (outcome in AWAY_OUTCOMES and _EXPECTED_DOWN.get())
    level = logging.INFO if expected else logging.WARNING
    log.log(level, "%s %s %s", event, fields.get("device", "?"), outcome, extra=record)


def session_opened(
    conn: object, fields: dict[str, Any], started: float, ids: dict[str, str] | None = None
) -> None:
    """Remember the session until `session_closed`, with the ids bound where it opened (or
    `ids`, carried from the thread that asked for it)."""
    _OPEN[conn] = _Open(fields, started, log_context.snapshot() if ids is None else ids)


def session_failed(
    fields: dict[str, Any],
    exc: BaseException,
    started: float,
    ids: dict[str, str] | None = None,
) -> None:
    """A session that could not be opened, and why (`collect.Reachability`)."""
    from services.network.collect import classify, short_error  # collect imports the sessions

    log_device_event(
        "session",
        str(classify(exc)),
        fields,
        started=started,
        ids=log_context.snapshot() if ids is None else ids,
        error=short_error(exc),
    )


def session_closed(conn: object) -> None:
    opened = _OPEN.pop(conn, None)
    if opened is not None:
        log_device_event("session", "ok", opened.fields, started=opened.started, ids=opened.ids)


def pushed(
    conn: object,
    event: str,
    result: PushResult,
    started: float,
    lines: int | None = None,
) -> None:
    """A push or a save (`event`) on an open session, and how it ended."""
    opened = _OPEN.get(conn)
    extra: dict[str, Any] = {"pushed": result.pushed}
    if lines is not None:
        extra["lines"] = lines
    log_device_event(
        event,
        "ok" if result.ok else str(result.error_kind or "failed"),
        opened.fields if opened is not None else {},
        started=started,
        ids=opened.ids if opened is not None else log_context.snapshot(),
        error=result.error,
        **extra,
    )


def logged(event: str) -> Callable[[Callable[P, PushResult]], Callable[P, PushResult]]:
    """Log each call of a push step (`push_on`, `save_on`: the session is their first
    argument, a push's commands their third) with its result."""

    def wrap(step: Callable[P, PushResult]) -> Callable[P, PushResult]:
        @functools.wraps(step)
        def run(*args: P.args, **kwargs: P.kwargs) -> PushResult:
            started = time.monotonic()
            result = step(*args, **kwargs)
            commands = args[2] if len(args) > 2 else None
            lines = len(commands) if isinstance(commands, Sized) else None
            pushed(args[0], event, result, started, lines)
            return result

        return run

    return wrap


@contextmanager
def undoing(conn: object) -> Iterator[None]:
    """Log the safety net's take-back run in the block: ok, or the error it raised."""
    from services.network.collect import short_error

    started = time.monotonic()
    opened = _OPEN.get(conn)
    fields = opened.fields if opened is not None else {}
    ids = opened.ids if opened is not None else log_context.snapshot()
    try:
        yield
    except Exception as exc:
        error = short_error(exc)
        log_device_event("undo", "failed", fields, started=started, ids=ids, error=error)
        raise
    log_device_event("undo", "ok", fields, started=started, ids=ids)
