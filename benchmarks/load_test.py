"""Bounded load test of ``aifactories serve`` on loopback: throughput and p50/p95 latency.

Starts its own server on a free loopback port (or uses ``--url``, which must be a loopback
address), then, for each scenario in turn, runs ``--clients`` concurrent clients for
``--seconds`` seconds (and never more than ``--max-requests`` requests). Scenarios: a stored
catalogue query through the REST API, and an entity page (HTML). Prints one line per scenario;
``--json`` writes the numbers to a file. Never asserted in tests.

    python benchmarks/load_test.py                 # 20 clients x 20 s per scenario
    python benchmarks/load_test.py --clients 5 --seconds 5
"""

from __future__ import annotations

import argparse
import asyncio
import ipaddress
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from urllib.parse import urlsplit

import httpx

SCENARIOS: dict[str, tuple[str, dict[str, str]]] = {
    "catalogue query (factories-as-of, CSV)": (
        "/api/queries/factories-as-of",
        {"date": "2025-03-12", "format": "csv"},
    ),
    "entity page (JAIF, HTML)": ("/id/factory/jaif", {}),
}


@dataclass
class Outcome:
    scenario: str
    clients: int
    seconds: float
    requests: int
    errors: int
    throughput: float  # successful requests per second
    p50_ms: float
    p95_ms: float
    max_ms: float


def loopback_only(url: str) -> str:
    host = urlsplit(url).hostname or ""
    try:
        loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        raise SystemExit(f"refusing to load-test {host!r}: only loopback addresses are allowed")
    return url.rstrip("/")


async def run_scenario(
    base: str,
    name: str,
    path: str,
    params: dict[str, str],
    clients: int,
    seconds: float,
    max_requests: int,
) -> Outcome:
    latencies: list[float] = []
    errors = 0
    issued = 0
    deadline = time.perf_counter() + seconds
    headers = {"Accept": "text/html"} if path.startswith("/id") else {}

    async def client(http: httpx.AsyncClient) -> None:
        nonlocal errors, issued
        while time.perf_counter() < deadline and issued < max_requests:
            issued += 1
            started = time.perf_counter()
            try:
                response = await http.get(path, params=params, headers=headers)
                ok = response.status_code == 200
            except httpx.HTTPError:
                ok = False
            if ok:
                latencies.append(time.perf_counter() - started)
            else:
                errors += 1

    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=base, timeout=60, limits=limits) as http:
        await http.get(path, params=params, headers=headers)  # warm caches
        started = time.perf_counter()
        await asyncio.gather(*(client(http) for _ in range(clients)))
        elapsed = time.perf_counter() - started
    ordered = sorted(latencies) or [0.0]
    return Outcome(
        scenario=name,
        clients=clients,
        seconds=round(elapsed, 2),
        requests=len(latencies) + errors,
        errors=errors,
        throughput=round(len(latencies) / elapsed, 1),
        p50_ms=round(statistics.median(ordered) * 1000, 1),
        p95_ms=round(ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))] * 1000, 1),
        max_ms=round(ordered[-1] * 1000, 1),
    )


def start_server(workers: int) -> tuple[subprocess.Popen[bytes], str]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    command = [
        sys.executable,
        "-m",
        "aifactories.cli",
        "serve",
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--log-level",
        "warning",
    ]
    process = subprocess.Popen(command, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    for _ in range(480):
        if process.poll() is not None:
            raise SystemExit(f"the server exited with {process.returncode}")
        try:
            if httpx.get(url + "/health", timeout=2).status_code == 200:
                return process, url
        except httpx.TransportError:
            pass
        time.sleep(0.25)
    os.killpg(process.pid, signal.SIGTERM)
    raise SystemExit("the server did not start in 120 s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="a running server (loopback only); default: start one")
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--max-requests", type=int, default=200_000)
    parser.add_argument("--workers", type=int, default=2, help="query workers of the server")
    parser.add_argument("--json", type=Path, help="also write the numbers here")
    args = parser.parse_args()
    process = None
    if args.url:
        base = loopback_only(args.url)
    else:
        process, base = start_server(args.workers)
    try:
        outcomes = []
        for name, (path, params) in SCENARIOS.items():
            outcome = asyncio.run(
                run_scenario(
                    base, name, path, params, args.clients, args.seconds, args.max_requests
                )
            )
            outcomes.append(outcome)
            print(
                f"{name}: {outcome.throughput} req/s, p50 {outcome.p50_ms} ms, "
                f"p95 {outcome.p95_ms} ms, max {outcome.max_ms} ms "
                f"({outcome.requests} requests, {outcome.errors} errors, "
                f"{outcome.clients} clients, {outcome.seconds} s)"
            )
        if args.json:
            args.json.write_text(json.dumps([asdict(o) for o in outcomes], indent=2) + "\n")
    finally:
        if process is not None:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=15)


if __name__ == "__main__":
    main()
