"""Numbers typed into console forms, as the API's JSON would carry them.

Form fields are text; the API's models take only JSON numbers for numbers (strict). A field
that reads as a decimal number becomes one; anything else stays text, so the model refuses it
with its own message next to the field ("Input should be a valid integer").
"""

from __future__ import annotations

import re

INTEGER = re.compile(r"[+-]?[0-9]{1,40}")
DECIMAL = re.compile(r"[+-]?([0-9]{1,40}(\.[0-9]{0,40})?|\.[0-9]{1,40})([eE][+-]?[0-9]{1,3})?")


def form_integer(text: str) -> int | str:
    """`"12"` -> 12; `"1.5"`, `"lots"` stay text (the model names the field)."""
    value = text.strip()
    return int(value) if INTEGER.fullmatch(value) else text


def form_decimal(text: str) -> int | float | str:
    """`"12"` -> 12, `"1.5"` -> 1.5; anything else stays text."""
    value = text.strip()
    if INTEGER.fullmatch(value):
        return int(value)
    return float(value) if DECIMAL.fullmatch(value) else text
