"""Processes as /proc shows them: what the server tests read about real server processes."""

from __future__ import annotations

import os
from pathlib import Path


def stat(pid: int) -> list[str] | None:
    """The fields of ``/proc/PID/stat`` after the command name (0: state, 1: parent), or None."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None


def alive(pid: int) -> bool:
    """Running: neither gone nor a zombie (exited, not yet reaped)."""
    fields = stat(pid)
    return fields is not None and fields[0] != "Z"


def children(parent: int) -> list[int]:
    """The live child processes of ``parent``."""
    pids = (int(path.name) for path in Path("/proc").glob("[0-9]*"))
    return [pid for pid in pids if (f := stat(pid)) and int(f[1]) == parent and f[0] != "Z"]


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) the process has used so far; 0 once it is gone."""
    fields = stat(pid)
    if fields is None:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
