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
