"""Issue 18: the registry pulls the collaborative platform's change feed (the GSXT emulator,
over real HTTP) — new, changed and deregistered entities and class changes in one version
per page, a crash between pages, the platform failing mid-run, platform-owned fields."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import pytest
import pytest_asyncio

from gsxt_emulator.feed import generate
from gsxt_emulator.main import EmulatorSettings
from gsxt_emulator.main import create_app as create_emulator
from jcdev.testing import TEST_JWT_SECRET, LiveServer
from jointcheck.clients import PlatformClient, platform_client
from jointcheck.codes import is_valid_uscc
from jointcheck.contracts import PlatformEvent


@pytest.fixture(scope="module")
def emulator() -> Any:
    server = LiveServer(create_emulator(EmulatorSettings(environment="test", jwt_secret=TEST_JWT_SECRET))).start()
    yield server
    server.stop()


@pytest_asyncio.fixture
async def platform(apps, emulator, clients, tokens):
    """The registry pointed at the emulator, with small pages; the emulator's feed and faults reset."""
    app = apps["registry"]
    original = app.state.settings
    settings = original.model_copy(update={"platform_url": emulator.url, "platform_page_size": 20, "http_retries": 1})
    app.state.settings = settings
    app.dependency_overrides[platform_client] = lambda: PlatformClient(settings)
    import httpx

    control = httpx.AsyncClient(base_url=emulator.url, headers=tokens.service, timeout=30)

    async def feed(**config: Any) -> dict:
        r = await control.put("/emulator/feed", json=config)
        assert r.status_code == 200, r.text
        return r.json()

    async def faults(**config: Any) -> None:
        r = await control.put("/emulator/faults", json=config)
        assert r.status_code == 200, r.text

    await faults()
    yield type("Platform", (), {"feed": staticmethod(feed), "faults": staticmethod(faults)})
    await faults()
    await control.aclose()
    app.dependency_overrides.pop(platform_client, None)
    app.state.settings = original


def expected_states(events: list[dict]) -> dict[str, dict]:
    """The registry the feed should produce: valid events replayed in order."""
    states: dict[str, dict] = {}
    for e in events:
        if not is_valid_uscc(e["uscc"]):
            continue
        if e["action"] == "credit_class":
            states[e["uscc"]]["credit_class"] = e["credit_class"]
        else:
            states[e["uscc"]] = {**e["registration"], "credit_class": states.get(e["uscc"], {}).get("credit_class")}
    return states


async def sync(clients, tokens) -> dict:
    r = await clients.registry.post("/v1/sync/platform", headers=tokens.admin)
    assert r.status_code == 200, r.text
    return r.json()


async def assert_registry_matches(clients, tokens, states: dict[str, dict]) -> None:
    got: dict[str, dict] = {}
    cursor = None
    while True:
        r = await clients.registry.get(
            "/v1/entities", params={"limit": 1000, **({"cursor": cursor} if cursor else {})}, headers=tokens.admin
        )
        assert r.status_code == 200, r.text
        body = r.json()
        got.update({e["uscc"]: e for e in body["items"]})
        cursor = body.get("next_cursor")
        if not cursor:
            break
    assert set(got) == set(states)
    for uscc, want in states.items():
        e = got[uscc]
        assert e["source"] == "platform"
        for field in ("name", "entity_type", "industry_code", "address", "status", "registered_on", "credit_class"):
            assert e[field] == want[field], (uscc, field, e[field], want[field])


def metric(text: str, name: str) -> float:
    return next(float(line.split()[-1]) for line in text.splitlines() if line.startswith(name + " "))


async def frame(clients, tokens, as_of: int) -> str:
    r = await clients.registry.post("/v1/frames", json={"scope": {}, "as_of": as_of}, headers=tokens.service)
    assert r.status_code == 200, r.text
    return r.headers["x-frame-sha256"]


