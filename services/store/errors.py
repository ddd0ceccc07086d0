"""Errors the store raises on purpose (codes follow services.core.errors)."""

from __future__ import annotations

from services.core.errors import NetwaveError


class InvalidInputError(NetwaveError):
    """A field has a value the store refuses; the message names the field."""

    code = "NW422"


class ConflictError(NetwaveError):
    """The row exists already with different content."""

    code = "NW409"
    hint = "use another identifier or read the existing row"


class AppendOnlyError(NetwaveError):
    """Something tried to change or delete an audit entry."""

    code = "NW405"
    hint = "the audit log is append-only; record a new entry instead"
