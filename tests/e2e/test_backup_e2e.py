"""Backup and restore as deploy/README.md writes them: draws made through the gateway, every
service database dumped with pg_dump, restored into fresh databases with pg_restore, the
services started on the restored databases — and the audit service's replays of every draw
still say OK there, from the restored evidence alone.

(Runs the README's two blocks as written, with this suite's server, directory and names.)
"""

from __future__ import annotations

import asyncio
import re
import subprocess
from pathlib import Path

import asyncpg
import httpx
from sqlalchemy.engine import make_url

from jcdev.services import SERVICE_NAMES
from jcdev.stack import drop_databases, start_stack
from jcdev.testing import TEST_DB_PREFIX, require_system_binary

from .conftest import _BASE, e2e_stack_config, eventually
from .world import World

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "deploy" / "README.md"
RULES = {"A": {"ratio": "0.5"}, "B": {"count": 1}, "C": {"count": 1}, "D": {"count": 1}, "U": {"ratio": "1"}}
RESTORED_PORTS = {s: _BASE + 11 + i for i, s in enumerate(SERVICE_NAMES)} | {"gsxt": _BASE + 19}


def block(name: str) -> list[str]:
    """The lines of the README's ``<!-- name:begin -->`` … ``<!-- name:end -->`` bash block."""
    text = README.read_text(encoding="utf-8")
    m = re.search(rf"<!-- {name}:begin -->\n```bash\n(.*?)```\n<!-- {name}:end -->", text, re.S)
    assert m, f"deploy/README.md has no {name} block"
    return m.group(1).splitlines()


