"""Query text: read it, find its form, refuse what must not run, bind variables to terms.

Everything here works on the text with one tokenizer (strings, IRIs and comments are tokens of
their own, so a ``?name`` or a ``SERVICE`` inside them is never touched), without a SPARQL parser:
the engine parses the query once, when it runs it. This keeps ``aifactories query`` on Oxigraph
free of rdflib.

Policy, the same on every engine and surface:

- read-only: SPARQL Update (INSERT, DELETE, LOAD, CLEAR, ...) is refused;
- offline: SERVICE is refused (Oxigraph would call the remote endpoint);
- dataset: FROM / FROM NAMED name graphs of the store and nothing is fetched; a graph the store
  does not hold is empty. Without them, the default graph is the union of the store's graphs.
"""

from __future__ import annotations

import functools
import os
import re
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from aifactories.errors import ForbiddenQueryError, InputError, QuerySyntaxError
from aifactories.limits import check_query_text
from aifactories.prefixes import PREFIX_IRIS
from aifactories.query.formats import FORMS, GRAPH_FORMS  # noqa: F401  (re-exported)

#: The first keyword of an update operation.
UPDATE_KEYWORDS = frozenset(
    ("INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD", "WITH")
)

#: One token of SPARQL text. Strings, IRIs and comments come first, so that what they contain is
#: never read as a variable or a keyword.
_TOKEN = re.compile(
    r'(?P<keep>"""(?:[^"\\]|\\.|"(?!""))*"""'
    r"|'''(?:[^'\\]|\\.|'(?!''))*'''"
    r'|"(?:[^"\\\n]|\\.)*"'
    r"|'(?:[^'\\\n]|\\.)*'"
    r'|<[^<>"{}|^`\\\x00-\x20]*>'
    r"|\#[^\n]*)"
    # [^\x00-\xbf...] spells \u00c0-\ufffd (and beyond, as SPARQL's PN_CHARS_U allows): a class
    # ranging to \ufffd costs 2 ms to compile at every start-up, this one 0.2 ms
    r"|(?P<var>[?$](?:[A-Za-z0-9_\u00b7]|[^\x00-\xbf\ufffe\uffff])+)"
    r"|(?P<word>[A-Za-z][A-Za-z0-9_-]*(?::[^\s(){}<>,;.]*)?)"
    r"|(?P<open>\()|(?P<close>\))"
    r"|(?P<brace>[{}])",
    re.DOTALL,
)


@dataclass(frozen=True)
class Dataset:
    """The RDF dataset a query runs on, by graph IRIs (None: every graph of the store).

    ``default`` None is the union of the store's graphs; ``named`` None is all of them.
    """

    default: tuple[str, ...] | None = None
    named: tuple[str, ...] | None = None

    @property
    def is_whole_store(self) -> bool:
        return self.default is None and self.named is None


#: The whole store: its union as the default graph, every graph as a named graph.
WHOLE_STORE = Dataset()


@dataclass(frozen=True)
class Checked:
    """A query that may run: its text, form, dataset, and the prefixes it may use undeclared."""

    text: str
    form: str
    dataset: Dataset = WHOLE_STORE
    prefixes: Mapping[str, str] = field(default_factory=dict)


def read_query(arg: str) -> str:
    """The query text: ``arg`` itself, or the contents of FILE for ``@FILE`` (``@-``: stdin)."""
    if not arg.startswith("@"):
        return arg
    name = arg[1:]
    if name == "-":
        return sys.stdin.read()
    path = Path(name)
    if not os.path.lexists(path):
        raise InputError(f"{path}: no such query file")
    from aifactories.inputs import read_file  # a regular file of bounded size: no FIFO, no /dev

    try:
        return read_file(path).decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: cannot read query: {exc}") from exc


def tokens(text: str) -> list[tuple[str, str]]:
    """(kind, text) for each token but comments: kind is keep, var, word, open, close, brace."""
    return [
        (m.lastgroup or "", m.group(0))
        for m in _TOKEN.finditer(text)
        if not m.group(0).startswith("#")
    ]


def keywords(text: str) -> list[str]:
    """The upper-cased keywords of ``text`` outside strings, IRIs, comments and prefixed names."""
    return [
        m.group("word").upper()
        for m in _TOKEN.finditer(text)
        if m.lastgroup == "word" and ":" not in m.group("word")
    ]


def query_form(text: str) -> str | None:
    """SELECT, ASK, CONSTRUCT or DESCRIBE: the first keyword after the prologue (else None)."""
    words = keywords(text)
    skip = 0
    while skip < len(words) and words[skip] in ("PREFIX", "BASE"):
        skip += 1
    first = words[skip] if skip < len(words) else None
    return first if first in FORMS else None


def check(text: str, *, prefixes: bool = True) -> Checked:
    """The query if it may run here; LimitExceeded, ForbiddenQueryError or QuerySyntaxError with
    the reason.

    Size and nesting are checked first, before any tokenizer or parser runs (every surface, the
    CLI and the server alike, comes through here). With ``prefixes``, the project's prefixes are
    predeclared (a query may redeclare them).
    """
    check_query_text(text)
    words = keywords(text)
    first = next((w for w in words if w not in ("PREFIX", "BASE")), None)
    if first in UPDATE_KEYWORDS:
        raise ForbiddenQueryError(
            "SPARQL Update is not allowed: the graph is read-only (use SELECT, ASK, CONSTRUCT "
            "or DESCRIBE)",
            update=True,
        )
    if "SERVICE" in words:
        raise ForbiddenQueryError(
            "SERVICE is not allowed: queries run offline on the project graph"
        )
    _check_prefixes(text, prefixes)
    form = query_form(text)
    if form is None:
        raise QuerySyntaxError(
            "SPARQL syntax error: expected SELECT, ASK, CONSTRUCT or DESCRIBE after the prologue"
        )
    clause = dataset_clause(text)
    return Checked(text, form, clause, PREFIX_IRIS if prefixes else {})


