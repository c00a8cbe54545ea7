"""The pages in a real browser: Debian's chromium driven by Playwright (never a downloaded one).

Skipped, with the reason, only where /usr/bin/chromium or Playwright is missing; CI installs
both. Every request a page makes is recorded: none may leave the loopback server.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from typing import Any

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SEED_DATE = "2025-03-12"

pytestmark = pytest.mark.browser

sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
if not shutil.which("chromium"):
    pytest.skip(
        "Debian's chromium is not installed (apt-get install chromium); .ci/run installs it",
        allow_module_level=True,
    )


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with sync_api.sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield instance
        instance.close()


@pytest.fixture
def page(browser: Any, server: Any) -> Iterator[Any]:
    # bypass_csp: the harness injects scripts (axe-core, wait_for_function) that the pages'
    # Content-Security-Policy rightly refuses; the policy is tested in tests/test_bad_inputs.py
    context = browser.new_context(base_url=server.url, java_script_enabled=True, bypass_csp=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    outside: list[str] = []
    local = (server.url, "data:", "blob:")
    page.on("request", lambda r: None if r.url.startswith(local) else outside.append(r.url))
    yield page
    context.close()
    assert outside == [], f"the page reached beyond the server: {outside}"


def test_home_lists_13_factories_as_of_the_seed(page: Any) -> None:
    page.goto("/")
    page.get_by_label("As of").select_option(SEED_DATE)
    page.get_by_role("button", name="Apply filters").click()
    page.wait_for_url(f"**/?as_of={SEED_DATE}**")
    rows = page.locator("#factories tbody tr")
    assert rows.count() == 13
    assert page.locator("#factory-count").inner_text() == "13"
    assert rows.filter(has_text="JUPITER AI Factory").count() == 1
    assert page.locator("figure.network svg").count() == 1


def test_home_filters_work_with_javascript_off(browser: Any, server: Any) -> None:
    context = browser.new_context(base_url=server.url, java_script_enabled=False)
    page = context.new_page()
    page.goto("/")
    page.get_by_label("Country").select_option(label="Germany")
    page.get_by_role("button", name="Apply filters").click()
    page.wait_for_url("**country=DEU**")
    names = sorted(page.locator("#factories tbody th").all_inner_texts())
    context.close()
    assert names == ["HammerHAI", "JUPITER AI Factory"]


def test_stored_query_runs_from_the_query_page(page: Any) -> None:
    page.goto("/query")
    form = page.locator('form[data-name="factories-as-of"]')
    form.get_by_label("date", exact=False).and_(form.locator("input")).fill(SEED_DATE)
    form.get_by_role("button").click()
    page.wait_for_url("**name=factories-as-of**")
    rows = page.locator("#results tbody tr")
    assert rows.count() == 13
    assert rows.filter(has_text="Slovenian AI Factory").count() == 1
    # the editor is YASGUI, bundled, holding the stored query's text
    page.locator(".yasqe .CodeMirror").wait_for()
    assert "selectionDate" in page.locator(".yasqe .CodeMirror").inner_text()


def test_editor_runs_a_query_against_the_endpoint(page: Any) -> None:
    page.goto("/query")
    page.locator(".yasqe .CodeMirror").wait_for()
    page.evaluate(
        """() => document.querySelector('.yasqe .CodeMirror').CodeMirror.setValue(
        'PREFIX aif: <https://w3id.org/aifactories/ontology#>\\n'
        + 'SELECT ?f WHERE { ?f aif:selectedIn <https://w3id.org/aifactories/id/wave/2> }')"""
    )
    page.locator(".yasqe_queryButton").click()
    rows = page.locator(".yasr table tbody tr")
    rows.first.wait_for()
    assert rows.count() == 6  # the seed: six new AI Factories in the second wave


def test_entity_page_links_to_its_sources(page: Any) -> None:
    page.goto("/id/factory/jaif")
    assert page.locator("h1").inner_text() == "JUPITER AI Factory"
    sources = page.locator("#sources")
    seed = sources.get_by_role("link", name="Seed press release", exact=False)
    assert seed.count() == 1
    seed.click()
    page.wait_for_url("**/id/source/seed")
    assert page.locator("h1").inner_text().startswith("Seed press release")


def test_keyboard_reaches_content_and_filters(page: Any) -> None:
    page.goto("/")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    for _ in range(20):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "f-as-of":
            break
    assert page.evaluate("document.activeElement.id") == "f-as-of"


CSP_PAGES = (
    "/",
    f"/?as_of={SEED_DATE}",
    "/query",
    "/query?name=factories-as-of&date=2025-03-12",
    "/id/factory/jaif",
    "/api",
    "/map",
    "/timeline",
    "/questions",
    "/search?q=jupiter",
    "/ontology",
)


def test_pages_work_under_their_content_security_policy(browser: Any, server: Any) -> None:
    """The other browser tests bypass the policy (their harness injects scripts): here it holds.

    A script, style or picture that the policy refuses shows as a console error.
    """
    context = browser.new_context(base_url=server.url)  # the policy enforced
    page = context.new_page()
    page.set_default_timeout(15_000)
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    try:
        for path in CSP_PAGES:
            response = page.goto(path)
            assert response is not None and response.status == 200, path
            assert "default-src 'self'" in response.headers["content-security-policy"]
            page.wait_for_load_state("networkidle")
            assert problems == [], f"{path}: {problems}"
        # the scripts really run: YASGUI on the query page, Swagger UI on the API page
        page.goto("/query?name=factories-as-of&date=2025-03-12")
        page.locator(".yasqe .CodeMirror").wait_for()
        assert page.locator("#results tbody tr").count() == 13
        page.goto("/api")
        page.wait_for_selector(".opblock-summary-path")
        assert problems == [], problems
    finally:
        context.close()
