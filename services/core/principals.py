"""Principals: who stands behind a token (a person or a system), by one normalized id.

Four-eyes compares principals, never token names: `ACME-OPS`, `acme-ops ` and `acme-ops` are
one principal. Ids are ASCII (`a-z 0-9 . _ @ + -`), so a Cyrillic a (U+0430) cannot pass for
a Latin one; a new principal that only looks like an existing one (`acme-0ps`, `acme_ops`) is
refused.
Pure functions: the change workflow uses them in its update validator.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

PRINCIPAL = re.compile(r"^[a-z0-9][a-z0-9._@+-]{0,99}$")
# Characters people read as one another, folded for the look-alike check only.
_CONFUSABLE = str.maketrans({"0": "o", "1": "l", "i": "l", "|": "l", "_": "-", ".": "-"})


class PrincipalError(ValueError):
    """A principal id that cannot be used; the message says why."""


def normalize(text: str) -> str:
    """The principal id of `text`: Unicode NFKC, trimmed, inner spaces dropped, case-folded.

    PrincipalError when the result is empty or holds anything but a-z 0-9 . _ @ + -.
    """
    folded = "".join(unicodedata.normalize("NFKC", text).split()).casefold()
    if not PRINCIPAL.match(folded):
        raise PrincipalError(
            f"principal {text!r} must be 1-100 of a-z 0-9 . _ @ + - (starting with a letter "
            "or digit) once trimmed and lower-cased"
        )
    return folded


def lenient(text: str) -> str:
    """`normalize` for names recorded before principals (any text): never raises."""
    return "".join(unicodedata.normalize("NFKC", text).split()).casefold()


def same_principal(a: str | None, b: str | None) -> bool:
    """Whether two recorded actors are one principal (False when either is unknown)."""
    if not a or not b:
        return False
    return lenient(a) == lenient(b)


def skeleton(principal: str) -> str:
    """What a principal looks like: confusable characters folded together, `rn` as `m`."""
    return principal.translate(_CONFUSABLE).replace("rn", "m").replace("vv", "w")


def look_alike(principal: str, existing: Iterable[str]) -> str | None:
    """An existing principal that `principal` only looks like (not the same id), else None."""
    shape = skeleton(principal)
    for other in existing:
        if other != principal and skeleton(other) == shape:
            return other
    return None
