"""Registry benchmark (make bench): import vs plain COPY, frame serving, lookup latency.

Targets (issue: registry):
* import of 1,000,000 entities from CSV within 2x a plain COPY of the same file into an
  equivalent table (same columns as the file, same indexes as ``entities``), side by side;
* a 1,000,000-line frame served in under 3 s;
* entity lookup by USCC p99 under 20 ms at 200 requests/s.

Usage: .venv/bin/python bench/bench_registry.py [--rows 1000000]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

import asyncpg
import httpx
import loadgen  # type: ignore[import-not-found]
from common import auth, bench_stack  # type: ignore[import-not-found]

from jointcheck.demo import departments, write_entities_csv

EQUIVALENT_TABLE = """
CREATE TABLE plain_copy (
    row_id bigserial PRIMARY KEY,
    uscc varchar(18) COLLATE "C" NOT NULL, name varchar(256) NOT NULL, entity_type varchar(24) NOT NULL,
    industry_code varchar(5) COLLATE "C" NOT NULL, industry_name text, address text NOT NULL,
    division_code varchar(6) COLLATE "C" NOT NULL, registered_on date, status varchar(16) NOT NULL,
    credit_class varchar(8), departments text, tags text
);
CREATE UNIQUE INDEX ON plain_copy (uscc);
CREATE INDEX ON plain_copy (uscc, row_id);
CREATE INDEX ON plain_copy (industry_code);
CREATE INDEX ON plain_copy (division_code, uscc);
"""
FILE_COLUMNS = [
    "uscc",
    "name",
    "entity_type",
    "industry_code",
    "industry_name",
    "address",
    "division_code",
    "registered_on",
    "status",
    "credit_class",
    "departments",
    "tags",
]


async def vacuum_analyze(dsn: str) -> None:
    """What an operator runs after a bulk load (autovacuum would, later)."""
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute("VACUUM (ANALYZE) entities")
    finally:
        await conn.close()


async def plain_copy(dsn: str, path: Path) -> float:
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute("DROP TABLE IF EXISTS plain_copy")
        await conn.execute(EQUIVALENT_TABLE)
        started = time.perf_counter()
        await conn.copy_to_table("plain_copy", source=str(path), columns=FILE_COLUMNS, format="csv", header=True)
        elapsed = time.perf_counter() - started
        await conn.execute("DROP TABLE plain_copy")
        return elapsed
    finally:
        await conn.close()


async def lookups(base: str, usccs: list[str], rate: float, seconds: float) -> tuple[list[float], int]:
    """Open-loop GET /v1/entities/{uscc} at ``rate``; latencies measured from each request's schedule."""
    rnd = random.Random(7)
    picks = [rnd.choice(usccs) for _ in range(int(rate * seconds))]
    return await loadgen.run(
        base, lambda i: f"/v1/entities/{picks[i]}", rate=rate, seconds=seconds, headers=auth("inspector")
    )


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--rate", type=float, default=200)
    parser.add_argument("--seconds", type=float, default=10)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="jcbench-"))
    path = tmp / "entities.csv"
    t = time.perf_counter()
    write_entities_csv(path, args.rows, seed=2024)
    print(f"generated {args.rows:,} rows ({path.stat().st_size / 1e6:.0f} MB) in {time.perf_counter() - t:.1f} s")

    stack = bench_stack(("registry", "audit"))
    ok = True
    try:
        base = stack.cfg.base_url("registry")
        dsn = stack.cfg.database_url("registry").replace("postgresql+asyncpg", "postgresql")
        with httpx.Client(base_url=base, headers=auth("admin"), timeout=600) as client:
            for d in departments():
                client.post(
                    "/v1/departments", json={"code": d.code, "name": d.name, "short_name": d.short_name}
                ).raise_for_status()
            copy_s = asyncio.run(plain_copy(dsn, path))
            t = time.perf_counter()
            with path.open("rb") as fh:
                r = client.post("/v1/entities/import", files={"file": ("entities.csv", fh, "text/csv")})
            import_s = time.perf_counter() - t
            r.raise_for_status()
            assert r.json()["inserted"] == args.rows, r.text[:300]
            t = time.perf_counter()
            frame = client.post("/v1/frames", json={"scope": {"statuses": []}})
            frame_s = time.perf_counter() - t
            frame.raise_for_status()
            lines = int(frame.headers["x-frame-lines"])
            t = time.perf_counter()
            again = client.post(
                "/v1/frames", json={"scope": {"statuses": []}, "as_of": frame.headers["x-registry-version"]}
            )
            frame2_s = time.perf_counter() - t
            assert again.content == frame.content
            usccs = [line.split(b"\t")[0].decode() for line in random.sample(frame.content.splitlines(), 5000)]
            t = time.perf_counter()
            asyncio.run(vacuum_analyze(dsn))
            vacuum_s = time.perf_counter() - t
        asyncio.run(lookups(base, usccs, args.rate, 2))  # warm-up: connections, caches
        lat, errors = asyncio.run(lookups(base, usccs, args.rate, args.seconds))
        lat.sort()
        p50 = statistics.median(lat) * 1000
        p99 = lat[int(len(lat) * 0.99) - 1] * 1000
        ratio = import_s / copy_s
        print()
        print(f"{'measure':<52} {'value':>12}  target")
        print(f"{'plain COPY into an equivalent table (s)':<52} {copy_s:>12.2f}")
        print(f"{'import over HTTP, validated, upserted (s)':<52} {import_s:>12.2f}")
        print(f"{'import / plain COPY':<52} {ratio:>12.2f}  <= 2.0 {'OK' if ratio <= 2 else 'MISSED'}")
        print(
            f"{f'frame of {lines:,} lines over HTTP (s)':<52} {frame_s:>12.2f}  < 3.0 {'OK' if frame_s < 3 else 'MISSED'}"
        )
        print(f"{'same frame as of its version (s)':<52} {frame2_s:>12.2f}")
        print(f"{'VACUUM ANALYZE after the bulk load (s)':<52} {vacuum_s:>12.2f}")
        print(f"{f'lookup by USCC at {args.rate:.0f} req/s: requests / errors':<52} {len(lat):>7} / {errors}")
        print(f"{f'lookup by USCC at {args.rate:.0f} req/s: p50 (ms)':<52} {p50:>12.2f}")
        print(
            f"{f'lookup by USCC at {args.rate:.0f} req/s: p99 (ms)':<52} {p99:>12.2f}  < 20 {'OK' if p99 < 20 else 'MISSED'}"
        )
        ok = ratio <= 2 and frame_s < 3 and p99 < 20 and errors == 0
    finally:
        stack.stop_all()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
