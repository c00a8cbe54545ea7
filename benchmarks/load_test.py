"""Bounded load test of ``aifactories serve`` on loopback, beside ``oxigraph serve-read-only``.

Exports the project graph (asserted + inferred) once as an on-disk Oxigraph store
(``aifactories load --store``), starts ``aifactories serve --store`` on it and, with ``--peer``,
``oxigraph serve-read-only`` on the very same store (``--union-default-graph``, so both answer
from the union of the two named graphs). Each target gets the same questions:

- catalogue: stored query ``factories-as-of`` for 2025-03-12 as CSV (ours through the REST API;
  the peer gets the query text with the date bound the way our engine binds it);
- ad-hoc: a ``COUNT`` sent to ``/sparql`` (the peer's ``/query``) as SPARQL JSON;
- entity page: JAIF as HTML (ours only).

For each target, scenario and client count in turn it runs that many concurrent clients for
``--seconds`` seconds (never more than ``--max-requests`` requests), and prints throughput and
p50/p95/max latency. Targets alternate per scenario so that machine noise hits both. Only
loopback URLs are accepted. Never asserted in tests.

    python benchmarks/load_test.py --peer --clients 8 20 --seconds 10
    python benchmarks/load_test.py --clients 5 --seconds 5 --json /tmp/load.json
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
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import httpx

DATE = "2025-03-12"
COUNT = (
    "PREFIX aif: <https://w3id.org/aifactories/ontology#> "
    f'SELECT (COUNT(*) AS ?n) WHERE {{ ?f aif:selectionDate ?d FILTER (?d <= "{DATE}") }}'
)
JSON_RESULTS = {"Accept": "application/sparql-results+json"}


@dataclass(frozen=True)
class Scenario:
    name: str
    path: str
    params: dict[str, str]
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Outcome:
    target: str
    scenario: str
    clients: int
    seconds: float
    requests: int
    errors: int
    throughput: float  # successful requests per second
    p50_ms: float
    p95_ms: float
    max_ms: float
    note: str = ""


def ours() -> list[Scenario]:
    return [
        Scenario(
            "catalogue query (factories-as-of, CSV)",
            "/api/queries/factories-as-of",
            {"date": DATE, "format": "csv"},
        ),
        Scenario("ad-hoc /sparql COUNT (JSON)", "/sparql", {"query": COUNT}, JSON_RESULTS),
        Scenario("entity page (JAIF, HTML)", "/id/factory/jaif", {}, {"Accept": "text/html"}),
    ]


def peer() -> list[Scenario]:
    """The same questions for ``oxigraph serve-read-only`` (its endpoint is ``/query``)."""
    import pyoxigraph as ox

    from aifactories.query.catalogue import load_catalogue
    from aifactories.query.syntax import bind_terms

    stored = load_catalogue().get("factories-as-of")
    date = ox.Literal(DATE, datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#date"))
    bound = bind_terms(stored.text, {"_date": date})
    return [
        Scenario(
            "catalogue query (factories-as-of, CSV)",
            "/query",
            {"query": bound},
            {"Accept": "text/csv"},
        ),
        Scenario("ad-hoc /sparql COUNT (JSON)", "/query", {"query": COUNT}, JSON_RESULTS),
    ]


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
    target: str, base: str, scenario: Scenario, clients: int, seconds: float, max_requests: int
) -> Outcome:
    latencies: list[float] = []
    errors = 0
    issued = 0
    deadline = time.perf_counter() + seconds

    async def client(http: httpx.AsyncClient) -> None:
        nonlocal errors, issued
        while time.perf_counter() < deadline and issued < max_requests:
            issued += 1
            started = time.perf_counter()
            try:
                response = await http.get(
                    scenario.path, params=scenario.params, headers=scenario.headers
                )
                ok = response.status_code == 200
            except httpx.HTTPError:
                ok = False
            if ok:
                latencies.append(time.perf_counter() - started)
            else:
                errors += 1

    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=base, timeout=60, limits=limits) as http:
        first = await http.get(scenario.path, params=scenario.params, headers=scenario.headers)
        if first.status_code != 200:
            raise SystemExit(f"{target} {scenario.name}: {first.status_code} {first.text[:300]}")
        started = time.perf_counter()
        await asyncio.gather(*(client(http) for _ in range(clients)))
        elapsed = time.perf_counter() - started
    return _outcome(target, scenario, clients, elapsed, latencies, errors)


async def run_raw(
    target: str, base: str, scenario: Scenario, clients: int, seconds: float, max_requests: int
) -> Outcome:
    """The same measurement with a bare HTTP/1.1 keep-alive client on asyncio streams.

    httpx spends several times the CPU of the request itself on a 2-core machine, and ApacheBench
    speaks HTTP/1.0, whose keep-alive Oxigraph's server does not offer (a new connection per
    request, until the ephemeral ports run out). This client sends the same prepared request
    bytes on ``clients`` persistent connections and reads each response (Content-Length or
    chunked) before sending the next.
    """
    url = httpx.URL(base + scenario.path, params=scenario.params)
    head = [f"GET {url.raw_path.decode('ascii')} HTTP/1.1", f"Host: {url.host}:{url.port}"]
    head += [f"{k}: {v}" for k, v in scenario.headers.items()]
    request = ("\r\n".join(head) + "\r\n\r\n").encode("ascii")
    latencies: list[float] = []
    errors = 0
    issued = 0
    deadline = time.perf_counter() + seconds

    async def one(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> bool:
        writer.write(request)
        status_line = await reader.readline()
        ok = status_line.split(b" ", 2)[1:2] == [b"200"]
        length, chunked = 0, False
        while (line := await reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode("latin-1").partition(":")
            if name.lower() == "content-length":
                length = int(value)
            elif name.lower() == "transfer-encoding" and "chunked" in value.lower():
                chunked = True
        if chunked:
            while (size := int((await reader.readline()).split(b";")[0], 16)) > 0:
                await reader.readexactly(size + 2)
            await reader.readline()
        else:
            await reader.readexactly(length)
        return ok

    async def connect() -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        nonlocal errors
        for _ in range(100):  # a refused connection counts as an error, then we try again
            try:
                return await asyncio.open_connection(url.host, url.port)
            except OSError:
                errors += 1
                await asyncio.sleep(0.01)
        raise ConnectionError(f"{target}: cannot connect to {base}")

    async def client() -> None:
        nonlocal errors, issued
        try:
            reader, writer = await connect()
        except ConnectionError:
            return  # the server is gone (counted in errors); the others stop the same way
        try:
            while time.perf_counter() < deadline and issued < max_requests:
                issued += 1
                started = time.perf_counter()
                try:
                    ok = await one(reader, writer)
                except (OSError, ValueError, asyncio.IncompleteReadError):
                    ok = False
                    writer.close()
                    try:
                        reader, writer = await connect()
                    except ConnectionError:
                        return
                if ok:
                    latencies.append(time.perf_counter() - started)
                else:
                    errors += 1
        finally:
            writer.close()

    reader, writer = await connect()  # warm caches, and check the answer is a 200
    if not await one(reader, writer):
        raise SystemExit(f"{target} {scenario.name}: not a 200")
    writer.close()
    errors = 0
    started = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(clients)))
    elapsed = time.perf_counter() - started
    return _outcome(target, scenario, clients, elapsed, latencies, errors)


def _outcome(
    target: str,
    scenario: Scenario,
    clients: int,
    elapsed: float,
    latencies: list[float],
    errors: int,
) -> Outcome:
    ordered = sorted(latencies) or [0.0]
    return Outcome(
        target=target,
        scenario=scenario.name,
        clients=clients,
        seconds=round(elapsed, 2),
        requests=len(latencies) + errors,
        errors=errors,
        throughput=round(len(latencies) / elapsed, 1),
        p50_ms=round(statistics.median(ordered) * 1000, 1),
        p95_ms=round(ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))] * 1000, 1),
        max_ms=round(ordered[-1] * 1000, 1),
    )


def run_ab(
    target: str, base: str, scenario: Scenario, clients: int, seconds: float, max_requests: int
) -> Outcome:
    """The same measurement with ApacheBench (C, one thread): the client is never the limit."""
    url = str(httpx.URL(base + scenario.path, params=scenario.params))
    headers = [f"{k}: {v}" for k, v in scenario.headers.items()]
    command = [
        *("ab", "-k", "-q", "-r", "-c", str(clients), "-t", str(seconds), "-n", str(max_requests)),
        *(arg for header in headers for arg in ("-H", header)),
        url,
    ]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    fields: dict[str, str] = {}
    percent: dict[str, float] = {}
    for line in output.splitlines():
        key, _, value = line.partition(":")
        if value:
            fields[key.strip()] = value.strip()
        parts = line.split()
        if len(parts) == 2 and parts[0].endswith("%"):
            percent[parts[0]] = float(parts[1])
    done = int(fields["Complete requests"])
    failed = int(fields["Failed requests"]) + int(fields.get("Non-2xx responses", "0"))
    elapsed = float(fields["Time taken for tests"].split()[0])
    return Outcome(
        target=target,
        scenario=scenario.name,
        clients=clients,
        seconds=round(elapsed, 2),
        requests=done,
        errors=failed,
        throughput=round((done - failed) / elapsed, 1),
        p50_ms=percent.get("50%", 0.0),
        p95_ms=percent.get("95%", 0.0),
        max_ms=percent.get("100%", 0.0),
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until_up(process: subprocess.Popen[bytes], url: str) -> None:
    for _ in range(480):
        if process.poll() is not None:
            raise SystemExit(f"{url}: the server exited with {process.returncode}")
        try:
            if httpx.get(url, timeout=2).status_code < 500:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.25)
    raise SystemExit(f"{url}: the server did not start in 120 s")


def start_ours(
    store: Path | None, workers: int, timeout: float
) -> tuple[subprocess.Popen[bytes], str]:
    """``aifactories serve`` on the on-disk ``store``, or (None) on its in-memory store."""
    port = free_port()
    source = ("--store", str(store)) if store is not None else ()
    command = [
        *(sys.executable, "-m", "aifactories.cli", "serve", *source),
        *("--port", str(port), "--workers", str(workers), "--timeout", str(timeout)),
        *("--log-level", "warning"),
    ]
    process = subprocess.Popen(command, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    wait_until_up(process, url + "/health")
    return process, url


def start_peer(store: Path, timeout: float) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    command = [
        *("oxigraph", "serve-read-only", "--location", str(store / "oxigraph")),
        *("--bind", f"127.0.0.1:{port}", "--union-default-graph"),
        *("--timeout-s", str(max(1, round(timeout)))),
    ]
    process = subprocess.Popen(
        command, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    url = f"http://127.0.0.1:{port}"
    wait_until_up(process, url + "/query?query=ASK%7B%7D")
    return process, url


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def export_store(directory: Path) -> Path:
    """The project graph as an on-disk store, built once (``aifactories load --store``)."""
    command = [sys.executable, "-m", "aifactories.cli", "load", "--store", str(directory)]
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    return directory


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="a running server (loopback only); default: start one")
    parser.add_argument("--peer", action="store_true", help="also load oxigraph serve-read-only")
    parser.add_argument("--clients", type=int, nargs="+", default=[20])
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--max-requests", type=int, default=200_000)
    parser.add_argument("--workers", type=int, default=2, help="server processes of ours")
    parser.add_argument("--timeout", type=float, default=10.0, help="query timeout, both servers")
    parser.add_argument("--store", type=Path, help="an exported store (default: export one)")
    parser.add_argument("--json", type=Path, help="also write the numbers here")
    parser.add_argument(
        "--in-memory",
        action="store_true",
        help="serve ours from its in-memory store (the closure cache, as 'serve' does by "
        "default) instead of the exported on-disk store the peer reads",
    )
    parser.add_argument(
        "--client",
        choices=("raw", "httpx", "ab"),
        default="raw",
        help="load generator: raw (HTTP/1.1 keep-alive on asyncio streams, light), httpx, or "
        "ApacheBench (apt-get install apache2-utils; HTTP/1.0, so a new connection per "
        "request to Oxigraph)",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="aifactories-load-") as scratch:
        store = args.store
        if store is None and (args.peer or not args.url):
            store = export_store(Path(scratch) / "store")
        targets: list[Target] = []
        if args.url:
            url = loopback_only(args.url)
            targets.append(Target("aifactories", ours(), lambda: (None, url)))
        else:
            source = None if args.in_memory else store
            targets.append(
                Target(
                    "aifactories",
                    ours(),
                    lambda: start_ours(source, args.workers, args.timeout),
                )
            )
        if args.peer:
            targets.append(Target("oxigraph", peer(), lambda: start_peer(store, args.timeout)))
        outcomes = run_all(targets, args)
    if args.json:
        args.json.write_text(json.dumps([asdict(o) for o in outcomes], indent=2) + "\n")


@dataclass(frozen=True)
class Target:
    """A server under test: its name, its questions, and how to start it (url only: running)."""

    name: str
    scenarios: list[Scenario]
    start: Callable[[], tuple[subprocess.Popen[bytes] | None, str]]


def run_all(targets: list[Target], args: argparse.Namespace) -> list[Outcome]:
    """Each scenario on each target in turn, every measurement on a freshly started server.

    A fresh server per measurement keeps one run's leftovers out of the next (and the peer,
    oxigraph 0.5.13, was seen to exhaust its threads under long keep-alive load: it panics with
    "failed to allocate an alternative stack").
    """
    outcomes: list[Outcome] = []
    names = list(dict.fromkeys(s.name for t in targets for s in t.scenarios))
    for name in names:
        for clients in args.clients:
            for target in targets:
                scenario = next((s for s in target.scenarios if s.name == name), None)
                if scenario is None:
                    continue
                process, base = target.start()
                try:
                    measure = (target.name, base, scenario, clients, args.seconds)
                    if args.client == "ab":
                        outcome = run_ab(*measure, args.max_requests)
                    elif args.client == "raw":
                        outcome = asyncio.run(run_raw(*measure, args.max_requests))
                    else:
                        outcome = asyncio.run(run_scenario(*measure, args.max_requests))
                    if process is not None and process.poll() is not None:
                        outcome.note = f"the server died during the run ({process.returncode})"
                finally:
                    if process is not None:
                        stop(process)
                outcomes.append(outcome)
                print(
                    f"{target.name:12} {name}, {clients} clients: {outcome.throughput} req/s, "
                    f"p50 {outcome.p50_ms} ms, p95 {outcome.p95_ms} ms, max {outcome.max_ms} ms "
                    f"({outcome.requests} requests, {outcome.errors} errors, {outcome.seconds} s)"
                    + (f" -- {outcome.note}" if outcome.note else ""),
                    flush=True,
                )
    return outcomes


if __name__ == "__main__":
    main()
