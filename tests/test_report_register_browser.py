"""The HTML register in a real browser (headless Chromium through Selenium): its inline script runs under the
annex's Content-Security-Policy, filters by area, unit and level, and sorts columns. Skipped, with the reason,
when Chromium or its driver is missing (.ci/run installs Debian's ``chromium`` and ``chromium-driver``)."""

from __future__ import annotations

import shutil

import pytest

from riskengine.report import write_annex

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
DRIVER = shutil.which("chromedriver")
pytestmark = pytest.mark.skipif(not (CHROMIUM and DRIVER),
                                reason="headless Chromium not installed (apt-get install chromium chromium-driver)")


@pytest.fixture(scope="module")
def browser():
    webdriver = pytest.importorskip("selenium.webdriver")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=webdriver.ChromeService(executable_path=DRIVER), options=options)
    yield driver
    driver.quit()


@pytest.fixture(scope="module")
def register_page(assessed, tmp_path_factory):
    result = assessed("esempio-cciaa")
    out = tmp_path_factory.mktemp("browser") / "annex"
    write_annex(result, out, formats=("html",), editions=("completa",))
    return result, (out / "allegato-rischi.html").as_uri()


def _visible_codes(driver) -> list[str]:
    from selenium.webdriver.common.by import By

    rows = driver.find_elements(By.CSS_SELECTOR, "table.registro tbody tr")
    return [r.find_element(By.CSS_SELECTOR, "th").text for r in rows if r.is_displayed()]


def _choose(driver, name: str, value: str) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    Select(driver.find_element(By.CSS_SELECTOR, f"#registro-filtri select[name={name}]")).select_by_value(value)


def test_the_register_filters_by_level_area_and_unit(browser, register_page):
    from selenium.webdriver.common.by import By

    result, url = register_page
    browser.get(url)
    form = browser.find_element(By.ID, "registro-filtri")
    assert form.is_displayed(), "the script ran under the page's Content-Security-Policy and showed the filters"
    every = [p["codice"] for p in result["processi"]]
    assert sorted(_visible_codes(browser)) == sorted(every)
    levels = {p["inerente"]["livello"] for p in result["processi"] if p["valutato"]}
    assert len(levels) >= 2
    for level in sorted(levels):
        _choose(browser, "livello", level)
        expected = sorted(p["codice"] for p in result["processi"] if p["valutato"] and p["inerente"]["livello"] == level)
        assert sorted(_visible_codes(browser)) == expected, level
        count = browser.find_element(By.ID, "registro-conteggio").text
        assert count == f"{len(expected)} processi su {len(every)}"
    _choose(browser, "livello", "")
    area = result["processi"][0]["aree"][0]["codice"]
    _choose(browser, "area", area)
    assert sorted(_visible_codes(browser)) == sorted(
        p["codice"] for p in result["processi"] if area in [a["codice"] for a in p["aree"]])
    _choose(browser, "area", "")
    unit = next(p["unita"]["codice"] for p in result["processi"] if p["unita"])
    _choose(browser, "unita", unit)
    assert sorted(_visible_codes(browser)) == sorted(
        p["codice"] for p in result["processi"] if p["unita"] and p["unita"]["codice"] == unit)


def test_the_register_sorts_by_inherent_risk(browser, register_page):
    from decimal import Decimal

    from selenium.webdriver.common.by import By

    result, url = register_page
    browser.get(url)
    headers = browser.find_elements(By.CSS_SELECTOR, "table.registro thead th")
    inherent = next(i for i, th in enumerate(headers) if th.text.startswith("Rischio inerente"))
    button = headers[inherent].find_element(By.CSS_SELECTOR, "button.ordina")
    button.click()
    assert headers[inherent].get_attribute("aria-sort") == "ascending"
    scored = {p["codice"]: Decimal(p["inerente"]["rischio"]) for p in result["processi"] if p["valutato"]}
    shown = [c for c in _visible_codes(browser) if c in scored]
    assert [scored[c] for c in shown] == sorted(scored.values())
    button.click()
    assert headers[inherent].get_attribute("aria-sort") == "descending"
    shown = [c for c in _visible_codes(browser) if c in scored]
    assert [scored[c] for c in shown] == sorted(scored.values(), reverse=True)
