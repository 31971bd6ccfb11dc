"""Planning over real HTTP: items → checklist → plan → task, previewed against the running registry."""

from __future__ import annotations

import random
import uuid

from jointcheck.codes import USCC_ALPHABET, make_uscc
from jointcheck.demo import departments

from .conftest import eventually

LEAD, COOPERATING = "SWJ", ["YJGL", "XFJY"]
POPULATION = {"A": 2, "B": 3, "C": 1, "D": 2, "U": 1}
RULES = {
    "A": {"ratio": "0.05"},
    "B": {"ratio": "0.5", "min": 1},
    "C": {"count": 3},
    "D": {"ratio": "1", "max": 1, "alternates": 1},
    "U": {"ratio": "1"},
}


def _uscc(rnd: random.Random) -> str:
    digits = "".join(rnd.choice("0123456789") for _ in range(7))
    return make_uscc(f"91411523PL{digits}")


def _plan(http, base, tokens, year: int) -> dict:
    r = http.post(
        f"{base}/v1/plans",
        json={"year": year, "lead_department": LEAD, "name": f"{year}年度商务局联合抽查计划"},
        headers=tokens.officer(LEAD),
    )
    if r.status_code == 409:  # another test of this session made it already
        page = http.get(f"{base}/v1/plans", params={"year": year, "lead_department": LEAD}, headers=tokens.admin).json()
        return page["items"][0]
    assert r.status_code == 201, r.text
    return r.json()


