#!/usr/bin/env python3
"""Take the README's screenshot of the portal's verify page (docs/img/portal-verify.png).

Self-contained: an objects draw over the demo county's directory (5,000 entities) is made with
draw-v1, the development gateway serves the portal on a free loopback port, and headless
Chromium verifies the bundle dropped in as a file — offline, as a citizen with a downloaded
bundle would; the audit-receipt step therefore says "not checked". Run from the repository root:

    .venv/bin/python tools/portal_screenshot.py [--lang zh|en] [--out docs/img/portal-verify.png]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

from jcdev.browser import headless_chromium
from jcdev.gateway import create_app
from jcdev.services import SERVICE_NAMES
from jcdev.testing import LiveServer, free_port
from jointcheck.demo import entities
from jointcheck.draw import build_announcement, commitment_of, make_bundle, make_file

ROOT = Path(__file__).resolve().parents[1]


def demo_bundle(n: int = 5000) -> bytes:
    frame = make_file((e["统一社会信用代码"], e["信用风险分类"] or "U") for e in entities(n))
    secret = bytes(range(32))
    rules = {"A": {"ratio": "0.03"}, "B": {"ratio": "0.05"}, "C": {"ratio": "0.2"}, "D": {"ratio": "0.6"}}
    rules["U"] = {"ratio": "0.1", "min": 1, "alternates": 2}
    announcement = build_announcement(
        "objects",
        commitment_of(secret),
        {"frame": frame},
        entropy_source="witness dice",
        strata=rules,
        context={"task_id": "demo-task", "registry_version": 1, "inspection_window": ["2025-04-01", "2025-09-30"]},
    )
    bundle = make_bundle("demo-draw-2025", announcement, secret, "witness dice: 3 1 4 1 5 9 2 6", {"frame": frame})
    return json.dumps(bundle, ensure_ascii=False).encode()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lang", choices=["zh", "en"], default="zh")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "img" / "portal-verify.png")
    parser.add_argument("--width", type=int, default=1000)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="jc-screenshot-"))
    bundle = work / "draw-demo-2025.json"
    bundle.write_bytes(demo_bundle())
    closed = f"http://127.0.0.1:{free_port()}"
    server = LiveServer(create_app({s: closed for s in SERVICE_NAMES})).start()
    driver = headless_chromium(width=args.width, height=1200, profile=work / "profile")
    try:
        driver.get(f"{server.url}/portal/verify.html?lang={args.lang}")
        driver.set_network_conditions(offline=True, latency=0, download_throughput=0, upload_throughput=0)
        driver.find_element("id", "bundle-file").send_keys(str(bundle))
        deadline = time.monotonic() + 120
        while not driver.find_elements("css selector", ".verdict"):
            if time.monotonic() > deadline:
                raise TimeoutError("no verdict within 120 s")
            time.sleep(0.2)
        driver.execute_script("document.querySelector('details.result').open = true")
        height = driver.execute_script("return Math.min(document.documentElement.scrollHeight, 1300)")
        driver.set_window_size(args.width, height + 40)
        args.out.parent.mkdir(parents=True, exist_ok=True)
        driver.save_screenshot(str(args.out))
        verdict = driver.find_element("css selector", ".verdict").get_attribute("data-verdict")
    finally:
        driver.quit()
        server.stop()
    print(f"{args.out}: verify page, verdict {verdict}")
    return 0 if verdict == "ok" else 1


if __name__ == "__main__":
    raise SystemExit(main())
