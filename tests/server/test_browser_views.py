"""Map, timeline, search, entity values, API page and query page in Debian's chromium, at desktop
and phone (390 px) widths, with axe-core's accessibility check.

Expected figures from the sources: 19 AI Factories and 13 antennas selected by 31 October 2025;
13 factories by 12 March 2025 (the seed); JUPITER cost EUR 500 million (EuroHPC JU).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from tests.server.test_browser import browser, page  # noqa: F401  (fixtures)

pytestmark = pytest.mark.browser

AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
WIDTHS = {"desktop": 1280, "phone": 390}
PAGES = [
    "/",
    "/map",
    "/timeline",
    "/questions",
    "/search?q=lumi",
    "/id/factory/jaif",
    "/id/system/jupiter",
    "/api",
    "/query?name=factory-supercomputers&factory=JAIF",
    "/ontology",
]


@pytest.fixture(params=list(WIDTHS))
def width(request: pytest.FixtureRequest, page: Any) -> int:  # noqa: F811
    page.set_viewport_size({"width": WIDTHS[request.param], "height": 900})
    return WIDTHS[request.param]


def test_map_draws_19_factories_and_13_antennas_then_13_as_of_the_seed(
    page: Any,  # noqa: F811
    width: int,
) -> None:
    page.goto("/map?as_of=2025-10-31")
    assert page.locator("#europe-map a.node.factory").count() == 19
    assert page.locator("#europe-map a.node.antenna").count() == 13
    page.locator("#m-as-of").fill("2025-03-12")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url("**as_of=2025-03-12**")
    assert page.locator("#europe-map a.node.factory").count() == 13
    assert page.locator("#europe-map a.node.antenna").count() == 0
    box = page.locator("#europe-map").bounding_box()
    assert box is not None and box["width"] <= width
    page.locator('#europe-map a[aria-label="JUPITER AI Factory, Jülich"]').click()
    page.wait_for_url("**/id/factory/jaif")


def test_timeline_shows_the_disputed_deployment_as_a_range(
    page: Any,  # noqa: F811
    width: int,
) -> None:
    page.goto("/timeline")
    item = page.locator("ol.timeline li.disputed").filter(has_text="Alice Recoque")
    assert item.count() == 1
    assert "not before 2027" in item.inner_text()
    assert item.locator("a[href*='itforbusiness.fr']").count() >= 1


def test_search_box_suggests_and_finds(page: Any, width: int) -> None:  # noqa: F811
    page.goto("/")
    box = page.get_by_role("combobox", name="Search entities")  # a search box with suggestions
    box.fill("julic")
    page.wait_for_function(
        "document.querySelectorAll('#site-search-suggestions option').length > 0"
    )
    options = page.locator("#site-search-suggestions option")
    values = [options.nth(i).get_attribute("value") for i in range(options.count())]
    assert values[0] == "Jülich"
    box.fill("JAIF")
    box.press("Enter")
    page.wait_for_url("**/search?q=JAIF**")
    assert page.locator("#search-results li").first.inner_text().startswith("JUPITER AI Factory")


def test_entity_page_shows_amounts_and_dates_with_sources(
    page: Any,  # noqa: F811
    width: int,
) -> None:
    page.goto("/id/system/jupiter")
    row = page.locator("table.props tr").filter(has=page.locator("th", has_text="investment"))
    assert "EUR 500 million" in row.inner_text()
    assert row.locator("a[href^='https://eurohpc-ju.europa.eu/']").count() == 1
    assert page.locator("time[datetime='2025-09-05']").inner_text() == "5 September 2025"


def test_api_page_renders_swagger_ui_offline(page: Any, width: int) -> None:  # noqa: F811
    page.goto("/api")
    page.wait_for_selector(".opblock-summary-path")
    paths = page.locator(".opblock-summary-path").all_inner_texts()
    assert "/api/search" in paths and "/api/queries" in paths


def test_query_page_keeps_parameters_bound_and_links_locally(
    page: Any,  # noqa: F811
    width: int,
) -> None:
    page.goto("/query?name=factory-supercomputers&factory=JAIF")
    form_rows = int(page.locator("#result-count").inner_text().split()[0])
    page.wait_for_selector(".CodeMirror")
    text = page.evaluate("document.querySelector('.CodeMirror').CodeMirror.getValue()")
    assert "VALUES (?_factory) { (<https://w3id.org/aifactories/id/factory/jaif>) }" in text
    page.locator(".yasqe_queryButton").click()
    page.wait_for_selector(".yasr table.dataTable tbody tr")
    assert page.locator(".yasr table.dataTable tbody tr").count() == form_rows
    link = page.locator(".yasr a[href*='/id/system/jupiter']").first
    assert link.get_attribute("href") == "/id/system/jupiter"
    assert link.get_attribute("target") is None
    link.dispatch_event("click")
    page.wait_for_url("**/id/system/jupiter")


@pytest.mark.parametrize("path", PAGES)
def test_no_page_scrolls_sideways_at_390_px(page: Any, path: str) -> None:  # noqa: F811
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(path)
    page.wait_for_load_state("networkidle")
    wide = page.evaluate("document.documentElement.scrollWidth")
    assert wide <= 390, f"{path} is {wide} px wide at 390 px"


@pytest.mark.parametrize(
    "path",
    ["/", "/query", "/id/factory/jaif", "/id/system/jupiter", "/api", "/map", "/timeline"],
)
def test_axe_finds_no_serious_or_critical_issue(page: Any, path: str) -> None:  # noqa: F811
    page.goto(path)
    page.wait_for_load_state("networkidle")
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    serious = [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes'][:3]]}"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert serious == [], "\n".join(serious)