async def test_run_applies_new_changed_deregistered_and_classes(clients, tokens, platform):
    await platform.feed(base=30)
    first = await sync(clients, tokens)
    assert first["status"] == "succeeded" and first["inserted"] == 30 and first["cursor_to"] == 30
    assert len(first["versions"]) == 2  # 30 events in pages of 20: one version per page
    before = first["versions"][-1]
    frame_before = await frame(clients, tokens, before)

    config = {"base": 30, "changes": 150, "bad_fraction": 0.05}
    events = generate(**config)
    rejected_before = metric(
        (await clients.registry.get("/metrics")).text, "registry_platform_sync_rejected_events_total"
    )
    await platform.feed(**config)
    run = await sync(clients, tokens)
    assert run["status"] == "succeeded" and run["cursor_from"] == 30 and run["cursor_to"] == 180 and run["lag"] == 0
    assert run["pulled"] == 150
    assert (
        sum(run[k] for k in ("inserted", "updated", "deregistered", "classes_changed", "unchanged", "rejected")) == 150
    )
    assert min(run["inserted"], run["updated"], run["deregistered"], run["classes_changed"]) > 0
    bad = [e["seq"] for e in events if not is_valid_uscc(e["uscc"])]
    assert bad and [r["seq"] for r in run["rejects"]] == bad and run["rejected"] == len(bad)
    assert all("check" in r["reason"] or "校验" in r["reason_zh"] for r in run["rejects"])
    assert len(run["versions"]) == 8  # 150 events, pages of 20
    await assert_registry_matches(clients, tokens, expected_states(events))

    # frames as of a version before the run are unchanged; now they differ
    assert await frame(clients, tokens, before) == frame_before
    assert await frame(clients, tokens, run["versions"][-1]) != frame_before

    # audit: each page that changed something or rejected an event, and the run, through the outbox
    pending = (
        await clients.registry.get("/ops/outbox", params={"status": "pending", "limit": 500}, headers=tokens.admin)
    ).json()["items"]
    audited = [e["payload"] for e in pending if e["payload"].get("object_id") == run["id"]]
    actions = [p["action"] for p in audited]
    assert actions.count("entity.platform_sync") == 8 and actions.count("entity.platform_sync_run") == 1
    summary = next(p for p in audited if p["action"] == "entity.platform_sync_run")["data"]
    assert (
        summary["status"] == "succeeded" and summary["rejected"] == len(bad) and summary["versions"] == run["versions"]
    )

    # nothing new: nothing pulled, no version
    again = await sync(clients, tokens)
    assert again["pulled"] == 0 and again["versions"] == [] and again["cursor_to"] == 180

    runs = await clients.registry.get("/v1/sync/platform/runs", headers=tokens.auditor)
    assert runs.status_code == 200 and [r["id"] for r in runs.json()["items"]] == [again["id"], run["id"], first["id"]]
    first_two = (
        await clients.registry.get("/v1/sync/platform/runs", params={"limit": 2}, headers=tokens.auditor)
    ).json()
    rest = (
        await clients.registry.get(
            "/v1/sync/platform/runs", params={"limit": 2, "cursor": first_two["next_cursor"]}, headers=tokens.auditor
        )
    ).json()
    assert [r["id"] for r in first_two["items"] + rest["items"]] == [again["id"], run["id"], first["id"]]
    assert rest["next_cursor"] is None
    state = await clients.registry.get("/v1/sync/platform", headers=tokens.auditor)
    assert state.json() | {"updated_at": None} == {
        "feed": "platform:411523",
        "cursor": 180,
        "newest_seq": 180,
        "lag": 0,
        "updated_at": None,
    }
    metrics = (await clients.registry.get("/metrics")).text
    assert "registry_platform_sync_lag_events 0.0" in metrics
    assert metric(metrics, "registry_platform_sync_rejected_events_total") - rejected_before == len(bad)


