"""Why an admin steps outside the rules (a window override of a change or a campaign): the
reason is recorded in the history and the audit log, and shown on one line of the CLI."""

from __future__ import annotations

import unicodedata
from typing import Annotated

from pydantic import AfterValidator, Field

MAX_REASON = 500


def says_why(text: str) -> str:
    """The reason as given, if it says something on one printable line (ValueError if not)."""
    if not text.strip():
        raise ValueError("must say why (it is blank)")
    bad = next((c for c in text if unicodedata.category(c) == "Cc"), None)
    if bad is not None:
        raise ValueError(f"must not contain control characters (found {bad!r})")
    return text


Reason = Annotated[
    str,
    Field(min_length=1, max_length=MAX_REASON, description="why (recorded)"),
    AfterValidator(says_why),
]
