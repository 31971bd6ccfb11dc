"""Sampling benchmark (make bench): an objects draw over a 1,000,000-entity frame, end to end over HTTP.

Target (issue: sampling): freeze + commit (frame from the registry, exclusions from results,
announcement registered with audit) and entropy + execution, together under 5 s, for a
1,000,000-entity frame in 4 credit classes (+ unclassified) at 3 %.
The algorithm alone against consistent-sampler is bench/bench_draw.py.

Usage: .venv/bin/python bench/bench_sampling.py [--rows 1000000]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import httpx
from common import approved_objects_task, auth, bench_stack, objects_draw  # type: ignore[import-not-found]

from jointcheck.demo import write_entities_csv


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()
    path = Path(tempfile.mkdtemp(prefix="jcbench-")) / "entities.csv"
    write_entities_csv(path, args.rows, seed=2024)
    stack = bench_stack(("registry", "planning", "sampling", "results", "audit"))
    ok = False
    try:
        url = {s: stack.cfg.base_url(s) for s in ("registry", "planning", "sampling")}
        admin = auth("admin")
        with httpx.Client(timeout=600) as http:
            task_id = approved_objects_task(http, url, path, rows=args.rows, name="百万主体抽取基准")
            path.unlink()

            draw, executed_draw, create_s, execute_s = objects_draw(http, url, task_id)
            summary = executed_draw["summary"]
            frame_size = json.loads(draw["announcement"])["frame_size"]
            t3 = time.perf_counter()
            bundle = http.get(f"{url['sampling']}/v1/draws/{draw['id']}/bundle", headers=admin)
            t4 = time.perf_counter()
            bundle.raise_for_status()
        total = create_s + execute_s
        print(f"\n{'measure':<56} {'value':>10}  target")
        print(f"{'frame size (entities)':<56} {frame_size:>10,}")
        print(f"{'selected':<56} {summary['selected']:>10,}")
        print(f"{'POST /v1/draws: freeze + commit + audit receipt (s)':<56} {create_s:>10.2f}")
        print(f"{'POST /v1/draws/{id}/entropy: execute + store (s)':<56} {execute_s:>10.2f}")
        print(f"{'objects draw end to end over HTTP (s)':<56} {total:>10.2f}  < 5.0 {'OK' if total < 5 else 'MISSED'}")
        print(f"{'bundle download (MB, s)':<56} {len(bundle.content) / 1e6:>5.1f} {t4 - t3:>4.2f}")
        ok = total < 5
    finally:
        stack.stop_all()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
