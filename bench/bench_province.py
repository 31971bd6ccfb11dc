"""Province scale (make bench): ten million entities across Henan, end to end over HTTP.

Targets (issue 14, item 2), each printed with PASS/MISSED:
* import of the province file over HTTP within 1.5x a plain COPY of the same file into an
  equivalent table (same columns, same indexes), side by side on the same server;
* the whole province's frame (10,000,000 lines) served in under 5 s;
* an objects draw over it end to end over HTTP (freeze + commit + audit receipt + entropy +
  execute) in under 20 s, and its replay by the audit service in under 2x the draw;
* the draw's bundle downloaded (size and time printed; no target);
* the peak memory of every service during the run (each service's process and its children,
  sampled every 0.1 s) at most 2 GiB.

The file comes from ``jointcheck.demo.province`` (Henan's 157 county-level divisions); it is
kept in ``.data/bench-cache/`` and reused by later runs (``--fresh-file`` to rewrite it).

Usage: .venv/bin/python bench/bench_province.py [--rows 10000000]
(``JC_BENCH_PORT_OFFSET`` / ``JC_BENCH_DB_PREFIX`` to run beside other benchmarks. Needs about
3 GB of disk for the file and 8 GB for the databases at ten million rows.)
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import sys
import threading
import time
from pathlib import Path

import httpx
import psutil
from bench_registry import plain_copy, vacuum_analyze  # type: ignore[import-not-found]
from common import (  # type: ignore[import-not-found]
    LEAD,
    ROOT,
    approved_objects_task,
    auth,
    bench_stack,
    create_departments,
    objects_draw,
    tree_rss,
)

from jointcheck.demo import write_province_csv

GIB = 1 << 30
SERVICES = ("registry", "planning", "sampling", "results", "audit")
TARGETS = {"import": 1.5, "frame": 5.0, "draw": 20.0, "replay": 2.0, "memory": 2 * GIB}


class MemorySampler:
    """Peak RSS of each service (its process and every descendant), per phase, sampled in a thread."""

    def __init__(self, pids: dict[str, int], interval: float = 0.1) -> None:
        self.procs = {s: psutil.Process(pid) for s, pid in pids.items()}
        self.interval = interval
        self.phase = "start"
        self.peaks: dict[str, dict[str, int]] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            for service, proc in self.procs.items():
                rss = tree_rss(proc)
                by_phase = self.peaks.setdefault(service, {})
                by_phase[self.phase] = max(by_phase.get(self.phase, 0), rss)
            time.sleep(self.interval)

    def __enter__(self) -> MemorySampler:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()

    def peak(self, service: str) -> int:
        return max(self.peaks.get(service, {0: 0}).values())


def province_file(rows: int, fresh: bool) -> Path:
    cache = ROOT / ".data" / "bench-cache"
    cache.mkdir(parents=True, exist_ok=True)
    path = cache / f"henan-{rows}-2024.csv"
    if path.exists() and not fresh:
        print(f"reusing {path} ({path.stat().st_size / 1e9:.2f} GB)")
        return path
    t = time.perf_counter()
    partial = path.with_suffix(".partial")
    write_province_csv(partial, rows, seed=2024)
    partial.rename(path)
    print(
        f"generated {rows:,} rows across Henan ({path.stat().st_size / 1e9:.2f} GB) in {time.perf_counter() - t:.0f} s"
    )
    return path


async def server_settings(dsn: str) -> str:
    """What the figures depend on most on the database side (bulk loads write WAL and checkpoint)."""
    import asyncpg

    conn = await asyncpg.connect(dsn)
    try:
        names = ("server_version", "shared_buffers", "max_wal_size", "checkpoint_timeout", "synchronous_commit")
        return ", ".join([f"{n}={await conn.fetchval(f'SHOW {n}')}" for n in names])
    finally:
        await conn.close()


def timed(what: str, fn, *args, **kw):
    t = time.perf_counter()
    out = fn(*args, **kw)
    elapsed = time.perf_counter() - t
    print(f"  {what}: {elapsed:.2f} s", flush=True)
    return out, elapsed


def stream_to(http: httpx.Client, method: str, url: str, dest: Path | None, **kw) -> tuple[httpx.Response, int, str]:
    """A response streamed (to ``dest`` or nowhere) and hashed: (response, bytes, sha256)."""
    h = hashlib.sha256()
    size = 0
    with http.stream(method, url, **kw) as resp:
        resp.raise_for_status()
        out = dest.open("wb") if dest else None
        try:
            for chunk in resp.iter_bytes(1 << 20):
                h.update(chunk)
                size += len(chunk)
                if out:
                    out.write(chunk)
        finally:
            if out:
                out.close()
    return resp, size, h.hexdigest()


def reuse_task(http: httpx.Client, url: dict[str, str]) -> str:
    draws = http.get(f"{url['sampling']}/v1/draws", headers=auth("admin"), params={"limit": 100})
    draws.raise_for_status()
    items = draws.json()["items"]
    if not items:
        raise SystemExit("--reuse: no earlier draw in these databases (run once without --reuse)")
    for d in items:
        if d["status"] != "voided":
            http.post(
                f"{url['sampling']}/v1/draws/{d['id']}/void",
                headers=auth("officer", LEAD),
                json={"reason": "基准测试：重新抽取"},
            ).raise_for_status()
    task_id = items[0]["task_id"]
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:  # planning learns of the void through the outbox
        task = http.get(f"{url['planning']}/v1/tasks/{task_id}", headers=auth("admin"))
        if task.status_code == 200 and task.json()["state"] == "approved":
            return task_id
        time.sleep(0.5)
    raise SystemExit(f"--reuse: task {task_id} did not return to approved after the void")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--fresh-file", action="store_true", help="rewrite the cached province file")
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="keep the databases of an earlier run (same --rows, same JC_BENCH_DB_PREFIX): skip the COPY and the "
        "import (not measured), void the earlier draw and measure the frame, a new draw, its replay, the bundle",
    )
    parser.add_argument(
        "--no-baseline",
        action="store_true",
        help="skip the plain COPY (the import is still timed, its ratio is not printed)",
    )
    args = parser.parse_args()
    path = province_file(args.rows, args.fresh_file) if not args.reuse else None
    stack = bench_stack(SERVICES, extra_env={"{PREFIX}SCHEDULER_ENABLED": "false"}, fresh=not args.reuse)
    figures: dict[str, float] = {}
    ok = False
    try:
        url = {s: stack.cfg.base_url(s) for s in SERVICES}
        dsn = stack.cfg.database_url("registry").replace("postgresql+asyncpg", "postgresql")
        admin, auditor = auth("admin"), auth("auditor")
        pids = {s: stack.processes[s].pid for s in SERVICES}
        print(f"PostgreSQL: {asyncio.run(server_settings(dsn))}; {psutil.cpu_count()} CPUs", flush=True)
        with MemorySampler(pids) as mem, httpx.Client(timeout=3600) as http:
            if path is not None:
                create_departments(http, url)
            if path is not None and not args.no_baseline:
                mem.phase = "copy"
                figures["copy"] = timed(
                    "plain COPY of the file into an equivalent table", asyncio.run, plain_copy(dsn, path)
                )[1]
            if path is not None:
                mem.phase = "import"
                with path.open("rb") as fh:
                    imported, figures["import"] = timed(
                        "import over HTTP",
                        http.post,
                        f"{url['registry']}/v1/entities/import",
                        files={"file": ("henan.csv", fh, "text/csv")},
                        headers=admin,
                    )
                imported.raise_for_status()
                assert imported.json()["inserted"] == args.rows, imported.text[:300]
                mem.phase = "vacuum"
                timed("VACUUM ANALYZE (what an operator runs after a bulk load)", asyncio.run, vacuum_analyze(dsn))

            mem.phase = "frame"
            (frame, frame_bytes, frame_sha), figures["frame"] = timed(
                "frame of the whole province",
                stream_to,
                http,
                "POST",
                f"{url['registry']}/v1/frames",
                None,
                json={"scope": {"statuses": []}},
                headers=admin,
            )
            assert frame.headers["x-frame-sha256"] == frame_sha, "the frame's body does not match its X-Frame-SHA256"
            lines = int(frame.headers["x-frame-lines"])

            mem.phase = "setup"
            if path is not None:
                task_id = approved_objects_task(http, url, None, rows=args.rows, name="全省主体抽取基准")
            else:  # the earlier run's task: its draw is voided (with a reason) and drawn again
                task_id = reuse_task(http, url)
            mem.phase = "draw"
            draw, executed_draw, create_s, execute_s = objects_draw(http, url, task_id)
            figures["draw"] = create_s + execute_s
            print(f"  draw: create {create_s:.2f} s + entropy/execute {execute_s:.2f} s", flush=True)
            summary = executed_draw["summary"]
            frame_size = json.loads(draw["announcement"])["frame_size"]

            mem.phase = "replay"
            replayed, figures["replay_s"] = timed(
                "replay in audit",
                http.post,
                f"{url['audit']}/v1/replays",
                headers=auditor,
                json={"draw_id": draw["id"]},
            )
            replayed.raise_for_status()
            verdict = replayed.json()

            mem.phase = "bundle"
            bundle_path = ROOT / ".data" / "bench-cache" / "bundle.json"
            (_, bundle_bytes, _), figures["bundle"] = timed(
                "bundle download",
                stream_to,
                http,
                "GET",
                f"{url['sampling']}/v1/draws/{draw['id']}/bundle",
                bundle_path,
                headers=admin,
            )
            bundle_path.unlink()
            mem.phase = "end"

        def verdict_of(good: bool) -> str:
            return "PASS" if good else "MISSED"

        import_ratio = figures["import"] / figures["copy"] if "copy" in figures else None
        replay_ratio = figures["replay_s"] / figures["draw"]
        checks = {
            "import": import_ratio is not None and import_ratio <= TARGETS["import"],
            "frame": figures["frame"] < TARGETS["frame"],
            "draw": figures["draw"] < TARGETS["draw"],
            "replay": replay_ratio < TARGETS["replay"] and verdict["ok"],
        }
        print(f"\n{'measure (' + format(args.rows, ',') + ' entities, Henan)':<58} {'value':>10}  target")
        if import_ratio is not None:
            print(f"{'plain COPY into an equivalent table (s)':<58} {figures['copy']:>10.1f}")
            print(f"{'import over HTTP, validated, diffed, upserted (s)':<58} {figures['import']:>10.1f}")
            print(f"{'import / plain COPY':<58} {import_ratio:>10.2f}  ≤ 1.5  {verdict_of(checks['import'])}")
        else:
            if "import" in figures:
                print(f"{'import over HTTP, validated, diffed, upserted (s)':<58} {figures['import']:>10.1f}")
            print(f"{'import / plain COPY':<58} (--reuse or --no-baseline: not measured in this run)")
            del checks["import"]
        print(
            f"{f'frame of {lines:,} lines ({frame_bytes / 1e6:.0f} MB) over HTTP (s)':<58} "
            f"{figures['frame']:>10.2f}  < 5    {verdict_of(checks['frame'])}"
        )
        print(f"{'frame size after exclusions / selected':<58} {frame_size:>10,} / {summary['selected']:,}")
        print(
            f"{'objects draw end to end over HTTP (s)':<58} {figures['draw']:>10.2f}  < 20   {verdict_of(checks['draw'])}"
        )
        print(f"{'replay in audit (s)':<58} {figures['replay_s']:>10.2f}")
        print(
            f"{'replay / draw (verdict ' + ('ok' if verdict['ok'] else 'FAILED') + ')':<58} "
            f"{replay_ratio:>10.2f}  < 2    {verdict_of(checks['replay'])}"
        )
        print(f"{f'bundle download ({bundle_bytes / 1e6:.0f} MB) (s)':<58} {figures['bundle']:>10.2f}")
        phases = ["import", "frame", "draw", "replay", "bundle"]
        print(
            "\npeak memory (MiB; a service's processes and their children; "
            f"'-': not run, or over between two samples) by phase: {', '.join(phases)}"
        )
        for service in SERVICES:
            peak = mem.peak(service)
            checks[f"memory {service}"] = peak <= TARGETS["memory"]
            by_phase = " ".join(
                f"{mem.peaks[service][p] / (1 << 20):>7.0f}" if p in mem.peaks[service] else f"{'-':>7}" for p in phases
            )
            print(
                f"{'  ' + service:<20} {by_phase}   peak {peak / (1 << 20):>6.0f}  ≤ 2048  "
                f"{verdict_of(checks[f'memory {service}'])}"
            )
        ok = all(checks.values())
    finally:
        stack.stop_all()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
