"""Integers in query strings and paths: decimal digits, nothing else.

Query and path values are text, so an integer there is parsed from a string. Pydantic's lax
parsing also takes `5.0`, ` 5`, `+5` and `1_0`; `Digits` lets through only an optional minus and
decimal digits, so `?limit=true`, `?limit=1.5` and `?limit=1e3` are a 422 naming the parameter.

Put `Digits` after the bounds, `Annotated[int, Ge(1), Le(500), Digits, Query()]`: bounds
after a validator still hold, but stop being `minimum`/`maximum` in the OpenAPI schema.
"""

from __future__ import annotations

import re

from pydantic import BeforeValidator
from pydantic_core import PydanticCustomError

# Enough digits for any bound the routes use; a longer number is refused before int() parses it.
DIGITS = re.compile(r"-?[0-9]{1,40}")


def _digits_only(value: object) -> object:
    if isinstance(value, str) and not DIGITS.fullmatch(value):
        raise PydanticCustomError(
            "int_parsing", "Input should be an integer written in decimal digits"
        )
    return value


Digits = BeforeValidator(_digits_only)