async def _execute(url: str, sql: str, *args: Any) -> None:
    import asyncpg
    from sqlalchemy.engine import make_url

    conn = await asyncpg.connect(make_url(url).set(drivername="postgresql").render_as_string(hide_password=False))
    try:
        await conn.execute(sql, *args)
    finally:
        await conn.close()


async def test_crash_between_pages_skips_and_repeats_nothing(clients, tokens, platform, service_database_urls):
    config = {"base": 40, "changes": 100}
    events = generate(**config)
    await platform.feed(**config)
    await platform.faults(pass_next=2, delay_ms=20_000)  # two pages, then the platform hangs
    task = asyncio.create_task(clients.registry.post("/v1/sync/platform", headers=tokens.admin))
    for _ in range(200):
        state = (await clients.registry.get("/v1/sync/platform", headers=tokens.admin)).json()
        if state["cursor"] == 40:
            break
        await asyncio.sleep(0.05)
    await asyncio.sleep(0.2)
    task.cancel()  # the process dies while waiting for the third page
    with pytest.raises(asyncio.CancelledError):
        await task
    state = (await clients.registry.get("/v1/sync/platform", headers=tokens.admin)).json()
    assert state["cursor"] == 40
    runs = (await clients.registry.get("/v1/sync/platform/runs", headers=tokens.admin)).json()["items"]
    assert runs[0]["status"] == "running" and runs[0]["pulled"] == 40 and runs[0]["cursor_to"] == 40
    # an hour without a sign of life: the next run takes the crashed one for dead
    await _execute(
        service_database_urls["registry"],
        "UPDATE platform_sync_runs SET updated_at = updated_at - interval '1 hour' WHERE id = $1",
        uuid.UUID(runs[0]["id"]),
    )
    await platform.faults()
    run = await sync(clients, tokens)
    assert run["cursor_from"] == 40 and run["cursor_to"] == 140 and run["pulled"] == 100
    await assert_registry_matches(clients, tokens, expected_states(events))
    runs = (await clients.registry.get("/v1/sync/platform/runs", headers=tokens.admin)).json()["items"]
    crashed = runs[1]
    assert crashed["status"] == "abandoned" and crashed["pulled"] == 40 and crashed["cursor_to"] == 40
    # every event applied exactly once: the pulls of both runs add up to the feed
    assert crashed["pulled"] + run["pulled"] == len(events)


async def test_platform_failing_mid_run(clients, tokens, platform):
    config = {"base": 60, "changes": 20}
    events = generate(**config)
    await platform.feed(**config)
    await platform.faults(pass_next=1, fail_next=100)
    failed = await sync(clients, tokens)
    assert failed["status"] == "failed" and failed["cursor_to"] == 20 and failed["pulled"] == 20
    assert "503" in failed["error"] or "did not answer" in failed["error"]
    assert failed["lag"] == 60 and len(failed["versions"]) == 1
    metrics = (await clients.registry.get("/metrics")).text
    assert "registry_platform_sync_lag_events 60.0" in metrics
    await platform.faults()
    resumed = await sync(clients, tokens)
    assert resumed["status"] == "succeeded" and resumed["cursor_from"] == 20 and resumed["cursor_to"] == 80
    await assert_registry_matches(clients, tokens, expected_states(events))


