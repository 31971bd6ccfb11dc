"""Replay benchmark: the audit service replays an objects draw over a 1,000,000-entity frame.

Target (issue 12): the replay — bundle fetched from sampling, the registry's own frame as of the
recorded version, results' recent inspections, every check including draw-v1's recomputation,
the verdict stored — takes under twice the time the draw itself took (freeze + commit +
entropy + execute, over HTTP).

Usage: .venv/bin/python bench/bench_replay.py [--rows 1000000]
(``JC_BENCH_PORT_OFFSET`` / ``JC_BENCH_DB_PREFIX`` to run beside other benchmarks.)
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
    # No scheduled replays during the measurement: only the one requested.
    stack = bench_stack(
        ("registry", "planning", "sampling", "results", "audit"), extra_env={"{PREFIX}SCHEDULER_ENABLED": "false"}
    )
    ok = False
    try:
        url = {s: stack.cfg.base_url(s) for s in ("registry", "planning", "sampling", "audit")}
        auditor = auth("auditor")
        with httpx.Client(timeout=900) as http:
            task_id = approved_objects_task(http, url, path, rows=args.rows, name="百万主体复核基准")
            path.unlink()

            draw, _, create_s, execute_s = objects_draw(http, url, task_id)
            frame_size = json.loads(draw["announcement"])["frame_size"]

            t2 = time.perf_counter()
            replayed = http.post(f"{url['audit']}/v1/replays", headers=auditor, json={"draw_id": draw["id"]})
            t3 = time.perf_counter()
            replayed.raise_for_status()
            verdict = replayed.json()
        drew, replay = create_s + execute_s, t3 - t2
        ratio = replay / drew
        print(f"\n{'measure':<56} {'value':>10}  target")
        print(f"{'frame size (entities)':<56} {frame_size:>10,}")
        print(f"{'the draw: freeze + commit + entropy + execute (s)':<56} {drew:>10.2f}")
        print(f"{'POST /v1/replays: fetch + every check + verdict (s)':<56} {replay:>10.2f}")
        print(f"{'  of which inside audit (duration_ms, s)':<56} {verdict['duration_ms'] / 1000:>10.2f}")
        print(f"{'replay / draw':<56} {ratio:>10.2f}  < 2.0 {'OK' if ratio < 2 else 'MISSED'}")
        print(f"{'verdict':<56} {'OK' if verdict['ok'] else 'FAILED: ' + str(verdict['failed_check']):>10}")
        ok = verdict["ok"] and ratio < 2
    finally:
        stack.stop_all()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
