"""The authorization matrix (issue 9): every route of every service against the expectations
table in ``authz_table.py``.

* a route without an entry, or an entry without a route, fails the run;
* every protected route refuses no token, a forged, an expired and an ``alg: none`` token (401)
  and every role the table does not list (403, before any validation or lookup);
* every route whose entry says officers of other departments are refused is tried, on a real
  object, by an officer of a department that takes no part (403) — and by an inspector off the
  team where inspectors are admitted;
* ``docs/authorization.md`` shows exactly this table.
"""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import jwt
import pytest

from jcdev.testing import TEST_JWT_SECRET
from jointcheck.auth import mint_token
from jointcheck.codes import make_uscc

from .authz_table import DOC, SERVICES, TABLE, Access, document_with_table
from .conftest import COOPERATING, LEAD, OTHER, World

PARAMS = {"uscc": make_uscc("91411523MA0000001"), "code": LEAD, "sha256": "0" * 64, "record_id": "r-1", "year": "2099"}


def concrete(path: str) -> str:
    """A path with every parameter filled (ids as UUIDs: the checks under test come first)."""
    return re.sub(r"\{(\w+)\}", lambda m: PARAMS.get(m.group(1), str(uuid.uuid4())), path)


def app_routes(app: Any) -> set[tuple[str, str]]:
    return {(method.upper(), path) for path, ops in app.openapi()["paths"].items() for method in ops}


@pytest.fixture(scope="module")
def emulator_app() -> Any:
    from gsxt_emulator.main import EmulatorSettings, create_app

    return create_app(EmulatorSettings(environment="test", jwt_secret=TEST_JWT_SECRET, log_level="WARNING"))


def routes_of(service: str, apps: dict[str, Any], emulator_app: Any) -> set[tuple[str, str]]:
    return app_routes(emulator_app if service == "gsxt_emulator" else apps[service])


def table_of(service: str) -> dict[tuple[str, str], Access]:
    return {(m, p): a for (s, m, p), a in TABLE.items() if s == service}


# --------------------------------------------------------------------------- the table is complete


@pytest.mark.parametrize("service", SERVICES)
def test_every_route_has_an_entry_and_every_entry_a_route(service, apps, emulator_app):
    served, expected = routes_of(service, apps, emulator_app), set(table_of(service))
    missing = sorted(served - expected)
    stale = sorted(expected - served)
    assert not missing, f"{service}: routes without an entry in tests/security/authz_table.py: {missing}"
    assert not stale, f"{service}: entries for routes that do not exist: {stale}"


def test_the_documentation_shows_the_table():
    text = DOC.read_text(encoding="utf-8")
    assert text == document_with_table(text), (
        "docs/authorization.md is stale: run .venv/bin/python tests/security/authz_table.py"
    )


@pytest.mark.parametrize("service", SERVICES)
def test_the_documents_say_who_may_call_as_the_table_does(service, apps, emulator_app):
    """Every route's description (and ``x-access``) says who may call it: the roles are read from its role
    dependency, the narrower rule from its ``access_rule``; both must be this table's (issue 16)."""
    doc = (emulator_app if service == "gsxt_emulator" else apps[service]).openapi()
    wrong = []
    for (method, path), access in table_of(service).items():
        op = doc["paths"].get(path, {}).get(method.lower())
        if op is None:
            continue  # reported by the completeness test
        stated = op["x-access"]
        if set(stated["roles"]) != set(access.roles) or stated["token"] is access.public:
            wrong.append(
                f"{method} {path}: the route's dependency admits {stated['roles'] or 'anyone'}, the table "
                f"{sorted(access.roles) or 'anyone'}: change the route's role dependency or the table"
            )
        if stated["rule"] != access.scope:
            wrong.append(
                f"{method} {path}: the table's narrower rule is {access.scope!r}, the route says {stated['rule']!r}: "
                f"give the route openapi_extra=access_rule({access.scope!r}, '<中文>') (jointcheck.auth), "
                "or change the table"
            )
    assert not wrong, f"{service}:\n  " + "\n  ".join(wrong)


# --------------------------------------------------------------------------- bad tokens, wrong roles


def _alg_none() -> str:
    now = int(time.time())
    return jwt.encode(
        {"sub": "u", "roles": ["admin"], "iat": now, "exp": now + 600, "iss": "jointcheck"}, None, algorithm="none"
    )