def test_plan_a_task_and_preview_it_against_the_registry(http, urls, tokens):
    registry, planning = urls["registry"], urls["planning"]
    for d in departments():
        r = http.post(
            f"{registry}/v1/departments",
            json={"code": d.code, "name": d.name, "short_name": d.short_name},
            headers=tokens.admin,
        )
        assert r.status_code in (201, 409), r.text

    # a population of our own, told apart from everything else in the registry by a tag
    tag = f"e2e-planning-{uuid.uuid4().hex[:8]}"
    rnd = random.Random(tag)
    assert set("PL") <= set(USCC_ALPHABET)
    classes = [c for c, n in POPULATION.items() for _ in range(n)]
    for n, c in enumerate([*classes, "A"]):
        body = {
            "uscc": _uscc(rnd),
            "name": f"新县第{n}加油站（{tag}）",
            "entity_type": "enterprise",
            "industry_code": "F5265",
            "division_code": "411523",
            "credit_class": None if c == "U" else c,
            "status": "active" if n < len(classes) else "revoked",
            "departments": [LEAD, "YJGL"],
            "tags": [tag],
        }
        r = http.post(f"{registry}/v1/entities", json=body, headers=tokens.admin)
        assert r.status_code == 201, r.text

    # items of three departments, each by its own officer
    suffix = uuid.uuid4().hex[:6].upper()
    items = []
    for dept, name in [
        (LEAD, "成品油零售经营资格检查"),
        ("YJGL", "危险化学品安全管理检查"),
        ("XFJY", "消防设施器材检查"),
    ]:
        r = http.post(
            f"{planning}/v1/items",
            json={
                "department": dept,
                "code": f"{dept}-{suffix}",
                "name": name,
                "legal_basis": "相关法律法规",
                "methods": ["on_site"],
                "sub_items": ["资质", "台账"],
                "category": "key",
            },
            headers=tokens.officer(dept),
        )
        assert r.status_code == 201, r.text
        items.append(r.json())

    r = http.post(
        f"{planning}/v1/checklists",
        json={
            "name": "加油站",
            "industry_codes": ["F5265"],
            "lead_department": LEAD,
            "cooperating_departments": COOPERATING,
            "items": [{"item_id": i["id"]} for i in items],
            "frequency_per_year": 1,
        },
        headers=tokens.officer(LEAD),
    )
    assert r.status_code == 201, r.text
    checklist = r.json()
    assert [i["department"] for i in checklist["items"]] == [LEAD, *COOPERATING]

    plan = _plan(http, planning, tokens, 2029)
    r = http.post(
        f"{planning}/v1/tasks",
        json={
            "plan_id": plan["id"],
            "checklist_id": checklist["id"],
            "name": "加油站“一业一查”联合抽查（e2e）",
            "scope": {"industry_prefixes": ["F5265"], "tags": [tag]},
            "sampling_rules": RULES,
            "inspection_start": "2029-04-01",
            "inspection_end": "2029-09-30",
            "executing_body": "新县商务局",
        },
        headers=tokens.officer(LEAD),
    )
    assert r.status_code == 201, r.text
    task = r.json()
    assert task["departments"] == [LEAD, *COOPERATING] and task["checklist_version"] == 1 and task["state"] == "draft"

    r = http.get(f"{planning}/v1/tasks/{task['id']}/preview", headers=tokens.officer("YJGL"))
    assert r.status_code == 200, r.text
    preview = r.json()
    assert {c: v["population"] for c, v in preview["by_class"].items()} == POPULATION
    assert {c: v["expected_sample"] for c, v in preview["by_class"].items()} == {"A": 1, "B": 2, "C": 1, "D": 1, "U": 1}
    assert preview["by_class"]["D"]["expected_alternates"] == 1
    assert preview["total_population"] == 9 and preview["total_expected_sample"] == 6
    counts = http.post(f"{registry}/v1/frames/counts", json={"scope": preview["scope"]}, headers=tokens.service).json()
    assert counts["total"] == 9 and preview["registry_version"] <= counts["version"]

    # the preview weighs the inspector pool against the expected entities
    capacity = preview["capacity"]
    assert capacity["expected_entities"] == 6 and capacity["seats_needed"] == 18
    assert [d["department"] for d in capacity["by_department"]] == [LEAD, *COOPERATING]

    # a task under an unpublished plan is not approved; file and publish the plan, then approve:
    # the public sees the task, never the people or the history
    if plan["state"] != "published":
        r = http.post(
            f"{planning}/v1/tasks/{task['id']}/transitions", json={"to": "approved"}, headers=tokens.officer(LEAD)
        )
        assert r.status_code == 409 and r.json()["code"] == "plan_not_published"
        for frm, to in (("draft", "filed"), ("filed", "published")):
            if plan["state"] == frm:
                r = http.post(
                    f"{planning}/v1/plans/{plan['id']}/transitions", json={"to": to}, headers=tokens.officer(LEAD)
                )
                assert r.status_code == 200, r.text
                plan = r.json()
    for dept in [LEAD, *COOPERATING]:  # inspectors enough for every expected entity
        for i in range(2):
            r = http.post(
                f"{registry}/v1/inspectors",
                headers=tokens.admin,
                json={
                    "inspector_id": f"{dept}-PL{suffix}-{i}",
                    "name": f"执法{i}号",
                    "department": dept,
                    "certificate_no": f"PL{suffix}{dept}{i:03d}",
                    "specialties": [],
                    "region": "411523",
                },
            )
            assert r.status_code == 201, r.text
    r = http.post(
        f"{planning}/v1/tasks/{task['id']}/transitions", json={"to": "approved"}, headers=tokens.officer(LEAD)
    )
    assert r.status_code == 200 and r.json()["state"] == "approved"
    r = http.post(f"{planning}/v1/tasks/{task['id']}/transitions", json={"to": "in_progress"}, headers=tokens.admin)
    assert r.status_code == 409 and r.json()["current_state"] == "approved"
    public = http.get(f"{planning}/public/plans/{plan['id']}")
    assert public.status_code == 200
    shown = [t for t in public.json()["tasks"] if t["id"] == task["id"]]
    assert shown and shown[0]["sampling_ratios"] == RULES and "state_history" not in shown[0]

    # the task spec as other services read it
    spec = http.get(f"{planning}/v1/tasks/{task['id']}", headers=tokens.service).json()
    assert set(spec["sampling_rules"]) == {"A", "B", "C", "D", "U"} and spec["state"] == "approved"

    # every change reached the audit service: nothing dead in planning's outbox
    def delivered() -> bool:
        summary = http.get(f"{planning}/ops/outbox/summary", headers=tokens.admin).json()
        return summary["pending"] == 0 and summary["dead"] == 0

    eventually(delivered)