def run_block(name: str, settings: dict[str, str], cwd: Path) -> subprocess.CompletedProcess:
    lines = block(name)
    # the first line sets what differs between sites: the server, the directory, the names
    assert lines[0].startswith("export PGHOST=") and set(re.findall(r"(\w+)=", lines[0])) == set(settings)
    script = "\n".join(["export " + " ".join(f"{k}={v}" for k, v in settings.items()), *lines[1:]]) + "\n"
    done = subprocess.run(["bash", "-c", script], cwd=cwd, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, f"{name}:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}"
    return done


def libpq_settings(server_url: str) -> dict[str, str]:
    url = make_url(server_url)
    host = url.host or str(url.query.get("host", ""))
    assert host, server_url
    return {"PGHOST": host, "PGPORT": str(url.port or 5432), "PGUSER": url.username or "postgres"}


def executed_draws(http: httpx.Client, sampling: str, tokens) -> list[dict]:
    out, cursor = [], None
    while True:
        params = {"limit": 500, "status": "executed"} | ({"cursor": cursor} if cursor else {})
        page = http.get(f"{sampling}/v1/draws", params=params, headers=tokens.auditor)
        assert page.status_code == 200, page.text
        out.extend(page.json()["items"])
        cursor = page.json().get("next_cursor")
        if not cursor:
            return out


def replay_all(http: httpx.Client, audit: str, draws: list[dict], tokens) -> dict[str, tuple[bool, str | None]]:
    verdicts = {}
    for d in draws:
        r = http.post(f"{audit}/v1/replays", json={"draw_id": d["id"]}, headers=tokens.auditor)
        assert r.status_code == 201, r.text
        verdicts[d["id"]] = (r.json()["ok"], r.json()["failed_check"])
    return verdicts


def scheduled_verdicts(http: httpx.Client, audit: str, tokens) -> dict[str, tuple[bool, str | None]]:
    """The audit service's own (scheduled) verdicts, newest per draw. Replaying on request here
    would keep the scheduler off those draws for a while (tests/e2e/test_witness_e2e.py waits
    for its verdicts)."""
    seen: dict[str, tuple[bool, str | None]] = {}
    cursor = None
    while True:
        params = {"limit": 1000, "trigger": "schedule"} | ({"cursor": cursor} if cursor else {})
        page = http.get(f"{audit}/v1/replays", params=params, headers=tokens.auditor)
        assert page.status_code == 200, page.text
        for r in page.json()["items"]:
            seen.setdefault(r["draw_id"], (r["ok"], r["failed_check"]))
        cursor = page.json().get("next_cursor")
        if not cursor:
            return seen


def outboxes_drained(http: httpx.Client, urls: dict[str, str], tokens) -> bool:
    for service in SERVICE_NAMES:
        summary = http.get(f"{urls[service]}/ops/outbox/summary", headers=tokens.admin).json()
        if summary.get("pending", 0) or summary.get("blocked", 0):
            return False
    return True


async def _registry_version(url: str) -> int:
    conn = await asyncpg.connect(make_url(url).set(drivername="postgresql").render_as_string(hide_password=False))
    try:
        return await conn.fetchval("SELECT max(version) FROM registry_versions")
    finally:
        await conn.close()


def test_a_backup_restored_into_fresh_databases_replays_every_draw_ok(
    stack, pg_server_url, http, urls, tokens, tmp_path, tmp_path_factory
):
    for tool in ("pg_dump", "pg_restore", "createdb"):
        require_system_binary(f"/usr/bin/{tool}", "backup and restore use the PostgreSQL client")

    # draws to keep: objects and teams, through the gateway
    w = World(http, urls, tokens)
    w.departments()
    w.entities("AABBCCDDU")
    w.inspectors(3)
    task = w.task(rules=RULES, year=2033, window=("2033-04-01", "2033-09-30"), team_rules={"max_load": 10})
    objects = w.draw(task["id"])
    eventually(lambda: w.get("planning", f"/v1/tasks/{task['id']}")["state"] == "objects_drawn")
    teams = w.draw(task["id"], kind="teams")
    assert objects["status"] == teams["status"] == "executed"

    # quiet, as the README says: every outbox drained, then the verdicts before the backup
    eventually(lambda: outboxes_drained(http, urls, tokens), timeout=60, interval=0.5)
    draws = executed_draws(http, urls["sampling"], tokens)
    assert {objects["id"], teams["id"]} <= {d["id"] for d in draws}

    def every_draw_replayed() -> dict | None:
        verdicts = scheduled_verdicts(http, urls["audit"], tokens)
        return verdicts if all(d["id"] in verdicts for d in draws) else None

    scheduled = eventually(every_draw_replayed, timeout=120, interval=1.0)
    before = {d["id"]: scheduled[d["id"]] for d in draws}
    assert all(ok for ok, _ in before.values()), {k: v for k, v in before.items() if not v[0]}
    version = asyncio.run(_registry_version(stack.cfg.database_url("registry")))

    backup = tmp_path / "backup"
    pg = libpq_settings(pg_server_url)
    run_block("backup", pg | {"BACKUP": str(backup), "PREFIX": stack.cfg.db_prefix}, tmp_path)
    assert sorted(p.name for p in backup.iterdir()) == sorted([*(f"{s}.dump" for s in SERVICE_NAMES), "SHA256SUMS"])

    restored_prefix = f"{TEST_DB_PREFIX}restored_"
    names = [f"{restored_prefix}{s}" for s in SERVICE_NAMES]
    asyncio.run(drop_databases(pg_server_url, names))
    restored = None
    try:
        run_block("restore", pg | {"BACKUP": str(backup), "PREFIX": restored_prefix}, tmp_path)
        # the services on the restored databases (migrate first, as a deployment does: a no-op);
        # their GSXT address leads nowhere, so nothing restored is published twice
        cfg = e2e_stack_config(
            pg_server_url,
            ports=RESTORED_PORTS,
            db_prefix=restored_prefix,
            log_dir=tmp_path_factory.mktemp("restored-logs"),
        )
        cfg.with_gsxt = False
        restored = start_stack(cfg)
        there = {s: cfg.base_url(s) for s in SERVICE_NAMES}

        assert asyncio.run(_registry_version(cfg.database_url("registry"))) == version
        draws_there = executed_draws(http, there["sampling"], tokens)
        assert sorted(d["id"] for d in draws_there) == sorted(d["id"] for d in draws)
        after = replay_all(http, there["audit"], draws_there, tokens)
        assert after == before and all(ok for ok, _ in after.values())
        chain = http.get(f"{there['audit']}/v1/audit-events/verify", headers=tokens.auditor)
        assert chain.status_code == 200 and chain.json()["ok"] is True, chain.text
        # the restored public record is the same record
        public = http.get(f"{there['sampling']}/public/draws/{objects['id']}").json()
        assert public["announcement_sha256"] == objects["announcement_sha256"]
    finally:
        if restored is not None:
            restored.stop_all()
        asyncio.run(drop_databases(pg_server_url, names))
