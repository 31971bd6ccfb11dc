"""The sampling service executes a draw only if the stored secret matches the commitment and
the entropy agrees with the announcement (draw-v1, "Execute"); otherwise nothing is drawn.

A committed draw is written straight into the sampling database (as create + register would
leave it), then entropy is supplied through the HTTP API.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, date, datetime

import pytest_asyncio
from sqlalchemy import select
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

from jointcheck import draw as drawv1
from sampling.draws.models import Draw
from sampling.draws.service import pack, unpack

LEAD = "SCJG"
SECRET = bytes(range(32))
FRAME = drawv1.make_file([(f"91411523MA{n:07d}X", "ABCDU"[n % 5]) for n in range(25)])
STRATA = {
    "A": {"ratio": "0.2"},
    "B": {"count": 2},
    "C": {"count": 1, "alternates": 1},
    "D": {"ratio": "1", "max": 2},
    "U": {"count": 0},
}
CONTEXT = {"task_id": str(uuid.uuid4()), "registry_version": 17, "lead_department": LEAD}


@pytest_asyncio.fixture(autouse=True)
async def approved_task(clients, tokens):
    """The draws below belong to a real approved task: entropy is accepted only while planning says the
    task may still be drawn."""
    from .conftest import World

    world = World(clients, tokens)
    await world.departments()
    task = await world.task(rules={c: {"ratio": "0"} for c in "ABCDU"})
    CONTEXT["task_id"] = task["id"]


@pytest_asyncio.fixture
async def draws_db(clients, service_database_urls):
    engine = create_async_engine(service_database_urls["sampling"])
    try:
        yield async_sessionmaker(engine, expire_on_commit=False)
    finally:
        await engine.dispose()


async def committed_draw(db, *, secret: bytes = SECRET, entropy_source: str = "witness dice") -> Draw:
    """A draw as it stands after commit and audit registration; ``secret`` is what is stored."""
    commitment = drawv1.commitment_of(SECRET)  # the announcement always commits to SECRET
    inputs = {"frame": FRAME}
    ann = drawv1.build_announcement(
        "objects", commitment, inputs, entropy_source=entropy_source, strata=STRATA, context=CONTEXT
    )
    draw = Draw(
        id=uuid.uuid4(),
        task_id=CONTEXT["task_id"],
        kind="objects",
        status="committed",
        announcement=ann.decode(),
        announcement_sha256=drawv1.sha256_hex(ann),
        commitment=commitment,
        secret=secret.hex(),
        entropy_source=entropy_source,
        input_hashes={"frame_sha256": drawv1.sha256_hex(FRAME)},
        inputs_gz=pack({"inputs": inputs}),
        context=CONTEXT,
        public_from=date(2031, 10, 1),
        receipt={"receipt_id": "r-1", "announcement_sha256": drawv1.sha256_hex(ann)},
        registered_at=datetime.now(UTC),
        created_by="test",
    )
    async with db() as session, session.begin():
        session.add(draw)
    return draw


async def stored(db, draw_id) -> Draw:
    async with db() as session:
        return (await session.execute(select(Draw).where(Draw.id == draw_id))).scalar_one()


async def supply(clients, tokens, draw_id, entropy: str):
    return await clients.sampling.post(
        f"/v1/draws/{draw_id}/entropy",
        json={"entropy": entropy},
        headers={**tokens.officer(LEAD), "Accept-Language": "en"},
    )


async def assert_refused(clients, tokens, db, draw: Draw, entropy: str, check: str, detail: str) -> Draw:
    """Refused with ``check`` named, and nothing drawn: no result, no summary, still committed."""
    r = await supply(clients, tokens, draw.id, entropy)
    assert r.status_code == 422, r.text
    body = r.json()
    assert body["code"] == "invalid_entropy" and body["check"] == check, body
    assert detail in body["detail"], body
    after = await stored(db, draw.id)
    assert (after.status, after.result_gz, after.summary, after.executed_at) == ("committed", None, None, None)
    return after


async def test_a_stored_secret_that_does_not_match_the_commitment_draws_nothing(clients, tokens, draws_db):
    draw = await committed_draw(draws_db, secret=bytes(range(1, 33)))
    await assert_refused(
        clients,
        tokens,
        draws_db,
        draw,
        "witness dice: 1 2 3",
        "commitment",
        "H(secret) does not match the announcement's commitment",
    )
    # the entropy was acceptable and stays final; retrying it still draws nothing
    await assert_refused(
        clients,
        tokens,
        draws_db,
        draw,
        "witness dice: 1 2 3",
        "commitment",
        "H(secret) does not match the announcement's commitment",
    )


async def test_empty_entropy_is_refused_when_the_announcement_names_a_source(clients, tokens, draws_db):
    draw = await committed_draw(draws_db)
    after = await assert_refused(
        clients, tokens, draws_db, draw, "", "entropy", 'empty, but the announcement names the source "witness dice"'
    )
    assert after.entropy is None


async def test_entropy_is_refused_when_the_announcement_says_none(clients, tokens, draws_db):
    draw = await committed_draw(draws_db, entropy_source="none")
    after = await assert_refused(
        clients,
        tokens,
        draws_db,
        draw,
        "chosen after the commitment",
        "entropy",
        "the announcement says entropy_source 'none' but entropy is not empty",
    )
    assert after.entropy is None
    # and with the empty entropy the announcement promised, the draw runs
    r = await supply(clients, tokens, draw.id, "")
    assert r.status_code == 200, r.text


async def test_matching_secret_and_entropy_execute_exactly_draw_v1(clients, tokens, draws_db):
    draw = await committed_draw(draws_db)
    r = await supply(clients, tokens, draw.id, "witness dice: 1 2 3")
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "executed"
    after = await stored(draws_db, draw.id)
    expected = drawv1.execute(draw.announcement.encode(), SECRET, "witness dice: 1 2 3", {"frame": FRAME})
    assert unpack(after.result_gz) == expected
    # the announcement kept its context: it is part of what the keys are derived from
    ann = json.loads(after.announcement)
    assert {k: ann[k] for k in CONTEXT} == CONTEXT
    bundle = drawv1.make_bundle(
        str(draw.id),
        after.announcement,
        SECRET,
        "witness dice: 1 2 3",
        {"frame": FRAME},
        result=unpack(after.result_gz),
    )
    assert drawv1.verify_bundle(bundle)[0] is True
    again = await supply(clients, tokens, draw.id, "witness dice: 6 6 6")
    assert again.status_code == 409 and again.json()["code"] == "draw_state"
