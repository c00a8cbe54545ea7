"""Stored SPARQL queries: read their headers into a catalogue.

Each ``queries/NNN_slug.rq`` file is valid SPARQL on its own. It opens with a header of ``#+``
comment lines (grlc-style: YAML, read with a YAML parser, then checked strictly here) that says
what the query answers and which typed parameters it takes::

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

A parameter ``name`` is the variable ``?_name`` in the query; ``binding`` checks and binds values.
Reading the catalogue imports neither rdflib nor a SPARQL parser: a query is parsed by the engine
that runs it (``check_parses`` asks Oxigraph, on an empty store).
"""

from __future__ import annotations

import difflib
import re
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aifactories import resources
from aifactories.errors import (
    InputError,
    ParameterError,
    QueryHeaderError,
    QuerySyntaxError,
    UnknownQueryError,
)
from aifactories.query import syntax
from aifactories.terms import curie_iri, expand_curie_iri

#: This module's own bytes: a header memo is only reused by the code that wrote it.
_SELF_DIGEST = Path(__file__).read_bytes()

#: Parameter types that are literals; any other declared type is a class of entities.
XSD_NS = "http://www.w3.org/2001/XMLSchema#"
LITERAL_TYPES: tuple[str, ...] = (XSD_NS + "date", XSD_NS + "string", XSD_NS + "integer")
#: The parameter type that accepts any entity (no class check).
ANY_ENTITY = "http://www.w3.org/2000/01/rdf-schema#Resource"

_FILE_NAME = re.compile(r"^(\d{3})_([a-z0-9]+(?:-[a-z0-9]+)*)\.rq$")
_PARAM_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
_TAG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_PARAM_VAR = re.compile(r"[?$]_([A-Za-z0-9_]+)")
_HEADER_KEYS = ("summary", "description", "tags", "params")
_PARAM_KEYS = ("name", "type", "default", "required", "description")


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
        return curie_iri(str(self.type))

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


def load_query(name: str, directory: Path | None = None) -> StoredQuery:
    """The stored query ``name``, parsing only its own file when the file names allow it.

    For the CLI's ``query`` command: the one-shot process needs one header, not all of them. Names
    and numbers are unique when the file names say so (both come from the name); anything else
    (no such file, a clash, a bad file name) goes through ``load_catalogue`` and its errors.
    """
    folder = Path(directory) if directory is not None else resources.queries_dir()
    if folder.is_dir():
        matches = [_FILE_NAME.match(p.name) for p in folder.glob("*.rq")]
        numbers = [m.group(1) for m in matches if m]
        found = [m for m in matches if m and m.group(2) == name]
        if all(matches) and len(found) == 1 and len(set(numbers)) == len(numbers):
            return parse_query_file(folder / found[0].group(0))
    return load_catalogue(folder if directory is not None else None).get(name)


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
    """The header's fields, from the cache's memo of this exact header when there is one.

    A header is parsed by ``_read_header`` once per content (and per version of this module);
    a warm one-shot ``aifactories query`` then never imports PyYAML.
    """
    import hashlib

    from aifactories import cache

    digest = hashlib.sha256(_SELF_DIGEST)
    for number, content in header:
        digest.update(f"{number}\t{content}\n".encode("utf-8", "surrogatepass"))
    key = digest.hexdigest()[:32]
    memo = cache.read_memo("header", key)
    if isinstance(memo, dict) and {"summary", "description", "tags"} <= memo.keys():
        if "params" in memo:
            memo["params"] = [(item, line) for item, line in memo["params"]]
        return memo
    fields = _read_header(path, header)
    cache.write_memo("header", key, fields)
    return fields


