"""Registry import memory benchmark: peak RSS of the registry process and its children.

The registry runs as a real process (uvicorn, as deployed); a sampler polls the resident
memory of it and every child (import worker processes) every 20 ms while each file is
imported over HTTP:

* an XLSX bomb: ~1.5 MB whose shared-string table expands to ~1.5 GiB;
* a 20 MB CSV of which every row is bad (several errors per row);
* a valid 1,000,000-row CSV, timed against a plain COPY of the same file.

Targets (issue 9): under 512 MiB each; the valid file within 2x a plain COPY.

Usage: .venv/bin/python bench/bench_import_memory.py [--rows 1000000] [--bomb-mib 1536]
(``JC_BENCH_PORT_OFFSET`` / ``JC_BENCH_DB_PREFIX`` to run beside other benchmarks.)
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import sys
import tempfile
import threading
import time
import zipfile
from pathlib import Path

import httpx
import psutil
from bench_registry import plain_copy  # type: ignore[import-not-found]
from common import auth, bench_stack, tree_rss  # type: ignore[import-not-found]

from jointcheck.demo import departments, write_entities_csv

MIB = 1 << 20
TARGET_MIB = 512


class PeakRSS:
    """Peak of (RSS of ``pid`` + RSS of all its descendants), sampled in a thread."""

    def __init__(self, pid: int, interval: float = 0.02) -> None:
        self.proc = psutil.Process(pid)
        self.interval = interval
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _sample(self) -> int:
        return tree_rss(self.proc)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self._sample())
            time.sleep(self.interval)

    def __enter__(self) -> PeakRSS:
        self.peak = self._sample()
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()


def xlsx_bomb(path: Path, mib: int) -> None:
    """A workbook whose shared strings expand to ``mib`` MiB of 30,000-character strings."""
    item = b"<si><t>" + b"A" * 30_000 + b"</t></si>"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr(
            "xl/workbook.xml",
            '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
            '<sheets><sheet name="s" sheetId="1" r:id="rId1"/></sheets></workbook>',
        )
        z.writestr(
            "xl/_rels/workbook.xml.rels",
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
            'Target="worksheets/sheet1.xml"/></Relationships>',
        )
        with z.open("xl/sharedStrings.xml", "w", force_zip64=True) as f:
            f.write(b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">')
            block = item * 100
            for _ in range(mib * MIB // len(block) + 1):
                f.write(block)
            f.write(b"</sst>")
        z.writestr(
            "xl/worksheets/sheet1.xml",
            '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            '<sheetData><row r="1"><c t="s"><v>0</v></c></row></sheetData></worksheet>',
        )


def all_bad_csv(path: Path, mib: int) -> int:
    """``mib`` MiB of rows in which every field is wrong."""
    header = (
        "统一社会信用代码,市场主体名称,市场主体类型,行业代码,所在行政区划,成立日期,登记状态,信用风险分类,监管部门\r\n"
    )
    rows = 0
    with open(path, "w", encoding="utf-8", newline="", buffering=1 << 20) as f:
        f.write(header)
        written = len(header.encode())
        while written < mib * MIB:
            line = f"BAD{rows:015d},,未知类型,Z999,99999,2024-13-45,状态{rows % 7},E,火星局;月球局\r\n"
            f.write(line)
            written += len(line.encode())
            rows += 1
    return rows


def run_import(client: httpx.Client, pid: int, path: Path, filename: str) -> tuple[httpx.Response, float, int]:
    with PeakRSS(pid) as peak, path.open("rb") as fh:
        started = time.perf_counter()
        r = client.post("/v1/entities/import", files={"file": (filename, fh)})
        elapsed = time.perf_counter() - started
    return r, elapsed, peak.peak


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--bomb-mib", type=int, default=1536)
    parser.add_argument("--bad-mib", type=int, default=20)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="jcbench-mem-"))
    t = time.perf_counter()
    bomb, bad, good = tmp / "bomb.xlsx", tmp / "bad.csv", tmp / "good.csv"
    xlsx_bomb(bomb, args.bomb_mib)
    bad_rows = all_bad_csv(bad, args.bad_mib)
    write_entities_csv(good, args.rows, seed=2024)
    print(
        f"files generated in {time.perf_counter() - t:.1f} s: bomb {bomb.stat().st_size / MIB:.1f} MiB "
        f"(expands to {args.bomb_mib} MiB), bad CSV {bad.stat().st_size / MIB:.1f} MiB ({bad_rows:,} rows), "
        f"valid CSV {good.stat().st_size / MIB:.0f} MiB ({args.rows:,} rows)"
    )

    stack = bench_stack(("registry",))
    results: list[tuple[str, int, float, int, int, str]] = []
    ok = True
    try:
        pid = stack.processes["registry"].pid
        base = stack.cfg.base_url("registry")
        dsn = stack.cfg.database_url("registry").replace("postgresql+asyncpg", "postgresql")
        with httpx.Client(base_url=base, headers=auth("admin"), timeout=1800) as client:
            for d in departments():
                client.post(
                    "/v1/departments", json={"code": d.code, "name": d.name, "short_name": d.short_name}
                ).raise_for_status()
            idle = PeakRSS(pid)._sample()
            r, s, peak = run_import(client, pid, bomb, "bomb.xlsx")
            results.append(("XLSX bomb", r.status_code, s, peak, len(r.content), r.json().get("code", "")))
            r, s, peak = run_import(client, pid, bad, "bad.csv")
            body = r.json()
            results.append(
                (
                    f"{args.bad_mib} MB all-bad CSV",
                    r.status_code,
                    s,
                    peak,
                    len(r.content),
                    f"{body.get('code')}: {body.get('rejected')} rows, {body.get('errors_total')} errors, "
                    f"{len(body.get('errors', []))} listed",
                )
            )
            copy_s = asyncio.run(plain_copy(dsn, good))
            r, s, peak = run_import(client, pid, good, "good.csv")
            body = r.json()
            results.append(
                (
                    f"valid {args.rows:,}-row CSV",
                    r.status_code,
                    s,
                    peak,
                    len(r.content),
                    f"inserted {body.get('inserted')}",
                )
            )
            ok = body.get("inserted") == args.rows
    finally:
        stack.stop_all()
        shutil.rmtree(tmp, ignore_errors=True)
    print()
    print(
        f"registry idle (process + children): {idle / MIB:.0f} MiB; machine: {psutil.cpu_count()} CPUs, "
        f"load average {psutil.getloadavg()[0]:.1f} (shared)"
    )
    print(f"{'file':<24} {'status':>6} {'seconds':>8} {'peak MiB':>9} {'answer':>9}  target <{TARGET_MIB} MiB")
    for name, status, secs, peak, size, note in results:
        verdict = "OK" if peak < TARGET_MIB * MIB else "MISSED"
        ok = ok and peak < TARGET_MIB * MIB
        print(f"{name:<24} {status:>6} {secs:>8.2f} {peak / MIB:>9.0f} {size:>9,}  {verdict}  {note}")
    ratio = results[-1][2] / copy_s
    print(
        f"plain COPY of the valid file: {copy_s:.2f} s; import / COPY = {ratio:.2f}  <= 2.0 {'OK' if ratio <= 2 else 'MISSED'}"
    )
    return 0 if ok and ratio <= 2 else 1


if __name__ == "__main__":
    sys.exit(main())
