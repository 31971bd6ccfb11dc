"""One vocabulary (issue 16): a task's `scope` is what a frame request takes and what the entity
list filters by; an import that changes nothing says so (`changed: false`). The names before API
0.2.0 are accepted for one release, marked deprecated in the OpenAPI; a request using both the new
and the old name of one field is refused. The problems the import answers match their schemas."""

from __future__ import annotations

import pytest

from jointcheck.demo import write_entities_csv
from registry.problems import ImportRejectedProblem, PlatformOwnedFieldProblem

from .conftest import entity_body, uscc

SCOPE = {"industry_prefixes": ["H62"], "division_prefixes": ["411523"], "statuses": []}


async def _entities(clients, tokens, *numbers, **kw):
    for n in numbers:
        r = await clients.registry.post("/v1/entities", json=entity_body(n, **kw), headers=tokens.admin)
        assert r.status_code == 201, r.text


async def test_a_task_scope_is_what_a_frame_request_takes(clients, tokens, departments):
    await _entities(clients, tokens, 1, 2, credit_class="B")
    await _entities(clients, tokens, 3, industry_code="F5265")
    task_scope = {"industry_prefixes": ["H62"], "division_prefixes": ["411523"]}  # as planning stores it
    new = await clients.registry.post("/v1/frames", json={"scope": task_scope}, headers=tokens.service)
    assert new.status_code == 200, new.text
    assert new.text.splitlines() == sorted(f"{uscc(n)}\tB" for n in (1, 2))
    old = await clients.registry.post("/v1/frames", json={"filter": task_scope}, headers=tokens.service)
    assert old.status_code == 200 and old.content == new.content  # the deprecated name, one more release
    counts = await clients.registry.post("/v1/frames/counts", json={"filter": task_scope}, headers=tokens.service)
    assert counts.json()["total"] == 2
    both = await clients.registry.post("/v1/frames", json={"scope": {}, "filter": {}}, headers=tokens.service)
    assert both.status_code == 422 and "deprecated name `filter`" in both.text


async def test_the_entity_list_filters_by_the_scope_fields(clients, tokens, departments):
    await _entities(clients, tokens, 10, credit_class="A")
    await _entities(clients, tokens, 11, industry_code="F5265", credit_class=None)

    async def listed(params):
        r = await clients.registry.get("/v1/entities", params=params, headers=tokens.auditor)
        assert r.status_code == 200, r.text
        return [e["uscc"] for e in r.json()["items"]]

    new = {
        "industry_prefixes": "H62",
        "division_prefixes": "411523",
        "credit_classes": "A",
        "statuses": "active",
        "entity_types": "enterprise",
    }
    old = {"industry": "H62", "division": "411523", "class": "A", "status": "active", "type": "enterprise"}
    assert await listed(new) == await listed(old) == [uscc(10)]
    assert await listed({"credit_classes": "U"}) == await listed({"class": "U"}) == [uscc(11)]
    both = await clients.registry.get(
        "/v1/entities", params={"credit_classes": "A", "class": "U"}, headers=tokens.auditor
    )
    assert both.status_code == 422 and both.json()["code"] == "invalid_filter"
    assert both.json()["errors"][0]["field"] == "query.class"
    exported = await clients.registry.get(
        "/v1/entities/export", params={"industry_prefixes": "F52"}, headers=tokens.auditor
    )
    assert exported.status_code == 200 and uscc(11) in exported.text and uscc(10) not in exported.text


#: Every filter of the entity list: its name, its deprecated name, a value that keeps entity 30 only.
FILTERS = [
    ("industry_prefixes", "industry", "F5265"),
    ("division_prefixes", "division", "411522"),
    ("entity_types", "type", "individual_business"),
    ("statuses", "status", "revoked"),
    ("credit_classes", "class", "U"),
    ("tags", "tag", "危险化学品"),
    ("departments", "department", "YJGL"),
    ("name_contains", "name", "第三十号"),
]


@pytest.mark.parametrize(("new", "old", "value"), FILTERS, ids=[f[1] for f in FILTERS])
async def test_every_deprecated_filter_name_still_filters(clients, tokens, departments, new, old, value):
    """The list reads its filters from the query string itself (they are not declared to FastAPI):
    each deprecated name filters exactly as the new one, and both at once are refused."""
    await _entities(clients, tokens, 31, 32)
    special = {
        "industry_prefixes": {"industry_code": "F5265"},
        "division_prefixes": {"division_code": "411522"},
        "entity_types": {"entity_type": "individual_business"},
        "statuses": {"status": "revoked"},
        "credit_classes": {"credit_class": None},
        "tags": {"tags": ["危险化学品"]},
        "departments": {"departments": ["YJGL"]},
        "name_contains": {"name": "新县第三十号商店"},
    }[new]
    await _entities(clients, tokens, 30, **special)

    async def listed(params):
        r = await clients.registry.get("/v1/entities", params=params, headers=tokens.auditor)
        assert r.status_code == 200, r.text
        return [e["uscc"] for e in r.json()["items"]]

    assert await listed({}) == sorted(uscc(n) for n in (30, 31, 32))
    assert await listed({new: value}) == await listed({old: value}) == [uscc(30)]
    both = await clients.registry.get("/v1/entities", params={new: value, old: value}, headers=tokens.auditor)
    assert both.status_code == 422 and both.json()["code"] == "invalid_filter"
    assert both.json()["errors"][0]["field"] == f"query.{old}"


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"statuses": ["active", "nonsense"]}, "query.statuses.1"),
        ({"type": "nonsense"}, "query.type.0"),
        ({"class": "E"}, "query.class.0"),
        ({"name_contains": "名" * 101}, "query.name_contains"),
        ({"name": "名" * 101}, "query.name"),
    ],
)
async def test_a_bad_filter_value_is_the_validation_problem_fastapi_gives(clients, tokens, params, field):
    r = await clients.registry.get("/v1/entities", params=params, headers=tokens.auditor)
    assert r.status_code == 422, r.text
    body = r.json()
    assert body["code"] == "request_validation_failed"
    assert [e["field"] for e in body["errors"]] == [field]


