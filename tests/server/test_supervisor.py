"""``serve``'s supervisor: the port check that runs before anything is loaded.

(The supervisor's replacement of a retired process is checked with a real runaway query in
tests/server/test_protocol.py.)
"""

from __future__ import annotations

import socket
import subprocess
import sys

import pytest

from aifactories.errors import InputError
from aifactories.server.supervisor import check_port


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
