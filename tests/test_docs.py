"""Docs that are tested: the stored-query catalogue page is generated from the query headers."""

from __future__ import annotations

from pathlib import Path

from aifactories.query.catalogue import load_catalogue
from aifactories.query.listing import render_markdown

ROOT = Path(__file__).resolve().parents[1]


def test_query_catalogue_page_is_up_to_date() -> None:
    page = ROOT / "docs" / "queries.md"
    expected = render_markdown(load_catalogue())
    assert page.read_text(encoding="utf-8") == expected, (
        "docs/queries.md is out of date: run "
        "'aifactories queries --format markdown > docs/queries.md'"
    )


def test_query_catalogue_page_lists_every_query() -> None:
    page = (ROOT / "docs" / "queries.md").read_text(encoding="utf-8")
    for query in load_catalogue():
        assert f"### {query.name}\n" in page
        assert f"queries/{query.path.name}" in page
