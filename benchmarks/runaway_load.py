"""Load with runaway queries mixed in: do cheap queries keep answering?

Starts ``aifactories serve`` on a free loopback port (or uses ``--url``), then runs
``--clients`` clients for ``--seconds``: ``--runaway`` of them send a query that runs until the
server's timeout (a cross join sorted before its first row), the rest send a cheap ASK. Prints
(and with ``--json`` writes) per kind: requests, errors (transport errors and statuses other than
200 for cheap queries; other than 200/503 for runaway ones), p50 and p95 latency, and the
server's peak memory (proportional set size of its processes, sampled twice a second). Not a test:
speed figures are measured here, never asserted (benchmarks/README.md).

    python benchmarks/runaway_load.py --clients 50 --runaway 10 --seconds 60
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

import httpx

CHEAP = "ASK { ?s a ?o }"
RUNAWAY = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i } ORDER BY ?c ?f ?i LIMIT 1"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(workers: int, timeout: float) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    log = tempfile.TemporaryFile()  # noqa: SIM115 - open for the server's whole life
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "aifactories.cli",
            "serve",
            "--port",
            str(port),
            "--workers",
            str(workers),
            "--timeout",
            str(timeout),
            "--log-level",
            "warning",
        ],
        stdout=subprocess.DEVNULL,
        stderr=log,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline and process.poll() is None:
        try:
            if httpx.get(url + "/health", timeout=2).status_code == 200:
                return process, url
        except httpx.TransportError:
            time.sleep(0.3)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    log.seek(0)
    raise SystemExit("the server did not start:\n" + log.read().decode(errors="replace"))


def client(
    url: str, query: str, stop: float, out: list[tuple[float, int | str]], why: Counter[str]
) -> None:
    with httpx.Client(timeout=60) as http:
        while time.monotonic() < stop:
            started = time.monotonic()
            try:
                response = http.get(
                    url + "/sparql",
                    params={"query": query},
                    headers={"accept": "application/sparql-results+json"},
                )
                status: int | str = response.status_code
                if status != 200:
                    why[f"{status}: {response.json()['error']['message'][:60]}"] += 1
            except httpx.HTTPError as exc:
                status = type(exc).__name__
            out.append((time.monotonic() - started, status))


def memory_mb(group: int) -> float:
    """Proportional set size (MB) of every process in the server's process group."""
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[2]) != group:  # field 5: pgrp
                continue
            for line in (stat.parent / "smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total += int(line.split()[1])
        except (OSError, ValueError, IndexError):
            continue
    return total / 1024


def sample_memory(group: int, stop: float, peaks: list[float]) -> None:
    while time.monotonic() < stop:
        peaks.append(memory_mb(group))
        time.sleep(0.5)


def summary(
    rows: list[tuple[float, int | str]], ok: tuple[int, ...], why: Counter[str]
) -> dict[str, object]:
    times = sorted(t for t, _ in rows)
    errors = [s for _, s in rows if s not in ok]
    p95 = times[max(0, int(len(times) * 0.95) - 1)] if times else None
    return {
        "requests": len(rows),
        "errors": len(errors),
        "error_kinds": sorted({str(s) for s in errors}),
        "p50_s": round(statistics.median(times), 4) if times else None,
        "p95_s": round(p95, 4) if p95 is not None else None,
        "statuses": sorted({str(s) for _, s in rows}),
        "answers_other_than_200": dict(why.most_common()),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="a running server (loopback); default: start one")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--runaway", type=int, default=10)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--timeout", type=float, default=2.0, help="the server's query timeout")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    process = None
    url = args.url
    if url is None:
        process, url = start_server(args.workers, args.timeout)
    cheap: list[tuple[float, int | str]] = []
    runaway: list[tuple[float, int | str]] = []
    why_cheap: Counter[str] = Counter()
    why_runaway: Counter[str] = Counter()
    stop = time.monotonic() + args.seconds
    threads = [
        threading.Thread(
            target=client,
            args=(
                url,
                RUNAWAY if i < args.runaway else CHEAP,
                stop,
                runaway if i < args.runaway else cheap,
                why_runaway if i < args.runaway else why_cheap,
            ),
        )
        for i in range(args.clients)
    ]
    peaks: list[float] = []
    if process is not None:
        threads.append(
            threading.Thread(target=sample_memory, args=(process.pid, stop, peaks), daemon=True)
        )
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        if process is not None:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=30)
    result = {
        "clients": args.clients,
        "runaway_clients": args.runaway,
        "seconds": args.seconds,
        "workers": args.workers,
        "server_timeout_s": args.timeout,
        "cheap": summary(cheap, (200,), why_cheap),
        "runaway": summary(runaway, (200, 503), why_runaway),
        "server_memory_peak_mb": round(max(peaks)) if peaks else None,
    }
    print(json.dumps(result, indent=2))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
