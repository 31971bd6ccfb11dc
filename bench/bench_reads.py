"""Read paths against bare FastAPI (make bench), side by side in one run.

For each read — entity by USCC and an entity list page (registry), a task by id (planning),
a draw's public view (sampling), an inspection list page (results) — the real service and a
bare FastAPI app answering the same path with a body of the same size (``bare_app.py``: no
middleware, no database, no authentication) run under the same uvicorn (same worker count,
uvloop, httptools) and are loaded by the same client, ``wrk``, alternately: bare, real, bare,
real … ``--rounds`` times, ``--seconds`` each at ``--connections`` (8). The ratio is the median
of the rounds' real/bare throughputs. Then each side at 32 connections for the p99, twice:

* **closed loop** — every connection sends its next request as soon as the answer comes, so the
  service is saturated and latency ≈ 32 / throughput: for the heavy pages this is a throughput
  figure more than a latency one;
* **paced** — the same 32 connections offering half (``PACED_SHARE``) of the req/s the real route
  sustained at 8 connections (wrk's Lua ``delay``: each connection waits 32 / rate between
  requests), bare and real alike: the latency a request meets when the service is not saturated.

Both are printed, each with PASS/MISSED. So is **churn**: the PostgreSQL connections the
service's pools opened during the measured runs (``db_pool_connections_opened`` of ``/metrics``,
which also shows checkouts and waits per pool); a pool sized from the settings opens none.

Targets (issue 14): real ≥ 30 % of bare; p99 at 32 connections < 50 ms (closed loop and paced);
no connection churn.

Every request is checked: a run with a non-2xx answer or a socket error counts as MISSED
(a fast 401 is not a fast read). ``--profile DIR`` records py-spy collapsed stacks (flame graph input) of each real
service during its 32-connection run (``pip install py-spy``; needs ptrace).

Usage: .venv/bin/python bench/bench_reads.py [--rows 20000] [--workers 1] [--rounds 3] [--seconds 5]
Needs ``wrk`` (Debian package; ``make system-packages``).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg
import httpx
import psutil
from common import LEAD, ROOT, approved_objects_task, auth, bench_stack  # type: ignore[import-not-found]

from jointcheck.demo import write_entities_csv

RATIO_TARGET = 0.30
P99_TARGET_MS = 50.0
PACED_SHARE = 0.5  # the paced p99 runs offer this share of the real route's measured req/s
BARE_PORT = 19010

WRK_SCRIPT = """
local paths = {}
for line in io.lines(os.getenv("JC_WRK_PATHS")) do paths[#paths + 1] = line end
local i = math.random(#paths)
request = function()
  i = i % #paths + 1
  return wrk.format("GET", paths[i])
end
local pause = tonumber(os.getenv("JC_WRK_DELAY_MS") or "0")
if pause > 0 then
  delay = function() return pause end
end
"""


@dataclass
class Read:
    """One read path: which service, the paths to request (varied), the caller."""

    name: str
    label: str
    service: str
    paths: list[str]
    headers: dict[str, str]
    ratios: list[float] = field(default_factory=list)
    bare_rps: list[float] = field(default_factory=list)
    real_rps: list[float] = field(default_factory=list)
    p99_bare: float = 0.0
    p99_real: float = 0.0
    paced_rate: float = 0.0  # offered rate of the paced runs (req/s)
    paced_bare: WrkResult | None = None
    paced_real: WrkResult | None = None
    opened: int = 0  # connections the service's pools opened during the measured runs (churn)
    cpu: list[tuple[float, float, float]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


@dataclass
class WrkResult:
    rps: float
    p50_ms: float
    p99_ms: float
    requests: int
    bad: int


def _ms(value: str) -> float:
    m = re.fullmatch(r"([\d.]+)(us|ms|s|m)", value)
    if not m:
        raise ValueError(value)
    n, unit = float(m.group(1)), m.group(2)
    return n * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def wrk(
    base: str,
    paths_file: Path,
    script: Path,
    headers: dict[str, str],
    *,
    connections: int,
    seconds: float,
    rate: float | None = None,
) -> WrkResult:
    """``rate``: paced — each connection waits ``connections / rate`` seconds before each request,
    so at most ``rate`` requests a second are offered (fewer if answers are slow: the achieved
    rate is reported)."""
    cmd = ["wrk", "-t2", f"-c{connections}", f"-d{max(1, round(seconds))}s", "--latency", "-s", str(script)]
    for k, v in headers.items():
        cmd += ["-H", f"{k}: {v}"]
    env = {**os.environ, "JC_WRK_PATHS": str(paths_file)}
    if rate:
        env["JC_WRK_DELAY_MS"] = str(max(1, round(connections / rate * 1000)))
    out = subprocess.run([*cmd, base], capture_output=True, text=True, check=True, env=env).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    requests = int(re.search(r"(\d+) requests in", out).group(1))
    p50 = _ms(re.search(r"^\s+50%\s+(\S+)", out, re.M).group(1))
    p99 = _ms(re.search(r"^\s+99%\s+(\S+)", out, re.M).group(1))
    bad = 0
    if m := re.search(r"Non-2xx or 3xx responses: (\d+)", out):
        bad += int(m.group(1))
    if m := re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out):
        bad += sum(int(g) for g in m.groups())
    return WrkResult(rps, p50, p99, requests, bad)


def cpu_by_pid(pids: list[int]) -> dict[int, float]:
    out = {}
    for pid in pids:
        try:
            t = psutil.Process(pid).cpu_times()
        except psutil.Error:
            continue
        out[pid] = t.user + t.system
    return out


def process_tree(pid: int) -> list[int]:
    """A uvicorn process and its workers."""
    try:
        return [pid, *(c.pid for c in psutil.Process(pid).children(recursive=True))]
    except psutil.Error:
        return [pid]


def backends(dsn: str) -> list[int]:
    """The PostgreSQL backends serving a database (the service's pooled connections)."""

    async def query() -> list[int]:
        conn = await asyncpg.connect(dsn)
        try:
            rows = await conn.fetch(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
            return [r["pid"] for r in rows]
        finally:
            await conn.close()

    return asyncio.run(query())


@dataclass
class Measured:
    run: WrkResult
    cpu_us: float  # server CPU per request, microseconds
    pg_cpu_us: float  # its PostgreSQL backends' CPU per request (backends that closed meanwhile are missed)


def measured(run, server_pids: list[int], dsn: str | None) -> Measured:
    server_before = cpu_by_pid(server_pids)
    pg_before = cpu_by_pid(backends(dsn)) if dsn else {}
    result = run()
    server_after = cpu_by_pid(server_pids)
    pg_after = cpu_by_pid(backends(dsn)) if dsn else {}
    cpu = sum(v - server_before.get(p, 0.0) for p, v in server_after.items())
    pg_cpu = sum(v - pg_before.get(p, 0.0) for p, v in pg_after.items())
    n = max(result.requests, 1)
    return Measured(result, cpu / n * 1e6, pg_cpu / n * 1e6)


def pool_connections_opened(metrics_url: str) -> int:
    """Connections the service's pools (``write`` and ``read``) have opened since it started (``/metrics``)."""
    text = httpx.get(metrics_url, timeout=10).text
    return int(
        sum(
            float(m.group(1))
            for m in re.finditer(r"^db_pool_connections_opened_total\{[^}]*\} ([\d.e+]+)$", text, re.M)
        )
    )


def wait_for(check, what: str, timeout: float = 60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.3)
    raise TimeoutError(what)


async def analyze(database_urls: list[str]) -> None:
    for dsn in database_urls:
        conn = await asyncpg.connect(dsn.replace("postgresql+asyncpg", "postgresql"))
        try:
            await conn.execute("ANALYZE")
        finally:
            await conn.close()


def build_world(http: httpx.Client, url: dict[str, str], rows: int, tmp: Path) -> tuple[list[Read], dict[str, object]]:
    """Everything the five reads need, over HTTP: a directory, an approved task, an executed
    objects draw and teams draw, and the inspections results creates from it."""
    csv_path = tmp / "entities.csv"
    write_entities_csv(csv_path, rows, seed=2024)
    task_id = approved_objects_task(http, url, csv_path, rows=rows, name="读取性能基准")
    csv_path.unlink()
    lead = auth("officer", LEAD)
    draws = {}
    for kind in ("objects", "teams"):
        if kind == "teams":
            wait_for(
                lambda: (
                    http.get(f"{url['planning']}/v1/tasks/{task_id}", headers=lead).json()["state"] == "objects_drawn"
                ),
                "the task to be objects_drawn",
            )
        created = http.post(
            f"{url['sampling']}/v1/draws",
            headers=lead,
            json={"task_id": task_id, "kind": kind, "entropy_source": "witness dice"},
        )
        created.raise_for_status()
        draw_id = created.json()["id"]
        http.post(
            f"{url['sampling']}/v1/draws/{draw_id}/entropy", headers=lead, json={"entropy": f"{kind}: 3 1 4 1 5 9"}
        ).raise_for_status()
        draws[kind] = draw_id
    inspections = wait_for(
        lambda: http.get(f"{url['results']}/v1/inspections", params={"task_id": task_id}, headers=lead).json()["items"],
        "results to create the inspections",
    )

    inspector = auth("inspector")
    rnd = random.Random(14)
    page = http.get(f"{url['registry']}/v1/entities", params={"limit": 1000}, headers=inspector).json()
    usccs = [e["uscc"] for e in page["items"]]
    # Entity list pages: the first page and pages after random cursors (default size: 100).
    cursors = [None]
    next_cursor = http.get(f"{url['registry']}/v1/entities", headers=inspector).json()["next_cursor"]
    while next_cursor and len(cursors) < 20:
        cursors.append(next_cursor)
        next_cursor = http.get(
            f"{url['registry']}/v1/entities", params={"cursor": next_cursor}, headers=inspector
        ).json()["next_cursor"]
    reads = [
        Read(
            "entity",
            "entity by USCC (registry)",
            "registry",
            [f"/v1/entities/{u}" for u in rnd.sample(usccs, min(500, len(usccs)))],
            inspector,
        ),
        Read(
            "entity_page",
            "entity list page of 100 (registry)",
            "registry",
            [f"/v1/entities?cursor={c}" if c else "/v1/entities" for c in cursors],
            inspector,
        ),
        Read("task", "task by id (planning)", "planning", [f"/v1/tasks/{task_id}"], lead),
        Read(
            "public_draw",
            "public draw view (sampling)",
            "sampling",
            [f"/public/draws/{draws['objects']}", f"/public/draws/{draws['teams']}"],
            {},
        ),
        Read(
            "inspection_page",
            f"inspection list page of {min(100, len(inspections))} (results)",
            "results",
            [f"/v1/inspections?task_id={task_id}"],
            lead,
        ),
    ]
    payloads = {}
    for read in reads:
        r = http.get(url[read.service] + read.paths[0], headers=read.headers)
        r.raise_for_status()
        payloads[read.name] = r.json()
    return reads, payloads


def start_bare(payloads_file: Path, port: int, workers: int, log: Path) -> subprocess.Popen:
    cmd = [
        sys.executable,
        "-m",
        "uvicorn",
        "--factory",
        "bare_app:create_app",
        "--app-dir",
        str(ROOT / "bench"),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--no-access-log",
        "--log-level",
        "warning",
        *(["--workers", str(workers)] if workers > 1 else []),
    ]
    proc = subprocess.Popen(
        cmd,
        env={**os.environ, "JC_BARE_PAYLOADS": str(payloads_file)},
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    wait_for(lambda: _answers(f"http://127.0.0.1:{port}/docs"), "the bare app to start", timeout=30)
    return proc


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


def py_spy(pid: int, seconds: float, out: Path, workers: int) -> subprocess.Popen | None:
    exe = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    if not Path(exe).exists():
        print("py-spy not installed: no profile (pip install py-spy)")
        return None
    cmd = [
        exe,
        "record",
        "--pid",
        str(pid),
        "--duration",
        str(int(seconds)),
        "--rate",
        "250",
        "--gil",
        "--format",
        "raw",
    ]
    if workers > 1:
        cmd.append("--subprocesses")
    return subprocess.Popen([*cmd, "-o", str(out)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=20_000, help="entities in the directory")
    parser.add_argument("--workers", type=int, default=1, help="uvicorn workers, bare and real alike")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--only", nargs="*", help="route names: entity entity_page task public_draw inspection_page")
    parser.add_argument("--profile", type=Path, help="write py-spy flame graphs of the real services here")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        print("SKIPPED: wrk is not installed (make system-packages installs it)")
        return 0
    tmp = Path(tempfile.mkdtemp(prefix="jcbench-reads-"))
    offset = int(os.environ.get("JC_BENCH_PORT_OFFSET", "0"))
    stack = bench_stack(
        ("registry", "planning", "sampling", "results", "audit"),
        extra_env={"{PREFIX}SCHEDULER_ENABLED": "false"},  # audit's replays would compete for the CPU
        workers=args.workers,
    )
    bare = None
    ok = True
    try:
        url = {s: stack.cfg.base_url(s) for s in ("registry", "planning", "sampling", "results")}
        with httpx.Client(timeout=600) as http:
            t = time.perf_counter()
            reads, payloads = build_world(http, url, args.rows, tmp)
            print(
                f"set-up over HTTP: {args.rows:,} entities, a task, two draws, inspections ({time.perf_counter() - t:.0f} s)"
            )
        # What autovacuum does after a bulk load (it may be off on a test server): without statistics
        # PostgreSQL plans the freshly filled tables as if they were empty.
        asyncio.run(analyze([stack.cfg.database_url(s) for s in url]))
        payloads_file = tmp / "payloads.json"
        payloads_file.write_text(json.dumps(payloads, ensure_ascii=False), encoding="utf-8")
        bare_port = BARE_PORT + offset
        bare = start_bare(payloads_file, bare_port, args.workers, tmp / "bare.log")
        bare_url = f"http://127.0.0.1:{bare_port}"
        script = tmp / "paths.lua"
        script.write_text(WRK_SCRIPT, encoding="utf-8")
        if args.only:
            reads = [r for r in reads if r.name in args.only]
        if args.profile:
            args.profile.mkdir(parents=True, exist_ok=True)
        for read in reads:
            paths_file = tmp / f"{read.name}.paths"
            paths_file.write_text("\n".join(read.paths) + "\n", encoding="utf-8")
            real_url = url[read.service]
            size_real = len(json.dumps(payloads[read.name], ensure_ascii=False).encode())
            # Warm-up at both concurrencies measured below: caches fill, and each pool opens the
            # connections that concurrency needs (up to its size), so that what is opened during
            # the measured runs is churn, not a pool filling up.
            for connections in sorted({args.connections, 32}):
                for base in (bare_url, real_url):
                    wrk(base, paths_file, script, read.headers, connections=connections, seconds=1)
            real_pids = process_tree(stack.processes[read.service].pid)
            bare_pids = process_tree(bare.pid)
            dsn = stack.cfg.database_url(read.service).replace("postgresql+asyncpg", "postgresql")

            def load(base: str, connections: int = args.connections, read: Read = read, paths_file: Path = paths_file):
                return lambda: wrk(
                    base, paths_file, script, read.headers, connections=connections, seconds=args.seconds
                )

            metrics_url = f"{real_url}/metrics"
            opened_before = pool_connections_opened(metrics_url)
            for _ in range(args.rounds):
                b = measured(load(bare_url), bare_pids, None)
                r = measured(load(real_url), real_pids, dsn)
                for side, res in (("bare", b.run), ("real", r.run)):
                    if res.bad:
                        read.errors.append(f"{side}: {res.bad} non-2xx or socket errors")
                read.bare_rps.append(b.run.rps)
                read.real_rps.append(r.run.rps)
                read.ratios.append(r.run.rps / b.run.rps)
                read.cpu.append((b.cpu_us, r.cpu_us, r.pg_cpu_us))
            b32 = wrk(bare_url, paths_file, script, read.headers, connections=32, seconds=args.seconds)
            spy = None
            if args.profile:
                spy = py_spy(
                    stack.processes[read.service].pid, args.seconds, args.profile / f"{read.name}.folded", args.workers
                )
            r32 = wrk(real_url, paths_file, script, read.headers, connections=32, seconds=args.seconds)
            if spy:
                spy.wait()
            # The same 32 connections, paced at half the rate the real route sustained at 8: the
            # latency a request meets when the service is not saturated (closed-loop p99 is ≈ 32 / throughput).
            read.paced_rate = PACED_SHARE * statistics.median(read.real_rps)
            read.paced_bare = wrk(
                bare_url, paths_file, script, read.headers, connections=32, seconds=args.seconds, rate=read.paced_rate
            )
            read.paced_real = wrk(
                real_url, paths_file, script, read.headers, connections=32, seconds=args.seconds, rate=read.paced_rate
            )
            read.opened = pool_connections_opened(metrics_url) - opened_before
            for side, res in (
                ("bare c32", b32),
                ("real c32", r32),
                ("bare c32 paced", read.paced_bare),
                ("real c32 paced", read.paced_real),
            ):
                if res.bad:
                    read.errors.append(f"{side}: {res.bad} non-2xx or socket errors")
            read.p99_bare, read.p99_real = b32.p99_ms, r32.p99_ms
            cpu = [statistics.median(c[i] for c in read.cpu) for i in range(3)]
            print(
                f"  {read.name}: body {size_real:,} B; bare {[round(x) for x in read.bare_rps]} "
                f"real {[round(x) for x in read.real_rps]} req/s; c32 closed-loop p99 bare {b32.p99_ms:.1f} "
                f"real {r32.p99_ms:.1f} ms; c32 paced at {read.paced_rate:.0f} req/s: p99 bare "
                f"{read.paced_bare.p99_ms:.1f} real {read.paced_real.p99_ms:.1f} ms (achieved {read.paced_real.rps:.0f} req/s); "
                f"CPU per request: bare {cpu[0]:.0f} µs, real {cpu[1]:.0f} µs + PostgreSQL {cpu[2]:.0f} µs; "
                f"pool connections opened under load: {read.opened}"
            )
        print(
            f"\nwrk -t2 -c{args.connections}, {args.rounds} × {args.seconds:g} s alternately; "
            f"uvicorn workers: {args.workers}; entities: {args.rows:,}"
        )
        print(
            "p99@32 closed: wrk -c32 as fast as answers come (≈ 32 / throughput: a throughput figure);\n"
            f"p99@32 paced: 32 connections offering {PACED_SHARE:.0%} of the real route's req/s at 8 connections;\n"
            "churn: PostgreSQL connections the service's pools opened during the measured runs (target 0)."
        )
        print(
            f"{'read path':<40} {'bare r/s':>9} {'real r/s':>9} {'ratio':>6}  {'≥ 30%':<6}  "
            f"{'p99@32 closed':>13} {'< 50 ms':<7} {'p99@32 paced':>13} {'< 50 ms':<7} {'churn':>5}"
        )
        for read in reads:
            ratio = statistics.median(read.ratios)
            ratio_ok = ratio >= RATIO_TARGET and not read.errors
            p99_ok = read.p99_real < P99_TARGET_MS and not read.errors
            paced_ok = read.paced_real is not None and read.paced_real.p99_ms < P99_TARGET_MS and not read.errors
            churn_ok = read.opened == 0
            ok = ok and ratio_ok and p99_ok and paced_ok and churn_ok
            paced_p99 = read.paced_real.p99_ms if read.paced_real else float("nan")
            print(
                f"{read.label:<40} {statistics.median(read.bare_rps):>9.0f} {statistics.median(read.real_rps):>9.0f} "
                f"{ratio:>6.0%}  {'PASS' if ratio_ok else 'MISSED':<6}  "
                f"{read.p99_real:>11.1f}ms {'PASS' if p99_ok else 'MISSED':<7} "
                f"{paced_p99:>11.1f}ms {'PASS' if paced_ok else 'MISSED':<7} "
                f"{read.opened:>5} {'PASS' if churn_ok else 'MISSED'}"
            )
            for e in read.errors:
                print(f"    ! {e}")
        if args.profile:
            print(f"py-spy profiles (collapsed stacks, real services at 32 connections): {args.profile}")
    finally:
        if bare is not None:
            bare.terminate()
            bare.wait(10)
        stack.stop_all()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
