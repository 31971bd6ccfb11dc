"""``Idempotency-Key`` on POSTs: a retried request gets the first answer, not a second effect.

Other systems call our POSTs over unreliable networks and retry. When a POST carries an
``Idempotency-Key`` header, the first request with that key (per caller: the verified
token's subject, roles and department — so a renewed token is the same caller) is executed
and its response stored; a retry with the same key and the same request (path, query and
body) gets the stored response replayed (``Idempotent-Replayed: true``); the same key with
another request is refused (422 ``idempotency_key_reused``); a retry while the first is
still running gets 409 ``idempotency_in_progress``. 5xx answers are not stored, so the
caller may retry them. A key longer than ``MAX_KEY_LENGTH`` characters is refused (400
``idempotency_key_too_long``), never cut: two long keys sharing a prefix must not collide.
Responses over 1 MiB are not stored (those POSTs — frames, imports — are idempotent by
nature and simply run again). Keys are kept at least 24 hours (expired ones are swept now
and then, indexed by creation time).
"""

from __future__ import annotations

import hashlib
import json
import logging
import random
from datetime import timedelta
from typing import Any

from sqlalchemy import (
    Column,
    DateTime,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from jointcheck.errors import BadRequest, Conflict, DomainError, UnprocessableEntity, domain_error_response

log = logging.getLogger("jointcheck.idempotency")
HEADER = b"idempotency-key"
MAX_STORED_BODY = 1 << 20
MAX_KEY_LENGTH = 200
STALE_AFTER = timedelta(minutes=5)
KEEP_FOR = timedelta(hours=24)
CLEANUP_SHARE = 0.01


def add_idempotency_table(metadata: MetaData) -> Table:
    return Table(
        "idempotency_keys",
        metadata,
        Column("caller", String(64), nullable=False),
        Column("key", String(MAX_KEY_LENGTH), nullable=False),
        Column("request", String(600), nullable=False),
        Column("fingerprint", String(64)),
        Column("state", String(16), nullable=False),
        Column("response_status", Integer),
        Column("response_headers", JSONB),
        Column("response_body", LargeBinary),
        Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
        PrimaryKeyConstraint("caller", "key", name="pk_idempotency_keys"),
        Index("ix_idempotency_keys_created_at", "created_at"),
    )


def caller_of(principal: Any) -> str:
    """Who owns a key: the token's subject, roles and department, not the token's bytes."""
    identity = json.dumps([principal.subject, sorted(principal.roles), principal.dept], ensure_ascii=False)
    return hashlib.sha256(identity.encode()).hexdigest()


ANONYMOUS = hashlib.sha256(b"").hexdigest()


async def _send_error(scope: Scope, receive: Receive, send: Send, error: DomainError) -> None:
    await domain_error_response(Request(scope), error)(scope, receive, send)


class IdempotencyMiddleware:
    """Pure ASGI middleware; uses the app's database (``app.state.db``) in short transactions."""

    def __init__(self, app: ASGIApp, *, get_db: Any, get_verifier: Any) -> None:
        self.app = app
        self.get_db = get_db
        self.get_verifier = get_verifier

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        raw_key = headers.get(HEADER)
        if not raw_key or scope["path"].startswith("/internal/"):  # the inbox has its own dedup
            await self.app(scope, receive, send)
            return
        key = raw_key.decode("utf-8", errors="replace")
        if len(key) > MAX_KEY_LENGTH:
            await _send_error(
                scope,
                receive,
                send,
                BadRequest(
                    f"an Idempotency-Key has at most {MAX_KEY_LENGTH} characters",
                    detail_zh=f"Idempotency-Key 最多 {MAX_KEY_LENGTH} 个字符",
                    code="idempotency_key_too_long",
                ),
            )
            return
        scheme, _, token = headers.get(b"authorization", b"").decode("latin-1").partition(" ")
        if scheme.lower() == "bearer" and token.strip():
            try:
                caller = caller_of(await self.get_verifier().verify(token.strip()))
            except DomainError:  # not a valid token: the route answers 401 and nothing is stored
                await self.app(scope, receive, send)
                return
        else:
            caller = ANONYMOUS
        # The path for people, a hash of path and query to compare (never a cut-off prefix).
        target = scope["path"].encode() + b"?" + scope.get("query_string", b"")
        request_line = f"POST {scope['path'][:400]} {hashlib.sha256(target).hexdigest()}"
        db = self.get_db()
        async with db.engine.begin() as conn:
            if random.random() < CLEANUP_SHARE:  # expired keys go now and then, not on every request
                await conn.execute(
                    text("DELETE FROM idempotency_keys WHERE created_at < now() - make_interval(secs => :s)"),
                    {"s": KEEP_FOR.total_seconds()},
                )
            claimed = (
                await conn.execute(
                    text(
                        "INSERT INTO idempotency_keys (caller, key, request, state) VALUES (:c, :k, :r, 'running') "
                        "ON CONFLICT (caller, key) DO UPDATE SET state = 'running', created_at = now(), request = :r, "
                        "fingerprint = NULL WHERE idempotency_keys.state = 'running' "
                        "AND idempotency_keys.created_at < now() - make_interval(secs => :stale) "
                        "RETURNING key"
                    ),
                    {"c": caller, "k": key, "r": request_line, "stale": STALE_AFTER.total_seconds()},
                )
            ).first()
            existing = (
                None
                if claimed
                else (
                    await conn.execute(
                        text("SELECT * FROM idempotency_keys WHERE caller = :c AND key = :k"), {"c": caller, "k": key}
                    )
                )
                .mappings()
                .first()
            )
        if existing is not None:
            await self._answer_retry(existing, request_line, scope, receive, send)
            return
        await self._execute(scope, receive, send, db=db, caller=caller, key=key)

    async def _answer_retry(self, existing: Any, request_line: str, scope: Scope, receive: Receive, send: Send) -> None:
        fingerprint = hashlib.sha256()
        more = True
        while more:
            message = await receive()
            fingerprint.update(message.get("body", b""))
            more = message.get("more_body", False)
        if existing["state"] == "running":
            await _send_error(
                scope,
                receive,
                send,
                Conflict(
                    "a request with this Idempotency-Key is still running; retry later",
                    detail_zh="使用该 Idempotency-Key 的请求仍在处理中，请稍后重试",
                    code="idempotency_in_progress",
                ),
            )
            return
        if existing["request"] != request_line or existing["fingerprint"] != fingerprint.hexdigest():
            await _send_error(
                scope,
                receive,
                send,
                UnprocessableEntity(
                    "this Idempotency-Key was used for a different request",
                    detail_zh="该 Idempotency-Key 已用于另一个请求",
                    code="idempotency_key_reused",
                ),
            )
            return
        status = existing["response_status"]
        hdrs = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in existing["response_headers"]]
        hdrs.append((b"idempotent-replayed", b"true"))
        body = existing["response_body"]
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [*hdrs, (b"content-length", str(len(body)).encode())],
            }
        )
        await send({"type": "http.response.body", "body": body})

    async def _execute(self, scope: Scope, receive: Receive, send: Send, *, db: Any, caller: str, key: str) -> None:
        """Run the request and store its answer *before* the client sees it: a client that retries the
        moment it has its answer (at this process or another) gets that answer replayed, never a 409
        "still running". A body too large to store is streamed as it comes and its key forgotten."""
        fingerprint = hashlib.sha256()
        captured: dict[str, Any] = {"status": 500, "headers": [], "body": bytearray(), "too_large": False}
        held: list[Message] = []  # the answer, sent once stored
        stored = False

        async def hashing_receive() -> Message:
            message = await receive()
            if message["type"] == "http.request":
                fingerprint.update(message.get("body", b""))
            return message

        async def store() -> None:
            nonlocal stored
            stored = True
            async with db.engine.begin() as conn:
                if captured["status"] >= 500 or captured["too_large"]:
                    await conn.execute(
                        text("DELETE FROM idempotency_keys WHERE caller = :c AND key = :k"), {"c": caller, "k": key}
                    )
                else:
                    await conn.execute(
                        text(
                            "UPDATE idempotency_keys SET state = 'done', fingerprint = :f, response_status = :s, "
                            "response_headers = CAST(:h AS jsonb), response_body = :b WHERE caller = :c AND key = :k"
                        ),
                        {
                            "f": fingerprint.hexdigest(),
                            "s": captured["status"],
                            "h": json.dumps(captured["headers"]),
                            "b": bytes(captured["body"]),
                            "c": caller,
                            "k": key,
                        },
                    )

        async def release() -> None:
            while held:
                await send(held.pop(0))

        async def capturing_send(message: Message) -> None:
            if captured["too_large"]:
                await send(message)
                return
            if message["type"] == "http.response.start":
                captured["status"] = message["status"]
                captured["headers"] = [
                    (k.decode("latin-1"), v.decode("latin-1"))
                    for k, v in message.get("headers", [])
                    if k.lower() not in (b"content-length", b"x-request-id")
                ]
                held.append(message)
                return
            if message["type"] != "http.response.body":
                await send(message)
                return
            captured["body"] += message.get("body", b"")
            held.append(message)
            if len(captured["body"]) > MAX_STORED_BODY:
                captured["too_large"] = True
                captured["body"] = bytearray()
                await store()  # forgotten first: the key cannot be replayed with a cut-off body
                await release()
            elif not message.get("more_body", False):
                await store()
                await release()

        try:
            await self.app(scope, hashing_receive, capturing_send)
        finally:
            if not stored:
                await store()
            await release()
