"""Issue 14: query parameters a hot route reads itself (``jointcheck.queryparams.HandQuery``)
answer exactly as FastAPI's declared parameters do — values, defaults, and every 422 — and
are documented the same."""

from __future__ import annotations

import inspect
from types import SimpleNamespace
from typing import Annotated, Any, Literal

import httpx
import pytest
from fastapi import Depends, FastAPI, Query

from jointcheck.errors import install_error_handlers
from jointcheck.pagination import Cursor, Limit
from jointcheck.queryparams import HandQuery

Code = Annotated[str | None, Query(pattern=r"^[A-Z][A-Z0-9_]{1,15}$", description="a code")]


def documented(
    limit: Limit = 100,
    cursor: Cursor = None,
    state: Annotated[str | None, Query(pattern="^(open|closed)$")] = None,
    uscc: Annotated[str | None, Query(min_length=18, max_length=18)] = None,
    dept: Code = None,
    tags: Annotated[list[str], Query(description="any of")] = [],  # noqa: B006
    klass: Annotated[list[Literal["A", "B", "U"]], Query(alias="class")] = [],  # noqa: B006
    year: Annotated[int, Query(ge=2000, le=2100)] = 2026,
    flag: Annotated[bool, Query()] = False,
) -> None:
    """The parameters, as a route would declare them."""


def required_one(year: Annotated[int, Query(ge=2000)]) -> None:
    """A required parameter."""


HAND = HandQuery(documented)
HAND_REQUIRED = HandQuery(required_one)


def _app() -> FastAPI:
    app = FastAPI()
    install_error_handlers(app)

    async def declared(**values: Any) -> dict[str, Any]:
        return values

    declared.__signature__ = inspect.signature(documented)  # type: ignore[attr-defined]  # the same parameters
    app.get("/declared")(declared)

    @app.get("/hand", openapi_extra=HAND.documented())
    async def hand(q: Annotated[SimpleNamespace, Depends(HAND)]) -> dict[str, Any]:
        return vars(q)

    async def declared_required(**values: Any) -> dict[str, Any]:
        return values

    declared_required.__signature__ = inspect.signature(required_one)  # type: ignore[attr-defined]
    app.get("/declared-required")(declared_required)

    @app.get("/hand-required", openapi_extra=HAND_REQUIRED.documented())
    async def hand_required(q: Annotated[SimpleNamespace, Depends(HAND_REQUIRED)]) -> dict[str, Any]:
        return vars(q)

    return app


QUERIES = [
    "",
    "limit=5&cursor=abc",
    "limit=0",
    "limit=1001",
    "limit=x",
    "limit=",
    "limit=3&limit=7",  # the last one counts
    "limit=1.5",
    "state=open",
    "state=nope",
    "uscc=91411523MA0026C0TM",
    "uscc=short",
    "dept=SWJ",
    "dept=swj",
    "tags=a&tags=b&tags=",
    "class=A&class=U",
    "class=Z",
    "klass=A",  # not its name: ignored
    "year=1999&limit=0&state=x",  # several errors at once
    "year=2026.0",
    "flag=yes",
    "flag=maybe",
    "cursor=%00",
]


@pytest.mark.parametrize("query", QUERIES)
async def test_hand_read_parameters_answer_as_declared_ones(query):
    app = _app()
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        declared = await c.get(f"/declared?{query}")
        hand = await c.get(f"/hand?{query}")
    assert hand.status_code == declared.status_code, (declared.text, hand.text)
    if declared.status_code == 200:
        assert hand.json() == declared.json()
    else:
        body, expected = hand.json(), declared.json()
        assert body.pop("instance", None) == expected.pop("instance", None).replace("declared", "hand")
        body.pop("request_id", None), expected.pop("request_id", None)
        assert body == expected


@pytest.mark.parametrize("query", ["", "year=1999", "year=2001", "year=x"])
async def test_a_required_parameter_is_required_as_declared(query):
    app = _app()
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        declared = await c.get(f"/declared-required?{query}")
        hand = await c.get(f"/hand-required?{query}")
    assert hand.status_code == declared.status_code
    if declared.status_code != 200:
        body, expected = hand.json(), declared.json()
        for b in (body, expected):
            b.pop("instance", None), b.pop("request_id", None)
        assert body == expected
    else:
        assert hand.json() == declared.json()


def test_hand_read_parameters_are_documented_as_declared_ones():
    doc = _app().openapi()["paths"]
    assert doc["/hand"]["get"]["parameters"] == doc["/declared"]["get"]["parameters"]
    assert doc["/hand-required"]["get"]["parameters"] == doc["/declared-required"]["get"]["parameters"]


def test_a_parameter_must_be_written_as_a_query():
    def bare(limit: int = 1) -> None: ...

    with pytest.raises(TypeError, match="Annotated"):
        HandQuery(bare)
