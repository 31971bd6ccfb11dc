"""The gateway's configuration: the template serves exactly the layout of jcdev.services, the
committed renderings are current, the renderer refuses values that would change the file's
shape, and nginx itself accepts a rendering (the e2e suite runs it: tests/e2e/test_gateway_e2e.py)."""

from __future__ import annotations

import dataclasses
import getpass
import json
import re
import subprocess
import sys

import pytest

from jcdev.gateway import PORTAL_HEADERS
from jcdev.nginx import (
    DEPLOYMENT,
    DEPLOYMENT_RENDERINGS,
    ROOT,
    TEMPLATE,
    Gateway,
    GatewayConfig,
    deployment_rendering,
    render_gateway_config,
)
from jcdev.services import GATEWAY_PORTAL_PREFIX, GATEWAY_PUBLIC_ROUTES, GATEWAY_SERVICE_PREFIXES, SERVICE_NAMES
from jcdev.testing import require_system_binary

from .nginxconf import Directive, parse

LOOPBACK = GatewayConfig(upstreams={s: f"127.0.0.1:{8001 + i}" for i, s in enumerate(SERVICE_NAMES)})


def _server(conf: Directive) -> Directive:
    """The gateway's public server (the other one is the upstreams' backup, on a socket)."""
    servers = conf.one("http").find("server")
    public = [s for s in servers if not s.one("listen").args[0].startswith("unix:")]
    assert len(public) == 1 and len(servers) == 2
    return public[0]


def _locations(server: Directive) -> dict[str, Directive]:
    return {" ".join(loc.args): loc for loc in server.find("location")}


def _upstream_of(loc: Directive) -> str:
    (target,) = loc.one("proxy_pass").args
    m = re.fullmatch(r"http://jc_([a-z]+)(/.*)?", target)
    assert m, target
    return m.group(1)


def test_the_locations_are_the_layout_of_jcdev_services():
    conf = parse(render_gateway_config(LOOPBACK))
    http = conf.one("http")
    assert {u.args[0] for u in http.find("upstream")} == {f"jc_{s}" for s in SERVICE_NAMES}
    locations = _locations(_server(conf))

    # /<service>/ → that service, the prefix stripped (proxy_pass ends in "/"), and named
    prefixes = {k: v for k, v in locations.items() if v.find("proxy_pass") and re.fullmatch(r"/[a-z]+/", k)}
    assert set(prefixes) == set(GATEWAY_SERVICE_PREFIXES)
    for prefix, service in GATEWAY_SERVICE_PREFIXES.items():
        loc = prefixes[prefix]
        assert loc.one("proxy_pass").args == [f"http://jc_{service}/"]
        sets = {d.args[0]: d.args[1] for d in loc.find("set")}
        assert sets == {"$jc_prefix": prefix.rstrip("/"), "$jc_service": service}

    # /public/<x> and below → its owner, the path unchanged (no URI on proxy_pass), rate
    # limited; never /public/<x>Y (the development gateway's rule too)
    public = {k: v for k, v in locations.items() if "/public/" in k}
    expected = {}
    for route, owner in GATEWAY_PUBLIC_ROUTES.items():
        expected |= {f"= {route}": owner, f"{route}/": owner}
    assert {k: _upstream_of(v) for k, v in public.items()} == expected
    for loc in public.values():
        assert loc.one("proxy_pass").args[0].count("/") == 2
        assert loc.one("limit_req").args[0] == "zone=jc_public"
        assert {d.args[0]: d.args[1] for d in loc.find("set")} == {"$jc_service": _upstream_of(loc)}

    # exact routes with their own body limits stay inside their service's prefix
    for key, loc in locations.items():
        if key.startswith("= /") and loc.find("client_max_body_size"):
            path = key.removeprefix("= ")
            service = _upstream_of(loc)
            assert path.startswith(f"/{service}/") and loc.one("proxy_pass").args == [
                f"http://jc_{service}{path.removeprefix('/' + service)}"
            ]

    # the portal's pages, with the development gateway's headers, and nothing else: a
    # catch-all 404 of the gateway's own
    portal = locations[GATEWAY_PORTAL_PREFIX]
    assert portal.one("alias").args == [LOOPBACK.portal_root + "/"]
    headers = {d.args[0]: d.args[1] for d in portal.find("add_header") if d.args[0] != "X-Request-ID"}
    assert headers == PORTAL_HEADERS
    assert locations["/"].one("return").args == ["404", "$jc_problem_route_not_found\\n"]

    # the lists of services written out in regular expressions name exactly the services
    template = TEMPLATE.read_text(encoding="utf-8")
    alternations = re.findall(r"\^/\(([a-z|]+)\)", template)
    assert len(alternations) == 2
    for alternation in alternations:
        assert set(alternation.split("|")) == set(SERVICE_NAMES)


