"""Idempotency-Key on POSTs: retries replay the first answer and never repeat the effect."""

from __future__ import annotations

from sqlalchemy import text

from .conftest import BOOMS


async def _outbox_rows(app) -> int:
    async with app.state.db.transaction() as s:
        return (await s.execute(text("SELECT count(*) FROM outbox_events"))).scalar_one()


async def test_a_retry_replays_the_first_response(probe_client, probe_app, tokens):
    headers = tokens.admin | {"Idempotency-Key": "order-1"}
    first = await probe_client.post("/v1/probe", json={"name": "甲乙", "count": 1}, headers=headers)
    retry = await probe_client.post("/v1/probe", json={"name": "甲乙", "count": 1}, headers=headers)
    assert first.status_code == retry.status_code == 201
    assert retry.json() == first.json() and retry.headers["idempotent-replayed"] == "true"
    assert "idempotent-replayed" not in first.headers
    assert await _outbox_rows(probe_app) == 1
    other = await probe_client.post("/v1/probe", json={"name": "甲乙", "count": 1}, headers=tokens.admin)
    assert other.status_code == 201 and await _outbox_rows(probe_app) == 2  # no key, no dedup


async def test_the_same_key_for_another_request_is_refused(probe_client, tokens):
    headers = tokens.admin | {"Idempotency-Key": "order-2"}
    assert (await probe_client.post("/v1/probe", json={"name": "甲乙", "count": 1}, headers=headers)).status_code == 201
    reused = await probe_client.post("/v1/probe", json={"name": "甲乙", "count": 2}, headers=headers)
    assert reused.status_code == 422 and reused.json()["code"] == "idempotency_key_reused"


async def test_keys_belong_to_their_caller(probe_client, probe_app, tokens):
    body = {"name": "甲乙", "count": 1}
    a = await probe_client.post("/v1/probe", json=body, headers=tokens.officer("SCJG") | {"Idempotency-Key": "k"})
    b = await probe_client.post("/v1/probe", json=body, headers=tokens.officer("XFJY") | {"Idempotency-Key": "k"})
    assert a.status_code == b.status_code == 201 and a.json() != b.json()
    assert await _outbox_rows(probe_app) == 2


async def test_client_errors_are_replayed_server_errors_are_not(probe_client, probe_app, tokens):
    headers = tokens.admin | {"Idempotency-Key": "order-3"}
    body = {"name": "甲乙", "count": 1, "fail": True}
    first = await probe_client.post("/v1/probe", json=body, headers=headers)
    retry = await probe_client.post("/v1/probe", json=body, headers=headers)
    assert first.status_code == retry.status_code == 409 and retry.headers["idempotent-replayed"] == "true"
    assert await _outbox_rows(probe_app) == 0

    before = BOOMS["count"]
    boom = tokens.admin | {"Idempotency-Key": "order-4"}
    assert (await probe_client.post("/v1/probe/boom", headers=boom)).status_code == 500
    assert (await probe_client.post("/v1/probe/boom", headers=boom)).status_code == 500
    assert BOOMS["count"] == before + 2  # a 5xx is not stored: the caller may retry it


async def test_a_renewed_token_is_the_same_caller(probe_client, probe_app, tokens):
    # Two tokens for one subject (different jti and iat): a caller that renewed its token mid-retry.
    body = {"name": "甲乙", "count": 1}
    first = await probe_client.post(
        "/v1/probe", json=body, headers=tokens.officer("SCJG") | {"Idempotency-Key": "renew"}
    )
    renewed = tokens.officer("SCJG")
    assert renewed != tokens.officer("SCJG")  # each mint is a distinct token
    retry = await probe_client.post("/v1/probe", json=body, headers=renewed | {"Idempotency-Key": "renew"})
    assert first.status_code == retry.status_code == 201
    assert retry.headers.get("idempotent-replayed") == "true" and retry.json() == first.json()
    assert await _outbox_rows(probe_app) == 1


async def test_a_key_longer_than_stored_is_refused_never_truncated(probe_client, probe_app, tokens):
    prefix = "k" * 200
    body = {"name": "甲乙", "count": 1}
    a = await probe_client.post("/v1/probe", json=body, headers=tokens.admin | {"Idempotency-Key": prefix + "-a"})
    assert a.status_code == 400 and a.json()["code"] == "idempotency_key_too_long"
    assert a.headers["content-type"].startswith("application/problem+json")
    assert await _outbox_rows(probe_app) == 0
    exact = await probe_client.post("/v1/probe", json=body, headers=tokens.admin | {"Idempotency-Key": prefix})
    assert exact.status_code == 201


async def test_the_answer_is_stored_before_the_client_sees_it(probe_client, probe_app, tokens):
    """A client that retries the moment it has its 201 (at this process or another) must get it replayed,
    not a 409 "still running": the key is `done` before the first byte of the answer leaves."""
    import json as _json

    body = _json.dumps({"name": "甲乙", "count": 1}).encode()
    headers = tokens.admin | {"Idempotency-Key": "stored-first", "Content-Type": "application/json"}
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/v1/probe",
        "raw_path": b"/v1/probe",
        "root_path": "",
        "query_string": b"",
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
        "client": ("127.0.0.1", 1),
        "server": ("probe.test", 80),
        "state": {},
    }
    sent = False

    async def receive():
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    seen: list[tuple[int, str | None]] = []

    async def send(message):
        if message["type"] == "http.response.start":
            async with probe_app.state.db.transaction() as s:
                state = (
                    await s.execute(text("SELECT state FROM idempotency_keys WHERE key = 'stored-first'"))
                ).scalar_one_or_none()
            seen.append((message["status"], state))

    await probe_client.get("/livez")  # the app has started (lifespan) through the client
    await probe_app(scope, receive, send)
    assert seen == [(201, "done")]
    retry = await probe_client.post("/v1/probe", content=body, headers=headers)
    assert retry.status_code == 201 and retry.headers["idempotent-replayed"] == "true"