BAD_TOKENS: dict[str, Callable[[], dict[str, str]]] = {
    "none": dict,
    "forged": lambda: {
        "Authorization": "Bearer "
        + mint_token("a-forger-s-secret-of-sufficient-length-0000", subject="u", roles=["admin"])
    },
    "expired": lambda: {
        "Authorization": "Bearer " + mint_token(TEST_JWT_SECRET, subject="u", roles=["admin"], ttl_seconds=-600)
    },
    "alg-none": lambda: {"Authorization": f"Bearer {_alg_none()}"},
}


def role_headers(tokens: Any) -> dict[str, dict[str, str]]:
    return {
        "admin": tokens.admin,
        "officer": tokens.officer(OTHER),
        "inspector": tokens.inspector,
        "auditor": tokens.auditor,
        "service": tokens.service,
    }


async def call(client: httpx.AsyncClient, method: str, path: str, headers: dict[str, str], **kw: Any) -> httpx.Response:
    if method in ("POST", "PUT", "PATCH") and "files" not in kw and "json" not in kw:
        kw["json"] = {}
    return await client.request(method, path, headers=headers, **kw)


@pytest.mark.parametrize("service", SERVICES)
async def test_protected_routes_refuse_bad_tokens_and_wrong_roles(service, clients, tokens, emulator_app):
    client = (
        clients[service]
        if service != "gsxt_emulator"
        else httpx.AsyncClient(transport=httpx.ASGITransport(app=emulator_app), base_url="http://gsxt.test")
    )
    failures = []
    for (method, path), access in table_of(service).items():
        url = concrete(path)
        if access.public:
            r = await call(client, method, url, {})
            if r.status_code == 401 or (r.status_code == 403 and r.json().get("code") == "role_not_allowed"):
                failures.append(f"{method} {path}: public, but {r.status_code} without a token")
            continue
        for name, make in BAD_TOKENS.items():
            r = await call(client, method, url, make())
            if r.status_code != 401 or r.json().get("code") not in ("unauthorized", "invalid_token", "token_expired"):
                failures.append(f"{method} {path}: {name} token gave {r.status_code} {r.text[:120]}, not 401")
        for role, headers in role_headers(tokens).items():
            if role in access.roles:
                continue
            r = await call(client, method, url, headers)
            if r.status_code != 403 or not r.headers["content-type"].startswith("application/problem+json"):
                failures.append(f"{method} {path}: role {role} gave {r.status_code} {r.text[:120]}, not 403")
    if service == "gsxt_emulator":
        await client.aclose()
    assert not failures, "\n".join(failures)


# --------------------------------------------------------------------------- other departments, real objects


@dataclass
class Attempt:
    """One refused call: as an officer of a department taking no part unless ``headers`` says otherwise."""

    service: str
    method: str
    url: str
    kw: dict[str, Any] = field(default_factory=dict)
    headers: dict[str, str] | None = None
    expect: frozenset[int] = frozenset({403})
    unchanged: Callable[[], Awaitable[None]] | None = None


Case = Callable[[World, dict[str, httpx.AsyncClient], Any], Awaitable[list[Attempt]]]
CASES: dict[tuple[str, str, str], Case] = {}


def case(service: str, method: str, path: str) -> Callable[[Case], Case]:
    def register(fn: Case) -> Case:
        CASES[(service, method, path)] = fn
        return fn

    return register


def if_match(etag: str) -> dict[str, Any]:
    return {"headers_extra": {"If-Match": etag}}


# registry


@case("registry", "POST", "/v1/entities/import")
async def _(w, s, t):
    m = await w.registry()

    async def entity_unchanged() -> None:
        got = (await w.c.registry.get(f"/v1/entities/{m['entity']}", headers=t.admin)).json()
        assert got["departments"] == [LEAD] and got["name"] != "新县被改名加油站", got

    return [
        Attempt(
            "registry",
            "POST",
            "/v1/entities/import",
            w.import_file(m["entity"], OTHER),
            expect=frozenset({403, 422}),
            unchanged=entity_unchanged,
        )
    ]


@case("registry", "PATCH", "/v1/entities/{uscc}")
async def _(w, s, t):
    m = await w.registry()
    return [
        Attempt(
            "registry", "PATCH", f"/v1/entities/{m['entity']}", {"json": {"name": "改名"}, **if_match(m["entity_etag"])}
        )
    ]


