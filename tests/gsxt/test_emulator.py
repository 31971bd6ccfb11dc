"""The GSXT emulator as a faithful counterpart: validation with stable codes, one record per record id,
faults on demand, and counts that prove exactly-once."""

from __future__ import annotations

import asyncio
import time

import pytest

from tests.gsxt.conftest import USCC, record

EN = {"Accept-Language": "en"}


async def _counts(gsxt, tokens) -> dict:
    r = await gsxt.get("/emulator/counts", headers=tokens.service)
    assert r.status_code == 200, r.text
    return r.json()


async def test_a_record_is_published_once_whatever_the_resubmissions(gsxt, tokens):
    body = record(1)
    first = await gsxt.post("/api/publications", json=body, headers={"Idempotency-Key": body["record_id"]})
    assert first.status_code == 201, first.text
    receipt = first.json()
    assert receipt["record_id"] == body["record_id"] and receipt["uscc"] == body["uscc"] and receipt["publication_id"]
    for _ in range(2):  # the same record again, with or without the key: the same receipt
        again = await gsxt.post("/api/publications", json=dict(reversed(list(body.items()))))
        assert again.status_code == 200 and again.headers["Idempotent-Replayed"] == "true"
        assert again.json() == receipt
    listed = (await gsxt.get("/api/publications", params={"uscc": body["uscc"]})).json()
    assert len(listed) == 1 and listed[0]["record"]["task_name"] == "餐饮服务联合抽查"
    assert listed[0]["record"]["result_categories"] == [{"code": "problem_followup_case", "department": "XFJY"}]
    one = await gsxt.get(f"/api/publications/{body['record_id']}")
    assert one.json()["publication_id"] == receipt["publication_id"]
    missing = await gsxt.get("/api/publications/pub-none", headers=EN)
    assert missing.status_code == 404 and missing.json()["code"] == "not_found"
    counts = await _counts(gsxt, tokens)
    assert (counts["requests"], counts["accepted"], counts["duplicates"]) == (3, 1, 2)
    assert counts["records"][body["record_id"]] == {
        "requests": 3,
        "accepted": 1,
        "duplicates": 2,
        "conflicts": 0,
        "rejected": 0,
        "faulted": 0,
    }


async def test_the_same_record_id_with_another_content_is_a_conflict(gsxt, tokens):
    body = record(1)
    receipt = (await gsxt.post("/api/publications", json=body)).json()
    other = await gsxt.post("/api/publications", json=body | {"follow_up_measure": "已责令改正"}, headers=EN)
    assert other.status_code == 409, other.text
    problem = other.json()
    assert problem["code"] == "record_conflict" and body["record_id"] in problem["detail"]
    assert problem["published_sha256"] == receipt["record_sha256"]
    stored = (await gsxt.get(f"/api/publications/{body['record_id']}")).json()
    assert stored["record"]["follow_up_measure"] == body["follow_up_measure"]  # unchanged
    counts = await _counts(gsxt, tokens)
    assert (
        counts["accepted"] == 1 and counts["conflicts"] == 1 and counts["records"][body["record_id"]]["conflicts"] == 1
    )


@pytest.mark.parametrize(
    ("body", "status", "code", "says"),
    [
        ({k: v for k, v in record(2).items() if k != "task_name"}, 422, "invalid_record", "task_name"),
        (record(2, uscc=USCC[:-1] + ("0" if USCC[-1] != "0" else "1")), 422, "invalid_uscc", "check character"),
        (record(2, uscc="91411523MA000000I2"), 422, "invalid_uscc", "position"),
        (record(2, result_categories=[{"code": "sort_of_fine"}]), 422, "invalid_result_categories", "sort_of_fine"),
        (record(2, result_categories=[{"code": "problem_followup"}]), 422, "invalid_result_categories", "group"),
        (
            record(2, result_categories=[{"code": "no_problem"}, {"code": "uncooperative"}]),
            422,
            "invalid_result_categories",
            "cannot be selected",
        ),
        (record(2, completion_date="2025-09-01"), 422, "dates_out_of_order", "before"),
        (record(2, publishing_department="WJW"), 422, "publishing_department_not_inspecting", "WJW"),
        (record(2, draw_type="lottery"), 422, "invalid_record", "draw_type"),
        ([], 422, "invalid_record", "body"),
    ],
)
async def test_bad_records_are_refused_with_a_code_in_both_languages(gsxt, tokens, body, status, code, says):
    r = await gsxt.post("/api/publications", json=body, headers=EN)
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["code"] == code and says in r.json()["detail"], r.json()
    zh = await gsxt.post("/api/publications", json=body, headers={"Accept-Language": "zh-CN"})
    assert zh.json()["code"] == code and any("\u4e00" <= ch <= "\u9fff" for ch in zh.json()["detail"])
    counts = await _counts(gsxt, tokens)
    assert counts["rejected"] == 2 and counts["accepted"] == 0
    assert (await gsxt.get("/api/publications")).json() == []


