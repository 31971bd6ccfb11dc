"""The emulated change feed of the collaborative supervision platform (协同监管平台 变更订阅).

Deterministic for a (division, seed): the first ``base`` events register a county's
existing entities (the demo county's own rows, :func:`jointcheck.demo.entity_rows`, so
every code is valid), then ``changes`` events follow in a realistic mix — 新设 new
entities (later rows of the same generator), 变更 changes of name, address or industry,
注销/吊销/撤销/迁出 ends of registration, and credit-risk assessments. The feed is
prefix-stable: the first N events are the same whatever ``base + changes`` is asked for,
so a test or a benchmark can grow the feed and the registry pulls only what is new.
``bad_fraction`` of the change events carry a code whose check character is wrong (a row
the registry must reject, never half-apply).

Volumes: a county's weekly changes are a few hundred events (``changes=500``); a
province's daily ones about 100,000 (``changes=100_000``).
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone
from typing import Any

from jointcheck.codes import USCC_ALPHABET, parse_entity_type
from jointcheck.contracts.platform import ENDING_ACTIONS
from jointcheck.demo import INDUSTRIES, entity_rows

#: Share of each change kind, per mille.
MIX: tuple[tuple[str, int], ...] = (
    ("new", 250),
    ("change", 350),
    ("deregistered", 60),
    ("revoked", 20),
    ("cancelled", 10),
    ("moved_out", 10),
    ("credit_class", 300),
)
_START = datetime(2026, 11, 1, tzinfo=timezone(timedelta(hours=8)))


def _registration(row: list[str]) -> dict[str, Any]:
    return {
        "name": row[1],
        "entity_type": parse_entity_type(row[2]).value,
        "industry_code": row[3],
        "division_code": row[6],
        "address": row[5],
        "status": "active",
        "registered_on": row[7] or None,
    }


def _spoil(uscc: str) -> str:
    """The same code with another check character."""
    last = USCC_ALPHABET.index(uscc[-1])
    return uscc[:-1] + USCC_ALPHABET[(last + 7) % 31]


def generate(
    *, division: str = "411523", seed: int = 2024, base: int = 0, changes: int = 0, bad_fraction: float = 0.0
) -> list[dict[str, Any]]:
    """Every event of the feed, in sequence order (``seq`` 1 …), as the page's JSON."""
    rows = entity_rows(base + changes, seed)
    rnd = random.Random(f"jointcheck.platform-feed:{division}:{seed}")
    kinds = [k for k, _ in MIX]
    weights = [w for _, w in MIX]
    live: list[dict[str, Any]] = []  # (uscc, registration) of entities still registered
    events: list[dict[str, Any]] = []

    def emit(action: str, uscc: str, **fields: Any) -> None:
        seq = len(events) + 1
        events.append(
            {
                "seq": seq,
                "action": action,
                "uscc": uscc,
                "occurred_at": (_START + timedelta(seconds=seq)).isoformat(),
                **fields,
            }
        )

    for _ in range(base):
        row = next(rows)
        entity = {"uscc": row[0], "registration": _registration(row)}
        live.append(entity)
        emit("new", row[0], registration=dict(entity["registration"]))
    for _ in range(changes):
        kind = rnd.choices(kinds, weights)[0] if live else "new"
        bad = bad_fraction > 0 and rnd.random() < bad_fraction
        if kind == "new":
            row = next(rows)
            entity = {"uscc": row[0], "registration": _registration(row)}
            if bad:
                emit("new", _spoil(row[0]), registration=dict(entity["registration"]))
                continue
            live.append(entity)
            emit("new", row[0], registration=dict(entity["registration"]))
            continue
        i = rnd.randrange(len(live))
        entity = live[i]
        uscc = _spoil(entity["uscc"]) if bad else entity["uscc"]
        if kind == "credit_class":
            at = (_START + timedelta(seconds=len(events) + 1)).isoformat()
            emit("credit_class", uscc, credit_class=rnd.choice("AAABBBCCD"), classified_at=at)
            continue
        if bad:
            emit(kind, uscc, registration=dict(entity["registration"]))
            continue
        reg = dict(entity["registration"])
        if kind == "change":
            what = rnd.random()
            if what < 0.6:
                reg["address"] = f"{reg['address'].rstrip('号').rstrip('0123456789')}{rnd.randrange(1, 400)}号"
            elif what < 0.9:
                reg["name"] = f"{reg['name']}（{rnd.choice('东西南北中')}）"[:256]
            else:
                reg["industry_code"] = rnd.choice(INDUSTRIES).code
        else:
            reg["status"] = ENDING_ACTIONS[kind]
            live[i] = live[-1]
            live.pop()
        entity["registration"] = reg
        emit(kind, uscc, registration=dict(reg))
    return events
