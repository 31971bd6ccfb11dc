"""Shared set-up for benchmarks: a PostgreSQL server and a running stack on loopback."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from jcdev.stack import Stack, StackConfig, start_stack  # noqa: E402
from jcdev.testing import TEST_JWT_SECRET, resolve_test_server_url  # noqa: E402
from jointcheck.auth import mint_token  # noqa: E402

BENCH_PORTS = {"registry": 19001, "planning": 19002, "sampling": 19003, "results": 19004, "audit": 19005, "gsxt": 19009}


def bench_stack(
    services: tuple[str, ...],
    *,
    extra_env: dict[str, str] | None = None,
    with_gsxt: bool = False,
    workers: int = 1,
    fresh: bool = True,
) -> Stack:
    """Start ``services`` on bench ports with fresh ``jcbench_*`` databases.

    ``JC_BENCH_PORT_OFFSET`` and ``JC_BENCH_DB_PREFIX`` let benchmarks run side by side."""
    offset = int(os.environ.get("JC_BENCH_PORT_OFFSET", "0"))
    cfg = StackConfig(
        server_url=os.environ.get("JC_BENCH_DATABASE_URL") or resolve_test_server_url(),
        ports={s: p + offset for s, p in BENCH_PORTS.items()},
        db_prefix=os.environ.get("JC_BENCH_DB_PREFIX", "jcbench_"),
        services=services,
        with_gsxt=with_gsxt,
        workers=workers,
        log_dir=ROOT / ".data" / "bench-logs",
        extra_env={
            "{PREFIX}ENVIRONMENT": "test",
            "{PREFIX}JWT_SECRET": TEST_JWT_SECRET,
            "{PREFIX}LOG_LEVEL": "INFO",
            **(extra_env or {}),
        },
    )
    return start_stack(cfg, fresh=fresh)


def auth(role: str = "admin", dept: str | None = None) -> dict[str, str]:
    return {"Authorization": "Bearer " + mint_token(TEST_JWT_SECRET, subject=f"bench-{role}", roles=[role], dept=dept)}


LEAD = "SWJ"


def create_departments(http: Any, url: dict[str, str]) -> None:
    from jointcheck.demo import departments

    for d in departments():
        http.post(
            f"{url['registry']}/v1/departments",
            json={"code": d.code, "name": d.name, "short_name": d.short_name},
            headers=auth("admin"),
        ).raise_for_status()


def approved_objects_task(http: Any, url: dict[str, str], entities_csv: Path | None, *, rows: int, name: str) -> str:
    """What an objects draw over the whole directory needs, over HTTP: departments, the entity
    file imported, an item, a checklist of every industry, a published plan, inspectors enough for
    the capacity check, and an approved task. Returns the task id.

    ``entities_csv`` None: the departments and entities are in the registry already."""
    admin, lead = auth("admin"), auth("officer", LEAD)
    if entities_csv is not None:
        create_departments(http, url)
        with entities_csv.open("rb") as fh:
            http.post(
                f"{url['registry']}/v1/entities/import", files={"file": ("e.csv", fh)}, headers=admin
            ).raise_for_status()
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
    )
    item.raise_for_status()
    checklist = http.post(
        f"{url['planning']}/v1/checklists",
        headers=lead,
        json={
            "name": "全部行业（基准测试）",
            "industry_codes": list("ABCDEFGHIJKLMNOPQRST"),
            "lead_department": LEAD,
            "items": [{"item_id": item.json()["id"]}],
        },
    )
    checklist.raise_for_status()
    plan = http.post(
        f"{url['planning']}/v1/plans",
        headers=lead,
        json={"year": 2027, "lead_department": LEAD, "name": "2027年度基准测试计划"},
    )
    plan.raise_for_status()
    plan_id = plan.json()["id"]
    for to in ("filed", "published"):  # tasks are approved only under a published plan
        http.post(f"{url['planning']}/v1/plans/{plan_id}/transitions", headers=lead, json={"to": to}).raise_for_status()
    for i in range(4):  # approval needs inspectors enough for every expected entity (teams of two)
        http.post(
            f"{url['registry']}/v1/inspectors",
            headers=admin,
            json={
                "inspector_id": f"SWJ-BENCH-{i}",
                "name": f"执法{i}号",
                "department": LEAD,
                "certificate_no": f"BENCH{i:04d}",
                "specialties": [],
                "region": "411523",
            },
        ).raise_for_status()
    task = http.post(
        f"{url['planning']}/v1/tasks",
        headers=lead,
        json={
            "plan_id": plan_id,
            "checklist_id": checklist.json()["id"],
            "name": name,
            "scope": {"statuses": []},
            "sampling_rules": {c: {"ratio": "0.03"} for c in "ABCDU"},
            "team_rules": {"max_load": max(1, rows // 50)},
            "inspection_start": "2027-04-01",
            "inspection_end": "2027-09-30",
        },
    )
    task.raise_for_status()
    task_id = task.json()["id"]
    http.post(
        f"{url['planning']}/v1/tasks/{task_id}/transitions", headers=lead, json={"to": "approved", "reason": "基准测试"}
    ).raise_for_status()
    return task_id


def objects_draw(http: Any, url: dict[str, str], task_id: str) -> tuple[dict[str, Any], dict[str, Any], float, float]:
    """An objects draw over HTTP as the lead department's officer: freeze + commit (with the audit
    receipt), then entropy + execute. Returns (the draw as created, as executed, seconds to create,
    seconds to supply entropy and execute)."""
    import time

    lead = auth("officer", LEAD)
    t0 = time.perf_counter()
    created = http.post(
        f"{url['sampling']}/v1/draws",
        headers=lead,
        json={"task_id": task_id, "kind": "objects", "entropy_source": "witness dice"},
    )
    t1 = time.perf_counter()
    created.raise_for_status()
    draw = created.json()
    executed = http.post(
        f"{url['sampling']}/v1/draws/{draw['id']}/entropy",
        headers=lead,
        json={"entropy": "witness dice: 3 1 4 1 5 9 2 6"},
    )
    t2 = time.perf_counter()
    executed.raise_for_status()
    return draw, executed.json(), t1 - t0, t2 - t1


def tree_rss(proc: Any) -> int:
    """Resident memory of a process and all its descendants (bytes; a process that exits while
    being read counts 0)."""
    import psutil

    try:
        family = [proc, *proc.children(recursive=True)]
    except psutil.Error:
        return 0
    total = 0
    for p in family:
        try:
            total += p.memory_info().rss
        except psutil.Error:
            pass
    return total
