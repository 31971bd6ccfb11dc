"""Preview against a real registry process: population per class and draw-v1 sample sizes."""

from __future__ import annotations

from jointcheck.codes import make_uscc

from .conftest import LEAD, RULES, task_body


def uscc(n: int) -> str:
    return make_uscc(f"91411523MA{n:07d}")


async def _registry_county(clients, tokens) -> None:
    """The county's entities (its departments are in the registry already: ``registry_departments``)."""
    classes = ["A"] * 3 + ["B"] * 2 + ["C"] * 4 + ["D"] + [None] * 2
    rows = [(c, "F5265", "active") for c in classes]
    rows += [("A", "H6210", "active"), ("D", "F5265", "revoked")]  # out of scope: another industry, not active
    for n, (credit_class, industry, status) in enumerate(rows):
        r = await clients.registry.post(
            "/v1/entities",
            json={
                "uscc": uscc(n),
                "name": f"新县第{n}加油站有限公司",
                "entity_type": "enterprise",
                "industry_code": industry,
                "division_code": "411523",
                "status": status,
                "credit_class": credit_class,
                "departments": ["SWJ", "YJGL"],
            },
            headers=tokens.admin,
        )
        assert r.status_code == 201, r.text


async def test_preview_uses_the_registrys_current_counts(planning_live, clients, tokens, world):
    await _registry_county(clients, tokens)
    r = await planning_live.post(
        "/v1/tasks", json=task_body(world["plan"]["id"], world["checklist"]["id"]), headers=tokens.admin
    )
    assert r.status_code == 201, r.text
    tid = r.json()["id"]
    r = await planning_live.get(f"/v1/tasks/{tid}/preview", headers=tokens.officer("XFJY"))
    assert r.status_code == 200, r.text
    p = r.json()
    got = {c: (v["population"], v["expected_sample"], v["expected_alternates"]) for c, v in p["by_class"].items()}
    # A 0.05×3 → 1; B 0.1×2 → 1 (min 1); C 0.3×4 → 2, 1 alternate; D 0.6×1 → 1; U count 2
    assert got == {"A": (3, 1, 0), "B": (2, 1, 0), "C": (4, 2, 1), "D": (1, 1, 0), "U": (2, 2, 0)}
    assert p["total_population"] == 12 and p["total_expected_sample"] == 7 and p["total_expected_alternates"] == 1
    assert p["by_class"]["C"]["rule"] == RULES["C"] and p["exclusion_days"] == 365
    current = await clients.registry.post("/v1/frames/counts", json={"scope": p["scope"]}, headers=tokens.service)
    assert p["registry_version"] == current.json()["version"] > 0
    outsider = await planning_live.get(f"/v1/tasks/{tid}/preview", headers=tokens.officer("WJW"))
    assert outsider.status_code == 403


async def test_preview_of_an_empty_scope_is_zero(planning_live, clients, tokens, world):
    r = await planning_live.post(
        "/v1/tasks",
        json=task_body(world["plan"]["id"], world["checklist"]["id"], scope={"industry_prefixes": ["A01"]}),
        headers=tokens.admin,
    )
    p = (await planning_live.get(f"/v1/tasks/{r.json()['id']}/preview", headers=tokens.admin)).json()
    assert p["total_population"] == 0 and p["total_expected_sample"] == 0
    assert set(p["by_class"]) == {"A", "B", "C", "D", "U"}


async def test_registry_down_is_503(planning_registry_down, clients, tokens, world):
    body = task_body(world["plan"]["id"], world["checklist"]["id"])
    r = await planning_registry_down.post("/v1/tasks", json=body, headers=tokens.officer(LEAD))
    assert r.status_code == 503 and r.json()["code"] == "upstream_unavailable"  # its departments are the registry's
    r = await clients.planning.post("/v1/tasks", json=body, headers=tokens.officer(LEAD))
    assert r.status_code == 201, r.text
    r = await planning_registry_down.get(f"/v1/tasks/{r.json()['id']}/preview", headers=tokens.admin)
    assert r.status_code == 503 and r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["code"] == "upstream_unavailable"
