"""``serve``'s supervisor: the port check, and graceful retirement under runaway queries.

(A single runaway query's 503 and the end of its CPU use are checked in
tests/server/test_protocol.py.)
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest
from tests.server import procfs
from tests.server.conftest import Server

from aifactories.errors import InputError
from aifactories.server.supervisor import check_port

CHEAP = "ASK { ?s a ?o }"
#: Counts a cross product of the graph: runs far past the test server's timeout, in little memory.
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"


def test_a_free_port_is_accepted_and_a_taken_one_refused() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(InputError, match=f"cannot listen on 127.0.0.1:{port}"):
            check_port("127.0.0.1", port)
    assert check_port("127.0.0.1", port)[1] == ("127.0.0.1", port)


def test_serve_on_a_busy_port_is_one_line_and_exit_2() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = subprocess.run(
            [sys.executable, "-m", "aifactories.cli", "serve", "--port", str(port)],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    assert done.returncode == 2
    (line,) = done.stderr.strip().splitlines()
    assert line.startswith("Error: ") and str(port) in line and "--port" in line


def _describe(pid: int) -> str:
    """A process's state, threads and CPU time, to tell why it has not ended."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return f"{pid}: gone"
    fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
    cpu = procfs.cpu_seconds(pid)
    return f"{pid}: {fields['State'].strip()}, {fields['Threads'].strip()} threads, {cpu:.1f} s CPU"


def test_cheap_queries_keep_answering_while_runaway_ones_retire_processes(server: Server) -> None:
    """Each runaway query's timeout retires a server process; no cheap query may notice."""
    stop = time.monotonic() + 2.5 * server.timeout
    cheap: list[int | str] = []
    runaway: list[int | str] = []
    processes: set[int] = set()

    def client(query: str, out: list[int | str]) -> None:
        with httpx.Client(timeout=3 * server.timeout) as http:
            while time.monotonic() < stop:
                try:
                    status: int | str = http.post(
                        server.url + "/sparql", data={"query": query}
                    ).status_code
                except httpx.HTTPError as exc:
                    status = type(exc).__name__
                out.append(status)

    def watch() -> None:
        while time.monotonic() < stop:
            processes.update(procfs.children(server.pid))
            time.sleep(0.05)

    threads = [threading.Thread(target=client, args=(RUNAWAY, runaway)) for _ in range(4)]
    threads += [threading.Thread(target=client, args=(CHEAP, cheap)) for _ in range(6)]
    threads.append(threading.Thread(target=watch))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    failed = [status for status in cheap if status != 200]
    assert cheap and not failed, f"{len(failed)} of {len(cheap)} cheap queries failed: {failed[:5]}"
    assert runaway and set(runaway) == {503}
    assert len(processes) > 2, "no server process was retired and replaced"
    # the retired processes end (and their runaway threads with them); two remain. A retiring
    # process finishes its requests first (up to the timeout each), on a loaded machine slowly.
    deadline = time.monotonic() + 12 * server.timeout
    while len(procfs.children(server.pid)) != 2 and time.monotonic() < deadline:
        time.sleep(0.2)
    left = procfs.children(server.pid)
    assert len(left) == 2, f"server processes left: {[_describe(pid) for pid in left]}"
    assert os.path.exists(f"/proc/{server.pid}")
