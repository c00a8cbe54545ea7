"""Independent tools agree with ours: parsers on every export format, a second SHACL engine.

Every export format (asserted only, and with the inferred triples) is parsed by pyoxigraph and,
when Apache Jena is installed, by Jena's ``riot``; each must find exactly the triples (or quads)
that were exported. The SHACL shapes are run by Jena SHACL as well as pySHACL on a copy of the data
with planted mistakes, and the two engines must report the same results. Jena tests skip, with the
reason, when Jena is absent (see ``tests/jena.py`` for what CI installs).
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS
from rdflib.term import Node

from aifactories import exports, resources
from aifactories.graph import KnowledgeGraph
from aifactories.namespaces import AIF, FACTORY, SH, new_graph
from aifactories.validation import validate
from jena import Jena, find

OXIGRAPH_FORMATS = {
    "turtle": ox.RdfFormat.TURTLE,
    "nt": ox.RdfFormat.N_TRIPLES,
    "nquads": ox.RdfFormat.N_QUADS,
    "trig": ox.RdfFormat.TRIG,
    "jsonld": ox.RdfFormat.JSON_LD,
    "xml": ox.RdfFormat.RDF_XML,
}
CASES = [(fmt, inferred) for fmt in exports.FORMATS for inferred in (False, True)]
IDS = [f"{fmt}-{'union' if inferred else 'asserted'}" for fmt, inferred in CASES]


def expected_count(kg: KnowledgeGraph, fmt: str, inferred: bool) -> int:
    """Triples (quads) in an export: quad formats keep each inferred triple in its own graph."""
    if exports.FORMATS[fmt].quads:
        return len(kg.asserted) + (len(kg.inferred) if inferred else 0)
    return len(kg.union) if inferred else len(kg.asserted)


@pytest.fixture(scope="module")
def files(kg: KnowledgeGraph, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("exports")
    out = {}
    for (fmt, inferred), case in zip(CASES, IDS, strict=True):
        path = folder / f"{case}{exports.FORMATS[fmt].suffix}"
        path.write_bytes(exports.serialize(kg, fmt, inferred=inferred))
        out[case] = path
    return out


def test_every_format_is_covered() -> None:
    assert set(OXIGRAPH_FORMATS) == set(exports.FORMATS)


@pytest.mark.parametrize(("fmt", "inferred"), CASES, ids=IDS)
def test_pyoxigraph_parses_each_export(
    fmt: str, inferred: bool, files: dict[str, Path], kg: KnowledgeGraph
) -> None:
    path = files[f"{fmt}-{'union' if inferred else 'asserted'}"]
    parsed = sum(1 for _ in ox.parse(path=str(path), format=OXIGRAPH_FORMATS[fmt]))
    assert parsed == expected_count(kg, fmt, inferred)


# --- Apache Jena ----------------------------------------------------------------------------


def _jena(tool: str, scratch: Path) -> Jena:
    found, why = find(tool, scratch)
    if found is None:
        pytest.skip(why)
    return found


@pytest.fixture(scope="module")
def riot_counts(files: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> dict[str, int]:
    """What ``riot --count`` finds in each export file, by case id."""
    riot = _jena("riot", tmp_path_factory.getbasetemp())
    counts: dict[str, int] = {}
    jsonld = [p for p in files.values() if p.suffix == ".jsonld"]
    others = [p for p in files.values() if p.suffix != ".jsonld"]
    for paths, options in ((others, ()), (jsonld, riot.jsonld)):
        done = subprocess.run(
            [*riot.command, *options, "--count", *map(str, paths)],
            capture_output=True,
            text=True,
            timeout=300,
        )
        output = done.stdout + done.stderr
        for path in paths:
            match = re.search(rf"{re.escape(path.name)} : (?:Triples|Quads) = ([\d,]+)", output)
            if match:
                counts[path.stem] = int(match.group(1).replace(",", ""))
    return counts


@pytest.mark.parametrize(("fmt", "inferred"), CASES, ids=IDS)
def test_jena_riot_parses_each_export(
    fmt: str, inferred: bool, riot_counts: dict[str, int], kg: KnowledgeGraph
) -> None:
    case = f"{fmt}-{'union' if inferred else 'asserted'}"
    assert case in riot_counts, f"riot could not read the {case} export"
    assert riot_counts[case] == expected_count(kg, fmt, inferred)


def _broken(kg: KnowledgeGraph) -> Graph:
    """The union with planted mistakes: JAIF loses its labels and sources and is selected in
    itself (not a selection wave)."""
    graph = new_graph()
    jaif = FACTORY.jaif
    for triple in kg.union:
        s, p, _ = triple
        if s == jaif and p in (RDFS.label, URIRef("http://purl.org/dc/terms/source")):
            continue
        graph.add(triple)
    graph.add((jaif, AIF.selectedIn, jaif))
    return graph


Key = tuple[str, str, str, str]


def _key(focus: Node, path: Node | None, component: Node, severity: Node) -> Key:
    return (
        str(focus) if not isinstance(focus, BNode) else "_:blank",
        # a complex path (inverse, one-or-more) is a blank node in Jena's report
        "-" if path is None else str(path) if isinstance(path, URIRef) else "[path]",
        str(component),
        str(severity),
    )


def test_jena_shacl_agrees_with_pyshacl(kg: KnowledgeGraph, tmp_path: Path) -> None:
    shacl = _jena("shacl", tmp_path)
    data = _broken(kg)
    ours = validate(data)
    mine = sorted(
        _key(r.focus_node, r.result_path, r.constraint_component, r.severity)  # type: ignore[arg-type]
        for r in ours.results
    )
    assert len([r for r in ours.results if r.is_violation]) >= 3, "the planted mistakes count"
    data_file = tmp_path / "data.nt"
    data.serialize(data_file, format="nt", encoding="utf-8")
    done = subprocess.run(
        [
            *shacl.command,
            "validate",
            "--shapes",
            str(resources.shapes_file()),
            "--data",
            str(data_file),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    report = Graph().parse(data=done.stdout, format="turtle")
    assert (None, RDF.type, SH.ValidationReport) in report, done.stderr[-2000:]
    theirs = sorted(
        _key(
            report.value(r, SH.focusNode),  # type: ignore[arg-type]
            report.value(r, SH.resultPath),
            report.value(r, SH.sourceConstraintComponent),  # type: ignore[arg-type]
            report.value(r, SH.resultSeverity),  # type: ignore[arg-type]
        )
        for r in report.subjects(RDF.type, SH.ValidationResult)
        if (None, SH.result, r) in report  # top-level results, not nested details
    )
    only_ours = sorted(set(mine) - set(theirs))
    only_jena = sorted(set(theirs) - set(mine))
    assert not only_ours and not only_jena, (
        f"pySHACL and Jena SHACL disagree.\nOnly pySHACL: {only_ours}\nOnly Jena: {only_jena}"
    )
    assert Literal(False) in set(report.objects(None, SH.conforms))
