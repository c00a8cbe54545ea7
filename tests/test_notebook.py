"""The Python API for notebooks (aifactories.notebook), and the README's example run as written.

Expected figures from the sources: 19 AI Factories were selected in three waves (7 + 6 + 6);
13 by 12 March 2025 (the seed press release); JAIF's primary system is JUPITER.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from aifactories import open_graph
from aifactories.errors import AIFactoriesError

README = Path(__file__).resolve().parents[1] / "README.md"


def _readme_example() -> str:
    text = README.read_text(encoding="utf-8")
    section = text[text.index("## Python API") :]
    match = re.search(r"```python\n(.*?)```", section, re.S)
    assert match, "the README's Python API section has no python block"
    return match.group(1)


def test_readme_example_gives_a_dataframe_of_the_19_factories(
    capsys: pytest.CaptureFixture,
) -> None:
    pandas = pytest.importorskip("pandas")
    namespace: dict[str, object] = {}
    exec(compile(_readme_example(), "README.md", "exec"), namespace)
    factories = namespace["factories"]
    assert isinstance(factories, pandas.DataFrame)
    assert len(factories) == 19
    assert factories["factory"].nunique() == 19
    assert "JUPITER AI Factory" in set(factories["factoryLabel"])
    assert len(namespace["seed"]) == 13  # type: ignore[arg-type]
    assert capsys.readouterr().out.split() == ["19", "13", "19"]


def test_values_are_python_values_and_polars_works() -> None:
    kg = open_graph()
    seed = kg.query("factories-as-of", date=dt.date(2025, 3, 12))
    dates = set(seed.column("selectionDate"))
    assert dates == {dt.date(2024, 12, 10), dt.date(2025, 3, 12)}
    polars = pytest.importorskip("polars")
    frame = seed.to_polars()
    assert isinstance(frame, polars.DataFrame) and frame.height == 13
    systems = kg.query("factory-supercomputers", factory="JAIF").records()
    assert "https://w3id.org/aifactories/id/system/jupiter" in {r["system"] for r in systems}


def test_bad_calls_raise_the_project_errors() -> None:
    kg = open_graph()
    with pytest.raises(AIFactoriesError, match=r"no-such-query"):
        kg.query("no-such-query")
    with pytest.raises(AIFactoriesError):
        kg.query("factories-as-of", date="12 March 2025")
    with pytest.raises(AIFactoriesError):
        kg.sparql("SELECT WHERE {")
    with pytest.raises(AIFactoriesError, match="no table"):
        kg.sparql("ASK { ?s ?p ?o }")
