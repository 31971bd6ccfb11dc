"""The gateway, for real: Debian's nginx on the project's configuration in front of the e2e
stack (the ``nginx_gateway`` fixture every e2e test goes through), and a second one rendered from
the same template with tight limits, for the limits themselves.

Layout (jcdev.services): every service at ``/<service>/…`` (its docs too), each public route
at its owner, the portal's pages, nothing else; request ids passed through or made; bodies,
/public and failed authentications limited; the gateway's own errors are problem+json.
"""

from __future__ import annotations

import json
import re
import socket
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from jcdev.nginx import Gateway
from jcdev.services import GATEWAY_PORTAL_PREFIX, GATEWAY_PUBLIC_ROUTES, SERVICE_NAMES
from jcdev.testing import require_system_binary

from .conftest import _BASE, NGINX, eventually, gateway_config


def _problem(r: httpx.Response, status: int, code: str) -> dict:
    """The gateway's own problem document, shaped as the services' (title and detail in the
    caller's language: Chinese unless it asks for English) and carrying the request id."""
    assert r.status_code == status, (r.status_code, r.text[:500])
    assert r.headers["content-type"].startswith("application/problem+json"), r.headers
    body = r.json()
    assert body["status"] == status and body["code"] == code, body
    assert body["type"].endswith(f"/problems/{code}") and body["request_id"] == r.headers["x-request-id"], body
    english = r.request.headers.get("accept-language", "").startswith("en")
    assert bool(re.search(r"[\u4e00-\u9fff]", body["title"] + body["detail"])) is not english, body
    return body


def _logged(log: str, request_id: str) -> bool:
    for line in log.splitlines():
        try:
            if json.loads(line).get("request_id") == request_id:
                return True
        except ValueError:
            continue
    return False


@pytest.mark.parametrize("service", SERVICE_NAMES)
def test_every_service_and_its_docs_are_reachable_under_its_prefix(http, nginx_gateway, service):
    base = f"{nginx_gateway.url}/{service}"
    ready = http.get(f"{base}/readyz")
    assert ready.status_code == 200 and ready.json()["service"] == service
    # the docs page loads the document through the gateway, and "Try it out" calls it there
    docs = http.get(f"{base}/docs")
    assert docs.status_code == 200 and f"/{service}/openapi.json" in docs.text
    spec = http.get(f"{base}/openapi.json")
    assert spec.status_code == 200 and spec.json()["servers"][0]["url"] == f"/{service}"
    assert "/readyz" in spec.json()["paths"]
    # the prefix without its slash is sent to it, relatively
    bare = http.get(base, follow_redirects=False)
    assert bare.status_code == 301 and bare.headers["location"] == f"/{service}/"


def test_services_called_directly_keep_their_own_root(http, direct_urls):
    """The prefix comes from the gateway's X-Forwarded-Prefix: a direct caller (another
    service, an operator on the cluster network) sees the service at its root."""
    docs = http.get(f"{direct_urls['registry']}/docs")
    assert '"url": "/openapi.json"' in docs.text and "/registry/openapi.json" not in docs.text
    assert "servers" not in http.get(f"{direct_urls['registry']}/openapi.json").json()
    # an unsafe prefix is ignored, never echoed into the page
    evil = http.get(f"{direct_urls['registry']}/docs", headers={"X-Forwarded-Prefix": "/x'</script><script>"})
    assert "</script><script>" not in evil.text and '"url": "/openapi.json"' in evil.text


@pytest.mark.parametrize("route", sorted(GATEWAY_PUBLIC_ROUTES))
def test_each_public_route_reaches_the_service_that_owns_it(http, nginx_gateway, log_of, route):
    owner = GATEWAY_PUBLIC_ROUTES[route]
    rid = f"gw-{uuid.uuid4().hex[:16]}"
    r = http.get(f"{nginx_gateway.url}{route}/{uuid.uuid4()}", headers={"X-Request-ID": rid})
    # an unknown id: the owner's own answer (or its 404 for a route it does not serve yet)
    assert r.status_code in (404, 422), r.text[:300]
    assert r.headers["x-request-id"] == rid
    assert "route_not_found" not in r.text
    eventually(lambda: _logged(log_of(owner), rid))
    for other in set(SERVICE_NAMES) - {owner}:
        assert not _logged(log_of(other), rid), f"{route} also reached {other}"


def test_public_plans_answer_through_the_gateway(http, nginx_gateway):
    r = http.get(f"{nginx_gateway.url}/public/plans", params={"limit": 5})
    assert r.status_code == 200 and "items" in r.json()


