"""The on-disk Oxigraph store: ``load --store``, then ``query --store`` without parsing."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from aifactories import cli, prefixes, store
from aifactories.errors import InputError
from aifactories.graph import KnowledgeGraph
from aifactories.query import catalogue, engines, run_stored


@pytest.fixture(scope="module")
def project_store(kg: KnowledgeGraph, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("stores") / "project"
    store.build_store(folder, kg=kg)
    return folder


def test_store_holds_both_graphs(project_store: Path, kg: KnowledgeGraph) -> None:
    opened = store.open_store(project_store)
    assert opened.meta["asserted"] == len(kg.asserted)
    assert opened.meta["inferred"] == len(set(kg.inferred) - set(kg.asserted))
    graphs = {g.value for g in opened.store.named_graphs()}
    assert graphs == {prefixes.ASSERTED_GRAPH, prefixes.INFERRED_GRAPH}
    assert opened.inconsistencies == kg.inconsistencies
    assert not opened.is_stale()


def test_query_on_the_store_equals_the_reference(project_store: Path, kg: KnowledgeGraph) -> None:
    query = catalogue.load_catalogue().get("factory-supercomputers")
    on_disk = engines.OxigraphEngine(store.open_store(project_store).store)
    reference = engines.RdflibEngine(kg)
    got = run_stored(query, {"factory": "JAIF"}, on_disk)
    want = run_stored(query, {"factory": "JAIF"}, reference)
    assert sorted(map(str, got.rows)) == sorted(map(str, want.rows))
    labels = {row[1].value for row in got.rows if row[1] is not None}
    assert {"JUPITER", "JARVIS"} <= labels


def test_rdflib_graphs_from_the_store(project_store: Path, kg: KnowledgeGraph) -> None:
    again = store.knowledge_graph_from_store(store.open_store(project_store))
    assert len(again.asserted) == len(kg.asserted)
    assert set(again.inferred) == set(kg.inferred) - set(kg.asserted)


def test_cli_query_and_load_with_store(project_store: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    args = ["query", "exascale-factories", "--format", "csv"]
    from_store = runner.invoke(cli.main, [*args, "--store", str(project_store)])
    assert from_store.exit_code == 0, from_store.output
    assert "JUPITER AI Factory,https://w3id.org/aifactories/id/system/jupiter" in from_store.output
    for engine in ("rdflib", "oxigraph"):
        other = runner.invoke(cli.main, [*args, "--engine", engine])
        assert sorted(other.output.splitlines()) == sorted(from_store.output.splitlines())
    written = runner.invoke(cli.main, ["load", "--store", str(tmp_path / "s")])
    assert written.exit_code == 0, written.output
    assert "asserted" in written.output and "\x1b[" not in written.output  # no bar off a terminal


def test_rebuild_replaces_the_old_store(tmp_path: Path, kg: KnowledgeGraph) -> None:
    folder = tmp_path / "s"
    store.build_store(folder, kg=kg)
    first = store.open_store(folder).meta
    del first
    store.build_store(folder, kg=kg)
    assert store.open_store(folder).meta["asserted"] == len(kg.asserted)
    assert [p.name for p in tmp_path.iterdir()] == ["s"], "no partial or old folder is left"


def test_refuses_a_foreign_folder(tmp_path: Path, kg: KnowledgeGraph) -> None:
    (tmp_path / "notes.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(InputError, match="holds no store"):
        store.build_store(tmp_path, kg=kg)
    assert (tmp_path / "notes.txt").read_text(encoding="utf-8") == "mine"


def test_opening_what_is_not_a_store(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not a store written by"):
        store.open_store(tmp_path)
    result = CliRunner().invoke(cli.main, ["query", "factories", "--store", str(tmp_path)])
    assert result.exit_code == 2
    assert "not a store written by" in result.output


def test_stale_store_is_reported(tmp_path: Path) -> None:
    from aifactories.graph import build

    data = tmp_path / "d.ttl"
    data.write_text(f"<{prefixes.BASE}id/x> a <{prefixes.BASE}ontology#Place> .\n")
    folder = tmp_path / "s"
    store.build_store(folder, kg=build([data]))
    opened = store.open_store(folder)
    assert not opened.is_stale()
    data.write_text(f"<{prefixes.BASE}id/y> a <{prefixes.BASE}ontology#Place> .\n")
    assert opened.is_stale()


def test_progress_is_silent_off_a_terminal(capsys: pytest.CaptureFixture[str]) -> None:
    with store.progress("working", 10) as advance:
        advance(5)
    assert capsys.readouterr().err == ""
