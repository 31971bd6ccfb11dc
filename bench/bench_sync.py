"""Platform sync benchmark: the time to apply a province's day of changes (100,000 events)
from the collaborative platform's feed (the GSXT emulator, over real HTTP), and the registry
versions it used (one per page).

The feed first registers ``--base`` existing entities (an initial load, timed apart), then
``--changes`` events in the emulator's realistic mix (new, changed, ended registrations,
credit classes; ``--bad-fraction`` with a bad check character, rejected).

Usage: .venv/bin/python bench/bench_sync.py [--base 50000] [--changes 100000] [--page-size 5000]
(``JC_BENCH_PORT_OFFSET`` / ``JC_BENCH_DB_PREFIX`` let it run beside other benchmarks.)
"""

from __future__ import annotations

import argparse
import time

import httpx
from common import auth, bench_stack  # type: ignore[import-not-found]


def sync(client: httpx.Client, registry: str) -> tuple[dict, float]:
    started = time.perf_counter()
    r = client.post(f"{registry}/v1/sync/platform", headers=auth("admin"), timeout=3600)
    elapsed = time.perf_counter() - started
    r.raise_for_status()
    run = r.json()
    assert run["status"] == "succeeded", run
    return run, elapsed


def report(label: str, run: dict, elapsed: float) -> None:
    print(
        f"{label}: {run['pulled']:,} events in {elapsed:.1f} s ({run['pulled'] / elapsed:,.0f} events/s); "
        f"{len(run['versions'])} registry versions ({run['pages']} pages); inserted {run['inserted']:,}, "
        f"updated {run['updated']:,}, deregistered {run['deregistered']:,}, classes changed "
        f"{run['classes_changed']:,}, unchanged {run['unchanged']:,}, rejected {run['rejected']:,}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", type=int, default=50_000)
    parser.add_argument("--changes", type=int, default=100_000)
    parser.add_argument("--bad-fraction", type=float, default=0.001)
    parser.add_argument("--page-size", type=int, default=5000)
    args = parser.parse_args()
    stack = bench_stack(
        ("registry",),
        with_gsxt=True,
        extra_env={"{PREFIX}PLATFORM_PAGE_SIZE": str(args.page_size), "{PREFIX}LOG_LEVEL": "WARNING"},
    )
    try:
        registry, gsxt = stack.cfg.base_url("registry"), stack.cfg.base_url("gsxt")
        # the stack wires REGISTRY_GSXT_URL, which REGISTRY_PLATFORM_URL defaults to
        with httpx.Client(timeout=600) as client:
            feed = {"base": args.base, "changes": 0, "bad_fraction": args.bad_fraction}
            client.put(f"{gsxt}/emulator/feed", json=feed, headers=auth("service")).raise_for_status()
            run, elapsed = sync(client, registry)
            report(f"initial load ({args.base:,} entities)", run, elapsed)
            feed["changes"] = args.changes
            client.put(f"{gsxt}/emulator/feed", json=feed, headers=auth("service")).raise_for_status()
            run, elapsed = sync(client, registry)
            report(f"a province's day ({args.changes:,} changes)", run, elapsed)
    finally:
        stack.stop_all()


if __name__ == "__main__":
    main()
