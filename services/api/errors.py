"""The API's 422 for malformed requests: which field, what is wrong, and a glimpse of the input.

FastAPI's own answer echoes each error's `input` whole (a megabyte string comes back as a
megabyte) and messages and locations quote input too (a union tag, an unknown key). Here every
error keeps `type`, `loc`, `msg` and `ctx`, with anything taken from the input cut short:

    {"detail": [{"type": "int_type", "loc": ["body", "strategy", "wave_size"],
                 "msg": "Input should be a valid integer", "input": true}]}

`input` is the value itself when it is a number, a boolean, null or a short string; a long
string is its first EXCERPT characters and its length; an object or array is its type and size.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

EXCERPT = 80  # characters of a string input, key or context value
MESSAGE = 300  # characters of a message (pydantic's own are shorter; some quote the input)
INPUT_CTX = frozenset({"tag"})  # context entries that are the input itself


def _cut(text: str, limit: int = EXCERPT) -> str:
    return text if len(text) <= limit else f"{text[:limit]}… ({len(text)} characters)"


def excerpt(value: Any) -> Any:
    """A short, JSON-safe stand-in for a refused input value."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int):
        return value if abs(value) < 10**EXCERPT else f"<integer of {value.bit_length()} bits>"
    if isinstance(value, float):
        # NaN and infinities (Python's JSON reads them) are no JSON to answer with.
        return value if value == value and abs(value) != float("inf") else str(value)
    if isinstance(value, str):
        return _cut(value)
    if isinstance(value, Mapping):
        return f"<object with {len(value)} keys>"
    if isinstance(value, Sequence | set | frozenset) and not isinstance(value, bytes | bytearray):
        return f"<array with {len(value)} items>"
    if isinstance(value, bytes | bytearray):
        return f"<{len(value)} bytes>"
    return f"<{type(value).__name__}>"


def _message(msg: str) -> str:
    """The message with a long quoted input cut short (`Input tag 'xxx…' found using …`)."""
    parts = msg.split("'")  # odd parts are quoted (linear: no regex over the input)
    shortened = "'".join(
        f"{p[:EXCERPT]}…" if i % 2 and len(p) > EXCERPT else p for i, p in enumerate(parts)
    )
    return _cut(shortened, MESSAGE)


def _location(loc: Any) -> list[str | int]:
    parts = loc if isinstance(loc, list | tuple) else [loc]
    return [p if isinstance(p, int) and not isinstance(p, bool) else _cut(str(p)) for p in parts]


def short_error(error: Mapping[str, Any]) -> dict[str, Any]:
    """One validation error with nothing longer than an excerpt of the input."""
    out: dict[str, Any] = {
        "type": str(error.get("type", "value_error")),
        "loc": _location(error.get("loc", [])),
        "msg": _message(str(error.get("msg", ""))),
    }
    if "input" in error:
        out["input"] = excerpt(error["input"])
    ctx = error.get("ctx")
    if isinstance(ctx, Mapping) and ctx:
        # Bounds, patterns, expected values, a validator's exception; a union `tag` is input.
        out["ctx"] = {
            _cut(str(k)): excerpt(v) if k in INPUT_CTX else _context_value(v)
            for k, v in ctx.items()
        }
    return out


def _context_value(value: Any) -> Any:
    if isinstance(value, bool | int | float | None):
        return excerpt(value)
    return _cut(str(value), MESSAGE)


async def validation_error(_: Request, exc: RequestValidationError) -> JSONResponse:
    """422 naming each bad field, with at most an excerpt of what was sent."""
    return JSONResponse({"detail": [short_error(e) for e in exc.errors()]}, status_code=422)
