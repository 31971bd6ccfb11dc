"""Shared set-up for benchmarks: a PostgreSQL server and a running stack on loopback."""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from jcdev.stack import Stack, StackConfig, start_stack  # noqa: E402
from jcdev.testing import TEST_JWT_SECRET, resolve_test_server_url  # noqa: E402
from jointcheck.auth import mint_token  # noqa: E402

BENCH_PORTS = {"registry": 19001, "planning": 19002, "sampling": 19003, "results": 19004, "audit": 19005, "gsxt": 19009}


def bench_stack(
    services: tuple[str, ...], *, extra_env: dict[str, str] | None = None, with_gsxt: bool = False
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
        log_dir=ROOT / ".data" / "bench-logs",
        extra_env={
            "{PREFIX}ENVIRONMENT": "test",
            "{PREFIX}JWT_SECRET": TEST_JWT_SECRET,
            "{PREFIX}LOG_LEVEL": "INFO",
            **(extra_env or {}),
        },
    )
    return start_stack(cfg, fresh=True)


def auth(role: str = "admin", dept: str | None = None) -> dict[str, str]:
    return {"Authorization": "Bearer " + mint_token(TEST_JWT_SECRET, subject=f"bench-{role}", roles=[role], dept=dept)}
