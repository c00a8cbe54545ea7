"""Stored SPARQL queries: parse their headers, bind parameters safely, run them.

Each ``queries/NNN_slug.rq`` file is valid SPARQL on its own. It opens with a header of ``#+``
comment lines (grlc-style, parsed strictly here) that says what the query answers and which
typed parameters it takes::

    #+ summary: Systems an AI Factory uses, and how
    #+ description: Which systems does this factory use: primary, interim, planned ...
    #+   (continuation lines are indented by two spaces)
    #+ tags:
    #+   - factories
    #+ params:
    #+   - name: factory
    #+     type: aif:AIFactory
    #+     default: factory:jaif
    #+     description: The AI Factory (IRI, CURIE, label or acronym).

A parameter ``name`` is the variable ``?_name`` in the query. Values are bound to the prepared
query with ``initBindings``, never pasted into its text: an entity parameter is resolved to one
IRI of its declared class first (``aifactories.terms.resolve``), a date must be ``YYYY-MM-DD``.
"""

from __future__ import annotations

import csv
import datetime as dt
import difflib
import io
import json
import re
import threading
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aifactories import resources
from aifactories.errors import InputError, ParameterError, QuerySyntaxError
from aifactories.prefixes import PREFIX_IRIS as PREFIXES

if TYPE_CHECKING:
    from rdflib import Graph
    from rdflib.plugins.sparql.sparql import Query
    from rdflib.query import Result
    from rdflib.term import Node

    from aifactories.engines import Engine, QueryResult
    from aifactories.graph import KnowledgeGraph

#: Query forms, as the first keyword after the prologue.
FORMS: tuple[str, ...] = ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE")
#: Parameter types that are literals; any other declared type is a class of entities.
XSD_NS = "http://www.w3.org/2001/XMLSchema#"
LITERAL_TYPES: tuple[str, ...] = (XSD_NS + "date", XSD_NS + "string", XSD_NS + "integer")
#: The parameter type that accepts any entity (no class check).
ANY_ENTITY = "http://www.w3.org/2000/01/rdf-schema#Resource"
#: Result formats of ``aifactories query``: SELECT/ASK, and CONSTRUCT/DESCRIBE.
RESULT_FORMATS: tuple[str, ...] = ("table", "csv", "tsv", "json", "xml")
GRAPH_FORMATS: tuple[str, ...] = ("table", "turtle", "jsonld")