async def test_the_entity_list_checks_the_token_before_the_filters(clients):
    r = await clients.registry.get("/v1/entities", params={"statuses": "nonsense"})
    assert r.status_code == 401


async def test_the_openapi_names_one_vocabulary_and_marks_the_old_names(clients):
    doc = (await clients.registry.get("/openapi.json")).json()
    schemas = doc["components"]["schemas"]
    scope = schemas["EntityScope"]["properties"]
    params = {p["name"]: p for p in doc["paths"]["/v1/entities"]["get"]["parameters"]}
    current = {n for n, p in params.items() if not p.get("deprecated")} - {"limit", "cursor", "as_of"}
    assert current == set(scope)  # the list's filters are exactly the scope's fields
    assert {n for n, p in params.items() if p.get("deprecated")} == {
        "industry",
        "division",
        "type",
        "status",
        "class",
        "tag",
        "department",
        "name",
    }
    frame = schemas["EntityFrameQuery"]["properties"]
    assert frame["scope"]["$ref"].endswith("/EntityScope") and frame["filter"]["deprecated"] is True
    result = schemas["EntityImportResult"]
    assert {"changed", "registry_version"} <= set(result["required"])
    assert result["properties"]["committed"]["deprecated"] and result["properties"]["version"]["deprecated"]
    item = schemas["CreditClassItem"]["properties"]
    assert "credit_class" in item and item["class"]["deprecated"] is True


async def test_credit_classes_take_the_entity_field_name(clients, tokens, departments):
    await _entities(clients, tokens, 20, 21, credit_class="A", classified_at="2026-01-01T00:00:00Z")
    items = [
        {"uscc": uscc(20), "credit_class": "C", "classified_at": "2026-06-01T00:00:00Z"},
        {"uscc": uscc(21), "class": "D", "classified_at": "2026-06-01T00:00:00Z"},  # deprecated name
    ]
    r = await clients.registry.post("/v1/entities/credit-classes", json={"items": items}, headers=tokens.service)
    assert r.status_code == 200, r.text
    out = r.json()
    assert (out["updated"], out["changed"], out["version"]) == (2, True, out["registry_version"])
    got = {
        e["uscc"]: e["credit_class"]
        for e in (await clients.registry.get("/v1/entities", headers=tokens.admin)).json()["items"]
    }
    assert got == {uscc(20): "C", uscc(21): "D"}


async def test_an_unchanged_reimport_reads_as_success(clients, tokens, departments, tmp_path):
    path = tmp_path / "f.csv"
    write_entities_csv(path, 20, seed=21)
    first = await clients.registry.post(
        "/v1/entities/import", files={"file": ("f.csv", path.read_bytes())}, headers=tokens.admin
    )
    again = await clients.registry.post(
        "/v1/entities/import", files={"file": ("f.csv", path.read_bytes())}, headers=tokens.admin
    )
    assert first.json()["changed"] is True and again.status_code == 200
    assert again.json()["changed"] is False and again.json()["registry_version"] == first.json()["registry_version"]


async def test_the_import_problem_is_what_its_schema_says(clients, tokens, departments, tmp_path):
    path = tmp_path / "bad.csv"
    write_entities_csv(path, 40, seed=22, bad_fraction=0.2)
    r = await clients.registry.post(
        "/v1/entities/import", files={"file": ("bad.csv", path.read_bytes())}, headers=tokens.admin
    )
    assert r.status_code == 422 and r.headers["content-type"].startswith("application/problem+json")
    problem = ImportRejectedProblem.model_validate(r.json())  # every member the schema promises, typed
    assert problem.rows == 40 and problem.rejected == len(problem.errors) > 0 and problem.errors[0].line >= 2


@pytest.mark.parametrize("action", ["patch", "delete"])
async def test_the_platform_owned_problem_is_what_its_schema_says(clients, tokens, departments, apps, action):
    from sqlalchemy import text

    await _entities(clients, tokens, 30)
    async with apps["registry"].state.db.transaction() as s:
        await s.execute(text("UPDATE entities SET source = 'platform' WHERE uscc = :u"), {"u": uscc(30)})
    etag = (await clients.registry.get(f"/v1/entities/{uscc(30)}", headers=tokens.admin)).headers["etag"]
    headers = {**tokens.admin, "If-Match": etag}
    if action == "patch":
        r = await clients.registry.patch(f"/v1/entities/{uscc(30)}", json={"name": "改名"}, headers=headers)
    else:
        r = await clients.registry.delete(f"/v1/entities/{uscc(30)}", params={"reason": "注销"}, headers=headers)
    assert r.status_code == 409, r.text
    problem = PlatformOwnedFieldProblem.model_validate(r.json())
    assert problem.source == "platform" and problem.fields
