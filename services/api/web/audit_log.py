"""The audit log page: staff read every entry, a tenant its own; filters are a GET form."""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, Request, Response, status
from pydantic import ValidationError

from services.api.deps import SessionDep
from services.api.web.render import ConsoleRoute, page
from services.api.web.session import ConsoleDep
from services.app.audit_log import read_entries
from services.store.repos.audit_log import AuditQuery

router = APIRouter(prefix="/console", route_class=ConsoleRoute, include_in_schema=False)
FILTERS = ("tenant", "actor", "action", "since", "until", "limit")


@router.get("/audit-log")
def audit_log(request: Request, console: ConsoleDep, session: SessionDep) -> Response:
    """Entries newest first, as the API's GET /v1/audit-log selects them, and a next-page link."""
    # An empty field of the form is no filter.
    given = {k: v for k, v in request.query_params.items() if k in (*FILTERS, "cursor") and v}
    filters = {k: v for k, v in given.items() if k != "cursor"}
    try:
        query = AuditQuery.model_validate(given)
    except ValidationError as exc:
        errors = [f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()]
        return page(
            request,
            "audit_log.html",
            console,
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            filters=filters,
            errors=errors,
            entries=[],
            next_page=None,
        )
    found = read_entries(session, console.identity, query)
    next_page = None
    if found.next_cursor is not None:
        next_page = "?" + urlencode({**filters, "cursor": found.next_cursor})
    return page(
        request,
        "audit_log.html",
        console,
        filters=filters,
        errors=[],
        entries=found.entries,
        next_page=next_page,
    )
