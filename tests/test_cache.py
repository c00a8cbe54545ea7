"""The on-disk graph cache: warm reuse, invalidation on any edit, corrupt entries rebuilt.

Each test uses a tiny ontology and data set in ``tmp_path`` (reasoning over it takes
milliseconds) and its own cache folder, so the project graph is never re-reasoned here.
"""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest

from aifactories import cache, graph, prefixes
from aifactories.graph import KnowledgeGraph
from aifactories.query import engines

EX = "https://w3id.org/aifactories/id/test/"
ONTOLOGY = """@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix o: <https://w3id.org/aifactories/ontology#> .
o:Lab a owl:Class ; rdfs:subClassOf o:Place .
o:Place a owl:Class .
"""
DATA = """@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix o: <https://w3id.org/aifactories/ontology#> .
<{ex}a> a o:Lab ; rdfs:label "Lab A"@en .
"""
PLACE = ox.NamedNode(prefixes.BASE + "ontology#Place")
COUNT_PLACES = (
    "SELECT (COUNT(?x) AS ?n) WHERE { ?x a <https://w3id.org/aifactories/ontology#Place> }"
)


@pytest.fixture
def files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    monkeypatch.setenv(cache.CACHE_DIR_ENV, str(tmp_path / "cache"))
    monkeypatch.delenv(cache.NO_CACHE_ENV, raising=False)
    onto = tmp_path / "onto.ttl"
    onto.write_text(ONTOLOGY, encoding="utf-8")
    data = tmp_path / "data.ttl"
    data.write_text(DATA.format(ex=EX), encoding="utf-8")
    return [onto, data]