def test_failed_authentications_and_errors_are_handled_once_for_every_route():
    server = _server(parse(render_gateway_config(LOOPBACK)))
    pages = {tuple(d.args[:-1]): d.args[-1] for d in server.find("error_page")}
    assert pages == {
        ("401", "="): "@jc_unauthorized",
        ("413",): "@jc_payload_too_large",
        ("429",): "@jc_rate_limited",
        ("504",): "@jc_upstream_timeout",
    }
    # a location with error pages of its own would lose these (nginx does not merge them)
    locations = _locations(server)
    for key, loc in locations.items():
        if loc.find("proxy_pass") and not key.startswith("@"):
            assert not loc.find("error_page"), key
    unauthorized = locations["@jc_unauthorized"]
    assert unauthorized.one("limit_req").args[0] == "zone=jc_unauthorized"
    assert unauthorized.one("proxy_intercept_errors").args == ["off"]
    # the services' own 502 and 503 problems are never replaced
    assert not {"502", "503"} & {a for d in server.find("error_page") for a in d.args}


def test_the_committed_renderings_are_current():
    text = deployment_rendering()
    for rel in DEPLOYMENT_RENDERINGS:
        path = ROOT / rel
        assert path.read_text(encoding="utf-8") == text, f"{rel} is stale: python -m jcdev gateway-config --write"
    conf = parse(text)
    upstreams = {u.args[0]: u.find("server")[0].args[0] for u in conf.one("http").find("upstream")}
    assert upstreams == {f"jc_{s}": f"{s}:8000" for s in SERVICE_NAMES}
    assert _server(conf).one("listen").args == ["8080"]


def test_values_that_would_change_the_files_shape_are_refused():
    for bad in ("8080; include /etc/passwd", "80 default_server", "{", "a'b", "x\ny"):
        with pytest.raises(ValueError, match="not a plain nginx argument"):
            render_gateway_config(dataclasses.replace(LOOPBACK, listen=bad))
    with pytest.raises(ValueError, match="trusted proxy"):
        render_gateway_config(dataclasses.replace(LOOPBACK, trusted_proxies=("10.0.0.0/8; allow all",)))
    with pytest.raises(ValueError, match="no upstream"):
        render_gateway_config(GatewayConfig(upstreams={"registry": "x:1"}))
    real_ip = parse(render_gateway_config(DEPLOYMENT)).one("http")
    assert [d.args[0] for d in real_ip.find("set_real_ip_from")] == list(DEPLOYMENT.trusted_proxies)
    assert not parse(render_gateway_config(LOOPBACK)).one("http").find("set_real_ip_from")


def test_the_command_line_renders_and_refuses(tmp_path):
    run = subprocess.run(
        [sys.executable, "-m", "jcdev", "gateway-config", "--upstream", "audit=10.9.8.7:9000", "--set", "listen=9090"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    server = _server(parse(run.stdout))
    assert server.one("listen").args == ["9090"]
    assert "server 10.9.8.7:9000 max_fails=0;" in run.stdout
    refused = subprocess.run(
        [sys.executable, "-m", "jcdev", "gateway-config", "--set", "nonsense=1"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert refused.returncode == 2 and "unknown gateway setting" in refused.stderr


def test_nginx_accepts_a_rendering(tmp_path):
    nginx = require_system_binary("/usr/sbin/nginx", "the gateway's configuration is checked by nginx -t")
    cfg = dataclasses.replace(
        LOOPBACK,
        listen="127.0.0.1:1",
        temp_dir=str(tmp_path / "tmp"),
        portal_root=str(tmp_path / "portal"),
        error_log=str(tmp_path / "error.log"),
        access_log=str(tmp_path / "access.log"),
        user=getpass.getuser(),
    )
    out = Gateway(nginx, cfg, tmp_path).check()
    assert "syntax is ok" in out and "test is successful" in out


def test_the_gateways_own_problems_are_problem_documents_in_both_languages():
    text = render_gateway_config(LOOPBACK)
    http = parse(text).one("http")
    problems = {m.args[1]: m for m in http.find("map") if m.args[0] == "$jc_lang"}
    assert problems
    for variable, entries in problems.items():
        by_lang = {e.name: e.args[0] for e in entries.block}
        assert set(by_lang) == {"en", "default"}, variable
        en, zh = (json.loads(by_lang[k].replace("$jc_request_id", "rid-1")) for k in ("en", "default"))
        assert en.keys() == zh.keys() == {"type", "title", "status", "code", "detail", "request_id"}, variable
        assert (en["status"], en["code"], en["type"]) == (zh["status"], zh["code"], zh["type"]), variable
        assert en["type"].endswith("/problems/" + en["code"]) and en["request_id"] == "rid-1"
        assert en["detail"] != zh["detail"] and re.search(r"[\u4e00-\u9fff]", zh["detail"]), variable
        # each is answered with its own status, somewhere
        returns = [d for d in parse(text).walk() if d.name == "return" and d.args[1:] == [f"{variable}\\n"]]
        assert returns and {int(d.args[0]) for d in returns} == {en["status"]}, variable
    codes = {json.loads(m.block[0].args[0].replace("$jc_request_id", "x"))["code"] for m in problems.values()}
    assert codes == {
        "route_not_found",
        "not_found",
        "payload_too_large",
        "rate_limited",
        "upstream_unreachable",
        "upstream_timeout",
    }
