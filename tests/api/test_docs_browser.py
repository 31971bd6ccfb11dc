"""Each service's ``/docs`` in headless Chromium, on loopback with every other host unresolvable:
the operations render (issue 16: without internet every page was blank), ReDoc too, and the
Authorize button's bearer token reaches the service — through a gateway that serves the service
under ``/registry/`` with the prefix stripped, as ``deploy``'s does.

Chromium and chromedriver are Debian's (``tools/system-packages.sh``), driven with selenium.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from typing import Any

import pytest

from jcdev.services import SERVICE_NAMES
from jcdev.testing import LiveServer, Tokens, require_system_binary, service_settings

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
TIMEOUT = 60


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    require_system_binary(CHROMIUM, "the docs pages are opened in headless Chromium")
    require_system_binary(CHROMEDRIVER, "selenium drives Chromium through chromedriver")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--disable-dev-shm-usage",
        "--window-size=1280,2400",
        f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}",
        # no internet: every host but loopback is unresolvable, so a page that needs a CDN stays blank
        "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
    ):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(TIMEOUT)
    try:
        yield driver
    finally:
        driver.quit()


def build(service: str, database_url: str) -> Any:
    return importlib.import_module(f"{service}.main").create_app(service_settings(service, database_url))


@pytest.fixture(scope="module")
def servers(service_database_urls: dict[str, str]) -> Iterator[dict[str, LiveServer]]:
    started = {s: LiveServer(build(s, service_database_urls[s])).start() for s in SERVICE_NAMES}
    try:
        yield started
    finally:
        for server in started.values():
            server.stop()


def gateway(app: Any, prefix: str) -> Any:
    """What the nginx gateway does for one service: ``<prefix>/…`` reaches it with the prefix
    stripped and named in ``X-Forwarded-Prefix``; anything else is 404."""

    async def asgi(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        if not scope["path"].startswith(prefix + "/"):
            await send({"type": "http.response.start", "status": 404, "headers": []})
            await send({"type": "http.response.body", "body": b""})
            return
        path = scope["path"][len(prefix) :]
        headers = [*scope["headers"], (b"x-forwarded-prefix", prefix.encode())]
        await app({**scope, "path": path, "raw_path": path.encode(), "headers": headers}, receive, send)

    return asgi


def wait_for(driver: Any, condition: Any, what: str) -> Any:
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, TIMEOUT, poll_frequency=0.2).until(condition, message=what)


def loaded_from(driver: Any) -> set[str]:
    """The origins every resource of the page came from."""
    names = driver.execute_script("return performance.getEntriesByType('resource').map(e => e.name)")
    return {"/".join(n.split("/")[:3]) for n in names}


def operation_count(doc: dict[str, Any]) -> int:
    return sum(len(ops) for ops in doc["paths"].values())


@pytest.mark.parametrize("service", SERVICE_NAMES)
def test_swagger_ui_and_redoc_render_every_operation_offline(browser, servers, service):
    from selenium.webdriver.common.by import By

    base = servers[service].url
    import httpx

    doc = httpx.get(f"{base}/openapi.json").json()
    browser.get(f"{base}/docs")
    wanted = operation_count(doc)
    wait_for(
        browser,
        lambda d: len(d.find_elements(By.CSS_SELECTOR, ".opblock")) >= wanted,
        f"{service}: Swagger UI did not render its {wanted} operations",
    )
    shown = {e.text for e in browser.find_elements(By.CSS_SELECTOR, ".opblock-summary-operation-id")}
    assert {op["operationId"] for ops in doc["paths"].values() for op in ops.values()} <= shown
    assert browser.find_elements(By.CSS_SELECTOR, ".btn.authorize")
    assert loaded_from(browser) == {base}  # the script, the style sheet and the document: all the service's
    assert "API 文档" in browser.title

    browser.get(f"{base}/redoc")
    wait_for(
        browser,
        lambda d: len(d.find_elements(By.CSS_SELECTOR, "[data-section-id^='operation/']")) >= wanted,
        f"{service}: ReDoc did not render its {wanted} operations",
    )
    assert loaded_from(browser) == {base}


def test_authorize_then_try_it_out_through_the_gateway(browser, service_database_urls):
    """The bearer token pasted into Authorize is sent with "Try it out", through the gateway's prefix."""
    from selenium.webdriver.common.by import By

    server = LiveServer(gateway(build("registry", service_database_urls["registry"]), "/registry")).start()
    try:
        base = server.url
        browser.get(f"{base}/registry/docs")
        wait_for(browser, lambda d: d.find_elements(By.ID, "operations-departments-departments-list"), "no operations")
        assert loaded_from(browser) == {base}

        browser.find_element(By.CSS_SELECTOR, ".btn.authorize").click()
        field = wait_for(browser, lambda d: d.find_element(By.CSS_SELECTOR, ".modal-ux input"), "no token field")
        field.send_keys(Tokens().admin["Authorization"].removeprefix("Bearer "))
        browser.find_element(By.CSS_SELECTOR, ".modal-ux .auth-btn-wrapper .authorize").click()
        browser.find_element(By.CSS_SELECTOR, ".modal-ux .btn-done").click()

        operation = browser.find_element(By.ID, "operations-departments-departments-list")
        operation.find_element(By.CSS_SELECTOR, ".opblock-summary-control").click()
        wait_for(browser, lambda d: operation.find_element(By.CSS_SELECTOR, ".try-out__btn"), "no Try it out").click()
        wait_for(browser, lambda d: operation.find_element(By.CSS_SELECTOR, ".execute"), "no Execute").click()
        status = wait_for(
            browser,
            lambda d: operation.find_element(By.CSS_SELECTOR, ".live-responses-table tbody .response-col_status"),
            "no response",
        )
        assert status.text.strip().startswith("200"), status.text  # without the token it is a 401
        curl = operation.find_element(By.CSS_SELECTOR, ".curl-command").text
        assert f"{base}/registry/v1/departments" in curl and "Authorization: Bearer " in curl
    finally:
        server.stop()