@case("registry", "DELETE", "/v1/entities/{uscc}")
async def _(w, s, t):
    m = await w.registry()
    return [
        Attempt(
            "registry",
            "DELETE",
            f"/v1/entities/{m['entity']}",
            {"params": {"reason": "注销"}, **if_match(m["entity_etag"])},
        )
    ]


@case("registry", "POST", "/v1/inspectors")
async def _(w, s, t):
    await w.registry()
    return [
        Attempt(
            "registry",
            "POST",
            "/v1/inspectors",
            {
                "json": {
                    "inspector_id": f"{LEAD}-9",
                    "name": "冒名",
                    "department": LEAD,
                    "certificate_no": "AUTHZX0009",
                    "specialties": [],
                    "region": "411523",
                }
            },
        )
    ]


@case("registry", "PATCH", "/v1/inspectors/{inspector_id}")
async def _(w, s, t):
    m = await w.registry()
    return [
        Attempt(
            "registry",
            "PATCH",
            f"/v1/inspectors/{m['inspector']}",
            {"json": {"name": "改名"}, **if_match(m["inspector_etag"])},
        )
    ]


@case("registry", "DELETE", "/v1/inspectors/{inspector_id}")
async def _(w, s, t):
    m = await w.registry()
    return [
        Attempt(
            "registry",
            "DELETE",
            f"/v1/inspectors/{m['inspector']}",
            {"params": {"reason": "调离"}, **if_match(m["inspector_etag"])},
        )
    ]


@case("registry", "POST", "/v1/recusals")
async def _(w, s, t):
    m = await w.registry()
    return [
        Attempt(
            "registry",
            "POST",
            "/v1/recusals",
            {
                "json": {
                    "inspector_id": m["inspector"],
                    "uscc": m["entity"],
                    "reason": "亲属关系",
                    "valid_from": "2020-01-01",
                }
            },
        )
    ]


@case("registry", "DELETE", "/v1/recusals/{recusal_id}")
async def _(w, s, t):
    m = await w.registry()
    return [Attempt("registry", "DELETE", f"/v1/recusals/{m['recusal']}", {"params": {"reason": "撤回"}})]


# planning


@case("planning", "POST", "/v1/items")
async def _(w, s, t):
    return [
        Attempt(
            "planning",
            "POST",
            "/v1/items",
            {
                "json": {
                    "department": LEAD,
                    "code": f"{LEAD}-X",
                    "name": "冒名事项",
                    "legal_basis": "相关法律法规",
                    "methods": ["on_site"],
                }
            },
        )
    ]


@case("planning", "PATCH", "/v1/items/{item_id}")
async def _(w, s, t):
    m = await w.planning()
    return [
        Attempt("planning", "PATCH", f"/v1/items/{m['item']}", {"json": {"name": "改名"}, **if_match(m["item_etag"])})
    ]


@case("planning", "POST", "/v1/items/{item_id}/cancel")
async def _(w, s, t):
    m = await w.planning()
    return [Attempt("planning", "POST", f"/v1/items/{m['item']}/cancel", {"json": {"reason": "冒名取消该事项"}})]


@case("planning", "POST", "/v1/checklists")
async def _(w, s, t):
    m = await w.planning()
    return [
        Attempt(
            "planning",
            "POST",
            "/v1/checklists",
            {
                "json": {
                    "name": "冒名检查单",
                    "industry_codes": ["F5265"],
                    "lead_department": LEAD,
                    "cooperating_departments": [],
                    "items": [{"item_id": m["item"]}],
                }
            },
        )
    ]


@case("planning", "PATCH", "/v1/checklists/{checklist_id}")
async def _(w, s, t):
    m = await w.planning()
    return [
        Attempt(
            "planning",
            "PATCH",
            f"/v1/checklists/{m['checklist']}",
            {"json": {"name": "改名"}, **if_match(m["checklist_etag"])},
        )
    ]


@case("planning", "POST", "/v1/plans")
async def _(w, s, t):
    return [
        Attempt("planning", "POST", "/v1/plans", {"json": {"year": 2032, "lead_department": LEAD, "name": "冒名计划"}})
    ]


@case("planning", "PATCH", "/v1/plans/{plan_id}")
async def _(w, s, t):
    m = await w.planning()
    return [
        Attempt("planning", "PATCH", f"/v1/plans/{m['plan']}", {"json": {"name": "改名"}, **if_match(m["plan_etag"])})
    ]