_FILE_NAME = re.compile(r"^(\d{3})_([a-z0-9]+(?:-[a-z0-9]+)*)\.rq$")
_PARAM_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
_TAG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_PARAM_VAR = re.compile(r"[?$]_([A-Za-z0-9_]+)")
_KEY_LINE = re.compile(r"^([a-z]+):(?:\s+(.*))?$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_INTEGER = re.compile(r"^[+-]?\d+$")
_HEADER_KEYS = ("summary", "description", "tags", "params")
_PARAM_KEYS = ("name", "type", "default", "required", "description")


class UnknownQueryError(InputError):
    """A stored-query name that is not in the catalogue; lists the closest names."""


class QueryHeaderError(QuerySyntaxError):
    """A stored query whose ``#+`` header is malformed; names the file and line."""

    def __init__(self, path: Path, line: int | None, detail: str) -> None:
        self.path = path
        self.line = line
        where = f"{path}:{line}" if line else str(path)
        super().__init__(f"{where}: bad query header: {detail}")


@dataclass(frozen=True)
class Param:
    """A typed parameter of a stored query, bound to the variable ``?_<name>``."""

    name: str
    #: The type's IRI (a plain string: reading the catalogue does not import rdflib).
    type: str
    default: str | None = None
    required: bool = False
    description: str = ""

    @property
    def is_entity(self) -> bool:
        """Whether values name an entity of class ``type`` (else a literal of datatype ``type``)."""
        return str(self.type) not in LITERAL_TYPES

    @property
    def type_curie(self) -> str:
        """The type as a CURIE (``aif:AIFactory``, ``xsd:date``)."""
        return _curie(str(self.type))

    @property
    def variable(self) -> str:
        """The query variable this parameter binds, without the ``?``."""
        return "_" + self.name

    def as_dict(self) -> dict[str, Any]:
        """The parameter as JSON-ready data (CLI listing, REST API, OpenAPI)."""
        return {
            "name": self.name,
            "type": self.type_curie,
            "type_iri": str(self.type),
            "default": self.default,
            "required": self.required,
            "description": self.description,
        }


@dataclass(frozen=True)
class StoredQuery:
    """One ``queries/NNN_slug.rq`` file: its header, its parameters and its full text."""

    name: str
    number: int
    path: Path
    summary: str
    description: str
    tags: tuple[str, ...]
    params: tuple[Param, ...]
    text: str
    form: str

    def param(self, name: str) -> Param:
        """The declared parameter ``name``; ParameterError naming the declared ones otherwise."""
        for param in self.params:
            if param.name == name:
                return param
        raise ParameterError(f"query {self.name!r} {_declared(self)}; got {name!r}")

    @property
    def file_name(self) -> str:
        return self.path.name


class Catalogue:
    """The stored queries of one folder, in file order; look them up by name."""

    def __init__(self, queries: Sequence[StoredQuery], directory: Path) -> None:
        self.directory = directory
        self._by_name = {q.name: q for q in queries}

    def __iter__(self) -> Iterator[StoredQuery]:
        return iter(self._by_name.values())

    def __len__(self) -> int:
        return len(self._by_name)

    def __contains__(self, name: object) -> bool:
        return name in self._by_name

    def names(self) -> list[str]:
        """Query names in file (number) order."""
        return list(self._by_name)

    def get(self, name: str) -> StoredQuery:
        """The query called ``name``; UnknownQueryError listing close names otherwise."""
        query = self._by_name.get(name)
        if query is not None:
            return query
        close = difflib.get_close_matches(name, self.names(), n=5, cutoff=0.5)
        close += [n for n in self.names() if name and name in n and n not in close]
        hint = f"; closest matches: {', '.join(close[:5])}" if close else ""
        raise UnknownQueryError(
            f"unknown stored query {name!r}{hint} (list them with 'aifactories queries')"
        )


# --- Loading -------------------------------------------------------------------------------


_catalogue_cache: dict[tuple[Any, ...], Catalogue] = {}
_lock = threading.Lock()


def load_catalogue(directory: Path | None = None) -> Catalogue:
    """Read and check every ``NNN_slug.rq`` in ``directory`` (default: the project's queries).

    Cached on the folder's file names and modification times, so callers may call it freely.
    Raises QueryHeaderError for a bad file name or header, naming the file.
    """
    folder = Path(directory) if directory is not None else resources.queries_dir()
    if not folder.is_dir():
        raise InputError(f"{folder}: no such query folder")
    files = sorted(folder.glob("*.rq"))
    key = (str(folder), tuple((p.name, p.stat().st_mtime_ns) for p in files))
    with _lock:
        cached = _catalogue_cache.get(key)
        if cached is not None:
            return cached
        queries = [parse_query_file(p) for p in files]
        _check_unique(queries)
        catalogue = Catalogue(sorted(queries, key=lambda q: q.number), folder)
        _catalogue_cache[key] = catalogue
        return catalogue


def _check_unique(queries: Sequence[StoredQuery]) -> None:
    seen: dict[Any, Path] = {}
    for query in queries:
        for key in (query.name, query.number):
            if key in seen:
                raise QueryHeaderError(
                    query.path, None, f"{key!r} is also used by {seen[key].name}"
                )
            seen[key] = query.path


def parse_query_file(path: Path) -> StoredQuery:
    """Parse one stored query file's name and header (the SPARQL itself is parsed on first run)."""
    match = _FILE_NAME.match(path.name)
    if not match:
        raise QueryHeaderError(
            path, None, "file name must be NNN_slug.rq (three digits, lower-case slug)"
        )
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot read query: {exc}") from exc
    header, body_start = _header_lines(path, text)
    fields = _parse_header(path, header)
    body = "\n".join(text.splitlines()[body_start:])
    params = tuple(_make_param(path, item, line) for item, line in fields.get("params", []))
    _check_param_variables(path, params, body)
    return StoredQuery(
        name=match.group(2),
        number=int(match.group(1)),
        path=path,
        summary=fields["summary"],
        description=fields["description"],
        tags=tuple(fields["tags"]),
        params=params,
        text=text,
        form=_form(path, body),
    )


def _header_lines(path: Path, text: str) -> tuple[list[tuple[int, str]], int]:
    """The ``#+`` lines at the top of the file (line number, content after ``#+``)."""
    lines = text.splitlines()
    header: list[tuple[int, str]] = []
    for number, line in enumerate(lines, start=1):
        if not line.startswith("#+"):
            break
        content = line[2:]
        if content and not content.startswith(" "):
            raise QueryHeaderError(path, number, "write '#+ ' (a space after '#+')")
        header.append((number, content[1:]))
    if not header:
        raise QueryHeaderError(path, 1, "missing: the file must start with '#+ summary: ...'")
    return header, len(header)


def _parse_header(path: Path, header: list[tuple[int, str]]) -> dict[str, Any]:
    """Strict reader for the header's small YAML-like subset (see the module docstring)."""
    fields: dict[str, Any] = {}
    current: str | None = None
    for number, content in header:
        if not content.strip():
            raise QueryHeaderError(path, number, "empty header line")
        if not content.startswith(" "):
            match = _KEY_LINE.match(content)
            if not match:
                raise QueryHeaderError(path, number, f"expected 'key: value', got {content!r}")
            key, value = match.group(1), (match.group(2) or "").strip()
            if key not in _HEADER_KEYS:
                raise QueryHeaderError(
                    path, number, f"unknown key {key!r} (expected {', '.join(_HEADER_KEYS)})"
                )
            if key in fields:
                raise QueryHeaderError(path, number, f"{key!r} given twice")
            if key in ("tags", "params"):
                if value:
                    raise QueryHeaderError(path, number, f"'{key}:' takes an indented list")
                fields[key] = []
            else:
                if not value:
                    raise QueryHeaderError(path, number, f"{key!r} is empty")
                fields[key] = value
            current = key
            continue
        if current is None:
            raise QueryHeaderError(path, number, "indented line before any key")
        _continue_field(path, number, content, current, fields)
    for key in ("summary", "description", "tags"):
        if key not in fields:
            raise QueryHeaderError(path, None, f"missing '#+ {key}:'")
    if not fields["tags"]:
        raise QueryHeaderError(path, None, "'tags:' lists no tag")
    if "params" in fields and not fields["params"]:
        raise QueryHeaderError(path, None, "'params:' lists no parameter (leave it out)")
    if "\n" in fields["summary"]:
        raise QueryHeaderError(path, None, "'summary' must be one line")
    return fields


def _continue_field(
    path: Path, number: int, content: str, key: str, fields: dict[str, Any]
) -> None:
    """Handle an indented header line under ``key``."""
    if key == "summary":
        raise QueryHeaderError(path, number, "'summary' must be one line")
    if key == "description":
        if not content.startswith("  ") or content.startswith("   "):
            raise QueryHeaderError(path, number, "description lines are indented by 2 spaces")
        fields[key] += " " + content.strip()
        return
    if key == "tags":
        if not content.startswith("  - ") or content.startswith("   "):
            raise QueryHeaderError(path, number, "tags are listed as '#+   - tag'")
        tag = content[4:].strip()
        if not _TAG.match(tag):
            raise QueryHeaderError(path, number, f"bad tag {tag!r} (lower-case words and '-')")
        if tag in fields[key]:
            raise QueryHeaderError(path, number, f"tag {tag!r} given twice")
        fields[key].append(tag)
        return
    # params: "  - name: x" opens an item, "    key: value" continues it
    if content.startswith("  - "):
        item_line, rest = number, content[4:]
        fields[key].append(({}, item_line))
    elif content.startswith("    ") and not content.startswith("     ") and fields[key]:
        rest = content[4:]
    else:
        raise QueryHeaderError(
            path, number, "params are listed as '#+   - name: x' then '#+     key: value'"
        )
    match = _KEY_LINE.match(rest)
    if not match:
        raise QueryHeaderError(path, number, f"expected 'key: value', got {rest.strip()!r}")
    pkey, value = match.group(1), (match.group(2) or "").strip()
    item: dict[str, str] = fields[key][-1][0]
    if pkey not in _PARAM_KEYS:
        raise QueryHeaderError(
            path, number, f"unknown parameter key {pkey!r} (expected {', '.join(_PARAM_KEYS)})"
        )
    if pkey in item:
        raise QueryHeaderError(path, number, f"parameter key {pkey!r} given twice")
    if not value:
        raise QueryHeaderError(path, number, f"parameter key {pkey!r} is empty")
    item[pkey] = value


def _make_param(path: Path, item: dict[str, str], line: int) -> Param:
    """Check one parsed ``params`` item and build its Param."""
    for key in ("name", "type", "description"):
        if key not in item:
            raise QueryHeaderError(path, line, f"parameter without '{key}:'")
    name = item["name"]
    if not _PARAM_NAME.match(name):
        raise QueryHeaderError(path, line, f"bad parameter name {name!r} (lower-case, digits, _)")
    type_iri = _expand(item["type"])
    if type_iri is None:
        raise QueryHeaderError(
            path, line, f"parameter {name!r}: type {item['type']!r} is not a known CURIE"
        )
    required_text = item.get("required", "false" if "default" in item else "true")
    if required_text not in ("true", "false"):
        raise QueryHeaderError(path, line, f"parameter {name!r}: required is true or false")
    required = required_text == "true"
    default = item.get("default")
    if required and default is not None:
        raise QueryHeaderError(path, line, f"parameter {name!r}: required but has a default")
    param = Param(name, type_iri, default, required, item["description"])
    if default is not None and not param.is_entity:
        try:
            check_literal(param, default)
        except ParameterError as exc:
            raise QueryHeaderError(path, line, f"default: {exc}") from None
    return param


def _check_param_variables(path: Path, params: Sequence[Param], body: str) -> None:
    """Every declared parameter is used as ``?_name``, and every ``?_name`` is declared."""
    used = set(_PARAM_VAR.findall(body))
    declared = {p.name for p in params}
    for name in sorted(declared - used):
        raise QueryHeaderError(path, None, f"parameter {name!r} is declared but ?_{name} unused")
    for name in sorted(used - declared):
        raise QueryHeaderError(path, None, f"?_{name} is used but no parameter {name!r} declared")


def _form(path: Path, body: str) -> str:
    """The query form: the first SELECT/ASK/CONSTRUCT/DESCRIBE keyword after the prologue."""
    code = "\n".join(line for line in body.splitlines() if not line.lstrip().startswith("#"))
    code = re.sub(r"(?is)^\s*((PREFIX\s+[\w.-]*:\s*<[^>]*>|BASE\s*<[^>]*>)\s*)*", "", code)
    match = re.match(r"(?i)\s*(SELECT|ASK|CONSTRUCT|DESCRIBE)\b", code)
    if not match:
        raise QueryHeaderError(path, None, "no SELECT, ASK, CONSTRUCT or DESCRIBE after PREFIXes")
    return match.group(1).upper()


def _expand(curie: str) -> str | None:
    if curie.startswith("<") and curie.endswith(">"):
        return curie[1:-1]
    prefix, sep, local = curie.partition(":")
    if not sep or prefix not in PREFIXES:
        return None
    return str(PREFIXES[prefix]) + local


def _curie(iri: str) -> str:
    best = ""
    for prefix, namespace in PREFIXES.items():
        ns = str(namespace)
        if iri.startswith(ns) and len(ns) > len(best):
            best, found = ns, prefix
    return f"{found}:{iri[len(best) :]}" if best else f"<{iri}>"


# --- Parameters ----------------------------------------------------------------------------


def _declared(query: StoredQuery) -> str:
    if not query.params:
        return "takes no parameters"
    return "has parameters: " + ", ".join(p.name for p in query.params)


def check_parameters(query: StoredQuery, values: Mapping[str, str]) -> list[tuple[Param, str]]:
    """The checks every engine shares: (parameter, value) for each parameter to bind.

    Missing values take the declared default; an unset optional parameter without default stays
    unbound (it is left out). Literal values are checked against their datatype here; entity
    values are resolved by the engine. Raises ParameterError for an undeclared or missing
    parameter or a malformed literal; the message names the parameter.
    """
    declared = {p.name for p in query.params}
    for name in values:
        if name not in declared:
            raise ParameterError(
                f"query {query.name!r} {_declared(query)}; got undeclared parameter {name!r}"
            )
    out: list[tuple[Param, str]] = []
    for param in query.params:
        value = values.get(param.name, param.default)
        if value is None:
            if param.required:
                raise ParameterError(
                    f"query {query.name!r} needs parameter {param.name!r} ({param.type_curie}): "
                    f"give it as --param {param.name}=VALUE"
                )
            continue
        if not param.is_entity:
            check_literal(param, value)
        out.append((param, value))
    return out


def _entity_classes(param: Param) -> list[str] | None:
    return None if param.type == ANY_ENTITY else [param.type]


def _lookup_failed(param: Param, exc: Exception) -> ParameterError:
    return ParameterError(f"parameter {param.name!r} ({param.type_curie}): {exc}")


def bind_parameters(query: StoredQuery, values: Mapping[str, str], graph: Graph) -> dict[str, Node]:
    """Check and convert parameter values for ``query``: parameter name -> rdflib term.

    ``check_parameters``, then entity values are resolved against ``graph`` (pass the union, so
    inferred classes count) by ``aifactories.terms.resolve``. Raises ParameterError, also for an
    entity value that names no (or several) entities of the declared class.
    """
    from rdflib import URIRef

    from aifactories.errors import TermLookupError
    from aifactories.terms import resolve

    bound: dict[str, Node] = {}
    for param, value in check_parameters(query, values):
        if not param.is_entity:
            bound[param.name] = _literal(param, value)
            continue
        classes = _entity_classes(param)
        try:
            bound[param.name] = resolve(
                graph, value, classes=[URIRef(c) for c in classes] if classes else None
            )
        except TermLookupError as exc:
            raise _lookup_failed(param, exc) from exc
    return bound


def engine_bindings(query: StoredQuery, values: Mapping[str, str], engine: Engine) -> dict:
    """As ``bind_parameters``, for an engine: parameter name -> pyoxigraph term.

    Entities are resolved by ``engine.resolve`` (same rules and messages as ``terms.resolve``).
    """
    import pyoxigraph as ox

    from aifactories.errors import TermLookupError

    bound: dict[str, Any] = {}
    for param, value in check_parameters(query, values):
        if not param.is_entity:
            lexical, datatype = check_literal(param, value)
            bound[param.name] = (
                ox.Literal(lexical, datatype=ox.NamedNode(datatype))
                if datatype
                else ox.Literal(lexical)
            )
            continue
        try:
            bound[param.name] = engine.resolve(value, _entity_classes(param))
        except TermLookupError as exc:
            raise _lookup_failed(param, exc) from exc
    return bound


def check_literal(param: Param, value: str) -> tuple[str, str | None]:
    """A literal parameter value checked against its datatype: (lexical form, datatype IRI).

    The datatype is None for a plain string. Raises ParameterError naming the parameter.
    """
    text = value.strip()
    if param.type == XSD_NS + "date":
        try:
            if not _DATE.match(text):
                raise ValueError(text)
            dt.date.fromisoformat(text)
        except ValueError:
            raise ParameterError(
                f"parameter {param.name!r}: expected a date as YYYY-MM-DD, got {value!r}"
            ) from None
        return text, param.type
    if param.type == XSD_NS + "integer":
        if not _INTEGER.match(text):
            raise ParameterError(f"parameter {param.name!r}: expected an integer, got {value!r}")
        return str(int(text)), param.type
    return value, None


def _literal(param: Param, value: str) -> Node:
    """A literal parameter value as an rdflib Literal, checked against its datatype."""
    from rdflib import Literal, URIRef

    lexical, datatype = check_literal(param, value)
    return Literal(lexical, datatype=URIRef(datatype)) if datatype else Literal(lexical)


# --- Running -------------------------------------------------------------------------------


_prepared: dict[tuple[str, str], Query] = {}


def prepared_query(query: StoredQuery) -> Query:
    """The parsed and translated query, cached; QuerySyntaxError naming the file if it fails."""
    key = (str(query.path), query.text)
    cached = _prepared.get(key)
    if cached is not None:
        return cached
    from rdflib.plugins.sparql import prepareQuery

    try:
        parsed = prepareQuery(query.text)
    except Exception as exc:  # pyparsing and rdflib raise many types; all mean a bad query
        detail = " ".join(str(exc).split()) or type(exc).__name__
        raise QuerySyntaxError(f"{query.path}: SPARQL syntax error: {detail}") from None
    _prepared[key] = parsed
    return parsed


def is_ordered(query: StoredQuery) -> bool:
    """Whether the query sorts its results (a top-level ORDER BY): their order is meaningful."""
    node: Any = prepared_query(query).algebra
    while node is not None and getattr(node, "name", None) != "OrderBy":
        node = node.get("p") if hasattr(node, "get") else None
    return node is not None


def run(
    name_or_query: str | StoredQuery,
    values: Mapping[str, str] | None = None,
    kg: KnowledgeGraph | None = None,
    *,
    engine: Engine | str | None = None,
) -> Result | QueryResult:
    """Run a stored query on the union graph with its parameters bound (initBindings).

    ``kg`` defaults to ``aifactories.graph.load()``. Raises UnknownQueryError, ParameterError.
    With ``engine`` (an ``aifactories.engines`` Engine, or ``"rdflib"``/``"oxigraph"`` over
    ``kg``) that engine answers, as an engine-neutral ``engines.QueryResult``; without, rdflib
    answers with its own Result.
    """
    query = (
        name_or_query
        if isinstance(name_or_query, StoredQuery)
        else load_catalogue().get(name_or_query)
    )
    if engine is not None:
        if isinstance(engine, str):
            from aifactories.engines import open_engine

            engine = open_engine(engine, kg)
        return execute(query, values or {}, engine)
    if _default_engine not in (None, "rdflib"):
        from aifactories.engines import open_engine

        if kg is None:
            from aifactories.graph import load

            kg = load()
        return execute(query, values or {}, open_engine(_default_engine, kg)).to_rdflib()
    if kg is None:
        from aifactories.graph import load

        kg = load()
    bound = bind_parameters(query, values or {}, kg.union)
    init = {"_" + name: term for name, term in bound.items()}
    return kg.union.query(prepared_query(query), initBindings=init)


_default_engine: str | None = None


def use_engine(name: str | None) -> None:
    """Make ``run`` without ``engine`` answer on ``name`` (still as an rdflib Result).

    ``aifactories serve --engine`` sets it before the query workers start, so they inherit it.
    """
    global _default_engine
    _default_engine = name


def execute(query: StoredQuery, values: Mapping[str, str], engine: Engine) -> QueryResult:
    """Run a stored query on ``engine`` with checked, resolved parameters (never pasted in)."""
    bound = engine_bindings(query, values, engine)
    return engine.query(query.text, {"_" + name: term for name, term in bound.items()})


# --- Output --------------------------------------------------------------------------------


def formats_for(query: StoredQuery) -> tuple[str, ...]:
    """The output formats ``aifactories query`` offers for this query's form."""
    return GRAPH_FORMATS if query.form in ("CONSTRUCT", "DESCRIBE") else RESULT_FORMATS


def serialize_result(result: Result | QueryResult, fmt: str) -> str:
    """``result`` as text: SPARQL 1.1 JSON/XML/CSV/TSV results, RDF, or a readable table."""
    from aifactories.engines import QueryResult

    if isinstance(result, QueryResult):
        return result.serialize(fmt)
    if result.type in ("CONSTRUCT", "DESCRIBE"):
        return _serialize_graph(result, fmt)
    if fmt not in RESULT_FORMATS:
        raise InputError(
            f"format {fmt!r} is for CONSTRUCT/DESCRIBE queries; a {result.type} query gives "
            f"{', '.join(RESULT_FORMATS)}"
        )
    if fmt in ("json", "xml"):
        data = result.serialize(format=fmt, encoding="utf-8")
        text = data.decode("utf-8") if isinstance(data, bytes) else str(data)
        return text if text.endswith("\n") else text + "\n"
    if result.type == "ASK":
        if fmt == "table":
            return ("true" if result.askAnswer else "false") + "\n"
        raise InputError(f"an ASK query has no {fmt} form; use json, xml or table")
    names = [str(v) for v in result.vars or ()]
    rows = [[row.get(v) for v in result.vars or ()] for row in result.bindings]
    if fmt == "csv":
        return _csv(names, rows)
    if fmt == "tsv":
        return _tsv(names, rows)
    return _table(names, rows)


def _serialize_graph(result: Result, fmt: str) -> str:
    from aifactories.namespaces import bind_prefixes

    if fmt not in GRAPH_FORMATS:
        raise InputError(
            f"format {fmt!r} is for SELECT/ASK queries; a {result.type} query gives "
            f"{', '.join(GRAPH_FORMATS)}"
        )
    assert result.graph is not None
    graph = bind_prefixes(result.graph)
    if fmt == "jsonld":
        context = {p: str(ns) for p, ns in PREFIXES.items()}
        data = graph.serialize(format="json-ld", context=context, auto_compact=True)
    else:
        data = graph.serialize(format="turtle")
    return data if data.endswith("\n") else data + "\n"


def _csv(names: Sequence[str], rows: Sequence[Sequence[Node | None]]) -> str:
    """SPARQL 1.1 CSV results: IRIs and literals as plain text, CRLF line ends."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(names)
    for row in rows:
        writer.writerow(["" if t is None else _csv_term(t) for t in row])
    return out.getvalue()


def _csv_term(term: Node) -> str:
    from rdflib import BNode

    return f"_:{term}" if isinstance(term, BNode) else str(term)


def _tsv(names: Sequence[str], rows: Sequence[Sequence[Node | None]]) -> str:
    """SPARQL 1.1 TSV results: ``?var`` header, terms in N-Triples syntax, LF line ends."""
    lines = ["\t".join("?" + n for n in names)]
    lines += ["\t".join("" if t is None else nt_term(t) for t in row) for row in rows]
    return "\n".join(lines) + "\n"


def nt_term(term: Node) -> str:
    """A term in N-Triples syntax, with tab and line breaks escaped (also used to compare)."""
    from rdflib import BNode, Literal, URIRef
    from rdflib.namespace import XSD

    if isinstance(term, URIRef):
        return f"<{term}>"
    if isinstance(term, BNode):
        return f"_:{term}"
    if isinstance(term, Literal):
        text = (
            str(term)
            .replace("\\", "\\\\")
            .replace('"', '\\"')
            .replace("\n", "\\n")
            .replace("\r", "\\r")
            .replace("\t", "\\t")
        )
        if term.language:
            return f'"{text}"@{term.language}'
        if term.datatype is not None and term.datatype != XSD.string:
            return f'"{text}"^^<{term.datatype}>'
        return f'"{text}"'
    return str(term)


def _table(names: Sequence[str], rows: Sequence[Sequence[Node | None]]) -> str:
    """An aligned text table: IRIs as CURIEs, literals as their text, a row count below."""
    from aifactories.terms import curie

    def cell(term: Node | None) -> str:
        from rdflib import URIRef

        if term is None:
            return ""
        return curie(term) if isinstance(term, URIRef) else " ".join(str(term).split())

    cells = [[cell(t) for t in row] for row in rows]
    widths = [max([len(n), *(len(r[i]) for r in cells)]) for i, n in enumerate(names)]
    lines = ["  ".join(n.ljust(w) for n, w in zip(names, widths, strict=True)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in cells]
    lines.append(f"({len(cells)} row{'' if len(cells) == 1 else 's'})")
    return "\n".join(lines) + "\n"


# --- Describing the catalogue --------------------------------------------------------------


def describe_catalogue(catalogue: Catalogue) -> list[dict[str, Any]]:
    """The catalogue as plain data (for JSON): name, summary, description, tags, params."""
    return [
        {
            "name": q.name,
            "number": q.number,
            "file": q.file_name,
            "form": q.form,
            "summary": q.summary,
            "description": q.description,
            "tags": list(q.tags),
            "params": [p.as_dict() for p in q.params],
        }
        for q in catalogue
    ]


def catalogue_json(catalogue: Catalogue) -> str:
    return json.dumps(describe_catalogue(catalogue), indent=2, ensure_ascii=False) + "\n"


def catalogue_table(catalogue: Catalogue) -> str:
    """name, form, parameters and summary, one query a line."""
    rows = [
        (q.name, q.form, ", ".join(_param_signature(p) for p in q.params), q.summary)
        for q in catalogue
    ]
    headers = ("name", "form", "params", "summary")
    widths = [max([len(h), *(len(r[i]) for r in rows)]) for i, h in enumerate(headers[:-1])]
    lines = []
    for row in [headers, *rows]:
        cells = [c.ljust(w) for c, w in zip(row[:-1], widths, strict=True)]
        lines.append("  ".join([*cells, row[-1]]).rstrip())
    lines.insert(1, "  ".join("-" * w for w in [*widths, len(headers[-1])]))
    return "\n".join(lines) + "\n"


def _param_signature(param: Param) -> str:
    text = f"{param.name}: {param.type_curie}"
    if param.default is not None:
        text += f" = {param.default}"
    elif not param.required:
        text += " (optional)"
    return text


MARKDOWN_INTRO = """\
# Stored queries

<!-- Generated by `aifactories queries --format markdown > docs/queries.md`; do not edit.
     tests/test_docs.py fails when this page is out of date. -->

The questions users ask again and again, as SPARQL files in `queries/`. Run one with
`aifactories query NAME [--param key=value ...] [--format table|csv|tsv|json|xml|turtle|jsonld]`,
from Python with `aifactories.catalogue.run(NAME, {key: value})`, or list them with
`aifactories queries`. Every query runs on the union of the asserted data and its OWL RL closure
(so `aif:locatedIn` reaches the country, and inverse and symmetric links are there), is portable
SPARQL 1.1 (checked against a second engine, Oxigraph), declares its `PREFIX`es, and returns a
label next to every entity it returns.

## The header of a query file

A file is named `NNN_slug.rq` (the slug is the query's name) and starts with `#+` lines:

```sparql
#+ summary: One line saying what the query returns
#+ description: The question it answers, in plain English; longer text goes on
#+   continuation lines indented by two spaces.
#+ tags:
#+   - factories
#+ params:
#+   - name: factory
#+     type: aif:AIFactory
#+     default: factory:jaif
#+     description: The AI Factory: an IRI, a CURIE, or its exact label or acronym.
```

- `summary`, `description` and `tags` are required; `params` only for a parametrised query.
- A parameter has a `name` (lower case), a `type` and a `description`; `default` and `required`
  (`true`/`false`) are optional. Without a default a parameter is required unless it says
  `required: false` (then it is simply left unbound).
- `type` is a class of entities (`aif:AIFactory`, `aif:Organisation`, `aif:Country`,
  `skos:Concept`, ...; `rdfs:Resource` accepts any entity) or one of `xsd:date` (`YYYY-MM-DD`),
  `xsd:string`, `xsd:integer`.
- The parameter `name` is the variable `?_name` in the query. Values are bound to the parsed
  query (`initBindings`), never pasted into its text. An entity value is an IRI, a CURIE, or an
  exact label or acronym (case-insensitive) of an instance of `type`; an unknown or ambiguous
  value is refused with the closest matches.
- The header is read strictly: an unknown key, a bad indent, an undeclared or unused `?_name`
  is an error naming the file and line.

A query that returns entities returns a label beside each (`?x` and `?xLabel`); a query whose
rows have a meaningful order says so with a total `ORDER BY`.

## Expected answers

Every query has expected answers in `tests/queries/expected/`, written by hand from the seed press
release and the reference tables, never copied from program output: `NAME.csv`, or
`NAME__SET.csv` for each parameter set (at least two per parametrised query), with
`# param: key=value` lines on top and `# note:` lines saying where the answer comes from. The
header is the query's columns; a cell is an IRI as a CURIE (or `<iri>`), a literal's text (numbers
compare by value), or empty for unbound; a column of `*` only is not compared (free-text labels,
identifiers of qualified nodes). CONSTRUCT answers list `predicate,object` pairs (or whole
triples) for the predicates named in a `# predicates:` line. Results compare as multisets, and in
order when the query has an `ORDER BY`. `tests/test_portability.py` runs every query on Oxigraph
too and requires the same answers.

## Catalogue
"""


def render_markdown(catalogue: Catalogue) -> str:
    """The catalogue page, ``docs/queries.md``: the header format, then one section per query."""
    parts = [MARKDOWN_INTRO, "| # | name | form | params | summary |", "|---|---|---|---|---|"]
    for q in catalogue:
        params = ", ".join(f"`{p.name}`" for p in q.params) or "—"
        parts.append(
            f"| {q.number:03d} | [`{q.name}`](#{q.name}) | {q.form} | {params} | {q.summary} |"
        )
    for q in catalogue:
        parts += ["", f"### {q.name}", "", q.description, ""]
        parts.append(f"- File: `queries/{q.file_name}` ({q.form})")
        parts.append(f"- Tags: {', '.join(q.tags)}")
        columns = result_columns(q)
        if columns:
            parts.append("- Columns: " + ", ".join(f"`{c}`" for c in columns))
        if q.params:
            parts.append("- Parameters:")
            for p in q.params:
                extra = f"; default `{p.default}`" if p.default is not None else ""
                extra += "; required" if p.required else ""
                parts.append(f"  - `{p.name}` (`{p.type_curie}`{extra}): {p.description}")
        example = " ".join(
            f"--param {p.name}={_shell_word(p.default or _example_value(p))}" for p in q.params
        )
        parts += ["", "```sh", f"aifactories query {q.name} {example}".rstrip(), "```"]
    return "\n".join(parts) + "\n"


def result_columns(query: StoredQuery) -> list[str]:
    """The variables a SELECT query returns, in order (empty for other forms)."""
    if query.form != "SELECT":
        return []
    return [str(v) for v in prepared_query(query).algebra.get("PV", [])]


def _example_value(param: Param) -> str:
    return {"date": "2025-03-12", "string": "text", "integer": "1"}.get(
        str(param.type).rsplit("#", 1)[-1], "..."
    )


def _shell_word(text: str) -> str:
    return text if re.fullmatch(r"[\w:./@+-]+", text) else "'" + text.replace("'", "'\\''") + "'"