def _read_header(path: Path, header: list[tuple[int, str]]) -> dict[str, Any]:
    """The header read as YAML, as grlc reads it (so a header this accepts is valid for grlc),
    then checked against the catalogue's schema. Values stay text (YAML's ``BaseLoader``: no
    dates, numbers or booleans guessed); each error names the header line."""
    import yaml  # lazy: only reading a header not yet in the cache's memo needs it

    text = "".join(content + "\n" for _, content in header)
    try:
        root = yaml.compose(text, Loader=yaml.BaseLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        number = header[min(mark.line, len(header) - 1)][0] if mark is not None else None
        problem = " ".join(str(getattr(exc, "problem", None) or exc).split())
        hint = "; quote a value that holds ': '" if "mapping values" in problem else ""
        raise QueryHeaderError(path, number, f"not valid YAML: {problem}{hint}") from None

    def line(node: yaml.Node) -> int:
        return header[min(node.start_mark.line, len(header) - 1)][0]

    if not isinstance(root, yaml.MappingNode):
        raise QueryHeaderError(path, 1, "expected 'key: value' lines")
    fields: dict[str, Any] = {}
    for key_node, value in root.value:
        key, number = str(key_node.value), line(key_node)
        if key not in _HEADER_KEYS:
            raise QueryHeaderError(
                path, number, f"unknown key {key!r} (expected {', '.join(_HEADER_KEYS)})"
            )
        if key in fields:
            raise QueryHeaderError(path, number, f"{key!r} given twice")
        if key in ("summary", "description"):
            if not isinstance(value, yaml.ScalarNode):
                raise QueryHeaderError(path, number, f"{key!r} is text, not a list or mapping")
            if not value.value.strip():
                raise QueryHeaderError(path, number, f"{key!r} is empty")
            if key == "summary" and value.end_mark.line > value.start_mark.line:
                raise QueryHeaderError(path, number, "'summary' must be one line")
            fields[key] = " ".join(value.value.split())
        elif key == "tags":
            fields[key] = _tags(path, value, line)
        else:
            fields[key] = _params(path, value, line)
    for key in ("summary", "description", "tags"):
        if key not in fields:
            raise QueryHeaderError(path, None, f"missing '#+ {key}:'")
    return fields


def _tags(path: Path, node: Any, line: Any) -> list[str]:
    import yaml

    if not isinstance(node, yaml.SequenceNode) or not node.value:
        raise QueryHeaderError(path, line(node), "'tags:' lists no tag ('#+   - tag' lines)")
    tags: list[str] = []
    for item in node.value:
        tag = item.value if isinstance(item, yaml.ScalarNode) else None
        if tag is None or not _TAG.match(tag):
            raise QueryHeaderError(path, line(item), f"bad tag {tag!r} (lower-case words and '-')")
        if tag in tags:
            raise QueryHeaderError(path, line(item), f"tag {tag!r} given twice")
        tags.append(tag)
    return tags


def _params(path: Path, node: Any, line: Any) -> list[tuple[dict[str, str], int]]:
    import yaml

    if not isinstance(node, yaml.SequenceNode) or not node.value:
        raise QueryHeaderError(path, line(node), "'params:' lists no parameter (leave it out)")
    items: list[tuple[dict[str, str], int]] = []
    for entry in node.value:
        if not isinstance(entry, yaml.MappingNode):
            raise QueryHeaderError(
                path, line(entry), "params are listed as '#+   - name: x' then '#+     key: value'"
            )
        item: dict[str, str] = {}
        for key_node, value in entry.value:
            pkey, number = str(key_node.value), line(key_node)
            if pkey not in _PARAM_KEYS:
                raise QueryHeaderError(
                    path,
                    number,
                    f"unknown parameter key {pkey!r} (expected {', '.join(_PARAM_KEYS)})",
                )
            if pkey in item:
                raise QueryHeaderError(path, number, f"parameter key {pkey!r} given twice")
            if not isinstance(value, yaml.ScalarNode) or not value.value.strip():
                raise QueryHeaderError(path, number, f"parameter key {pkey!r} is empty")
            item[pkey] = " ".join(value.value.split())
        items.append((item, line(entry)))
    return items


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
            from aifactories.query.binding import check_literal

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
    """The query form (``syntax.query_form``); a header error when there is none."""
    form = syntax.query_form(body)
    if form is None:
        raise QueryHeaderError(path, None, "no SELECT, ASK, CONSTRUCT or DESCRIBE after PREFIXes")
    return form


def _expand(curie: str) -> str | None:
    if curie.startswith("<") and curie.endswith(">"):
        return curie[1:-1]
    return expand_curie_iri(curie)


def _declared(query: StoredQuery) -> str:
    if not query.params:
        return "takes no parameters"
    return "has parameters: " + ", ".join(p.name for p in query.params)


# --- What the engine says about a query -----------------------------------------------------


_variables: dict[str, tuple[str, ...]] = {}


def check_parses(query: StoredQuery) -> tuple[str, ...]:
    """Parse the query (Oxigraph, on an empty store): its SELECT variables, cached.

    Raises QuerySyntaxError naming the file when the query does not parse.
    """
    found = _variables.get(query.text)
    if found is None:
        import pyoxigraph as ox

        try:
            answer = ox.Store().query(query.text)
        except SyntaxError as exc:
            raise QuerySyntaxError(f"{query.path}: {syntax.error_message(exc)}") from None
        variables = getattr(answer, "variables", None) or ()
        found = _variables[query.text] = tuple(v.value for v in variables)
    return found


def result_columns(query: StoredQuery) -> list[str]:
    """The variables a SELECT query returns, in order (empty for other forms)."""
    return list(check_parses(query)) if query.form == "SELECT" else []


def is_ordered(query: StoredQuery) -> bool:
    """Whether the query sorts its results (a top-level ORDER BY): their order is meaningful."""
    depth = 0
    words = syntax.tokens(query.text)
    for i, (kind, text) in enumerate(words):
        if kind == "brace":
            depth += 1 if text == "{" else -1
        elif kind == "word" and depth == 0 and text.upper() == "ORDER":
            return i + 1 < len(words) and words[i + 1][1].upper() == "BY"
    return False