async def test_local_edit_of_platform_owned_field_is_refused(clients, tokens, platform, departments):
    await platform.feed(base=3)
    await sync(clients, tokens)
    uscc = generate(base=3)[0]["uscc"]
    got = await clients.registry.get(f"/v1/entities/{uscc}", headers=tokens.admin)
    etag = got.headers["etag"]
    refused = await clients.registry.patch(
        f"/v1/entities/{uscc}", json={"name": "本地改名有限公司"}, headers=tokens.admin | {"If-Match": etag}
    )
    assert refused.status_code == 409, refused.text
    problem = refused.json()
    assert (
        problem["code"] == "platform_owned_field" and problem["source"] == "platform" and problem["fields"] == ["name"]
    )
    assert (
        "协同监管平台"
        in (
            await clients.registry.patch(
                f"/v1/entities/{uscc}",
                json={"status": "deregistered"},
                headers=tokens.admin | {"If-Match": etag, "Accept-Language": "zh-CN"},
            )
        ).json()["detail"]
    )
    deleted = await clients.registry.request(
        "DELETE", f"/v1/entities/{uscc}", params={"reason": "本地删除"}, headers=tokens.admin | {"If-Match": etag}
    )
    assert deleted.status_code == 409 and deleted.json()["code"] == "platform_owned_field"
    # local fields stay local: departments and tags may change, and survive the next platform change
    ok = await clients.registry.patch(
        f"/v1/entities/{uscc}",
        json={"departments": ["SCJG"], "tags": ["重点"], "name": got.json()["name"]},
        headers=tokens.admin | {"If-Match": etag},
    )
    assert ok.status_code == 200, ok.text
    config = {"base": 3, "changes": 30}
    await platform.feed(**config)
    await sync(clients, tokens)
    after = (await clients.registry.get(f"/v1/entities/{uscc}", headers=tokens.admin)).json()
    assert after["departments"] == ["SCJG"] and after["tags"] == ["重点"]
    assert after["name"] == expected_states(generate(**config))[uscc]["name"]


async def test_who_may_sync(clients, tokens, platform):
    await platform.feed()
    for headers, status in (
        (tokens.officer("SCJG"), 403),
        (tokens.auditor, 403),
        (tokens.inspector, 403),
        (tokens.service, 200),
        ({}, 401),
    ):
        r = await clients.registry.post("/v1/sync/platform", headers=headers)
        assert r.status_code == status, (headers, r.text)
    for headers, status in (
        (tokens.officer("SCJG"), 403),
        (tokens.auditor, 200),
        (tokens.service, 200),
        (tokens.admin, 200),
    ):
        assert (await clients.registry.get("/v1/sync/platform/runs", headers=headers)).status_code == status


async def test_file_import_may_not_change_platform_owned_fields(clients, tokens, platform, departments):
    await platform.feed(base=4)
    await sync(clients, tokens)
    exported = (await clients.registry.get("/v1/entities/export", headers=tokens.admin)).content.decode("utf-8-sig")
    lines = exported.split("\r\n")
    header, rows = lines[0], [line for line in lines[1:] if line]
    name_at = header.split(",").index("市场主体名称")
    renamed = rows[1].split(",")
    renamed[name_at] = "本地文件改名有限公司"
    content = "\r\n".join([header, rows[0], ",".join(renamed), *rows[2:]]).encode("utf-8-sig")
    r = await clients.registry.post("/v1/entities/import", files={"file": ("e.csv", content)}, headers=tokens.admin)
    assert r.status_code == 422 and r.json()["code"] == "import_rejected", r.text
    errors = r.json()["errors"]
    assert [e["line"] for e in errors] == [3] and "协同监管平台" in errors[0]["reason_zh"]
    # the same file with only local fields changed is accepted; the source stays the platform's
    depts_at = header.split(",").index("监管部门")
    local = rows[1].split(",")
    local[depts_at] = "市场监督管理局"
    content = "\r\n".join([header, rows[0], ",".join(local), *rows[2:]]).encode("utf-8-sig")
    ok = await clients.registry.post("/v1/entities/import", files={"file": ("e.csv", content)}, headers=tokens.admin)
    assert ok.status_code == 200 and ok.json()["updated"] == 1, ok.text
    uscc = local[header.split(",").index("统一社会信用代码")]
    entity = (await clients.registry.get(f"/v1/entities/{uscc}", headers=tokens.admin)).json()
    assert entity["departments"] == ["SCJG"] and entity["source"] == "platform"


