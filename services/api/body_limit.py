"""Request bodies over `max_body_bytes` are refused with a 413 before anything parses them.

Pure ASGI middleware: a declared Content-Length over the limit is answered at once, without
calling the app (nothing read, nothing parsed); a body without one (chunked) is counted as it
arrives, and the read that crosses the limit raises `BodyTooLarge` instead of handing the app
more bytes. That is an HTTPException: FastAPI re-raises it from its body reading, so it becomes
the same 413 (a console route shows it as an error page); should it escape the app before a
response started, this middleware answers the 413 itself. The answer never quotes the body.
"""

from __future__ import annotations

from fastapi import HTTPException, status
from fastapi.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# The connection is not reused after a refused body: its unread rest would be the next request.
CLOSE = {"Connection": "close"}


def too_large(limit: int) -> str:
    return f"the request body is over the limit of {limit} bytes"


class BodyTooLarge(HTTPException):
    def __init__(self, limit: int) -> None:
        super().__init__(status.HTTP_413_CONTENT_TOO_LARGE, detail=too_large(limit), headers=CLOSE)


def declared_length(scope: Scope) -> int | None:
    """The Content-Length header, when there is exactly one and it is a number."""
    values = [v for k, v in scope.get("headers", []) if k.lower() == b"content-length"]
    if len(values) != 1 or not values[0].strip().isdigit():
        return None  # none (chunked) or malformed: the bytes are counted as they come
    return int(values[0])


class BodyLimitMiddleware:
    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = declared_length(scope)
        if length is not None and length > self.max_bytes:
            await self._refuse(scope, receive, send)
            return
        received = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise BodyTooLarge(self.max_bytes)
            return message

        async def watched_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, watched_send)
        except BodyTooLarge:
            if started:
                raise
            await self._refuse(scope, receive, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = JSONResponse(
            {"detail": too_large(self.max_bytes)},
            status_code=status.HTTP_413_CONTENT_TOO_LARGE,
            headers=CLOSE,
        )
        await response(scope, receive, send)
