"""GSXT publication benchmark: the time to publish a 1,000-inspection task's records through the
outbox (leases, no transaction across a call, GsxtTransport) to the GSXT emulator over real HTTP,
and proof they arrived exactly once (the emulator's counts).

Scenarios, each on a fresh outbox: the records with no ordering key (how publication records need
not be ordered), one queue per task (every record keyed ``task:<id>``: strictly one at a time),
two dispatchers side by side (replicas), and GSXT failing for the first ``--outage`` seconds.

Usage: .venv/bin/python bench/bench_gsxt_publish.py [--records 1000] [--outage 5]
(``JC_BENCH_PORT_OFFSET`` / ``JC_BENCH_DB_PREFIX`` let it run beside other benchmarks.)
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import time
from typing import Any

import httpx
from common import auth, bench_stack  # type: ignore[import-not-found]
from sqlalchemy import text

from jointcheck.clients import GsxtTransport
from jointcheck.codes import make_uscc
from jointcheck.db import Database
from jointcheck.outbox import OutboxDispatcher, enqueue_event
from results.config import Settings

TARGET_SECONDS = 60.0  # a task's records published within a minute of approval, GSXT healthy


def record(n: int) -> dict[str, Any]:
    return {
        "record_id": f"bench-T1-{n:06d}",
        "uscc": make_uscc(f"91411523MA{n:07d}"),
        "entity_name": f"新县第{n}号市场主体",
        "plan_id": "P-BENCH",
        "task_id": "T-BENCH",
        "task_name": "餐饮服务联合抽查",
        "draw_type": "undirected",
        "inspecting_departments": ["SCJG", "XFJY"],
        "publishing_department": "SCJG",
        "inspection_date": "2025-09-20",
        "completion_date": "2025-09-26",
        "result_categories": [{"code": "no_problem"}]
        if n % 5
        else [{"code": "problem_followup_case", "department": "XFJY"}],
        "follow_up_measure": None if n % 5 else "移交县消防救援大队立案查处",
        "inspection_methods": ["on_site"],
    }


async def scenario(
    label: str, db: Database, settings: Settings, gsxt: str, n: int, *, keyed: bool, replicas: int, outage: float
) -> float:
    async with httpx.AsyncClient(base_url=gsxt, headers=auth("service"), timeout=30) as control:
        await control.post("/emulator/reset")
        async with db.transaction() as s:
            await s.execute(text("DELETE FROM outbox_events"))
        async with db.transaction() as s:
            for i in range(1, n + 1):
                await enqueue_event(
                    s,
                    destination="gsxt",
                    topic="gsxt.publish",
                    payload=record(i),
                    ordering_key="task:T-BENCH" if keyed else None,
                )
        if outage:
            await control.put("/emulator/faults", json={"fail_for_seconds": outage})
        dispatchers = [
            OutboxDispatcher(settings=settings, db=db, transports={"gsxt": GsxtTransport(settings)})
            for _ in range(replicas)
        ]

        async def run(d: OutboxDispatcher) -> None:
            while True:
                if not await d.dispatch_once():
                    async with db.transaction() as s:
                        left = (
                            await s.execute(text("SELECT count(*) FROM outbox_events WHERE status = 'pending'"))
                        ).scalar_one()
                    if not left:
                        return
                    await asyncio.sleep(settings.outbox_poll_interval)

        started = time.perf_counter()
        await asyncio.gather(*(run(d) for d in dispatchers))
        elapsed = time.perf_counter() - started
        counts = (await control.get("/emulator/counts")).json()
        once = all(r["accepted"] == 1 for r in counts["records"].values()) and len(counts["records"]) == n
        assert counts["accepted"] == n and once, counts | {"records": len(counts["records"])}
        print(
            f"{label}: {n:,} records in {elapsed:.2f} s ({n / elapsed:,.0f}/s); GSXT received {counts['requests']:,} "
            f"calls: accepted {counts['accepted']:,}, duplicates {counts['duplicates']}, emulated failures "
            f"{counts['faulted']}; every record exactly once: {once}"
        )
        return elapsed


async def main_async(args: argparse.Namespace, database_url: str, gsxt: str) -> None:
    settings = Settings(
        environment="test",
        jwt_secret="bench-secret-not-for-production-0123456789",
        database_url=database_url,
        gsxt_url=gsxt,
        outbox_backoff_base=0.2,
        outbox_backoff_max=2.0,
        outbox_max_attempts=50,
        outbox_poll_interval=0.1,
    )
    db = Database(database_url, pool_size=4)
    try:
        n = args.records
        plain = await scenario(
            "no ordering key, one dispatcher", db, settings, gsxt, n, keyed=False, replicas=1, outage=0
        )
        await scenario("no ordering key, two dispatchers", db, settings, gsxt, n, keyed=False, replicas=2, outage=0)
        await scenario("one queue per task (keyed task:<id>)", db, settings, gsxt, n, keyed=True, replicas=1, outage=0)
        await scenario(
            f"GSXT failing for the first {args.outage:g} s",
            db,
            settings,
            gsxt,
            n,
            keyed=False,
            replicas=1,
            outage=args.outage,
        )
        print(
            f"target: {n:,} records within {TARGET_SECONDS:.0f} s with GSXT healthy — {'met' if plain < TARGET_SECONDS else 'MISSED'}"
        )
    finally:
        await db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=1000)
    parser.add_argument("--outage", type=float, default=5.0)
    args = parser.parse_args()
    logging.getLogger("jointcheck.outbox").setLevel(logging.ERROR)  # the outage's retries are expected
    # results' database (its outbox tables) and the emulator; the service itself delivers nothing here
    stack = bench_stack(
        ("results",),
        with_gsxt=True,
        extra_env={"{PREFIX}OUTBOX_ENABLED": "false", "{PREFIX}LOG_LEVEL": "WARNING"},
    )
    try:
        asyncio.run(main_async(args, stack.cfg.database_url("results"), stack.cfg.base_url("gsxt")))
    finally:
        stack.stop_all()


if __name__ == "__main__":
    main()
