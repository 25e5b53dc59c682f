"""The ``Idempotency-Key`` header on the API's writes (``recouvre.service.idempotency``).

A client that sends ``POST/PUT/PATCH/DELETE /api/v1/…`` with ``Idempotency-Key: K`` may send the
same request again as often as it likes: the first answer comes back (with ``Idempotent-Replayed:
true``) and nothing is booked twice. The key belongs to the caller's credentials; the same key
with another request is refused (422); a replay while the first is being answered waits for it,
and gets 409 if it takes longer than ``WAIT_SECONDS``.
"""

from __future__ import annotations

import asyncio
import re
import time
from datetime import UTC, datetime
from typing import Final

from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from recouvre.service import idempotency
from recouvre.service.context import Services

HEADER: Final = b"idempotency-key"
WRITES: Final = frozenset({"POST", "PUT", "PATCH", "DELETE"})
KEY: Final = re.compile(r"[\x21-\x7e]{1,200}")
WAIT_SECONDS: Final = 30.0
POLL_SECONDS: Final = 0.05


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key.lower() == name:
            return str(value.decode("latin-1"))
    return None


class IdempotencyKeys:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in WRITES or not scope["path"].startswith("/api/"):
            await self.app(scope, receive, send)
            return
        key = _header(scope, HEADER)
        if key is None:
            await self.app(scope, receive, send)
            return
        if not KEY.fullmatch(key):
            answer = JSONResponse(
                {"detail": "Idempotency-Key : 1 à 200 caractères imprimables, sans espace"}, status_code=400
            )
            await answer(scope, receive, send)
            return
        body = await _read_body(receive)
        services: Services = scope["app"].state.services
        caller = idempotency.caller_of(_header(scope, b"authorization") or _header(scope, b"cookie") or "")
        fingerprint = idempotency.fingerprint_of(scope["method"], scope["path"], body)
        kept = await self._first_or_kept(services, caller, key, fingerprint)
        if isinstance(kept, JSONResponse):
            await kept(scope, receive, send)
            return
        if kept is not None:
            await _send_kept(kept, send)
            return
        await self._answer_first(scope, body, send, services, caller, key)

    async def _first_or_kept(
        self, services: Services, caller: str, key: str, fingerprint: str
    ) -> idempotency.Kept | JSONResponse | None:
        deadline = time.monotonic() + WAIT_SECONDS
        while True:
            try:
                return await run_in_threadpool(
                    idempotency.begin, services, caller, key, fingerprint, datetime.now(UTC)
                )
            except idempotency.KeyReused:
                reused = f"Idempotency-Key={key!r} : déjà utilisée pour une autre requête"
                return JSONResponse({"detail": reused}, status_code=422)
            except idempotency.StillRunning:
                if time.monotonic() > deadline:
                    return JSONResponse(
                        {"detail": f"Idempotency-Key={key!r} : la première requête est encore en cours"},
                        status_code=409,
                    )
                await asyncio.sleep(POLL_SECONDS)

    async def _answer_first(
        self, scope: Scope, body: bytes, send: Send, services: Services, caller: str, key: str
    ) -> None:
        status = 500
        content_type = ""
        chunks: list[bytes] = []
        delivered = False

        async def replay_body() -> Message:
            nonlocal delivered
            if delivered:
                return {"type": "http.disconnect"}
            delivered = True
            return {"type": "http.request", "body": body, "more_body": False}

        async def capture(message: Message) -> None:
            nonlocal status, content_type
            if message["type"] == "http.response.start":
                status = int(message["status"])
                for name, value in message.get("headers", []):
                    if name.lower() == b"content-type":
                        content_type = value.decode("latin-1")
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, replay_body, capture)
        finally:
            if status >= 500:
                await run_in_threadpool(idempotency.release, services, caller, key)
            else:
                kept = idempotency.Kept(status, content_type, b"".join(chunks))
                await run_in_threadpool(idempotency.keep, services, caller, key, kept)


async def _read_body(receive: Receive) -> bytes:
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


async def _send_kept(kept: idempotency.Kept, send: Send) -> None:
    headers = [(b"idempotent-replayed", b"true")]
    if kept.content_type:
        headers.append((b"content-type", kept.content_type.encode("latin-1")))
    headers.append((b"content-length", str(len(kept.body)).encode()))
    await send({"type": "http.response.start", "status": kept.status, "headers": headers})
    await send({"type": "http.response.body", "body": kept.body, "more_body": False})