async def test_replicas_take_turns(clients, tokens, platform):
    """Two pulls at once (two replicas): every event is applied once."""
    config = {"base": 30, "changes": 90}
    events = generate(**config)
    await platform.feed(**config)
    a, b = await asyncio.gather(sync(clients, tokens), sync(clients, tokens))
    assert a["pulled"] + b["pulled"] == len(events)
    assert {a["cursor_to"], b["cursor_to"]} == {120}
    await assert_registry_matches(clients, tokens, expected_states(events))


async def test_emulator_feed_pages_by_cursor_deterministically_with_faults(emulator, tokens):
    import httpx

    async with httpx.AsyncClient(base_url=emulator.url, timeout=30) as c:
        state = (await c.put("/emulator/feed", json={"base": 10, "changes": 5}, headers=tokens.service)).json()
        assert state["newest_seq"] == 15
        first = (await c.get("/api/platform/changes", params={"division": "411523", "after": 0, "limit": 6})).json()
        assert [e["seq"] for e in first["events"]] == [1, 2, 3, 4, 5, 6]
        assert (first["next_cursor"], first["newest_seq"], first["has_more"]) == (6, 15, True)
        assert all(e["action"] == "new" and is_valid_uscc(e["uscc"]) for e in first["events"])
        last = (await c.get("/api/platform/changes", params={"division": "411523", "after": 12, "limit": 6})).json()
        assert [e["seq"] for e in last["events"]] == [13, 14, 15] and last["has_more"] is False
        # the same seed, the same feed
        assert [PlatformEvent.model_validate(e) for e in last["events"]] == [
            PlatformEvent.model_validate(e) for e in generate(base=10, changes=5)[12:]
        ]
        other = (await c.get("/api/platform/changes", params={"division": "411500"})).json()
        assert other["events"] == [] and other["next_cursor"] == 0
        await c.put("/emulator/faults", json={"fail_next": 1}, headers=tokens.service)
        failed = await c.get("/api/platform/changes", params={"division": "411523"})
        assert failed.status_code == 503 and failed.json()["code"] == "emulated_failure"
        assert (await c.get("/api/platform/changes", params={"division": "411523"})).status_code == 200
        assert (await c.put("/emulator/feed", json={"base": 1})).status_code == 401
        # growing the feed keeps what came before (the registry pulls only what is new)
        grown = generate(base=10, changes=50, bad_fraction=0.2)
        assert grown[:12] == generate(base=10, changes=2, bad_fraction=0.2)
        assert any(not is_valid_uscc(e["uscc"]) for e in grown)


async def test_scheduled_pull(emulator, service_database_urls, clients, tokens):
    """With REGISTRY_PLATFORM_SYNC_INTERVAL set, the registry pulls by itself."""
    import httpx

    from jcdev.testing import service_settings
    from registry.main import create_app

    settings = service_settings(
        "registry",
        service_database_urls["registry"],
        platform_url=emulator.url,
        platform_sync_interval=0.2,
        platform_page_size=50,
    )
    async with httpx.AsyncClient(base_url=emulator.url, timeout=30) as c:
        await c.put("/emulator/faults", json={}, headers=tokens.service)
        await c.put("/emulator/feed", json={"base": 120}, headers=tokens.service)
    server = LiveServer(create_app(settings)).start()
    try:
        async with httpx.AsyncClient(base_url=server.url, headers=tokens.auditor, timeout=30) as reg:
            for _ in range(150):
                state = (await reg.get("/v1/sync/platform")).json()
                if state["cursor"] == 120:
                    break
                await asyncio.sleep(0.1)
            assert state["cursor"] == 120 and state["lag"] == 0
            runs = (await reg.get("/v1/sync/platform/runs")).json()["items"]
            assert runs and {r["trigger"] for r in runs} == {"schedule"}
            assert sum(r["inserted"] for r in runs) == 120
    finally:
        server.stop()
