"""Rendering console pages: the Jinja2 environment (autoescape on), filters, error pages."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

import jinja2
from fastapi import HTTPException, Request, Response, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse
from fastapi.routing import APIRoute
from fastapi.templating import Jinja2Templates

from services.api.deps import refusal_status
from services.api.web.session import LOGIN_PATH, ConsoleSession, SignInRequired
from services.app.errors import InvalidRequest, Refused
from services.core.errors import NotFoundError

HERE = Path(__file__).parent
STATIC_DIR = HERE / "static"
SECURITY_HEADERS = {
    # No inline script or style: the console's JS and CSS are static files.
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; "
    "frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


def diff_lines(diff: str) -> list[tuple[str, str]]:
    """(css class, line) for each line of a unified diff: add, del, hunk, meta or ctx."""
    lines = []
    for line in diff.splitlines():
        if line.startswith(("+++", "---")):
            kind = "meta"
        elif line.startswith("+"):
            kind = "add"
        elif line.startswith("-"):
            kind = "del"
        elif line.startswith("@@"):
            kind = "hunk"
        else:
            kind = "ctx"
        lines.append((kind, line))
    return lines


def when(value: datetime | None) -> str:
    return "" if value is None else value.strftime("%Y-%m-%d %H:%M:%S UTC")


environment = jinja2.Environment(
    loader=jinja2.FileSystemLoader(HERE / "templates"),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
environment.filters["diff_lines"] = diff_lines
environment.filters["when"] = when
environment.globals["campaigns_enabled"] = False
templates = Jinja2Templates(env=environment)


def page(
    request: Request,
    name: str,
    console: ConsoleSession | None,
    status_code: int = status.HTTP_200_OK,
    **context: Any,
) -> HTMLResponse:
    """A rendered page; `console` (None before sign-in) feeds the navigation and CSRF fields."""
    return templates.TemplateResponse(
        request,
        name,
        {"console": console, "identity": console.identity if console else None, **context},
        status_code=status_code,
    )


def redirect(url: str) -> RedirectResponse:
    """See other: after a form post, or to the sign-in page."""
    return RedirectResponse(url, status_code=status.HTTP_303_SEE_OTHER)


def error_page(request: Request, status_code: int, message: str) -> Response:
    if request.url.path.endswith(".json"):
        return JSONResponse({"detail": message}, status_code=status_code)
    return page(request, "error.html", None, status_code, code=status_code, message=message)


Handler = Callable[[Request], Coroutine[Any, Any, Response]]


class ConsoleRoute(APIRoute):
    """Console routes answer HTML: sign-in redirects and error pages instead of JSON errors."""

    def get_route_handler(self) -> Handler:
        handler = super().get_route_handler()

        async def handle(request: Request) -> Response:
            try:
                response = await handler(request)
            except SignInRequired:
                if request.url.path.endswith(".json"):
                    response = JSONResponse({"detail": "sign in again"}, status_code=401)
                else:
                    response = redirect(LOGIN_PATH)
                    if request.method == "GET" and request.url.path != "/console/":
                        response = redirect(f"{LOGIN_PATH}?next={quote(request.url.path)}")
            except HTTPException as exc:
                response = error_page(request, exc.status_code, str(exc.detail))
            except NotFoundError as exc:
                response = error_page(request, status.HTTP_404_NOT_FOUND, exc.message)
            except Refused as exc:
                response = error_page(request, refusal_status(exc), exc.message)
            except InvalidRequest as exc:
                response = error_page(request, status.HTTP_422_UNPROCESSABLE_CONTENT, exc.message)
            except RequestValidationError:
                response = error_page(request, 422, "the request is malformed")
            response.headers.update(SECURITY_HEADERS)
            return response

        return handle
