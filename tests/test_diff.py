"""``aifactories diff``: two hand-made versions with a known set of planted changes.

``tests/fixtures/diff/v1.ttl`` lists in its header the changes that ``v2.ttl`` plants; ``v2.ttl``
also rewrites the unchanged blank nodes with labels and in another order, which must not count.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from rdflib import BNode, Dataset, URIRef

from aifactories import diff as d
from aifactories.cli import main
from aifactories.errors import InputError
from aifactories.graph import parse_file
from aifactories.namespaces import ASSERTED_GRAPH, INFERRED_GRAPH

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "diff"
V1, V2 = FIXTURES / "v1.ttl", FIXTURES / "v2.ttl"
EX = "https://example.org/diff/"


def ex(name: str) -> URIRef:
    return URIRef(EX + name)


def _changes(result: d.Diff) -> set[tuple[str, str, str, tuple[str, ...], tuple[str, ...]]]:
    """(entity, kind, property, old values, new values) with blank-node values left out."""
    return {
        (
            str(e.entity),
            c.kind,
            str(c.property),
            tuple(v.text for v in c.old if not v.text.startswith("[")),
            tuple(v.text for v in c.new if not v.text.startswith("[")),
        )
        for e in result.facts
        for c in e.changes
    }


def test_reports_exactly_the_planted_changes() -> None:
    result = d.diff(parse_file(V1), parse_file(V2))
    assert [(str(e.entity), e.label, e.facts) for e in result.added] == [
        (EX + "delta", "Delta AI Factory", 3)
    ]
    named_removed = [
        (str(e.entity), e.label) for e in result.removed if isinstance(e.entity, URIRef)
    ]
    assert named_removed == [(EX + "gamma", "Gamma AI Factory")]
    anonymous = [e for e in result.removed if isinstance(e.entity, BNode)]
    assert len(anonymous) == 1 and '"dropped note"' in (anonymous[0].label or "")
    assert _changes(result) == {
        (EX + "alpha", "changed", EX + "status", (f"<{EX}planned>",), (f"<{EX}operational>",)),
        (EX + "alpha", "removed", EX + "source", (f"<{EX}src2>",), ()),
        (EX + "alpha", "changed", EX + "investment", (), ()),
        (EX + "beta", "added", EX + "partner", (), (f"<{EX}org2>",)),
    }
    assert [e.label for e in result.facts] == ["Alpha AI Factory", "Beta AI Factory"]
    assert (result.count("added"), result.count("removed"), result.count("changed")) == (1, 1, 2)


def test_a_changed_blank_node_shows_old_and_new_content() -> None:
    result = d.diff(parse_file(V1), parse_file(V2))
    alpha = next(e for e in result.facts if e.entity == ex("alpha"))
    investment = next(c for c in alpha.changes if c.property == ex("investment"))
    assert [v.text for v in investment.old] == [
        f'[ rdf:type <{EX}Amount> ; <{EX}currency> "EUR" ; <{EX}value> 100 ]'
    ]
    assert [v.text for v in investment.new] == [
        f'[ rdf:type <{EX}Amount> ; <{EX}currency> "EUR" ; <{EX}value> 120 ]'
    ]


def test_same_content_with_other_blank_nodes_is_no_change() -> None:
    old = parse_file(V2)
    new = parse_file(V2)  # parsed twice: every blank node gets a new identity
    assert set(old.all_nodes()) != set(new.all_nodes())
    assert d.diff(old, new).empty


def _release_folder(folder: Path, asserted: Path, inferred_extra: bool) -> Path:
    """A folder laid out like a release: its gzip'd N-Quads hold ``asserted`` and a noise graph."""
    ds = Dataset()
    graph = ds.graph(ASSERTED_GRAPH)
    for triple in parse_file(asserted):
        graph.add(triple)
    if inferred_extra:
        ds.graph(INFERRED_GRAPH).add((ex("alpha"), ex("inferredOnly"), ex("x")))
    folder.mkdir()
    data = ds.serialize(format="nquads", encoding="utf-8")
    (folder / "aifactories.nq.gz").write_bytes(gzip.compress(data))
    return folder


def test_release_folders_compare_their_asserted_graph(tmp_path: Path) -> None:
    old = _release_folder(tmp_path / "1.0.0", V1, inferred_extra=False)
    new = _release_folder(tmp_path / "2.0.0", V2, inferred_extra=True)
    by_folder = d.diff(d.load_version(old), d.load_version(new))
    assert _changes(by_folder) == _changes(d.diff(parse_file(V1), parse_file(V2)))
    with_inferred = d.diff(d.load_version(old), d.load_version(new, inferred=True))
    assert (EX + "alpha", "added", EX + "inferredOnly", (), (f"<{EX}x>",)) in _changes(
        with_inferred
    )


def test_cli_text_and_json() -> None:
    runner = CliRunner()
    text = runner.invoke(main, ["diff", str(V1), str(V2)])
    assert text.exit_code == 0, text.output
    lines = text.output.splitlines()
    assert "entities: 1 added, 2 removed; facts: 1 added, 1 removed, 2 changed" in lines
    assert f"  + <{EX}delta> (Delta AI Factory): 3 facts" in lines
    assert f"    ~ <{EX}status>: <{EX}planned> -> <{EX}operational>" in lines
    assert f"    - <{EX}source> <{EX}src2>" in lines
    assert f"    + <{EX}partner> <{EX}org2>" in lines
    data = json.loads(runner.invoke(main, ["diff", "--format", "json", str(V1), str(V2)]).output)
    assert data["summary"] == {
        "entities_added": 1,
        "entities_removed": 2,
        "facts_added": 1,
        "facts_removed": 1,
        "facts_changed": 2,
    }
    unchanged = runner.invoke(main, ["diff", str(V2), str(V2)])
    assert unchanged.output.endswith(": none\n")


def test_bad_inputs_are_one_line_errors(tmp_path: Path) -> None:
    broken = tmp_path / "broken.ttl"
    broken.write_text("ex:a ex:b .\n")
    runner = CliRunner()
    for args in ([str(tmp_path / "missing.ttl"), str(V1)], [str(broken), str(V1)]):
        result = runner.invoke(main, ["diff", *args])
        assert result.exit_code == 2, result.output
        assert result.output.startswith("Error: ") and "Traceback" not in result.output
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(InputError, match="no RDF files"):
        d.load_version(empty)
