"""Portal benchmark: verify, in headless Chromium, an objects draw over a 1,000,000-entity frame.

A real draw is made over HTTP (the directory imported, a published plan, an approved task, an
objects draw with witness entropy), its bundle is fetched as an auditor, and the portal's verify
page — served by the development gateway in front of the benchmark's services, so the
audit-receipt step runs too — verifies it dropped in as a file. Printed: the time from the file
being chosen to the verdict (target under 15 s), the same bundle through tools/verify_draw.py's
Python verifier, and their ratio.

Usage: .venv/bin/python bench/bench_portal_verify.py [--rows 1000000]
(``JC_BENCH_PORT_OFFSET`` / ``JC_BENCH_DB_PREFIX`` to run beside other benchmarks.)
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import httpx
from common import LEAD, approved_objects_task, auth, bench_stack  # type: ignore[import-not-found]

from jcdev.browser import headless_chromium
from jcdev.gateway import create_app
from jcdev.services import SERVICE_NAMES
from jcdev.testing import LiveServer
from jointcheck.demo import write_entities_csv
from jointcheck.draw import verify_bundle

TARGET_S = 15.0


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="jcbench-portal-"))
    csv = work / "entities.csv"
    write_entities_csv(csv, args.rows, seed=2024)
    stack = bench_stack(SERVICE_NAMES, extra_env={"{PREFIX}SCHEDULER_ENABLED": "false"})
    gateway = None
    driver = None
    ok = False
    try:
        url = {s: stack.cfg.base_url(s) for s in SERVICE_NAMES}
        with httpx.Client(timeout=900) as http:
            task_id = approved_objects_task(http, url, csv, rows=args.rows, name="百万主体浏览器校验基准")
            csv.unlink()
            created = http.post(
                f"{url['sampling']}/v1/draws",
                headers=auth("officer", LEAD),
                json={"task_id": task_id, "kind": "objects", "entropy_source": "witness dice"},
            )
            created.raise_for_status()
            draw_id = created.json()["id"]
            http.post(
                f"{url['sampling']}/v1/draws/{draw_id}/entropy",
                headers=auth("officer", LEAD),
                json={"entropy": "witness dice: 3 1 4 1 5 9 2 6"},
            ).raise_for_status()
            data = http.get(f"{url['sampling']}/v1/draws/{draw_id}/bundle", headers=auth("auditor")).content
        bundle = work / f"draw-{draw_id}.json"
        bundle.write_bytes(data)
        frame_size = json.loads(json.loads(data)["announcement"])["frame_size"]

        t0 = time.perf_counter()
        py_ok, py_message = verify_bundle(data)
        python_s = time.perf_counter() - t0

        gateway = LiveServer(create_app(url)).start()
        driver = headless_chromium(profile=work / "profile")
        driver.get(f"{gateway.url}/portal/verify.html?lang=en")
        t1 = time.perf_counter()
        driver.find_element("id", "bundle-file").send_keys(str(bundle))
        while not driver.find_elements("css selector", ".verdict"):
            if time.perf_counter() - t1 > 600:
                raise TimeoutError("no verdict in the browser within 600 s")
            time.sleep(0.05)
        browser_s = time.perf_counter() - t1
        verdict = driver.find_element("css selector", ".verdict").get_attribute("data-verdict")
        steps = {
            li.get_attribute("data-step"): li.get_attribute("data-status")
            for li in driver.find_elements("css selector", "ol.checks li")
        }
        ratio = browser_s / python_s
        print(f"\n{'measure':<58} {'value':>10}  target")
        print(f"{'frame size (entities)':<58} {frame_size:>10,}")
        print(f"{'bundle size (MB)':<58} {len(data) / 1e6:>10.1f}")
        print(
            f"{'headless Chromium: file chosen → verdict (s)':<58} {browser_s:>10.2f}  < {TARGET_S:.0f} s "
            f"{'OK' if browser_s < TARGET_S else 'MISSED'}"
        )
        print(f"{'Python verifier, tools/verify_draw.py (s)':<58} {python_s:>10.2f}")
        print(f"{'browser / Python':<58} {ratio:>10.2f}")
        print(f"{'verdicts (browser / Python)':<58} {verdict + ' / ' + ('ok' if py_ok else 'failed'):>10}")
        print(f"{'browser steps':<58} {', '.join(f'{k} {v}' for k, v in steps.items())}")
        ok = verdict == "ok" and py_ok and browser_s < TARGET_S
        if not py_ok:
            print(f"Python: {py_message}")
    finally:
        if driver is not None:
            driver.quit()
        if gateway is not None:
            gateway.stop()
        stack.stop_all()
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
