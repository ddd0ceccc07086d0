"""Why a use case refused; the API and the console turn each into their own answer."""

from __future__ import annotations

from services.core.errors import ChangeValidationError, NetwaveError


class Refused(NetwaveError):
    """Base of the refusals below: `message` says why, for the caller to show as it is."""


class Forbidden(Refused):
    """The caller may not do this (four-eyes, an admin-only option)."""

    code = "NW403"


class Conflict(Refused):
    """Not now: the change, campaign or workflow is in a state that does not allow it."""

    code = "NW409"


class Unprocessable(Refused):
    """The workflow could not do what was asked; its message says why (a device it does not
    know, a schedule Temporal refuses)."""

    code = "NW422"


class TemporalUnavailable(Refused):
    """Temporal does not answer; nothing was started or signalled."""

    code = "NW503"

    def __init__(self) -> None:
        super().__init__("Temporal is not reachable")


class InvalidRequest(ChangeValidationError):
    """The request's fields name what cannot be done (unknown site, target or image)."""