@case("planning", "POST", "/v1/plans/{plan_id}/transitions")
async def _(w, s, t):
    m = await w.planning()
    return [
        Attempt("planning", "POST", f"/v1/plans/{m['plan']}/transitions", {"json": {"to": "filed", "reason": "报备"}})
    ]


@case("planning", "POST", "/v1/tasks")
async def _(w, s, t):
    m = await w.planning()
    return [
        Attempt(
            "planning",
            "POST",
            "/v1/tasks",
            {
                "json": {
                    "plan_id": m["plan"],
                    "checklist_id": m["checklist"],
                    "name": "冒名任务",
                    "sampling_rules": {c: {"ratio": "1"} for c in "ABCDU"},
                    "inspection_start": "2031-04-01",
                    "inspection_end": "2031-09-30",
                }
            },
        )
    ]


@case("planning", "GET", "/v1/tasks/{task_id}")
async def _(w, s, t):
    m = await w.planning()
    return [Attempt("planning", "GET", f"/v1/tasks/{m['task']}")]


@case("planning", "POST", "/v1/tasks/{task_id}/amendments")
async def _(w, s, t):
    m = await w.approved_tasks()
    return [
        Attempt(
            "planning",
            "POST",
            f"/v1/tasks/{m['task']}/amendments",
            {"json": {"team_rules": {"max_load": 5}, "reason": "冒名变更组队规则"}},
        )
    ]


@case("planning", "GET", "/v1/tasks/{task_id}/checklist")
async def _(w, s, t):
    m = await w.planning()
    return [Attempt("planning", "GET", f"/v1/tasks/{m['task']}/checklist")]


@case("planning", "GET", "/v1/tasks/{task_id}/preview")
async def _(w, s, t):
    m = await w.planning()
    return [Attempt("planning", "GET", f"/v1/tasks/{m['task']}/preview")]


@case("planning", "PATCH", "/v1/tasks/{task_id}")
async def _(w, s, t):
    m = await w.planning()
    return [
        Attempt("planning", "PATCH", f"/v1/tasks/{m['task']}", {"json": {"name": "改名"}, **if_match(m["task_etag"])})
    ]


@case("planning", "POST", "/v1/tasks/{task_id}/transitions")
async def _(w, s, t):
    m = await w.planning()
    return [
        Attempt(
            "planning", "POST", f"/v1/tasks/{m['task']}/transitions", {"json": {"to": "approved", "reason": "同意"}}
        )
    ]


# sampling


@case("sampling", "POST", "/v1/draws")
async def _(w, s, t):
    m = await w.approved_tasks()
    return [
        Attempt(
            "sampling:live",
            "POST",
            "/v1/draws",
            {"json": {"task_id": m["task"], "kind": "objects", "entropy_source": "witness dice"}},
        )
    ]


@case("sampling", "POST", "/v1/draws/{draw_id}/register")
async def _(w, s, t):
    m = await w.draws(s)
    return [Attempt("sampling:live", "POST", f"/v1/draws/{m['frozen_draw']}/register")]


@case("sampling", "POST", "/v1/draws/{draw_id}/entropy")
async def _(w, s, t):
    m = await w.draws(s)
    return [
        Attempt("sampling:live", "POST", f"/v1/draws/{m['committed_draw']}/entropy", {"json": {"entropy": "6 6 2 1"}})
    ]


@case("sampling", "POST", "/v1/draws/{draw_id}/void")
async def _(w, s, t):
    m = await w.draws(s)
    return [
        Attempt(
            "sampling:live", "POST", f"/v1/draws/{m['committed_draw']}/void", {"json": {"reason": "冒名作废这次抽取"}}
        )
    ]


@case("sampling", "GET", "/v1/draws/{draw_id}/result")
async def _(w, s, t):
    m = await w.draws(s)
    return [Attempt("sampling:live", "GET", f"/v1/draws/{m['committed_draw']}/result")]


# results


@case("results", "GET", "/v1/inspections/{inspection_id}")
async def _(w, s, t):
    m = await w.inspection()
    url = f"/v1/inspections/{m['inspection']}"
    return [
        Attempt("results", "GET", url),
        Attempt("results", "GET", url, headers=t.header("inspector", subject=f"{LEAD}-1")),
    ]


