"""Issue 14: flat routes (``jointcheck.routing``) answer exactly as FastAPI's routes do — values,
422s, 401s, dependency overrides, each dependency once per request — while solving their
dependencies by a plan made once; routes that are not flat keep FastAPI's handler; the five hot
reads are flat."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from typing import Annotated, Any

import fastapi
import httpx
import pytest
from fastapi import Depends, FastAPI, HTTPException, Query, Request, Response

from jointcheck.routing import APIRouter, FlatRoute, model_response

CALLS: list[str] = []


async def caller(request: Request) -> str:
    CALLS.append("caller")
    who = request.headers.get("x-who")
    if not who:
        raise HTTPException(401, "who are you")
    return who


async def database(request: Request) -> str:
    return request.app.state.name


class Scale:
    """An object dependency with an ``async __call__`` (as ``BearerAuth`` and ``HandQuery`` are)."""

    async def __call__(self, request: Request) -> int:
        return int(request.headers.get("x-scale", "1"))


scale = Scale()


def _routes(router: fastapi.APIRouter) -> fastapi.APIRouter:
    @router.get("/items/{item_id}", dependencies=[Depends(caller)], response_model=dict)
    async def item(
        item_id: uuid.UUID,
        who: Annotated[str, Depends(caller)],
        db: Annotated[str, Depends(database)],
        times: Annotated[int, Depends(scale)],
        request: Request,
    ) -> Response:
        body = {"item": str(item_id), "who": who, "db": db, "times": times, "path": request.url.path}
        return Response(json.dumps(body), media_type="application/json")

    @router.get("/numbers/{n}")
    async def number(n: int, who: Annotated[str, Depends(caller)]) -> Response:
        return Response(str(n * 2), media_type="text/plain")

    return router


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    app = FastAPI()
    app.state.name = "the database"
    app.include_router(_routes(APIRouter(prefix="/flat")))
    app.include_router(_routes(fastapi.APIRouter(prefix="/fastapi")))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        c.app = app  # type: ignore[attr-defined]
        yield c


def _plans(app: FastAPI) -> dict[str, int]:
    import fastapi.routing as fr

    def walk(routes: list[Any]) -> Any:
        for r in routes:
            if isinstance(r, getattr(fr, "_IncludedRouter", ())):
                yield from walk(r.original_router.routes)
            else:
                yield r

    plans: dict[str, int] = {}
    for r in walk(app.router.routes):
        if hasattr(r, "path"):  # GET and PATCH of one path: the plans of either
            plans[r.path] = plans.get(r.path, 0) + len(getattr(r, "flat_plans", []))
    return plans


async def _both(client: httpx.AsyncClient, path: str, **kw: Any) -> tuple[httpx.Response, httpx.Response]:
    CALLS.clear()
    flat = await client.get("/flat" + path, **kw)
    flat_calls = len(CALLS)
    CALLS.clear()
    plain = await client.get("/fastapi" + path, **kw)
    if flat.status_code != 422:  # a refused path parameter is FastAPI's to answer: it calls them again
        assert flat_calls == len(CALLS), "each dependency is called as often as under FastAPI"
    return flat, plain


async def test_flat_routes_answer_as_fastapi_does(client):
    plans = _plans(client.app)  # type: ignore[attr-defined]
    assert {p: n for p, n in plans.items() if p.startswith(("/flat", "/fastapi"))} == {
        "/flat/items/{item_id}": 1,
        "/flat/numbers/{n}": 1,
        "/fastapi/items/{item_id}": 0,
        "/fastapi/numbers/{n}": 0,
    }
    item = uuid.uuid4()
    flat, plain = await _both(client, f"/items/{item}", headers={"x-who": "me", "x-scale": "3"})
    assert flat.status_code == 200 and flat.json() == {
        "item": str(item),
        "who": "me",
        "db": "the database",
        "times": 3,
        "path": f"/flat/items/{item}",
    }
    assert plain.json() == flat.json() | {"path": f"/fastapi/items/{item}"}
    assert CALLS == ["caller"]  # declared twice (route dependency and parameter), called once
    for path, headers in [
        ("/items/not-a-uuid", {"x-who": "me"}),  # FastAPI's 422 for a path parameter
        ("/items/not-a-uuid", {}),  # the dependencies run first: 401, not 422
        (f"/items/{item}", {}),
        (f"/items/{item}", {"x-who": "me", "x-scale": "x"}),  # an error a dependency raises (ValueError)
        ("/numbers/21", {"x-who": "me"}),
        ("/numbers/2.5", {"x-who": "me"}),
    ]:
        if headers.get("x-scale") == "x":
            for prefix in ("/flat", "/fastapi"):
                with pytest.raises(ValueError):
                    await client.get(prefix + path, headers=headers)
            continue
        flat, plain = await _both(client, path, headers=headers)
        assert (flat.status_code, flat.headers.get("content-type"), flat.content) == (
            plain.status_code,
            plain.headers.get("content-type"),
            plain.content,
        ), path
    assert (await client.get("/flat/numbers/21", headers={"x-who": "me"})).text == "42"
    assert (await client.get("/flat/items/x", headers={"x-who": "me"})).status_code == 422


async def test_an_overridden_dependency_is_honoured(client):
    client.app.dependency_overrides[database] = lambda: "a test double"  # type: ignore[attr-defined]
    flat, plain = await _both(client, f"/items/{uuid.uuid4()}", headers={"x-who": "me"})
    assert flat.json()["db"] == plain.json()["db"] == "a test double"
    client.app.dependency_overrides.clear()  # type: ignore[attr-defined]
    flat, _ = await _both(client, f"/items/{uuid.uuid4()}", headers={"x-who": "me"})
    assert flat.json()["db"] == "the database"


def _sync_dependency(request: Request) -> str:
    return "sync"


async def _generator_dependency() -> AsyncIterator[str]:
    yield "generated"


async def _with_query(q: str = "") -> str:
    return q


async def _nested(who: Annotated[str, Depends(caller)]) -> str:
    return who


async def test_routes_that_are_not_flat_keep_fastapis_handler():
    router = APIRouter()

    @router.get("/query")
    async def query(q: Annotated[str, Query()] = "") -> Response:
        return Response(q)

    @router.get("/sync")
    async def sync(v: Annotated[str, Depends(_sync_dependency)]) -> Response:
        return Response(v)

    @router.get("/generator")
    async def generator(v: Annotated[str, Depends(_generator_dependency)]) -> Response:
        return Response(v)

    @router.get("/dependency-query")
    async def dependency_query(v: Annotated[str, Depends(_with_query)]) -> Response:
        return Response(v)

    @router.get("/nested")
    async def nested(v: Annotated[str, Depends(_nested)]) -> Response:
        return Response(v)

    @router.get("/model")
    async def model(who: Annotated[str, Depends(caller)]) -> dict[str, str]:
        return {"who": who}

    @router.post("/body")
    async def body(payload: dict[str, int]) -> Response:
        return Response(str(payload))

    assert all(isinstance(r, FlatRoute) for r in router.routes)
    assert not any(getattr(r, "flat_plans", None) for r in router.routes)
    app = FastAPI()
    app.include_router(router)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        assert (await c.get("/query", params={"q": "x"})).text == "x"
        assert (await c.get("/sync")).text == "sync"
        assert (await c.get("/generator")).text == "generated"
        assert (await c.get("/dependency-query", params={"q": "y"})).text == "y"
        assert (await c.get("/nested", headers={"x-who": "me"})).text == "me"
        assert (await c.get("/model", headers={"x-who": "me"})).json() == {"who": "me"}
        assert (await c.post("/body", json={"a": 1})).text == "{'a': 1}"


def test_model_response_is_what_fastapi_sends_for_the_response_model():
    from jointcheck.pagination import Page

    page = Page[dict](items=[{"a": "é"}], next_cursor=None)
    response = model_response(Page[dict], page, headers={"ETag": '"1"'})
    assert response.body == page.model_dump_json(by_alias=True).encode()
    assert response.headers["content-type"] == "application/json" and response.headers["etag"] == '"1"'


def test_the_hot_reads_are_flat(apps):
    """The five reads of ``bench/bench_reads.py`` take the flat path (the whole suite then exercises it
    against FastAPI's answers: every test of these routes)."""
    expected = {
        "registry": ["/v1/entities", "/v1/entities/{uscc}"],
        "planning": ["/v1/tasks/{task_id}"],
        "sampling": ["/public/draws/{draw_id}"],
        "results": ["/v1/inspections"],
    }
    for service, paths in expected.items():
        plans = _plans(apps[service])
        for path in paths:
            assert plans.get(path), f"{service} {path} is not flat"
