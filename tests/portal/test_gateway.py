"""The development gateway's layout (jcdev.services) and its own answers; the whole path through
real services is tests/e2e/test_portal_e2e.py."""

from __future__ import annotations

import httpx
import pytest

from jcdev.gateway import default_upstreams, route
from jcdev.services import GATEWAY_PUBLIC_ROUTES, GATEWAY_SERVICE_PREFIXES, SERVICE_NAMES


@pytest.mark.parametrize(
    "path, expected",
    [
        ("/public/plans", ("planning", "/public/plans")),
        ("/public/plans/tasks/x", ("planning", "/public/plans/tasks/x")),
        ("/public/draws/abc/bundle", ("sampling", "/public/draws/abc/bundle")),
        ("/public/announcements/ff", ("audit", "/public/announcements/ff")),
        ("/public/results", ("results", "/public/results")),
        ("/planning/v1/plans", ("planning", "/v1/plans")),
        ("/registry/", ("registry", "/")),
        ("/audit/docs", ("audit", "/docs")),
        ("/public/plansX", None),
        ("/public/", None),
        ("/public", None),
        ("/planning", None),
        ("/gsxt/healthz", None),
        ("/v1/plans", None),
        ("/metrics", None),
    ],
)
def test_routes_follow_the_one_layout(path, expected):
    assert route(path) == expected


def test_every_public_route_and_service_prefix_is_routed():
    assert {route(p)[0] for p in GATEWAY_PUBLIC_ROUTES} == set(GATEWAY_PUBLIC_ROUTES.values())
    assert {route(p + "x")[0] for p in GATEWAY_SERVICE_PREFIXES} == set(SERVICE_NAMES)


def test_upstreams_follow_the_stack_or_the_development_ports():
    assert default_upstreams({})["planning"] == "http://127.0.0.1:8002"
    assert default_upstreams({"JC_PORT_BASE": "9000"})["audit"] == "http://127.0.0.1:9005"
    given = default_upstreams({"GATEWAY_SAMPLING_URL": "http://sampling.internal:80"})
    assert given["sampling"] == "http://sampling.internal:80"


def test_its_own_answers_are_problems_with_the_request_id(gateway_alone):
    with httpx.Client(base_url=gateway_alone, timeout=10) as http:
        down = http.get("/public/plans", headers={"X-Request-ID": "gw-test-1", "Accept-Language": "en"})
        assert down.status_code == 502 and down.headers["content-type"].startswith("application/problem+json")
        assert down.json()["code"] == "upstream_unreachable" and "planning" in down.json()["detail"]
        assert down.json()["request_id"] == "gw-test-1" and down.headers["x-request-id"] == "gw-test-1"
        missing = http.get("/nowhere")
        assert missing.status_code == 404 and missing.json()["code"] == "route_not_found"
        assert "网关" in missing.json()["detail"] and missing.headers["x-request-id"]
        page = http.get("/portal/verify.html")
        assert page.status_code == 200 and 'data-page="verify"' in page.text
        assert page.headers["x-content-type-options"] == "nosniff"
        assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
        assert http.get("/portal/../../etc/passwd").status_code == 404
