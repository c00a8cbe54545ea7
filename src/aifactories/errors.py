"""One small exception hierarchy: every expected user mistake is an AIFactoriesError.

The CLI maps these to exit code 2 with their message; anything else is a bug.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path


class AIFactoriesError(Exception):
    """Base class for errors a user can cause and fix."""


class DataSyntaxError(AIFactoriesError):
    """A Turtle (or other RDF) file that does not parse; names the file and line."""

    def __init__(self, path: Path | str, line: int | None, detail: str) -> None:
        self.path = Path(path)
        self.line = line
        self.detail = detail
        where = f"{self.path}:{line}" if line else str(self.path)
        super().__init__(f"{where}: syntax error: {detail}")


class InputError(AIFactoriesError):
    """A missing file, an unsupported format or another bad argument."""


class QuerySyntaxError(AIFactoriesError):
    """A SPARQL query that does not parse; carries the parser's message."""


class QueryEvaluationError(QuerySyntaxError):
    """A query that parses but fails while the engine evaluates it; carries the engine's message."""


class ForbiddenQueryError(QuerySyntaxError):
    """A query that would write (SPARQL Update) or reach the network (SERVICE): never run.

    ``update`` tells the two apart (the SPARQL protocol answers 403 to an update, 400 else).
    """

    def __init__(self, message: str, *, update: bool = False) -> None:
        self.update = update
        super().__init__(message)


class QueryHeaderError(QuerySyntaxError):
    """A stored query whose ``#+`` header is malformed; names the file and line."""

    def __init__(self, path: Path, line: int | None, detail: str) -> None:
        self.path = path
        self.line = line
        where = f"{path}:{line}" if line else str(path)
        super().__init__(f"{where}: bad query header: {detail}")


class UnknownQueryError(InputError):
    """A stored-query name that is not in the catalogue; lists the closest names."""


class UnsupportedFormatError(InputError):
    """A result format that does not exist for the query's form (the protocol's 406).

    Carries the form, the format asked for and the formats that do exist for that form.
    """

    def __init__(self, form: str, fmt: str, available: Sequence[str], why: str = "") -> None:
        self.form = form
        self.fmt = fmt
        self.available = tuple(available)
        reason = f": it {why}" if why else ""
        super().__init__(
            f"format {fmt!r} does not fit {'an' if form[:1] in 'AEIOU' else 'a'} {form} query"
            f"{reason}; use one of " + ", ".join(self.available)
        )


class EndpointError(InputError):
    """A remote SPARQL endpoint that cannot be reached, refuses the query or answers garbage."""


class ParameterError(AIFactoriesError):
    """A stored-query parameter that is missing, undeclared or malformed."""


class TermLookupError(AIFactoriesError):
    """A term (IRI, CURIE, label or acronym) that names no entity, or more than one."""

    def __init__(self, term: str, problem: str, candidates: Sequence[str] = ()) -> None:
        self.term = term
        self.candidates = list(candidates)
        msg = f"{problem}: {term!r}"
        if self.candidates:
            msg += "; closest matches: " + ", ".join(self.candidates)
        super().__init__(msg)
