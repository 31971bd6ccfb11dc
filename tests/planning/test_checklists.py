"""Industry checklists: lead department, division of work, versions pinned, ETags, scope."""

from __future__ import annotations

from .conftest import COOPERATING, LEAD, create_item


async def test_checklist_lists_items_with_their_responsible_department(clients, tokens, world):
    c = world["checklist"]
    assert c["version"] == 1 and c["industry_codes"] == ["F5265"] and c["lead_department"] == LEAD
    assert c["departments"] == [LEAD, *COOPERATING]
    assert [(i["position"], i["department"], i["item_version"]) for i in c["items"]] == [
        (1, "SWJ", 1),
        (2, "YJGL", 1),
        (3, "XFJY", 1),
    ]
    assert c["items"][0]["name"] == "成品油零售经营资格检查" and c["items"][0]["legal_basis"]


async def test_division_of_work_and_items_are_checked(clients, tokens, world):
    items = world["items"]
    stranger = await create_item(clients, tokens.admin, "WJW", "WJW-001")
    body = {
        "name": "加油站",
        "industry_codes": ["F5265"],
        "lead_department": LEAD,
        "cooperating_departments": [LEAD, "YJGL"],
        "items": [
            {"item_id": items[0]["id"]},
            {"item_id": stranger["id"]},
            {"item_id": items[0]["id"]},
            {"item_id": "00000000-0000-0000-0000-000000000000"},
            {"item_id": items[1]["id"], "item_version": 7},
        ],
    }
    r = await clients.planning.post("/v1/checklists", json=body, headers=tokens.admin)
    assert r.status_code == 422 and r.json()["code"] == "invalid_checklist"
    fields = {e["field"] for e in r.json()["errors"]}
    assert fields == {
        "cooperating_departments",
        "items.1.department",
        "items.2.item_id",
        "items.3.item_id",
        "items.4.item_version",
    }
    bad_code = await clients.planning.post(
        "/v1/checklists", json=body | {"industry_codes": ["Z99"]}, headers=tokens.admin
    )
    assert bad_code.status_code == 422 and bad_code.json()["errors"][0]["field"] == "body.industry_codes"


async def test_only_the_lead_department_creates_and_changes_it(clients, tokens, world):
    items = world["items"]
    body = {
        "name": "加油站2",
        "industry_codes": ["F5265"],
        "lead_department": LEAD,
        "cooperating_departments": COOPERATING,
        "items": [{"item_id": i["id"]} for i in items],
    }
    r = await clients.planning.post("/v1/checklists", json=body, headers=tokens.officer("YJGL"))
    assert r.status_code == 403 and r.json()["code"] == "department_scope"
    r = await clients.planning.post("/v1/checklists", json=body, headers=tokens.officer(LEAD))
    assert r.status_code == 201, r.text
    url = f"/v1/checklists/{r.json()['id']}"
    coop = await clients.planning.patch(
        url, json={"frequency_per_year": 2}, headers=tokens.officer("YJGL") | {"If-Match": '"1"'}
    )
    assert coop.status_code == 403
    read = await clients.planning.get(url, headers=tokens.officer("YJGL"))
    assert read.status_code == 200  # cooperating departments read it


async def test_new_versions_never_change_old_ones(clients, tokens, world):
    c, items = world["checklist"], world["items"]
    url = f"/v1/checklists/{c['id']}"
    # the item moves on: the checklist still pins version 1 of it
    r = await clients.planning.patch(
        f"/v1/items/{items[0]['id']}",
        json={"name": "成品油经营许可情况检查"},
        headers=tokens.officer("SWJ") | {"If-Match": '"1"'},
    )
    assert r.status_code == 200
    assert (await clients.planning.get(url, headers=tokens.admin)).json()["items"][0][
        "name"
    ] == "成品油零售经营资格检查"
    assert (await clients.planning.patch(url, json={"frequency_per_year": 2}, headers=tokens.admin)).status_code == 428
    assert (
        await clients.planning.patch(url, json={"frequency_per_year": 2}, headers=tokens.admin | {"If-Match": '"7"'})
    ).status_code == 412
    # re-listing the items pins their current versions, dropping one department's
    r = await clients.planning.patch(
        url,
        json={
            "items": [{"item_id": items[0]["id"]}, {"item_id": items[1]["id"]}],
            "cooperating_departments": ["YJGL"],
            "frequency_per_year": 2,
        },
        headers=tokens.officer(LEAD) | {"If-Match": '"1"'},
    )
    assert r.status_code == 200, r.text
    v2 = r.json()
    assert v2["version"] == 2 and r.headers["etag"] == '"2"' and v2["frequency_per_year"] == 2
    assert [(i["item_version"], i["name"]) for i in v2["items"]] == [
        (2, "成品油经营许可情况检查"),
        (1, "危险化学品安全管理检查"),
    ]
    v1 = (await clients.planning.get(url, params={"version": 1}, headers=tokens.admin)).json()
    assert v1["version"] == 1 and v1["current_version"] == 2 and len(v1["items"]) == 3
    assert v1["items"][0]["name"] == "成品油零售经营资格检查" and v1["cooperating_departments"] == COOPERATING
    history = (await clients.planning.get(f"{url}/versions", headers=tokens.auditor)).json()
    assert [h["version"] for h in history] == [1, 2]
    # a version without items keeps the pinned ones
    r = await clients.planning.patch(url, json={"remarks": "年度复核"}, headers=tokens.admin | {"If-Match": '"2"'})
    assert [(i["item_version"]) for i in r.json()["items"]] == [2, 1]


async def test_list_filters(clients, tokens, world):
    page = (await clients.planning.get("/v1/checklists", params={"department": "XFJY"}, headers=tokens.admin)).json()
    assert [c["id"] for c in page["items"]] == [world["checklist"]["id"]]
    page = (
        await clients.planning.get("/v1/checklists", params={"lead_department": "XFJY"}, headers=tokens.admin)
    ).json()
    assert page["items"] == []
    page = (await clients.planning.get("/v1/checklists", params={"industry": "f5265"}, headers=tokens.admin)).json()
    assert len(page["items"]) == 1
