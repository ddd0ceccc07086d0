"""How a log record is written: one JSON object per line (production) or a readable line.

JSON fields: `ts` (ISO 8601, UTC), `level`, `logger`, `msg`, then the ids that apply
(`tenant`, `change_id`, `campaign_id`, `device`, `workflow_id`, `run_id`, `activity`, ...),
then every `extra` the caller passed (`client`, `status`, `duration_ms`, `outcome`...), then
`exc` (the exception's type and first line) and `exc_trace` (the traceback, its line breaks
escaped: a record is always one line). An extra whose name says it holds a secret (`password`,
`token`, `secret`, `authorization`, `pepper`) is written as `<masked>`, whatever it holds.
"""

from __future__ import annotations

import json
import logging
import traceback
from datetime import UTC, datetime
from typing import Any

from services.core.log_context import FIELDS

# The ids, in the order they are written (the binding's fields plus what Temporal adds).
ID_FIELDS = (*FIELDS, "workflow_type", "attempt")
MASK = "<masked>"
SECRET_NAMES = ("password", "token", "secret", "authorization", "pepper")
# Attributes every LogRecord has, and what other libraries leave on it that is not data.
_RECORD_ATTRIBUTES = frozenset(vars(logging.makeLogRecord({}))) | {"message", "asctime"}
_NOT_DATA = frozenset(
    {
        "taskName",
        "color_message",  # uvicorn's colored copy of the message
        "temporal_workflow",  # the SDK's dicts, written flat as the ids above
        "temporal_activity",
        "temporal_log",  # a forwarded Temporal core record (its text is the message)
        "workflow_info",
        "activity_info",
    }
)


def extras(record: logging.LogRecord) -> dict[str, Any]:
    """What the caller added to the record (`extra=`), ids included."""
    return {
        k: v
        for k, v in vars(record).items()
        if k not in _RECORD_ATTRIBUTES and k not in _NOT_DATA and not k.startswith("_")
    }


def masked(name: str, value: object) -> object:
    """`value`, or MASK when the field's name says it holds a secret."""
    lowered = name.lower()
    return MASK if any(word in lowered for word in SECRET_NAMES) else value


def utc_timestamp(record: logging.LogRecord) -> str:
    stamp = datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds")
    return stamp.replace("+00:00", "Z")


def one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__


class JsonFormatter(logging.Formatter):
    """One JSON object per record, on one line."""

    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "ts": utc_timestamp(record),
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        given = extras(record)
        for name in ID_FIELDS:
            if given.get(name) is not None:
                out[name] = given.pop(name)
        for name, value in given.items():
            out.setdefault(name, masked(name, value))
        if record.exc_info and record.exc_info[1] is not None:
            exc = record.exc_info[1]
            out["exc"] = one_line(exc)
            out["exc_trace"] = "".join(traceback.format_exception(exc)).rstrip()
        if record.stack_info:
            out["stack"] = record.stack_info
        return json.dumps(out, default=str, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    """`time LEVEL logger: message [tenant=... change_id=...]`, for a terminal."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def formatMessage(self, record: logging.LogRecord) -> str:
        line = super().formatMessage(record)
        ids = " ".join(
            f"{name}={value}"
            for name in ID_FIELDS
            if name not in ("workflow_type", "attempt")
            and (value := getattr(record, name, None)) is not None
        )
        return f"{line} [{ids}]" if ids else line