async def test_malformed_bodies_and_a_key_that_is_not_the_record_id(gsxt, tokens):
    r = await gsxt.post("/api/publications", content=b"{not json", headers={"Content-Type": "application/json"} | EN)
    assert r.status_code == 400 and r.json()["code"] == "invalid_json"
    body = record(3)
    r = await gsxt.post("/api/publications", json=body, headers={"Idempotency-Key": "pub-other"} | EN)
    assert r.status_code == 422 and r.json()["code"] == "idempotency_key_mismatch"
    counts = await _counts(gsxt, tokens)
    assert counts["rejected"] == 2 and counts["records"]["pub-other"]["rejected"] == 1


async def test_fail_for_the_next_calls_then_answer(gsxt, tokens):
    r = await gsxt.put("/emulator/faults", json={"fail_next": 2, "fail_status": 500}, headers=tokens.service)
    assert r.status_code == 200 and r.json()["fail_next"] == 2
    body = record(4)
    for _ in range(2):
        failed = await gsxt.post("/api/publications", json=body)
        assert failed.status_code == 500 and failed.json()["code"] == "emulated_failure"
    assert (await gsxt.get("/emulator/faults", headers=tokens.service)).json()["fail_next"] == 0
    assert (await gsxt.post("/api/publications", json=body)).status_code == 201
    per = (await _counts(gsxt, tokens))["records"][body["record_id"]]
    assert (per["requests"], per["faulted"], per["accepted"]) == (3, 2, 1)


async def test_pass_some_calls_then_fail(gsxt, tokens):
    await gsxt.put("/emulator/faults", json={"pass_next": 1, "fail_next": 1}, headers=tokens.service)
    assert (await gsxt.post("/api/publications", json=record(5))).status_code == 201
    assert (await gsxt.post("/api/publications", json=record(6))).status_code == 503
    assert (await gsxt.post("/api/publications", json=record(6))).status_code == 201


async def test_fail_for_a_while(gsxt, tokens):
    state = (await gsxt.put("/emulator/faults", json={"fail_for_seconds": 0.6}, headers=tokens.service)).json()
    assert 0 < state["fail_seconds_left"] <= 0.6
    assert (await gsxt.post("/api/publications", json=record(7))).status_code == 503
    await asyncio.sleep(0.7)
    assert (await gsxt.post("/api/publications", json=record(7))).status_code == 201
    assert (await gsxt.get("/emulator/faults", headers=tokens.service)).json()["fail_seconds_left"] == 0


async def test_answer_slowly_for_a_while(gsxt, tokens):
    await gsxt.put("/emulator/faults", json={"slow_for_seconds": 5, "slow_ms": 300}, headers=tokens.service)
    started = time.monotonic()
    assert (await gsxt.post("/api/publications", json=record(8))).status_code == 201
    assert time.monotonic() - started >= 0.3
    await gsxt.put("/emulator/faults", json={}, headers=tokens.service)
    started = time.monotonic()
    assert (await gsxt.post("/api/publications", json=record(9))).status_code == 201
    assert time.monotonic() - started < 0.3


async def test_reset_and_who_may_control(gsxt, tokens):
    await gsxt.post("/api/publications", json=record(10))
    await gsxt.put("/emulator/faults", json={"fail_next": 5}, headers=tokens.admin)
    for path in ("/emulator/counts", "/emulator/faults"):
        assert (await gsxt.get(path)).status_code == 401
        assert (await gsxt.get(path, headers=tokens.officer("SCJG"))).status_code == 403
    assert (await gsxt.post("/emulator/reset", headers=tokens.inspector)).status_code == 403
    assert (await gsxt.post("/emulator/reset", headers=tokens.admin)).status_code == 204
    assert (await _counts(gsxt, tokens))["requests"] == 0
    assert (await gsxt.get("/emulator/faults", headers=tokens.service)).json()["fail_next"] == 0
    assert (await gsxt.get("/api/publications")).json() == []
    bad = await gsxt.put("/emulator/faults", json={"hang_for_seconds": 1e9}, headers=tokens.service)
    assert bad.status_code == 422  # bounded windows
