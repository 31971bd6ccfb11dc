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
from common import auth, bench_stack  # type: ignore[import-not-found]

from jointcheck.demo import departments, write_entities_csv

LEAD = "SWJ"


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
        admin, lead, auditor = auth("admin"), auth("officer", LEAD), auth("auditor")
        with httpx.Client(timeout=900) as http:
            for d in departments():
                http.post(
                    f"{url['registry']}/v1/departments",
                    json={"code": d.code, "name": d.name, "short_name": d.short_name},
                    headers=admin,
                ).raise_for_status()
            with path.open("rb") as fh:
                http.post(
                    f"{url['registry']}/v1/entities/import", files={"file": ("e.csv", fh)}, headers=admin
                ).raise_for_status()
            path.unlink()
            item = http.post(
                f"{url['planning']}/v1/items",
                headers=lead,
                json={
                    "department": LEAD,
                    "code": "SWJ-BENCH",
                    "name": "经营资格检查",
                    "legal_basis": "相关法律法规",
                    "methods": ["on_site"],
                },
            ).json()
            checklist = http.post(
                f"{url['planning']}/v1/checklists",
                headers=lead,
                json={
                    "name": "全部行业（基准测试）",
                    "industry_codes": list("ABCDEFGHIJKLMNOPQRST"),
                    "lead_department": LEAD,
                    "items": [{"item_id": item["id"]}],
                },
            ).json()
            plan = http.post(
                f"{url['planning']}/v1/plans",
                headers=lead,
                json={"year": 2027, "lead_department": LEAD, "name": "2027年度基准测试计划"},
            ).json()
            task = http.post(
                f"{url['planning']}/v1/tasks",
                headers=lead,
                json={
                    "plan_id": plan["id"],
                    "checklist_id": checklist["id"],
                    "name": "百万主体复核基准",
                    "scope": {"statuses": []},
                    "sampling_rules": {c: {"ratio": "0.03"} for c in "ABCDU"},
                    "inspection_start": "2027-04-01",
                    "inspection_end": "2027-09-30",
                },
            )
            task.raise_for_status()
            task_id = task.json()["id"]
            http.post(
                f"{url['planning']}/v1/tasks/{task_id}/transitions",
                headers=lead,
                json={"to": "approved", "reason": "基准测试"},
            ).raise_for_status()

            t0 = time.perf_counter()
            created = http.post(
                f"{url['sampling']}/v1/draws",
                headers=lead,
                json={"task_id": task_id, "kind": "objects", "entropy_source": "witness dice"},
            )
            created.raise_for_status()
            draw = created.json()
            executed = http.post(
                f"{url['sampling']}/v1/draws/{draw['id']}/entropy",
                headers=lead,
                json={"entropy": "witness dice: 3 1 4 1 5 9 2 6"},
            )
            t1 = time.perf_counter()
            executed.raise_for_status()
            frame_size = json.loads(draw["announcement"])["frame_size"]

            t2 = time.perf_counter()
            replayed = http.post(f"{url['audit']}/v1/replays", headers=auditor, json={"draw_id": draw["id"]})
            t3 = time.perf_counter()
            replayed.raise_for_status()
            verdict = replayed.json()
        drew, replay = t1 - t0, t3 - t2
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
