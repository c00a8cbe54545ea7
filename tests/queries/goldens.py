"""Reading the hand-written expected results in ``tests/queries/expected/`` and comparing with them.

A golden file is ``<query name>.csv`` or ``<query name>__<set>.csv``. It starts with optional
comment lines, then a CSV table whose header is the query's projected variables:

- ``# param: key=value`` binds a parameter (repeatable; absent parameters take their default);
- ``# predicates: CURIE ...`` (CONSTRUCT only) the predicates the comparison looks at;
- ``# note: ...`` free text: where the expected answer comes from.

Cells: empty = unbound; ``<iri>`` or a CURIE with a project prefix = that IRI; anything else = a
literal's text (language tag and datatype are not written; numbers compare by value, so ``30000000``
matches ``30000000.0``). A column whose every cell is ``*`` is not compared (used for free-text
labels and for identifiers of qualified nodes that no source fixes). ASK goldens have the header
``boolean`` and one row ``true`` or ``false``. CONSTRUCT goldens have the header
``subject,predicate,object`` (whole triples) or ``predicate,object`` (pairs, counted per triple,
so qualified nodes need no names), restricted to the ``# predicates`` given.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

from rdflib import BNode, Literal, URIRef
from rdflib.term import Node

from aifactories.namespaces import PREFIXES

EXPECTED = Path(__file__).resolve().parent / "expected"
WILDCARD = "*"

Cell = tuple[str, str] | None  # ("iri" | "lit" | "bnode", text) or None when unbound

_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")
_CURIE = re.compile(r"^([a-z][a-z0-9]*):(\S*)$")


@dataclass
class Golden:
    """One expected-result file."""

    path: Path
    query: str
    params: dict[str, str]
    header: list[str]
    rows: list[list[str]]
    predicates: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def id(self) -> str:
        return self.path.stem


def golden_files() -> list[Path]:
    return sorted(EXPECTED.glob("*.csv"))


def read_golden(path: Path) -> Golden:
    """Parse one golden file (comment lines, then CSV)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    params: dict[str, str] = {}
    predicates: list[str] = []
    notes: list[str] = []
    body_start = 0
    for number, line in enumerate(lines):
        if not line.startswith("#"):
            body_start = number
            break
        key, _, value = line[1:].strip().partition(":")
        value = value.strip()
        if key == "param":
            name, sep, val = value.partition("=")
            if not sep:
                raise ValueError(f"{path}:{number + 1}: '# param: key=value' expected")
            params[name.strip()] = val
        elif key == "predicates":
            predicates = value.split()
        elif key == "note":
            notes.append(value)
        else:
            raise ValueError(f"{path}:{number + 1}: unknown comment key {key!r}")
    else:
        body_start = len(lines)
    table = list(csv.reader(lines[body_start:]))
    if not table:
        raise ValueError(f"{path}: no CSV header")
    header, rows = table[0], [r for r in table[1:] if r]
    for row in rows:
        if len(row) != len(header):
            raise ValueError(f"{path}: row {row} has {len(row)} cells, header has {len(header)}")
    return Golden(path, path.stem.split("__")[0], params, header, rows, predicates, notes)


def expand(text: str) -> str | None:
    """The full IRI of ``<iri>`` or of a CURIE with a project prefix; None for other text."""
    if text.startswith("<") and text.endswith(">"):
        return text[1:-1]
    match = _CURIE.match(text)
    if match and match.group(1) in PREFIXES:
        return str(PREFIXES[match.group(1)]) + match.group(2)
    return None


def _number(text: str) -> str:
    try:
        return format(Decimal(text).normalize(), "f")
    except InvalidOperation:  # pragma: no cover - guarded by _NUMBER
        return text


def golden_cell(text: str) -> Cell:
    """A golden cell as a comparable value."""
    if text == "":
        return None
    iri = expand(text)
    if iri is not None:
        return ("iri", iri)
    return ("lit", _number(text) if _NUMBER.match(text) else text)


def term_cell(term: Node | None) -> Cell:
    """A result term as a comparable value (same rules as ``golden_cell``)."""
    if term is None:
        return None
    if isinstance(term, URIRef):
        return ("iri", str(term))
    if isinstance(term, BNode):
        return ("bnode", "")
    assert isinstance(term, Literal)
    text = str(term)
    return ("lit", _number(text) if _NUMBER.match(text) else text)


def wildcard_columns(golden: Golden) -> list[int]:
    """Columns whose every cell is ``*``: not compared."""
    if not golden.rows:
        return []
    return [i for i in range(len(golden.header)) if all(r[i] == WILDCARD for r in golden.rows)]


def project(rows: Iterable[Sequence[Cell]], drop: Sequence[int]) -> list[tuple[Cell, ...]]:
    return [tuple(c for i, c in enumerate(row) if i not in drop) for row in rows]


def show(cell: Cell) -> str:
    """A cell back in golden syntax, for failure messages."""
    if cell is None:
        return ""
    kind, text = cell
    if kind == "iri":
        for prefix, namespace in sorted(PREFIXES.items(), key=lambda pn: -len(str(pn[1]))):
            if text.startswith(str(namespace)):
                return f"{prefix}:{text[len(str(namespace)) :]}"
        return f"<{text}>"
    return text if kind == "lit" else "_:b"


def show_rows(rows: Iterable[Sequence[Cell]]) -> str:
    return "\n".join("  " + ",".join(show(c) for c in row) for row in rows) or "  (none)"
