"""The foundation over real HTTP: health, readiness, metrics, OpenAPI, request ids, outbox."""

from __future__ import annotations

import json
import uuid

import pytest

from jcdev.services import SERVICE_NAMES

from .conftest import eventually


@pytest.mark.parametrize("service", SERVICE_NAMES)
def test_each_service_is_healthy_ready_measured_and_documented(http, urls, direct_urls, service):
    base = urls[service]
    assert http.get(f"{base}/healthz").json() == {"status": "ok", "service": service}
    ready = http.get(f"{base}/readyz")
    assert ready.status_code == 200 and ready.json()["migration"] == ready.json()["head"]
    # scraped at the service itself; the gateway keeps /metrics off the outside
    metrics = http.get(f"{direct_urls[service]}/metrics")
    assert metrics.status_code == 200 and "http_requests_total" in metrics.text
    assert http.get(f"{base}/metrics").status_code == 404
    spec = http.get(f"{base}/openapi.json").json()
    assert spec["info"]["title"] and "/readyz" in spec["paths"]
    assert http.get(f"{base}/docs").status_code == 200


def test_gsxt_emulator_is_up(http, urls):
    assert http.get(f"{urls['gsxt']}/healthz").json()["service"] == "gsxt-emulator"


def test_unauthenticated_write_and_wrong_role(http, urls, tokens):
    body = {"code": "ZZZ", "name": "测试部门", "short_name": "测试"}
    r = http.post(f"{urls['registry']}/v1/departments", json=body)
    assert r.status_code == 401 and r.headers["content-type"].startswith("application/problem+json")
    r = http.post(f"{urls['registry']}/v1/departments", json=body, headers=tokens.officer("SCJG"))
    assert r.status_code == 403 and r.json()["code"] == "role_not_allowed"
    r = http.post(f"{urls['registry']}/v1/departments", json={"code": "lower"}, headers=tokens.admin)
    assert r.status_code == 422
    assert {e["field"] for e in r.json()["errors"]} == {"body.code", "body.name", "body.short_name"}


def _access_lines(log: str, request_id: str) -> list[dict]:
    out = []
    for line in log.splitlines():
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        if entry.get("request_id") == request_id:
            out.append(entry)
    return out


def test_request_id_is_carried_to_the_called_service(http, urls, tokens, log_of):
    rid = f"e2e-{uuid.uuid4().hex[:12]}"
    r = http.get(f"{urls['planning']}/ops/dependencies", headers=tokens.admin | {"X-Request-ID": rid})
    assert r.status_code == 200 and r.headers["x-request-id"] == rid
    assert {d["service"]: d["ok"] for d in r.json()} == {"registry": True, "audit": True}
    for callee in ("registry", "audit"):
        lines = eventually(lambda: _access_lines(log_of(callee), rid))
        assert any(e.get("path") == "/readyz" for e in lines), lines


def _audit_entries(http, urls, tokens, object_id):
    r = http.get(
        f"{urls['audit']}/v1/audit-events",
        params={"object_type": "department", "object_id": object_id},
        headers=tokens.auditor,
    )
    return r.json()["items"]


def test_outbox_event_reaches_audit_exactly_once(http, urls, tokens):
    code = "E" + uuid.uuid4().hex[:6].upper()
    r = http.post(
        f"{urls['registry']}/v1/departments",
        json={"code": code, "name": f"部门{code}", "short_name": code},
        headers=tokens.admin,
    )
    assert r.status_code == 201
    entries = eventually(lambda: _audit_entries(http, urls, tokens, code))
    assert len(entries) == 1 and entries[0]["action"] == "department.create" and entries[0]["source"] == "registry"


def test_outbox_survives_receiver_downtime(stack, http, urls, tokens):
    stack.stop("audit")
    try:
        code = "D" + uuid.uuid4().hex[:6].upper()
        r = http.post(
            f"{urls['registry']}/v1/departments",
            json={"code": code, "name": f"部门{code}", "short_name": code},
            headers=tokens.admin,
        )
        assert r.status_code == 201  # the write does not depend on the audit service being up

        def retried():
            pending = http.get(
                f"{urls['registry']}/ops/outbox", params={"status": "pending"}, headers=tokens.admin
            ).json()
            return [e for e in pending["items"] if e["payload"].get("object_id") == code and e["attempts"] >= 2]

        event = eventually(retried)[0]
        assert "ConnectError" in event["last_error"]
    finally:
        stack.start("audit")
        stack.wait_ready(["audit"])
    entries = eventually(lambda: _audit_entries(http, urls, tokens, code))
    assert len(entries) == 1 and entries[0]["event_id"] == event["id"]

    def delivered():
        page = http.get(
            f"{urls['registry']}/ops/outbox", params={"status": "delivered", "limit": 500}, headers=tokens.admin
        ).json()
        return [e for e in page["items"] if e["id"] == event["id"]]

    eventually(delivered)
    assert len(_audit_entries(http, urls, tokens, code)) == 1
    verdict = http.get(f"{urls['audit']}/v1/audit-events/verify", headers=tokens.auditor).json()
    assert verdict["ok"] is True
