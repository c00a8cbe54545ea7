"""The ``aifactories`` command: a thin layer over the library.

Parses arguments, calls the library, maps AIFactoriesError to exit code 2 with a one-line message.
Exit codes: 0 success, 1 validation failure, 2 usage or input error. Heavy imports (rdflib,
pyshacl) happen inside commands, so ``aifactories --help`` stays fast.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from typing import Any

import click


class UserError(click.ClickException):
    """A user mistake: printed as 'Error: <message>' and exit code 2."""

    exit_code = 2


def user_errors(func: Callable[..., Any]) -> Callable[..., Any]:
    """Turn the library's AIFactoriesError into a clean one-line message and exit code 2."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from aifactories.errors import AIFactoriesError

        try:
            return func(*args, **kwargs)
        except AIFactoriesError as exc:
            raise UserError(str(exc)) from None

    return wrapper


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="aifactories-kg")
def main() -> None:
    """Query, validate and export the EuroHPC AI Factories knowledge graph."""


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