@functools.lru_cache(maxsize=256)  # a stored query's text comes back on every request
def dataset_clause(text: str) -> Dataset:
    """The graphs named by the query's FROM and FROM NAMED clauses (WHOLE_STORE without any).

    As SPARQL 1.1 (13.2) says: with FROM NAMED alone the default graph is empty, with FROM
    alone there is no named graph. Prefixed names are expanded with the query's PREFIX lines
    and the project's prefixes.
    """
    declared: dict[str, str] = dict(PREFIX_IRIS)
    default: list[str] = []
    named: list[str] = []
    tokens = [m for m in _TOKEN.finditer(text) if not m.group(0).startswith("#")]
    for i, match in enumerate(tokens):
        word = (match.group("word") or "").upper()
        if word == "PREFIX" and i + 2 < len(tokens):
            name, iri = tokens[i + 1].group(0), tokens[i + 2].group(0)
            if name.endswith(":") and iri.startswith("<"):
                declared[name[:-1]] = iri[1:-1]
        elif word == "FROM" and i + 1 < len(tokens):
            is_named = (tokens[i + 1].group("word") or "").upper() == "NAMED"
            target = tokens[i + 2] if is_named and i + 2 < len(tokens) else tokens[i + 1]
            found = _iri(target.group(0), declared)
            if found is not None:
                (named if is_named else default).append(found)
        elif match.lastgroup == "brace":
            break  # the dataset clause comes before the WHERE clause's group
    if not default and not named:
        return WHOLE_STORE
    return Dataset(tuple(default), tuple(named))


def _iri(token: str, declared: Mapping[str, str]) -> str | None:
    if token.startswith("<") and token.endswith(">"):
        return token[1:-1]
    prefix, sep, local = token.partition(":")
    return declared[prefix] + local if sep and prefix in declared else None


def choose_dataset(
    clause: Dataset, default_graphs: Sequence[str] | None, named_graphs: Sequence[str] | None
) -> Dataset:
    """The dataset of one run: the protocol's graph IRIs override the query's FROM clauses.

    (SPARQL 1.1 Protocol 2.1.4.) Either protocol list given makes the other empty when absent.
    """
    if default_graphs or named_graphs:
        return Dataset(tuple(default_graphs or ()), tuple(named_graphs or ()))
    return clause


def _check_prefixes(text: str, predeclared: bool) -> None:
    """A prefixed name whose prefix is declared nowhere: one clear message (Oxigraph's is not)."""
    declared = set(PREFIX_IRIS) if predeclared else set()
    found = tokens(text)
    for i, (kind, word) in enumerate(found):
        if kind != "word" or ":" not in word:
            continue
        prefix = word.split(":", 1)[0]
        if i > 0 and found[i - 1][1].upper() == "PREFIX":
            declared.add(prefix)
        elif prefix not in declared:
            raise QuerySyntaxError(
                f"SPARQL error: unknown prefix {prefix + ':'!r} in {word!r} (declare it with "
                f"PREFIX {prefix}: <...>; the project's prefixes need no declaration)"
            )


def prologue(prefixes: Mapping[str, str]) -> str:
    """PREFIX lines declaring ``prefixes`` (for an engine that cannot predeclare them)."""
    return "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in prefixes.items())


def error_message(exc: BaseException, kind: str = "syntax error") -> str:
    """An engine's error on one line."""
    detail = " ".join(str(exc).split()) or type(exc).__name__
    if len(detail) > 240:  # Oxigraph lists every character class it expected
        detail = detail[:240].rsplit(" ", 1)[0] + " ..."
    return f"SPARQL {kind}: {detail}"


def bind_terms(text: str, values: Mapping[str, ox.NamedNode | ox.Literal | ox.BlankNode]) -> str:
    """The query with each bound variable replaced by its term: SEP-0007 substitution.

    Each value is an RDF term (already resolved or checked) written by pyoxigraph in N-Triples
    syntax, so no text given by a user reaches the query: a string value stays one escaped
    literal whatever it holds. A variable projected by the top-level SELECT becomes
    ``(term AS ?name)``, so the result keeps its column. Comments, strings and IRIs are left
    alone. (pyoxigraph's own ``substitutions`` was tried and dropped: in 0.5 it leaves
    ``BIND(?v AS ?x)`` unbound and binds too late for the optimiser; benchmarks/README.md.)
    """
    if not values:
        return text
    terms = {name: _term_text(term) for name, term in values.items()}
    out: list[str] = []
    in_select = False
    depth = 0
    last = 0
    for match in _TOKEN.finditer(text):
        kind = match.lastgroup
        if kind == "word":
            word = match.group("word").upper()
            if word == "SELECT" and not in_select and depth == 0:
                in_select = True
            elif in_select and depth == 0 and word in ("WHERE", "FROM"):
                in_select = False
        elif kind == "brace":
            in_select = False
        elif kind == "open":
            depth += 1
        elif kind == "close":
            depth -= 1
        elif kind == "var":
            name = match.group("var")[1:]
            if name in terms:
                out.append(text[last : match.start()])
                term = terms[name]
                out.append(f"({term} AS ?{name})" if in_select and depth == 0 else term)
                last = match.end()
    out.append(text[last:])
    return "".join(out)


def _term_text(term: ox.NamedNode | ox.Literal | ox.BlankNode) -> str:
    if isinstance(term, ox.BlankNode):
        raise QuerySyntaxError("a blank node cannot be bound to a query variable")
    return str(term)  # pyoxigraph's N-Triples form: IRIs and literals fully escaped
