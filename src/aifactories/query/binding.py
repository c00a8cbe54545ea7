"""Stored-query parameters: check values against their declared types and bind them to terms.

Values are never pasted into query text as given: a literal is checked against its datatype
(a date must be ``YYYY-MM-DD``) and becomes one escaped term; an entity value (IRI, CURIE, label
or acronym) is resolved to one IRI of the declared class by ``aifactories.terms.resolve``, on
the engine that runs the query (for a remote endpoint, on the local graph). The engine then
substitutes the terms (``syntax.bind_terms``).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING

import pyoxigraph as ox

from aifactories.errors import ParameterError, TermLookupError
from aifactories.query.catalogue import ANY_ENTITY, XSD_NS, Param, StoredQuery, _declared

if TYPE_CHECKING:
    from aifactories.query.engines import Engine
    from aifactories.query.results import Term

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_INTEGER = re.compile(r"^[+-]?\d+$")


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
        _check_characters(param, value)
        if not param.is_entity:
            check_literal(param, value)
        out.append((param, value))
    return out


def _check_characters(param: Param, value: str) -> None:
    """The input boundary for any value: no control characters (a trailing newline included)
    and no lone surrogates (text that is not Unicode)."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ParameterError(f"parameter {param.name!r}: not valid Unicode text") from None
    for ch in value:
        if ord(ch) < 0x20 or 0x7F <= ord(ch) < 0xA0:
            raise ParameterError(f"parameter {param.name!r}: control character {ch!r} in {value!r}")


def _entity_classes(param: Param) -> list[str] | None:
    return None if param.type == ANY_ENTITY else [param.type]


def _lookup_failed(param: Param, exc: Exception) -> ParameterError:
    return ParameterError(f"parameter {param.name!r} ({param.type_curie}): {exc}")


def bind(query: StoredQuery, values: Mapping[str, str], engine: Engine) -> dict[str, Term]:
    """Checked and resolved parameter values for ``query``: parameter name -> pyoxigraph term.

    ``check_parameters``, then entity values are resolved by ``terms.resolve`` on
    ``engine.lookup()``. Raises ParameterError, also for an entity value that names no (or
    several) entities of the declared class.
    """
    from aifactories.terms import resolve

    bound: dict[str, Term] = {}
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
            bound[param.name] = resolve(engine.lookup(), value, classes=_entity_classes(param))
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
