"""A bound on every request body, in front of everything else (pure ASGI, before any parsing).

* A declared ``Content-Length`` over the limit is refused with ``413`` before a byte is read; an
  unreadable one with ``400``.
* A body without a length (chunked) is counted as it streams in: the message that crosses the
  limit raises ``BodyTooLarge``, the reader stops there and the client gets ``413`` (whatever the
  application made of the error). The bytes read are at most the limit plus one chunk.
"""

from __future__ import annotations

import json

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from recouvre.security.settings import MAX_BODY_BYTES


class BodyTooLarge(HTTPException):
    """An ``HTTPException`` so that FastAPI's body reader lets it through as a 413."""

    def __init__(self, limit: int) -> None:
        super().__init__(status_code=413, detail=f"corps de requête trop volumineux (au plus {limit} octets)")


class BodyLimit:
    def __init__(self, app: ASGIApp, max_bytes: int = MAX_BODY_BYTES) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.max_bytes
        declared = [value for name, value in scope.get("headers", []) if name.lower() == b"content-length"]
        if declared:
            text = declared[0].decode("latin-1").strip()
            if len(declared) > 1 or not text.isdigit() or len(text) > 18:
                await _answer(send, 400, "Content-Length illisible")
                return
            if int(text) > limit:
                await _answer(send, 413, BodyTooLarge(limit).detail)
                return
        received = 0
        too_large = False
        started = False

        async def counted_receive() -> Message:
            nonlocal received, too_large
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    too_large = True
                    raise BodyTooLarge(limit)
            return message

        async def watched_send(message: Message) -> None:
            # Once the body overflowed, whatever the reader made of the error (a 400 "error
            # parsing the body", a page) is replaced by the 413.
            nonlocal started
            if too_large:
                if message["type"] == "http.response.start" and not started:
                    started = True
                    await _answer(send, 413, BodyTooLarge(limit).detail)
                return
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counted_receive, watched_send)
        except Exception:
            if not too_large:
                raise
        if too_large and not started:
            await _answer(send, 413, BodyTooLarge(limit).detail)


async def _answer(send: Send, status: int, detail: str) -> None:
    body = json.dumps({"detail": detail}).encode("utf-8")
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode("ascii")),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
