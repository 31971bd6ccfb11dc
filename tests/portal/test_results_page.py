"""The results page degrades plainly where the results service does not (yet) offer
GET /public/results: the gateway sends that route to a real app without it (the GSXT emulator's),
which answers 404, and the page says the search is not available instead of failing."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from gsxt_emulator.main import create_app as emulator_app
from jcdev.gateway import create_app
from jcdev.services import SERVICE_NAMES
from jcdev.testing import LiveServer


@pytest.fixture(scope="module")
def gateway_without_results() -> Iterator[str]:
    without = LiveServer(emulator_app()).start()
    gateway = LiveServer(create_app({s: without.url for s in SERVICE_NAMES})).start()
    try:
        yield gateway.url
    finally:
        gateway.stop()
        without.stop()


def test_a_404_route_is_reported_as_not_available(browser: Any, gateway_without_results: str):
    import httpx

    assert httpx.get(f"{gateway_without_results}/public/results?uscc=91411523MA0000004J").status_code == 404
    for lang, words in (("zh", "暂未开放"), ("en", "cannot be searched yet")):
        browser.get(f"{gateway_without_results}/portal/results.html?lang={lang}")
        box = WebDriverWait(browser, 20).until(lambda d: d.find_element(By.ID, "results-query"))
        box.send_keys("91411523MA0000004J")
        browser.find_element(By.CSS_SELECTOR, "#results-form button").click()
        notice = WebDriverWait(browser, 20).until(lambda d: d.find_element(By.ID, "results-unavailable"))
        assert words in notice.text
        assert not browser.find_elements(By.CSS_SELECTOR, "p.error")
