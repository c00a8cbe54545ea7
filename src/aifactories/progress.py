"""Progress on a terminal for steps that can take over a second; silent otherwise.

One helper for every long step (reading and reasoning, validating, writing a store, releasing,
publishing): a rich progress line on standard error when it is a terminal, nothing at all when
output goes to a file or a pipe (rich is then not even imported).
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator


def enabled() -> bool:
    return sys.stderr.isatty()


@contextlib.contextmanager
def progress(description: str, total: int | None = None) -> Iterator[Callable[[int], None]]:
    """A progress bar on standard error when it is a terminal (rich); silent otherwise.

    Yields ``advance(n)``. Without ``total`` the bar is a spinner with a running count (or
    just the elapsed time while nothing is counted).
    """
    if not enabled():
        yield lambda n: None
        return
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        SpinnerColumn,
        TextColumn,
        TimeElapsedColumn,
    )

    columns = [SpinnerColumn(), TextColumn("{task.description}")]
    if total is not None:
        columns += [BarColumn(), MofNCompleteColumn()]
    columns.append(TimeElapsedColumn())
    with Progress(*columns, transient=True) as bar:
        task = bar.add_task(description, total=total)
        yield lambda n: bar.advance(task, n)
