"""The server under test: in process for most tests, a real ``aifactories serve`` for a few.

``client`` drives the app in this process (Starlette's TestClient: no socket, no subprocess).
``server`` is ``aifactories serve`` on a free loopback port, started once for the session, for
what needs real processes: real HTTP clients (SPARQLWrapper, rdflib's SPARQLStore, Jena), the
browser, and a runaway query's process being retired. Tests that use it are marked ``slow``.
Both have a short query timeout and a small row cap so that those tests stay quick.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette
from starlette.testclient import TestClient

from aifactories.graph import KnowledgeGraph

#: The test server's per-query timeout (seconds) and row cap.
TIMEOUT = 5.0
ROW_CAP = 1000


@dataclass(frozen=True)
class Server:
    url: str  # "http://127.0.0.1:PORT", no trailing slash
    timeout: float
    row_cap: int
    log: Path
    pid: int  # the supervisor's


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    port = _free_port()
    log = tmp_path_factory.mktemp("server") / "serve.log"
    command = [
        sys.executable,
        "-m",
        "aifactories.cli",
        "serve",
        "--port",
        str(port),
        "--timeout",
        str(TIMEOUT),
        "--row-cap",
        str(ROW_CAP),
        "--workers",
        "2",
        "--log-level",
        "warning",
    ]
    with open(log, "wb") as out:
        process = subprocess.Popen(
            command, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    try:
        while True:
            if process.poll() is not None:
                pytest.fail(f"the server exited with {process.returncode}:\n{log.read_text()}")
            try:
                if httpx.get(url + "/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"the server did not start in 120 s:\n{log.read_text()}")
            time.sleep(0.25)
        yield Server(url, TIMEOUT, ROW_CAP, log, process.pid)
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests that need the real server process are ``slow`` (``-m "not slow"`` skips them)."""
    for item in items:
        if "server" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.slow)


@pytest.fixture(scope="session")
def app(kg: KnowledgeGraph) -> Starlette:
    """The app over the project graph, as ``serve`` builds it (Oxigraph engine)."""
    from aifactories.query.catalogue import load_catalogue
    from aifactories.server import Settings, create_app

    return create_app(kg, Settings(timeout=TIMEOUT, row_cap=ROW_CAP), load_catalogue())


@pytest.fixture(scope="session")
def client(app: Starlette) -> Iterator[httpx.Client]:
    """An HTTP client of the app, in process."""
    with TestClient(app, base_url="http://testserver") as http:
        yield http