@case("results", "POST", "/v1/inspections/{inspection_id}/visit")
async def _(w, s, t):
    m = await w.inspection()
    url, body = f"/v1/inspections/{m['inspection']}/visit", {"json": {"inspected_on": "2026-05-01"}}
    return [
        Attempt("results", "POST", url, body),
        Attempt("results", "POST", url, body, headers=t.officer("XFJY")),
        Attempt("results", "POST", url, body, headers=t.header("inspector", subject=f"{COOPERATING}-1")),
    ]


@case("results", "PUT", "/v1/inspections/{inspection_id}/findings")
async def _(w, s, t):
    m = await w.inspection()
    url = f"/v1/inspections/{m['inspection']}/findings"
    lead_item = {"json": {"findings": [{"position": 1, "outcome": "compliant", "method": "on_site"}]}}
    return [
        Attempt("results", "PUT", url, lead_item),  # an officer: not a team member
        Attempt("results", "PUT", url, lead_item, headers=t.header("inspector", subject=f"{COOPERATING}-0")),
        Attempt("results", "PUT", url, lead_item, headers=t.header("inspector", subject=f"{LEAD}-7")),
    ]


@case("results", "POST", "/v1/inspections/{inspection_id}/submit")
async def _(w, s, t):
    m = await w.inspection()
    url, body = f"/v1/inspections/{m['inspection']}/submit", {"json": {"categories": [{"code": "no_problem"}]}}
    return [
        Attempt("results", "POST", url, body),
        Attempt("results", "POST", url, body, headers=t.header("inspector", subject=f"{LEAD}-7")),
    ]


@case("results", "POST", "/v1/inspections/{inspection_id}/review")
async def _(w, s, t):
    m = await w.inspection()
    url, body = f"/v1/inspections/{m['inspection']}/review", {"json": {"decision": "approve"}}
    return [
        Attempt("results", "POST", url, body),
        Attempt("results", "POST", url, body, headers=t.officer(COOPERATING)),
    ]


@case("results", "GET", "/v1/tasks/{task_id}/results")
async def _(w, s, t):
    m = await w.inspection()
    return [Attempt("results", "GET", f"/v1/tasks/{m['result_task']}/results")]


@case("results", "GET", "/v1/tasks/{task_id}/results/export")
async def _(w, s, t):
    m = await w.inspection()
    return [Attempt("results", "GET", f"/v1/tasks/{m['result_task']}/results/export", {"params": {"format": "csv"}})]


@case("audit", "GET", "/v1/reports/{year}")
async def _(w, s, t):
    await w.inspection()  # 2025: a task of LEAD's, its inspection filed
    return [
        Attempt("audit", "GET", "/v1/reports/2025", {"params": {"department": LEAD}}),
        Attempt("audit", "GET", "/v1/reports/2025", {"params": {"department": LEAD, "format": "xlsx"}}),
    ]


SCOPED = sorted(k for k, a in TABLE.items() if a.other_department_refused)


def test_every_department_rule_is_tried_on_a_real_object():
    assert sorted(set(SCOPED) - set(CASES)) == [], "add a case that tries the rule on a real object"
    assert sorted(set(CASES) - set(SCOPED)) == [], "a case for a route whose entry claims no department rule"


@pytest.mark.parametrize("key", SCOPED, ids=[f"{s}:{m} {p}" for s, m, p in SCOPED])
async def test_officers_of_other_departments_are_refused(key, world, sampling_clients, clients, tokens):
    access = TABLE[key]
    attempts = await CASES[key](world, sampling_clients, tokens)
    for a in attempts:
        client = sampling_clients[a.service.split(":")[1]] if a.service.startswith("sampling:") else clients[a.service]
        kw = dict(a.kw)
        headers = dict(a.headers or tokens.officer(OTHER)) | kw.pop("headers_extra", {})
        r = await client.request(a.method, a.url, headers=headers, **kw)
        awaiting = f" (expected once branch {access.awaiting!r} is merged)" if access.awaiting else ""
        caller = jwt.decode(headers["Authorization"].split()[1], options={"verify_signature": False})
        who = f"{caller['roles'][0]} {caller.get('dept') or caller['sub']}"
        assert r.status_code in a.expect, f"{a.method} {a.url} as {who}: {r.status_code} {r.text[:300]}{awaiting}"
        assert r.headers["content-type"].startswith("application/problem+json")
        if a.unchanged:
            await a.unchanged()