def test_request_ids_are_passed_through_or_made(http, nginx_gateway, tokens, log_of):
    rid = f"gw-{uuid.uuid4().hex}"
    given = http.get(f"{nginx_gateway.url}/planning/ops/dependencies", headers=tokens.admin | {"X-Request-ID": rid})
    assert given.status_code == 200 and given.headers["x-request-id"] == rid
    # the one id travels on: the service that answered and those it called log it
    for service in ("planning", "registry", "audit"):
        eventually(lambda: _logged(log_of(service), rid))

    made = http.get(f"{nginx_gateway.url}/registry/healthz")
    assert re.fullmatch(r"[0-9a-f]{32}", made.headers["x-request-id"]), made.headers
    assert len(made.headers.get_list("x-request-id")) == 1
    other = http.get(f"{nginx_gateway.url}/registry/healthz")
    assert other.headers["x-request-id"] != made.headers["x-request-id"]

    # one the services would refuse is replaced here, at the edge
    insane = http.get(f"{nginx_gateway.url}/registry/healthz", headers={"X-Request-ID": "a b<script>"})
    assert re.fullmatch(r"[0-9a-f]{32}", insane.headers["x-request-id"])

    # the gateway's own answers carry it too
    lost = http.get(f"{nginx_gateway.url}/nowhere", headers={"X-Request-ID": rid})
    assert lost.headers["x-request-id"] == rid and _problem(lost, 404, "route_not_found")["request_id"] == rid


def test_only_the_layout_is_served(http, nginx_gateway, tokens):
    for path in ("/nowhere", "/public/", "/public/secrets", "/public/plansX", "/v1/entities", "/registryx/healthz"):
        body = _problem(http.get(f"{nginx_gateway.url}{path}"), 404, "route_not_found")
        assert "网关上没有此路径" in body["detail"]
    english = http.get(f"{nginx_gateway.url}/nowhere", headers={"Accept-Language": "en-US,en;q=0.9"})
    assert "no such route on the gateway" in _problem(english, 404, "route_not_found")["detail"]
    # service-to-service and scraper routes stay inside
    for service in SERVICE_NAMES:
        _problem(http.get(f"{nginx_gateway.url}/{service}/metrics"), 404, "route_not_found")
        internal = http.post(f"{nginx_gateway.url}/{service}/internal/events", json={}, headers=tokens.service)
        _problem(internal, 404, "route_not_found")
    root = http.get(f"{nginx_gateway.url}/", follow_redirects=False)
    assert root.status_code == 302 and root.headers["location"] == GATEWAY_PORTAL_PREFIX


def test_the_portal_pages_are_served_as_the_development_gateway_serves_them(http, nginx_gateway, urls, portal_root):
    page = http.get(f"{nginx_gateway.url}{GATEWAY_PORTAL_PREFIX}")
    assert page.status_code == 200 and page.text == (portal_root / "index.html").read_text(encoding="utf-8")
    assert page.headers["content-type"].startswith("text/html")
    script = http.get(f"{nginx_gateway.url}{GATEWAY_PORTAL_PREFIX}js/drawv1.js")
    assert script.status_code == 200 and script.content == (portal_root / "js" / "drawv1.js").read_bytes()
    # the same security headers as the development gateway's (one policy for the portal's pages)
    development = http.get(f"{urls['gateway']}{GATEWAY_PORTAL_PREFIX}")
    for header in ("content-security-policy", "x-content-type-options", "referrer-policy", "cache-control"):
        assert page.headers[header] == development.headers[header], header
    bare = http.get(f"{nginx_gateway.url}{GATEWAY_PORTAL_PREFIX.rstrip('/')}", follow_redirects=False)
    assert bare.status_code == 301 and bare.headers["location"] == GATEWAY_PORTAL_PREFIX
    _problem(http.get(f"{nginx_gateway.url}{GATEWAY_PORTAL_PREFIX}missing.html"), 404, "not_found")


def test_a_service_401_passes_unchanged(http, nginx_gateway, tokens):
    """Failed authentication is counted (below), but the caller still gets the service's own
    problem: its code, its language, its WWW-Authenticate."""
    bad = {"Authorization": "Bearer not-a-token", "Accept-Language": "en"}
    r = http.post(f"{nginx_gateway.url}/registry/v1/departments", json={"code": "ZZ"}, headers=bad)
    assert r.status_code == 401 and r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["code"] == "invalid_token" and r.json()["title"] == "Authentication required"
    assert r.headers["www-authenticate"].startswith("Bearer")
    missing = http.get(f"{nginx_gateway.url}/planning/v1/plans")
    assert missing.status_code == 401 and missing.json()["code"] == "unauthorized"
    assert missing.json()["title"] == "需要身份认证"  # the service's, in its default language
    # and a good token is untouched by any of it
    assert http.get(f"{nginx_gateway.url}/planning/v1/plans", headers=tokens.admin).status_code == 200