@pytest.fixture
def builds(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts calls of graph.build (parse + closure)."""
    calls: list[int] = []
    real = graph.build

    def counting(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(graph, "build", counting)
    return calls


def places(kg: KnowledgeGraph) -> set[str]:
    from rdflib import RDF, URIRef

    return {str(s) for s in kg.union.subjects(RDF.type, URIRef(PLACE.value))}


def test_cold_then_warm(files: list[Path], builds: list[int]) -> None:
    cold = graph.knowledge_graph(files)
    assert builds == [1]
    assert places(cold) == {EX + "a"}  # inferred from o:Lab rdfs:subClassOf o:Place
    entries = list(cache.cache_dir().glob("graph-*.nq"))
    assert len(entries) == 1
    warm = graph.knowledge_graph(files)
    assert builds == [1], "a warm cache must not parse or reason again"
    assert set(warm.asserted) == set(cold.asserted)
    assert set(warm.inferred) == set(cold.inferred)
    assert set(warm.union) == set(cold.union)


def test_store_from_the_warm_cache(files: list[Path], builds: list[int]) -> None:
    graph.knowledge_graph(files)
    store = graph.knowledge_graph(files).store()
    assert builds == [1]
    assert int(next(iter(store.query(COUNT_PLACES, use_default_graph_as_union=True)))[0].value) == 1
    graphs = {g.value for g in store.named_graphs()}
    assert graphs == {prefixes.ASSERTED_GRAPH, prefixes.INFERRED_GRAPH}


def test_an_edit_invalidates(files: list[Path], builds: list[int]) -> None:
    """Edit a data file: the next answer reflects it (a new key, a new closure)."""
    graph.knowledge_graph(files)
    files[1].write_text(
        DATA.format(ex=EX) + f"<{EX}b> a <https://w3id.org/aifactories/ontology#Lab> .\n",
        encoding="utf-8",
    )
    engine = engines.OxigraphEngine(graph.knowledge_graph(files).store())
    assert builds == [1, 1]
    assert engine.query(COUNT_PLACES).rows == [
        (ox.Literal("2", datatype=ox.NamedNode(prefixes.XSD + "integer")),)
    ]


def test_key_ignores_code_that_does_not_shape_the_closure(
    files: list[Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Changing how results print (engines, writers, the CLI) keeps the cached closure."""
    before = cache.fingerprint(files)
    real = cache._file_hash
    for name in ("engines.py", "cli.py", "graph.py", "cache.py", "validation.py"):
        monkeypatch.setattr(
            cache, "_file_hash", lambda p, n=name: b"edited" if p.name == n else real(p)
        )
        assert cache.fingerprint(files) == before, name


@pytest.mark.parametrize(
    "change",
    ["shapes", "library", "code", "reasoner"],
)
def test_key_covers_shapes_libraries_and_code(
    files: list[Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, change: str
) -> None:
    before = cache.fingerprint(files)
    if change == "shapes":
        shapes = tmp_path / "shapes.ttl"
        shapes.write_text("# other shapes\n", encoding="utf-8")
        assert cache.fingerprint(files, shapes) != before
    elif change == "library":
        monkeypatch.setattr(cache, "_versions", lambda: ["rdflib 99"])
        assert cache.fingerprint(files) != before
    else:
        real = cache._file_hash
        monkeypatch.setattr(
            cache,
            "_file_hash",
            lambda p: b"edited" if p.name == "reasoning.py" else real(p),
        )
        assert cache.fingerprint(files) != before
    if change == "reasoner":
        assert cache.fingerprint(files, reasoner="owlrl") != before


def corrupt_truncate(data: bytes) -> bytes:
    return data[: len(data) // 2]


def corrupt_flip(data: bytes) -> bytes:
    i = len(data) - 20
    return data[:i] + bytes([data[i] ^ 0x01]) + data[i + 1 :]


def corrupt_header(data: bytes) -> bytes:
    return b"garbage\n" + data


@pytest.mark.parametrize("damage", [corrupt_truncate, corrupt_flip, corrupt_header])
def test_corrupt_entry_is_rebuilt(files: list[Path], builds: list[int], damage) -> None:  # type: ignore[no-untyped-def]
    graph.knowledge_graph(files)
    (entry,) = cache.cache_dir().glob("graph-*.nq")
    entry.write_bytes(damage(entry.read_bytes()))
    assert cache.read(cache.fingerprint(files)) is None
    assert not entry.exists(), "a corrupt entry is deleted"
    kg = graph.knowledge_graph(files)
    assert builds == [1, 1]
    assert places(kg) == {EX + "a"}
    assert cache.read(cache.fingerprint(files)) is not None


def test_checksummed_but_unparsable_body_is_rebuilt(files: list[Path], builds: list[int]) -> None:
    """A body that passes its checksum yet does not parse (a bug, a hand edit) is not trusted."""
    key = cache.fingerprint(files)
    cache.write(key, b"<not n-quads", {"asserted": 1, "inferred": 0})
    kg = graph.knowledge_graph(files)
    assert builds == [1]
    assert places(kg) == {EX + "a"}
    assert graph.knowledge_graph(files).store() is not None


def test_counts_must_match(files: list[Path], builds: list[int]) -> None:
    key = cache.fingerprint(files)
    body = f"<{EX}a> <{EX}p> <{EX}b> <{prefixes.ASSERTED_GRAPH}> .\n".encode()
    cache.write(key, body, {"asserted": 5, "inferred": 0})
    graph.knowledge_graph(files)
    assert builds == [1]
    store = graph.knowledge_graph(files).store()
    assert len(store) > 1


def test_write_is_atomic(files: list[Path], monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(*args: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(cache.os, "replace", fail)
    with pytest.raises(OSError):
        cache.write("k" * 32, b"x", {})
    assert list(cache.cache_dir().iterdir()) == [], "no partial or temporary file is left"


def test_old_entries_are_pruned(files: list[Path]) -> None:
    for i in range(cache.KEEP + 3):
        cache.write(f"{i:032d}", b"", {})
    assert len(list(cache.cache_dir().glob("graph-*.nq"))) == cache.KEEP


def test_cache_can_be_turned_off(
    files: list[Path], builds: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(cache.NO_CACHE_ENV, "1")
    graph.knowledge_graph(files)
    graph.knowledge_graph(files)
    assert builds == [1, 1]
    assert not cache.cache_dir().exists()


def test_unwritable_cache_costs_speed_not_correctness(
    files: list[Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("", encoding="utf-8")
    monkeypatch.setenv(cache.CACHE_DIR_ENV, str(blocker / "cache"))
    assert places(graph.knowledge_graph(files)) == {EX + "a"}


def test_default_folder_is_the_user_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    from platformdirs import user_cache_dir

    monkeypatch.delenv(cache.CACHE_DIR_ENV, raising=False)
    assert cache.cache_dir() == Path(user_cache_dir("aifactories", appauthor=False))


def test_project_graph_from_cache_equals_the_build(
    kg: KnowledgeGraph, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A cold build's cache entry gives the same graphs as the session's ``kg``.

    Built into a cache folder of its own: the shared one keeps the newest few entries (by time
    written), so the entry the session's ``kg`` came from may have been pruned since by entries
    that other tests and their subprocesses wrote (the cause of this test's flakiness).
    """
    monkeypatch.setenv("AIFACTORIES_CACHE_DIR", str(tmp_path / "cache"))
    files = list(kg.files)
    assert cache.read(cache.fingerprint(files)) is None  # cold
    graph.knowledge_graph(files)  # builds and writes the entry
    entry = cache.read(cache.fingerprint(files))
    assert entry is not None
    again = graph._from_entry(entry, files, {})
    assert len(again.asserted) == len(kg.asserted)
    assert set(again.inferred) == set(kg.inferred)
    assert again.inconsistencies == kg.inconsistencies
    from rdflib.compare import isomorphic

    assert isomorphic(again.asserted, kg.asserted)


def test_no_cycle_between_loading_caching_and_engines() -> None:
    """cache imports neither the loader nor an engine; the loader imports no engine. Checked in
    the source (deferred imports included), so no run-time cycle can hide behind one."""
    import ast

    import aifactories

    package = Path(aifactories.__file__).parent

    def imports(module: str) -> set[str]:
        tree = ast.parse((package / module).read_text(encoding="utf-8"))
        found: set[str] = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module:
                found.add(node.module)
                found.update(f"{node.module}.{alias.name}" for alias in node.names)
            elif isinstance(node, ast.Import):
                found.update(alias.name for alias in node.names)
        return found

    cache_imports = imports("cache.py")
    assert not {
        m for m in cache_imports if m.startswith(("aifactories.graph", "aifactories.query"))
    }
    graph_imports = imports("graph.py")
    assert not {m for m in graph_imports if m.startswith("aifactories.query.engines")}
    assert "aifactories.query.convert" in graph_imports  # the one conversion home
