"""Load with runaway queries mixed in: do cheap queries keep answering?

Starts ``aifactories serve`` on a free loopback port (or uses ``--url``), then runs
``--clients`` clients for ``--seconds``: ``--runaway`` of them send a query that runs until the
server's timeout (a cross join sorted before its first row), the rest send a cheap ASK. Prints
(and with ``--json`` writes) per kind: requests, errors (transport errors and statuses other than
200 for cheap queries; other than 200/503 for runaway ones), p50 and p95 latency. Not a test:
speed figures are measured here, never asserted (benchmarks/README.md).

    python benchmarks/runaway_load.py --clients 50 --runaway 10 --seconds 60
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
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
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        try:
            if httpx.get(url + "/health", timeout=2).status_code == 200:
                return process, url
        except httpx.TransportError:
            time.sleep(0.3)
    os.killpg(process.pid, signal.SIGKILL)
    raise SystemExit("the server did not start")


def client(url: str, query: str, stop: float, out: list[tuple[float, int | str]]) -> None:
    with httpx.Client(timeout=60) as http:
        while time.monotonic() < stop:
            started = time.monotonic()
            try:
                status: int | str = http.get(
                    url + "/sparql",
                    params={"query": query},
                    headers={"accept": "application/sparql-results+json"},
                ).status_code
            except httpx.HTTPError as exc:
                status = type(exc).__name__
            out.append((time.monotonic() - started, status))


def summary(rows: list[tuple[float, int | str]], ok: tuple[int, ...]) -> dict[str, object]:
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
    stop = time.monotonic() + args.seconds
    threads = [
        threading.Thread(
            target=client,
            args=(
                url,
                RUNAWAY if i < args.runaway else CHEAP,
                stop,
                runaway if i < args.runaway else cheap,
            ),
        )
        for i in range(args.clients)
    ]
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
        "cheap": summary(cheap, (200,)),
        "runaway": summary(runaway, (200, 503)),
    }
    print(json.dumps(result, indent=2))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
