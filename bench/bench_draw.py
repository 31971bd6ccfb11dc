#!/usr/bin/env python3
"""Benchmark: draw-v1 objects draw vs. Rivest's consistent_sampler on 1,000,000 ids.

    .venv/bin/python bench/bench_draw.py [--entities N] [--repeat R]

Builds a frame of N valid-looking USCCs (GB 32100 check character, Xinyang counties),
credit classes A/B/C/D/U mixed, rule ratio "0.03" for every class.  Times
``draw_objects`` (workers=1 and workers=2; parsing and validating the frame text
included) and ``consistent_sampler.sampler`` drawing the same total sample size,
without replacement, from the same ids (a plain list, nothing to parse).
Exits 1 unless our best time is at least 5x faster.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "shared"))

from jointcheck.codes import USCC_ALPHABET as ALPHABET
from jointcheck.codes import make_uscc
from jointcheck.draw import derive_keys, draw_objects, make_file

COUNTIES = ("411502", "411503", "411521", "411522", "411523", "411524", "411525", "411526", "411527", "411528")
CLASSES = "ABCDU"
REQUIRED_SPEEDUP = 5.0


def build_ids(n: int, seed: int = 20240601) -> list[str]:
    rng = random.Random(seed)
    ids: set[str] = set()
    org_chars = ALPHABET
    while len(ids) < n:
        category = rng.choice("1112")  # mostly enterprises, some individual businesses
        body = "".join(rng.choices(org_chars, k=9))
        ids.add(make_uscc("9" + category + rng.choice(COUNTIES) + body))
    return sorted(ids)


def timed(fn, repeat: int) -> tuple[float, object]:
    best, out = float("inf"), None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--entities", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=3, help="runs of each draw_objects variant (best kept)")
    args = ap.parse_args()

    try:
        import consistent_sampler
    except ImportError:
        print("consistent_sampler is not installed (pip install consistent-sampler)", file=sys.stderr)
        return 2

    t0 = time.perf_counter()
    ids = build_ids(args.entities)
    rng = random.Random(7)
    frame = make_file([(i, rng.choice(CLASSES)) for i in ids])
    strata = {c: {"ratio": "0.03"} for c in CLASSES}
    k_sample, _ = derive_keys(b'{"bench":true}', bytes(range(32)), "bench entropy")
    print(
        f"frame: {args.entities:,} lines, {len(frame.encode()):,} bytes, built in {time.perf_counter() - t0:.1f} s;"
        f" CPUs: {os.cpu_count()}"
    )

    t1, r1 = timed(lambda: draw_objects(k_sample, frame, strata, workers=1), args.repeat)
    t2, r2 = timed(lambda: draw_objects(k_sample, frame, strata, workers=2), args.repeat)
    assert r1 == r2, "workers=2 gave a different result"
    take = sum(v["sample"] for v in r1["sizes"].values())

    def cs():
        return list(
            consistent_sampler.sampler(ids, seed="314159265358979", with_replacement=False, take=take, output="id")
        )

    tc, rc = timed(cs, 1)
    assert len(rc) == take == len(r1["selected"])

    best = min(t1, t2)
    rows = [
        ("draw_objects workers=1", t1, tc / t1),
        ("draw_objects workers=2", t2, tc / t2),
        ("consistent_sampler.sampler", tc, 1.0),
    ]
    per_class = ", ".join("%s %d/%d" % (s, v["sample"], v["population"]) for s, v in r1["sizes"].items())
    print(f"sample: {take:,} of {args.entities:,} ({per_class})")
    print(f"{'method':<30} {'seconds':>9} {'speedup':>9}")
    for name, secs, ratio in rows:
        print(f"{name:<30} {secs:>9.3f} {ratio:>8.1f}x")
    speedup = tc / best
    verdict = "PASS" if speedup >= REQUIRED_SPEEDUP else "FAIL"
    print(
        f"{verdict}: best draw-v1 is {speedup:.1f}x faster than consistent_sampler (required >= {REQUIRED_SPEEDUP:.0f}x)"
    )
    return 0 if speedup >= REQUIRED_SPEEDUP else 1


if __name__ == "__main__":
    sys.exit(main())