# ---------------------------------------------------------------- limits (a second gateway)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def tight(stack, portal_root, tmp_path_factory) -> Iterator[Gateway]:
    """The same template, rendered with limits a test can reach; its results upstream is a
    port nothing listens on (a service that is down)."""
    nginx = require_system_binary(NGINX, "the gateway's limits are nginx's")
    workdir = tmp_path_factory.mktemp("gateway-tight")
    cfg = gateway_config(
        stack,
        workdir,
        port=_BASE + 7,
        portal_root=portal_root,
        max_body="64k",
        import_max_body="1m",
        public_rate="1r/m",
        public_burst=3,
        unauthorized_rate="1r/m",
        unauthorized_burst=2,
    )
    cfg.upstreams = cfg.upstreams | {"results": f"127.0.0.1:{_free_port()}"}
    running = Gateway(nginx, cfg, workdir).start()
    try:
        yield running
    finally:
        running.stop()


def test_request_bodies_over_the_limit_are_413(http, tight, tokens):
    big = {"code": "ZZZ", "name": "x" * (70 * 1024), "short_name": "x"}
    r = http.post(f"{tight.url}/registry/v1/departments", json=big, headers=tokens.admin)
    body = _problem(r, 413, "payload_too_large")
    assert r.headers["x-request-id"] == body["request_id"]
    # under the limit the service decides (here: its own validation)
    small = http.post(f"{tight.url}/registry/v1/departments", json=big | {"name": "x" * 1024}, headers=tokens.admin)
    assert small.status_code == 422 and small.json()["code"] != "payload_too_large"
    # the import route has its own, larger limit, and streams the upload on to the registry
    upload = {"file": ("county.csv", b"uscc,name\n" + b"x" * (200 * 1024), "text/csv")}
    imported = http.post(f"{tight.url}/registry/v1/entities/import", files=upload, headers=tokens.admin)
    assert imported.status_code == 422 and imported.json()["code"] != "payload_too_large", imported.text[:300]
    huge = {"file": ("county.csv", b"x" * (1100 * 1024), "text/csv")}
    _problem(
        http.post(f"{tight.url}/registry/v1/entities/import", files=huge, headers=tokens.admin),
        413,
        "payload_too_large",
    )


def test_public_routes_are_rate_limited_per_client(http, tight):
    answers = [http.get(f"{tight.url}/public/plans", params={"limit": 1}) for _ in range(6)]
    assert [a.status_code for a in answers[:4]] == [200] * 4  # the rate's one and the burst of 3
    for limited in answers[4:]:
        _problem(limited, 429, "rate_limited")
        assert int(limited.headers["retry-after"]) > 0
    # the limit is /public's: the services' own prefixes are not held by it
    assert http.get(f"{tight.url}/planning/healthz").status_code == 200


def test_repeated_failed_authentications_are_rate_limited(http, tight, tokens):
    bad = {"Authorization": "Bearer forged"}
    statuses = [http.get(f"{tight.url}/sampling/v1/draws", headers=bad).status_code for _ in range(3)]
    assert statuses == [401, 401, 401]  # the rate's one and the burst of 2
    limited = http.get(f"{tight.url}/sampling/v1/draws", headers=bad)
    _problem(limited, 429, "rate_limited")
    post = http.post(f"{tight.url}/registry/v1/departments", json={}, headers=bad)
    _problem(post, 429, "rate_limited")
    # only failures count: a caller with a valid token is served meanwhile
    assert http.get(f"{tight.url}/sampling/v1/draws", headers=tokens.admin).status_code == 200


def test_a_service_that_is_down_is_a_502_problem(http, tight, tokens):
    r = http.get(f"{tight.url}/results/readyz")
    _problem(r, 502, "upstream_unreachable")
    assert r.headers["retry-after"] and r.headers["x-request-id"]
    post = http.post(f"{tight.url}/results/v1/anything", json={}, headers=tokens.admin | {"Accept-Language": "en"})
    assert "not running" in _problem(post, 502, "upstream_unreachable")["detail"]
    # the others are unaffected
    assert http.get(f"{tight.url}/audit/readyz").status_code == 200


def test_the_gateway_logs_one_json_line_per_request_with_its_id(http, nginx_gateway):
    rid = f"gw-{uuid.uuid4().hex[:20]}"
    http.get(f"{nginx_gateway.url}/audit/healthz", headers={"X-Request-ID": rid})

    def entry() -> dict | None:
        for line in Path(nginx_gateway.cfg.access_log).read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            if row["request_id"] == rid:
                return row
        return None

    row = eventually(entry)
    assert row["uri"] == "/audit/healthz" and row["status"] == 200 and row["upstream_status"] == "200"
