"""The public portal through the development gateway, in the Debian headless Chromium: from a
published plan to its task and its draws (a voided one with its reason), one draw's announcement,
receipt and entropy, its public bundle verified in the browser (OK), tampered bundles dropped in as
files (the failed check named, offline too), the language switch, the results search."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from jcdev.browser import CHROMEDRIVER, CHROMIUM, headless_chromium
from jcdev.testing import require_system_binary

from .world import LEAD, World

PAST = ("2025-04-01", "2025-09-30")  # the window has closed: the bundle is public
RULES = {c: {"ratio": "0.5", "min": 1} for c in "ABCDU"}
ENTROPY = "witness dice: 3 1 4 1 5 9 2 6"
VOID_REASON = "见证人未到场，重新抽取"


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    require_system_binary(CHROMIUM, "the portal is tested in headless Chromium")
    require_system_binary(CHROMEDRIVER, "Selenium drives Chromium through chromedriver")
    driver = headless_chromium(profile=tmp_path_factory.mktemp("chromium-e2e"))
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture(scope="module")
def published(stack, urls, tokens) -> dict[str, Any]:
    """A published plan with one task whose window has closed: a draw voided with its reason, then
    the objects draw that stands, executed with witness entropy."""
    import httpx

    with httpx.Client(timeout=60) as http:
        w = World(http, urls, tokens)
        w.departments()
        w.entities("AABBCCDDU")
        w.inspectors(2)
        task = w.task(rules=RULES, year=2025, window=PAST)
        voided = w.draw(task["id"], entropy=None)
        w.post(
            "sampling",
            f"/v1/draws/{voided['id']}/void",
            {"reason": VOID_REASON},
            headers=tokens.officer(LEAD),
            expect=200,
        )
        draw = w.draw(task["id"], entropy=ENTROPY)
        bundle = http.get(f"{urls['sampling']}/public/draws/{draw['id']}/bundle")
        assert bundle.status_code == 200
        return {"task": task, "draw": draw, "voided": voided, "bundle": bundle.content}


def wait(driver: Any, css: str, timeout: float = 60) -> Any:
    return WebDriverWait(driver, timeout).until(lambda d: d.find_element(By.CSS_SELECTOR, css))


def wait_text(driver: Any, css: str, text: str, timeout: float = 30) -> Any:
    """The first element of ``css`` holding ``text``; an element the page re-renders meanwhile is looked up again."""
    return WebDriverWait(
        driver, timeout, ignored_exceptions=(NoSuchElementException, StaleElementReferenceException)
    ).until(lambda d: next((e for e in d.find_elements(By.CSS_SELECTOR, css) if text in e.text), None))


def steps(driver: Any) -> dict[str, str]:
    return {
        li.get_attribute("data-step"): li.get_attribute("data-status")
        for li in driver.find_elements(By.CSS_SELECTOR, "ol.checks li")
    }


def set_language(driver: Any, lang: str) -> None:
    driver.execute_script("localStorage.setItem('jc-portal-lang', arguments[0])", lang)


# ---------------------------------------------------------------------------- the gateway itself


def test_the_gateway_follows_the_layout(http, urls, published):
    gw = urls["gateway"]
    plan_id = published["task"]["plan_id"]
    assert (
        http.get(f"{gw}/public/plans/{plan_id}").json() == http.get(f"{urls['planning']}/public/plans/{plan_id}").json()
    )
    draw_id = published["draw"]["id"]
    assert http.get(f"{gw}/public/draws/{draw_id}").json()["id"] == draw_id
    sha = published["draw"]["announcement_sha256"]
    assert http.get(f"{gw}/public/announcements/{sha}").json()["announcement_sha256"] == sha
    # /<service>/… reaches the service with the prefix stripped, bodies and tokens included
    assert http.get(f"{gw}/sampling/healthz").json()["service"] == "sampling"
    assert http.get(f"{gw}/planning/openapi.json").json()["paths"]
    mine = http.get(f"{gw}/planning/v1/tasks/{published['task']['id']}", headers={"X-Request-ID": "portal-e2e-42"})
    assert mine.status_code == 401 and mine.headers["x-request-id"] == "portal-e2e-42"
    assert mine.json()["request_id"] == "portal-e2e-42"  # the service saw the caller's id
    # the bundle streams through unchanged
    assert http.get(f"{gw}/public/draws/{draw_id}/bundle").content == published["bundle"]
    # nothing else is routed
    for path in ("/public/nothing", "/public/plansX", "/metrics", "/gsxt/healthz"):
        r = http.get(f"{gw}{path}", headers={"Accept-Language": "en"})
        assert r.status_code == 404 and r.json()["code"] == "route_not_found", path
        assert r.headers["content-type"].startswith("application/problem+json")
    assert "网关" in http.get(f"{gw}/nothing").json()["detail"]
    # the portal: static pages with their security headers; / and /portal lead there
    page = http.get(f"{gw}/portal/")
    assert page.status_code == 200 and 'data-page="plans"' in page.text
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert (
        http.get(f"{gw}/portal/js/drawv1.js")
        .headers["content-type"]
        .startswith(("text/javascript", "application/javascript"))
    )
    assert http.get(f"{gw}/", follow_redirects=True).url.path == "/portal/"
    assert http.get(f"{gw}/portal", follow_redirects=True).url.path == "/portal/"


# ---------------------------------------------------------------------------- in the browser


def test_from_a_published_plan_to_a_verified_draw(browser, urls, published):
    gw, draw, task = urls["gateway"], published["draw"], published["task"]
    browser.get(f"{gw}/portal/")
    set_language(browser, "zh")
    browser.refresh()
    plan = wait(browser, f'li[data-plan="{task["plan_id"]}"] a')
    assert browser.find_element(By.ID, "lang-switch").text == "English"
    plan.click()
    wait(browser, f'article[data-task="{task["id"]}"] h2 a').click()
    # the task: both draws, the voided one with its reason
    voided = wait(browser, f'li[data-draw="{published["voided"]["id"]}"]')
    assert voided.get_attribute("data-status") == "voided" and VOID_REASON in voided.text
    wait(browser, f'li[data-draw="{draw["id"]}"] h3 a').click()
    # the draw: announcement, hashes, audit receipt, entropy
    wait(browser, "#verify-button")
    # the page renders in stages (hashes, receipt, entropy): read each once it is there, re-finding it if redrawn
    wait_text(browser, "#hashes", draw["commitment"])
    wait_text(browser, "#hashes", draw["announcement_sha256"])
    wait_text(browser, "#receipt p.good", "✓")
    wait_text(browser, "#entropy", ENTROPY)
    wait_text(browser, "#entropy p.good", "✓")
    assert browser.find_element(By.ID, "announcement").text.count("witness dice") >= 1
    # verify the public bundle in the browser
    browser.find_element(By.ID, "verify-button").click()
    verdict = wait(browser, ".verdict", timeout=120)
    assert verdict.get_attribute("data-verdict") == "ok", verdict.text
    assert steps(browser) == {s: "ok" for s in ("bundle", "commitment", "entropy", "inputs", "receipt", "result")}
    assert "校验通过" in verdict.text and f"draw-v1 objects draw {draw['id']}" in verdict.text


@pytest.mark.parametrize(
    "tamper, step, words",
    [
        ("ticket", "result", "result: selected[0].ticket is "),
        ("secret", "commitment", "commitment: H(secret) = "),
        ("frame", "inputs", "frame_sha256: frame hashes to "),
    ],
)
def test_a_tampered_bundle_names_the_failed_check(browser, urls, published, tmp_path, tamper, step, words):
    bundle = json.loads(published["bundle"])
    if tamper == "ticket":
        bundle["result"]["selected"][0]["ticket"] = "f" * 64
    elif tamper == "secret":
        bundle["secret"] = ("0" if bundle["secret"][0] != "0" else "1") + bundle["secret"][1:]
    else:
        bundle["inputs"]["frame"] = bundle["inputs"]["frame"].replace("\tA\n", "\tB\n", 1)
    path: Path = tmp_path / "tampered.json"
    path.write_text(json.dumps(bundle, ensure_ascii=False), encoding="utf-8")
    browser.get(f"{urls['gateway']}/portal/verify.html")
    wait(browser, "#bundle-file").send_keys(str(path))
    verdict = wait(browser, ".verdict", timeout=120)
    assert verdict.get_attribute("data-verdict") == "failed"
    shown = steps(browser)
    assert shown[step] == "failed"
    order = ["bundle", "commitment", "entropy", "inputs", "receipt", "result"]
    assert all(shown[s] == "ok" for s in order[: order.index(step)] if s != "receipt")
    assert words in verdict.find_element(By.CSS_SELECTOR, ".first-failure").text


def test_a_bundle_file_verifies_offline(browser, urls, published, tmp_path):
    """Once the page is loaded nothing else is fetched: the audit receipt is then 'not checked'."""
    path = tmp_path / "bundle.json"
    path.write_bytes(published["bundle"])
    browser.get(f"{urls['gateway']}/portal/verify.html")
    wait(browser, "#bundle-file")
    browser.set_network_conditions(offline=True, latency=0, download_throughput=0, upload_throughput=0)
    try:
        browser.find_element(By.ID, "bundle-file").send_keys(str(path))
        verdict = wait(browser, ".verdict", timeout=120)
        assert verdict.get_attribute("data-verdict") == "ok"
        shown = steps(browser)
        assert shown["receipt"] == "skipped" and shown["result"] == "ok"
    finally:
        browser.delete_network_conditions()


def test_the_language_switch(browser, urls, published):
    browser.get(f"{urls['gateway']}/portal/draw.html?id={published['draw']['id']}")
    set_language(browser, "zh")
    browser.refresh()
    wait(browser, "#verify-button")
    assert browser.find_element(By.CSS_SELECTOR, "nav a[href='index.html']").text == "抽查计划"
    assert browser.execute_script("return document.documentElement.lang") == "zh-CN"
    browser.find_element(By.ID, "lang-switch").click()
    wait_text(browser, "#verify-button", "Verify in this browser")
    assert browser.find_element(By.CSS_SELECTOR, "nav a[href='index.html']").text == "Plans"
    assert browser.execute_script("return document.documentElement.lang") == "en"
    assert "Announcement" in browser.find_element(By.CSS_SELECTOR, "#announcement h2").text
    assert browser.find_element(By.ID, "lang-switch").text == "中文"
    browser.find_element(By.ID, "verify-button").click()
    verdict = wait(browser, ".verdict", timeout=120)
    assert "Verified: OK" in verdict.text
    browser.get(f"{urls['gateway']}/portal/index.html")  # the choice is kept
    wait_text(browser, "h1", "Published annual inspection plans")
    browser.find_element(By.ID, "lang-switch").click()
    wait_text(browser, "h1", "已公布的年度抽查计划")


def test_results_search(browser, http, urls, published):
    """The page asks GET /public/results?uscc=|name= through the gateway and shows the records, or
    that none is published — or, where the route answers 404, that the search is not available
    (tests/portal/test_results_page.py covers that case on its own)."""
    route = http.get(f"{urls['gateway']}/public/results", params={"uscc": "91411523MA0000004J"})
    browser.get(f"{urls['gateway']}/portal/results.html")
    set_language(browser, "zh")
    browser.refresh()
    box = wait(browser, "#results-query")
    box.send_keys("91411523MA0000004J")
    browser.find_element(By.CSS_SELECTOR, "#results-form button").click()
    if route.status_code == 404:
        notice = wait(browser, "#results-unavailable")
        assert "暂未开放" in notice.text
    else:
        assert route.status_code == 200
        wait(browser, "#results, p.empty")
