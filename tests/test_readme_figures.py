"""The README's stats table says what ``aifactories stats`` counts: every figure is checked here."""

from __future__ import annotations

import re
from pathlib import Path

from aifactories.describe import stats
from aifactories.graph import KnowledgeGraph
from aifactories.namespaces import PREFIXES

README = Path(__file__).resolve().parent.parent / "README.md"
_ROW = re.compile(r"^\| (?P<what>[^|]*?) \| (?P<figures>[^|]*?) \|$")


def _table_rows() -> list[tuple[list[str], list[int]]]:
    """(CURIEs, leading figures) of each row of the table under 'aifactories stats counts it'."""
    text = README.read_text(encoding="utf-8")
    start = text.index("`aifactories stats` counts it")
    rows = []
    for line in text[start:].splitlines()[3:]:
        if not line.startswith("|"):
            break
        match = _ROW.match(line)
        if not match or match["what"] in ("class", "---"):
            continue
        curies = re.findall(r"`(aif:[A-Za-z]+)`", match["what"])
        head = match["figures"].split("(")[0]
        figures = [int(n) for n in re.findall(r"\d+", head)]
        rows.append((curies, figures))
    return rows


def test_readme_stats_table_matches_the_graph(kg: KnowledgeGraph) -> None:
    counts = {str(c.cls): c.instances for c in stats(kg).classes}
    counts[str(PREFIXES["aif"]) + "Source"] = stats(kg).sources
    rows = _table_rows()
    assert len(rows) >= 8, rows
    for curies, figures in rows:
        assert curies and len(curies) == len(figures), (curies, figures)
        for curie, figure in zip(curies, figures, strict=True):
            iri = str(PREFIXES["aif"]) + curie.split(":", 1)[1]
            assert counts.get(iri) == figure, (
                f"README says {figure} {curie}; stats: {counts.get(iri)}"
            )
