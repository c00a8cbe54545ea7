"""Every export format parses back to the same triples (quads for the quad formats)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from rdflib import Dataset, Graph

from aifactories.errors import InputError
from aifactories.exports import FORMATS, ExportFormat, export, serialize, write_atomic
from aifactories.graph import KnowledgeGraph
from aifactories.namespaces import ASSERTED_GRAPH, INFERRED_GRAPH

TRIPLE_FORMATS = [f for f in FORMATS.values() if not f.quads]
QUAD_FORMATS = [f for f in FORMATS.values() if f.quads]


def test_formats_are_the_issue_list() -> None:
    assert set(FORMATS) == {"turtle", "nt", "nquads", "trig", "jsonld", "xml"}
    assert {f.name for f in QUAD_FORMATS} == {"nquads", "trig"}


@pytest.mark.parametrize("inferred", [False, True], ids=["asserted", "inferred"])
@pytest.mark.parametrize("fmt", TRIPLE_FORMATS, ids=lambda f: f.name)
def test_triple_formats_round_trip(kg: KnowledgeGraph, fmt: ExportFormat, inferred: bool) -> None:
    data = serialize(kg, fmt.name, inferred=inferred)
    back = Graph().parse(data=data, format=fmt.rdflib_name)
    expected = kg.union if inferred else kg.asserted
    assert len(back) == len(expected)


@pytest.mark.parametrize("inferred", [False, True], ids=["asserted", "inferred"])
@pytest.mark.parametrize("fmt", QUAD_FORMATS, ids=lambda f: f.name)
def test_quad_formats_keep_named_graphs(
    kg: KnowledgeGraph, fmt: ExportFormat, inferred: bool
) -> None:
    data = serialize(kg, fmt.name, inferred=inferred)
    back = Dataset()
    back.parse(data=data, format=fmt.rdflib_name)
    assert len(back.graph(ASSERTED_GRAPH)) == len(kg.asserted)
    assert len(back.graph(INFERRED_GRAPH)) == (len(kg.inferred) if inferred else 0)
    quads = sum(1 for _ in back.quads((None, None, None, None)))
    assert quads == len(kg.asserted) + (len(kg.inferred) if inferred else 0)


def test_jsonld_has_no_remote_context(kg: KnowledgeGraph) -> None:
    doc = json.loads(serialize(kg, "jsonld"))
    context = doc["@context"]
    assert isinstance(context, dict)  # inline, not a URL or a list of URLs
    assert context["aif"] == "https://w3id.org/aifactories/ontology#"
    assert "@import" not in context


def test_unknown_format() -> None:
    with pytest.raises(InputError, match="unknown export format 'ttl'"):
        serialize(None, "ttl")  # type: ignore[arg-type]


def test_export_writes_atomically(kg: KnowledgeGraph, tmp_path: Path) -> None:
    target = tmp_path / "kg.nt"
    target.write_text("old", encoding="utf-8")
    data = export(kg, "nt", output=target)
    assert target.read_bytes() == data
    assert os.listdir(tmp_path) == ["kg.nt"]  # no temporary file left behind


def test_failed_write_keeps_the_old_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "kg.ttl"
    target.write_text("old", encoding="utf-8")

    def fail(src: object, dst: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(InputError, match="No space left"):
        write_atomic(target, b"new")
    assert target.read_text(encoding="utf-8") == "old"
    assert os.listdir(tmp_path) == ["kg.ttl"]


def test_write_into_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="does not exist"):
        write_atomic(tmp_path / "nope" / "kg.ttl", b"x")
