"""The audit service as independent witness, over real HTTP between real processes: every draw
the e2e suite made replays OK (on the schedule, and on request); a draw tampered with in
sampling's database gets the failing verdict, loud in ``/metrics`` and in the audit chain.

(Named to run after the other e2e modules, so that their draws exist.)
"""

from __future__ import annotations

import asyncio
import json
import re
import uuid
import zlib

import asyncpg
from sqlalchemy.engine import make_url

from .conftest import eventually
from .world import World

RULES = {"A": {"ratio": "0.5"}, "B": {"count": 1}, "C": {"count": 1}, "D": {"count": 1}, "U": {"ratio": "1"}}
TAMPERED: set[str] = set()


def _dsn(stack, service: str) -> str:
    return make_url(stack.cfg.database_url(service)).set(drivername="postgresql").render_as_string(hide_password=False)


def _failures(http, direct_urls, check: str) -> float:
    text = http.get(f"{direct_urls['audit']}/metrics").text
    m = re.search(r'^audit_replay_failures_total\{check="%s",service="audit"\} (\S+)$' % check, text, re.M)
    return float(m.group(1)) if m else 0.0


def test_a_draw_tampered_in_sampling_fails_its_replay_and_is_counted(stack, http, urls, direct_urls, tokens):
    w = World(http, urls, tokens)
    w.departments()
    w.entities("AABBCCDDU")
    task = w.task(rules=RULES, year=2032, window=("2032-04-01", "2032-09-30"))
    draw = w.draw(task["id"])
    assert draw["status"] == "executed"
    ok = w.post("audit", "/v1/replays", {"draw_id": draw["id"]}, headers=tokens.auditor)
    assert ok["ok"] is True and ok["failed_check"] is None

    async def tamper() -> None:
        conn = await asyncpg.connect(_dsn(stack, "sampling"))
        try:
            blob = await conn.fetchval("SELECT result_gz FROM draws WHERE id = $1", uuid.UUID(draw["id"]))
            result = json.loads(zlib.decompress(blob))
            result["selected"].pop()
            packed = zlib.compress(json.dumps(result, separators=(",", ":")).encode(), 3)
            await conn.execute("UPDATE draws SET result_gz = $2 WHERE id = $1", uuid.UUID(draw["id"]), packed)
        finally:
            await conn.close()

    asyncio.run(tamper())
    TAMPERED.add(draw["id"])
    before = _failures(http, direct_urls, "result")
    verdict = w.post("audit", "/v1/replays", {"draw_id": draw["id"]}, headers=tokens.auditor)
    assert (verdict["ok"], verdict["failed_check"]) == (False, "result"), verdict
    assert _failures(http, direct_urls, "result") == before + 1
    history = w.get("audit", "/v1/audit-events", headers=tokens.auditor, object=draw["id"])
    assert "replay.failed" in [e["action"] for e in history["items"]]


def _executed_draws(w: World) -> list[dict]:
    out, cursor = [], None
    while True:
        params = {"limit": 500, "status": "executed"}
        if cursor:
            params["cursor"] = cursor
        page = w.get("sampling", "/v1/draws", **params)
        out.extend(page["items"])
        cursor = page.get("next_cursor")
        if not cursor:
            return out


def test_every_draw_of_the_suite_replays_ok(http, urls, tokens):
    w = World(http, urls, tokens)
    draws = [d for d in _executed_draws(w) if d["id"] not in TAMPERED]
    assert draws, "the e2e suite made no draw"

    def scheduled() -> dict[str, dict]:
        seen: dict[str, dict] = {}
        cursor = None
        while True:
            params = {"limit": 1000, "trigger": "schedule"}
            if cursor:
                params["cursor"] = cursor
            page = w.get("audit", "/v1/replays", headers=tokens.auditor, **params)
            for r in page["items"]:
                seen.setdefault(r["draw_id"], r)
            cursor = page.get("next_cursor")
            if not cursor:
                return seen

    def all_scheduled() -> dict[str, dict] | None:
        seen = scheduled()
        return seen if all(d["id"] in seen for d in draws) else None

    on_schedule = eventually(all_scheduled, timeout=120, interval=1.0)
    bad = {d["id"]: on_schedule[d["id"]]["detail"] for d in draws if not on_schedule[d["id"]]["ok"]}
    assert not bad, bad
    for d in draws:
        verdict = w.post("audit", "/v1/replays", {"draw_id": d["id"]}, headers=tokens.auditor)
        assert verdict["ok"] is True, (d["id"], d["kind"], verdict["failed_check"], verdict["detail"])
    for draw_id in TAMPERED:
        latest = w.get("audit", "/v1/replays", headers=tokens.auditor, draw_id=draw_id)["items"][0]
        assert (latest["ok"], latest["failed_check"]) == (False, "result")
