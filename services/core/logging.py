"""The one logging set-up of every netwave process (API, worker, lab, audit helpers).

`NETWAVE_LOG_FORMAT=json` writes one JSON object per line (the default in production),
`text` a readable line (the default elsewhere); `NETWAVE_LOG_LEVEL` sets the level. Every
record, whoever logs it (netwave, uvicorn, the Temporal SDK and its core), goes through one
handler on the root logger, whose `LogIds` filter adds the ids the record is about: see
`docs/observability.md` (Logs).
"""

from __future__ import annotations

import logging
import sys
import threading
from types import TracebackType
from typing import Any

from temporalio import activity, workflow

from services.core import log_context
from services.core.log_format import JsonFormatter, TextFormatter
from services.core.settings import Settings, get_settings

NOISY = ("paramiko", "netmiko", "asyncssh", "httpx", "nornir")


class LogIds(logging.Filter):
    """Adds the ids a record is about, without overriding what the caller passed: the
    Temporal SDK's workflow/activity details (flattened), the running activity's, the fields
    bound with `log_context.bind`, and the change or campaign its workflow id names."""

    def filter(self, record: logging.LogRecord) -> bool:
        temporal = {k: v for k, v in _temporal(record).items() if v is not None}
        ids = {**temporal, **log_context.current()}
        if "workflow_id" in ids:
            ids = {**log_context.ids_of_workflow(str(ids["workflow_id"])), **ids}
        for name, value in ids.items():
            if getattr(record, name, None) is None:
                setattr(record, name, value)
        return True


def _temporal(record: logging.LogRecord) -> dict[str, Any]:
    details = getattr(record, "temporal_workflow", None)
    if isinstance(details, dict):
        return {
            "workflow_id": details.get("workflow_id"),
            "run_id": details.get("run_id"),
            "workflow_type": details.get("workflow_type"),
        }
    details = getattr(record, "temporal_activity", None)
    if isinstance(details, dict):
        return {
            "workflow_id": details.get("workflow_id"),
            "run_id": details.get("workflow_run_id"),
            "activity": details.get("activity_type"),
            "attempt": details.get("attempt"),
        }
    return log_context.temporal_ids()


def setup_logging(settings: Settings | None = None, level: str | None = None) -> None:
    """One handler on stderr for everything; paramiko/netmiko chatter is kept at WARNING."""
    settings = settings or get_settings()
    handler = logging.StreamHandler()
    handler.addFilter(LogIds())
    json_lines = settings.log_format == "json"
    handler.setFormatter(JsonFormatter() if json_lines else TextFormatter())
    root = logging.getLogger()
    for old in root.handlers[:]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel((level or settings.log_level).upper())
    for noisy in NOISY:
        logging.getLogger(noisy).setLevel(logging.WARNING)
    # The ids are fields of their own: no dict of them appended to the SDK's messages.
    workflow.logger.workflow_info_on_message = False
    activity.logger.activity_info_on_message = False
    logging.captureWarnings(True)  # `warnings` go through the handler, not raw to stderr
    if json_lines:
        # An exception nobody caught is a record too, not a traceback across many lines.
        sys.excepthook = _log_uncaught
        threading.excepthook = _log_thread_uncaught


def _log_uncaught(
    kind: type[BaseException], exc: BaseException, trace: TracebackType | None
) -> None:
    if issubclass(kind, KeyboardInterrupt):
        sys.__excepthook__(kind, exc, trace)
        return
    logging.getLogger("netwave").critical("uncaught exception", exc_info=(kind, exc, trace))


def _log_thread_uncaught(args: threading.ExceptHookArgs) -> None:
    if args.exc_type is SystemExit or args.exc_value is None:
        return
    thread = args.thread.name if args.thread else "?"
    logging.getLogger("netwave").error(
        "uncaught exception in thread %s",
        thread,
        exc_info=(args.exc_type, args.exc_value, args.exc_traceback),
    )
