"""What the server prepares once at start-up and every request reads: the ``Site``.

The graph is loaded (and reasoned over) once; the dataset the workers query, the network rows,
VoID statistics, labels and static files are all derived from it here. Nothing a request does
re-parses a file or recomputes the closure.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import logging
import mimetypes
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import rdflib.plugins.sparql
from jinja2 import Environment, FileSystemLoader, select_autoescape
from rdflib import Dataset, Graph

from aifactories import __version__
from aifactories.graph import KnowledgeGraph
from aifactories.namespaces import BASE
from aifactories.search import SearchIndex
from aifactories.server import negotiation as neg
from aifactories.server.descriptions import Descriptions
from aifactories.server.geo import EuropeMap
from aifactories.server.linked_data import LinkedData
from aifactories.server.network import Network
from aifactories.server.pool import QueryPool
from aifactories.server.runner import Runner
from aifactories.server.worker import WorkerState, rdf_bytes

log = logging.getLogger("aifactories.server")

HERE = Path(__file__).resolve().parent
TITLE = "AI Factories Knowledge Graph"

# FROM <iri> must never fetch anything: rdflib only fetches when this is true.
rdflib.plugins.sparql.SPARQL_LOAD_GRAPHS = False


@dataclass(frozen=True)
class Settings:
    """How the server runs; every field has a command-line option in ``aifactories serve``."""

    base_iri: str = BASE
    timeout: float = 10.0
    row_cap: int = 10_000
    #: Server processes (Oxigraph) or forked query workers (rdflib).
    workers: int = 2
    worker_memory_mb: int = 2048
    root_path: str = ""
    #: ``oxigraph``: queries run on threads over the store opened once; ``rdflib``: the pool.
    engine: str = "oxigraph"
    #: Query threads per server process (Oxigraph engine).
    threads: int = 32

    def __post_init__(self) -> None:
        if not self.base_iri.endswith(("/", "#")):
            raise ValueError(f"the base IRI must end with '/': {self.base_iri!r}")
        if self.timeout <= 0 or self.row_cap < 1 or self.workers < 1 or self.threads < 1:
            raise ValueError("timeout, row cap, workers and threads must be positive")
        if self.engine not in ("oxigraph", "rdflib"):
            raise ValueError(f"unknown engine {self.engine!r}: oxigraph or rdflib")


@dataclass(frozen=True)
class StaticFile:
    body: bytes
    gzipped: bytes | None
    content_type: str
    etag: str


class Site:
    """The server's prepared state: graph views, pool, templates, static files, caches."""

    def __init__(
        self,
        kg: KnowledgeGraph,
        settings: Settings,
        catalogue: Any | None,
        store: ox.Store | None = None,
    ) -> None:
        self.kg = kg
        self.settings = settings
        self.catalogue = catalogue
        self.linked = LinkedData(kg.union, kg.asserted, settings.base_iri, settings.root_path)
        self.network = Network(kg.union)
        self.europe = EuropeMap(kg.union)
        self.search = SearchIndex(kg.union)
        self.descriptions = Descriptions(kg.union, kg.asserted, kg.inferred, TITLE)
        self.store: ox.Store | None = None
        self.dataset: Dataset | None = None
        if settings.engine == "oxigraph":
            # opened (or filled) once here, before any fork; every query route reads it
            self.store = store if store is not None else kg.store()
        else:
            # the default graph is the union of the named graphs (asserted + inferred)
            self.dataset = Dataset(store=kg.dataset().store, default_union=True)
        state = WorkerState(
            dataset=self.dataset, union=kg.union, kg=kg, catalogue=catalogue, store=self.store
        )
        pool = None
        if self.store is None:
            # rdflib's engine builds its dataset on first use: do it here, once, so that the
            # forked workers (and their replacements after a kill) inherit it
            state.engine().query("ASK {}")
            pool = QueryPool(
                state,
                size=settings.workers,
                timeout=settings.timeout,
                memory_mb=settings.worker_memory_mb,
            )
        #: Runs every query (``pool`` keeps the name the page handlers use).
        self.pool = Runner(state, timeout=settings.timeout, threads=settings.threads, pool=pool)
        self.templates = Environment(
            loader=FileSystemLoader(HERE / "templates"),
            autoescape=select_autoescape(["html"]),
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self.templates.globals.update(
            root=settings.root_path, version=__version__, title=TITLE, base_iri=settings.base_iri
        )
        self.static = load_static(HERE / "static")
        self.svg_cache: OrderedDict[str, bytes | str] = OrderedDict()
        self.pages: OrderedDict[tuple[str, str], tuple[bytes, str]] = OrderedDict()
        self._dumps: dict[tuple[str, str], bytes] = {}
        self._prepare_queries()

    def _prepare_queries(self) -> None:
        """Parse every stored query now, so rdflib's forked workers inherit the parsed forms."""
        if self.catalogue is None or self.store is not None:
            return
        from aifactories.errors import AIFactoriesError
        from aifactories.query.catalogue import check_parses

        for query in self.catalogue:
            try:
                check_parses(query)
            except AIFactoriesError as exc:
                log.error("stored query %s does not parse: %s", query.name, exc)

    def dump(self, name: str, fmt: neg.Format) -> bytes:
        """The asserted or inferred graph serialised, cached after the first request."""
        key = (name, fmt.media_type)
        if key not in self._dumps:
            graph: Graph = self.kg.asserted if name == "asserted" else self.kg.inferred
            self._dumps[key] = rdf_bytes(graph, fmt)
        return self._dumps[key]

    def remember_page(self, key: tuple[str, str], page: tuple[bytes, str]) -> None:
        """Keep a rendered description (LRU, 2048 entries): pages never change while serving."""
        self.pages[key] = page
        self.pages.move_to_end(key)
        while len(self.pages) > 2048:
            self.pages.popitem(last=False)

    def remember_svg(self, key: str, svg: bytes | str) -> None:
        self.svg_cache[key] = svg
        self.svg_cache.move_to_end(key)
        while len(self.svg_cache) > 64:
            self.svg_cache.popitem(last=False)


def load_static(folder: Path) -> dict[str, StaticFile]:
    """Every file under ``static/``, read once, with a gzipped copy of the compressible ones."""
    files: dict[str, StaticFile] = {}
    for path in sorted(folder.rglob("*")):
        if not path.is_file() or path.suffix == ".map":
            continue
        body = path.read_bytes()
        kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        if kind.startswith("text/") or kind in ("application/javascript", "image/svg+xml"):
            kind += "; charset=utf-8"
        compressible = path.suffix in (".js", ".css", ".svg", ".txt", ".html", ".json")
        files[path.relative_to(folder).as_posix()] = StaticFile(
            body=body,
            gzipped=gzip.compress(body, 9, mtime=0) if compressible else None,
            content_type=kind,
            etag='"' + hashlib.sha256(body).hexdigest()[:20] + '"',
        )
    return files


def json_bytes(data: Any) -> bytes:
    return json.dumps(data, ensure_ascii=False, indent=2).encode("utf-8")
