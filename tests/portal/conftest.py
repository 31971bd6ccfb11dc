"""The portal's tests: the JavaScript draw-v1 run in the Debian headless Chromium, served by the
development gateway (no service behind it is needed for the pages and the verifier)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from jcdev.browser import CHROMEDRIVER, CHROMIUM, headless_chromium
from jcdev.gateway import create_app
from jcdev.services import SERVICE_NAMES
from jcdev.testing import LiveServer, free_port, require_system_binary


@pytest.fixture(scope="session")
def gateway_alone() -> Iterator[str]:
    """The gateway with nothing behind it (every upstream a closed port): the static pages only."""
    closed = f"http://127.0.0.1:{free_port()}"
    server = LiveServer(create_app({s: closed for s in SERVICE_NAMES})).start()
    try:
        yield server.url
    finally:
        server.stop()


@pytest.fixture(scope="session")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    require_system_binary(CHROMIUM, "the portal's JavaScript runs in headless Chromium")
    require_system_binary(CHROMEDRIVER, "Selenium drives Chromium through chromedriver")
    driver = headless_chromium(profile=tmp_path_factory.mktemp("chromium-profile"))
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture
def verifier_page(browser: Any, gateway_alone: str) -> Any:
    """Chromium on the portal's verify page (DrawV1 loaded), on a secure origin (loopback)."""
    browser.get(f"{gateway_alone}/portal/verify.html")
    assert browser.execute_script("return typeof DrawV1") == "object"
    return browser
