"""A router whose routes share a literal prefix is skipped for paths outside it
(``jointcheck.app.skip_unless_under_prefix``): fewer patterns tried per request, the same answers —
the route found, 404, 405, trailing-slash redirects, and paths under a ``root_path``."""

from __future__ import annotations

import httpx
import pytest
from fastapi import APIRouter, FastAPI

from jointcheck.app import skip_unless_under_prefix


def _app(*, skip: bool) -> FastAPI:
    tasks = APIRouter(prefix="/v1/tasks")
    tasks.get("")(lambda: "list")
    tasks.get("/{task_id}")(lambda task_id: f"task {task_id}")
    tasks.post("/{task_id}/transitions")(lambda task_id: f"moved {task_id}")
    items = APIRouter()
    items.get("/v1/items")(lambda: "items")
    items.get("/v1/items/{item_id}")(lambda item_id: f"item {item_id}")
    mixed = APIRouter()  # no common prefix beyond "/": never skipped
    mixed.get("/{anything}/deep")(lambda anything: f"deep {anything}")
    app = FastAPI()
    for router in (tasks, items, mixed):
        if skip:
            skip_unless_under_prefix(router)
        app.include_router(router)
    return app


REQUESTS = [
    ("GET", "/v1/tasks"),
    ("GET", "/v1/tasks/"),
    ("GET", "/v1/tasks/abc"),
    ("DELETE", "/v1/tasks/abc"),
    ("POST", "/v1/tasks/abc/transitions"),
    ("GET", "/v1/tasks/abc/transitions"),
    ("GET", "/v1/tasksx"),
    ("GET", "/v1/items"),
    ("GET", "/v1/items/7"),
    ("GET", "/v1/items/7/"),
    ("GET", "/v1/nothing"),
    ("GET", "/v1/deep"),
    ("GET", "/x/deep"),
]


@pytest.mark.parametrize("root_path", ["", "/planning"])
async def test_skipping_routers_changes_no_answer(root_path):
    answers = {}
    for skip in (False, True):
        app = _app(skip=skip)
        transport = httpx.ASGITransport(app=app, root_path=root_path)
        async with httpx.AsyncClient(transport=transport, base_url="http://svc") as client:
            answers[skip] = [
                (r.status_code, r.text, r.headers.get("location"))
                for r in [await client.request(m, p, follow_redirects=False) for m, p in REQUESTS]
            ]
    assert answers[True] == answers[False]
    assert answers[True][2][:2] == (200, '"task abc"') and answers[True][3][0] == 405


def test_the_prefix_is_the_literal_part_all_routes_share():
    tasks = APIRouter(prefix="/v1/tasks")
    tasks.get("/{task_id}")(lambda task_id: task_id)
    tasks.get("/{task_id}/history")(lambda task_id: task_id)
    skip_unless_under_prefix(tasks)
    assert tasks._jc_literal_prefix == "/v1/tasks/"
    skip_unless_under_prefix(tasks)  # once per router, however many apps include it
    assert tasks._jc_literal_prefix == "/v1/tasks/"
    bare = APIRouter()
    bare.get("/{x}")(lambda x: x)
    skip_unless_under_prefix(bare)
    assert getattr(bare, "_jc_literal_prefix", None) is None
