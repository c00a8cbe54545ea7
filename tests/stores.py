"""Real triple stores for the publishing tests, started on free loopback ports and stopped after.

- ``oxigraph serve`` from the ``oxigraph`` PyPI package (test extra);
- Virtuoso Open Source from Debian (``apt-get install virtuoso-opensource``, as ``.ci/run`` does):
  ``virtuoso-t`` runs in the foreground on a fresh database in a temporary folder, with its own
  ini file (SQL and HTTP ports on 127.0.0.1, nothing shared with a system instance). Its account
  ``dba`` (password ``dba``, Virtuoso's default for a new database) writes through the
  digest-authenticated Graph Store endpoint ``/sparql-graph-crud-auth``.

Each helper yields the server's base URL, or skips the test with the reason it cannot start.
"""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

OXIGRAPH = shutil.which("oxigraph")
VIRTUOSO = shutil.which("virtuoso-t")
#: Virtuoso's administrator on a new database.
VIRTUOSO_USER, VIRTUOSO_PASSWORD = "dba", "dba"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait(process: subprocess.Popen[bytes], url: str, what: str, log: Path | None = None) -> None:
    """Until ``url`` answers a SPARQL ASK; fails the test with the server's output if it dies."""
    deadline = time.monotonic() + 60
    while True:
        try:
            httpx.get(url, params={"query": "ASK {}"}, timeout=2).raise_for_status()
            return
        except httpx.HTTPError:
            if process.poll() is not None or time.monotonic() > deadline:
                err = process.stderr.read().decode() if process.stderr else ""
                if log is not None and log.is_file():
                    err += log.read_text(errors="replace")[-2000:]
                pytest.fail(f"{what} did not start: {err}")
            time.sleep(0.2)


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@contextlib.contextmanager
def oxigraph_server(folder: Path, *options: str) -> Iterator[str]:
    """An ``oxigraph serve`` on ``folder`` (extra ``options``, e.g. ``--union-default-graph``)."""
    if OXIGRAPH is None:
        pytest.skip("the oxigraph server is not installed (pip install oxigraph)")
    port = free_port()
    # --timeout-s: a runaway query fails its test instead of holding the server
    command = [OXIGRAPH, "serve", "--location", str(folder), "--bind", f"127.0.0.1:{port}"]
    process = subprocess.Popen(
        [*command, "--timeout-s", "30", *options],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait(process, f"{base}/query", "oxigraph serve")
        yield base
    finally:
        _stop(process)


_VIRTUOSO_INI = """[Database]
DatabaseFile = {d}/virtuoso.db
ErrorLogFile = {d}/virtuoso.log
LockFile = {d}/virtuoso.lck
TransactionFile = {d}/virtuoso.trx
xa_persistent_file = {d}/virtuoso.pxa
[TempDatabase]
DatabaseFile = {d}/virtuoso-temp.db
TransactionFile = {d}/virtuoso-temp.trx
[Parameters]
ServerPort = 127.0.0.1:{sql}
DisableUnixSocket = 1
DirsAllowed = .
NumberOfBuffers = 10000
MaxDirtyBuffers = 6000
[HTTPServer]
ServerPort = 127.0.0.1:{http}
ServerRoot = {d}
ServerThreads = 4
[SPARQL]
ResultSetMaxRows = 100000
MaxQueryExecutionTime = 60
"""


@contextlib.contextmanager
def virtuoso_server(folder: Path) -> Iterator[str]:
    """A Virtuoso Open Source server on a new database in ``folder``."""
    if VIRTUOSO is None:
        pytest.skip(
            "Virtuoso Open Source is not installed (apt-get install virtuoso-opensource; "
            ".ci/run does)"
        )
    ini = folder / "virtuoso.ini"
    http = free_port()
    ini.write_text(_VIRTUOSO_INI.format(d=folder, sql=free_port(), http=http), encoding="utf-8")
    process = subprocess.Popen(
        [VIRTUOSO, "-f", "-c", str(ini)],
        cwd=folder,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{http}"
    try:
        _wait(process, f"{base}/sparql", "virtuoso-t", folder / "virtuoso.log")
        yield base
    finally:
        _stop(process)
