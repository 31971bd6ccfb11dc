"""Headless Chromium for the portal's tests, the portal benchmark and the README screenshot.

The browser and its driver are Debian's (``tools/system-packages.sh`` installs them); Selenium
talks to the driver at its fixed path, so nothing is downloaded. Each session gets a fresh
profile directory and the flags that keep Chromium from calling home.
"""

from __future__ import annotations

import base64
import tempfile
from pathlib import Path
from typing import Any

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",
)


def headless_chromium(*, width: int = 1280, height: int = 900, profile: Path | None = None) -> Any:
    """A Selenium WebDriver for the system's headless Chromium, with a fresh profile."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--window-size={width},{height}")
    options.add_argument(f"--user-data-dir={profile or tempfile.mkdtemp(prefix='jc-chromium-')}")
    driver = webdriver.Chrome(options=options, service=Service(CHROMEDRIVER))
    driver.set_script_timeout(600)
    return driver


#: Runs DrawV1.verifyBundle in the page on base64 bundles; the last argument is Selenium's callback.
VERIFY_SCRIPT = """
const done = arguments[arguments.length - 1];
const cases = arguments[0];
(async () => {
  const out = [];
  for (const b64 of cases) {
    const bin = atob(b64);
    const bytes = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
    const r = await DrawV1.verifyBundle(bytes);
    out.push({ok: r.ok, message: r.message, check: r.check || null, phase: r.phase, result: r.result});
  }
  return out;
})().then(done, (e) => done({error: String(e && e.stack || e)}));
"""


def verify_in_page(driver: Any, bundles: list[bytes]) -> list[dict[str, Any]]:
    """Verify each bundle with the page's DrawV1 (a portal page must be open)."""
    out = driver.execute_async_script(VERIFY_SCRIPT, [base64.b64encode(b).decode() for b in bundles])
    if isinstance(out, dict) and "error" in out:
        raise AssertionError(out["error"])
    return out
