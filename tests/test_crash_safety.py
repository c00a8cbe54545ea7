"""kill -9 in the middle of a write leaves the previous state intact, and the next run recovers.

Each test starts a real ``aifactories`` process, kills it with SIGKILL after a series of delays
(so that some kills land midway), then checks what a reader finds: the old state or the whole new
one, never a half; and that running the command again succeeds. Marked slow (real processes).
"""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from rdflib import BNode, Graph
from rdflib.compare import isomorphic
from rdflib.term import Node

from stores import oxigraph_server

pytestmark = pytest.mark.slow

#: When the process is killed, as fractions of a whole run's measured time (so that the kills
#: land midway on a fast machine and a slow one alike).
FRACTIONS = (0.15, 0.3, 0.5, 0.7, 0.9)
ROOT = Path(__file__).resolve().parent.parent


def aifactories(*args: str, env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "aifactories.cli", *args],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def run(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "aifactories.cli", *args], env=env, capture_output=True, timeout=300
    )


def timed(*args: str, env: dict[str, str]) -> float:
    """Seconds a whole run takes (it must succeed)."""
    started = time.monotonic()
    done = run(*args, env=env)
    assert done.returncode == 0, done.stderr.decode()
    return time.monotonic() - started


def delays(whole: float) -> list[float]:
    return [whole * f for f in FRACTIONS]


def killed_after(delay: float, *args: str, env: dict[str, str]) -> bool:
    """Start the command, SIGKILL it after ``delay`` s; whether it was still running."""
    process = aifactories(*args, env=env)
    time.sleep(delay)
    running = process.poll() is None
    if running:
        os.kill(process.pid, signal.SIGKILL)
    process.wait()
    return running


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    out = dict(os.environ)
    out["AIFACTORIES_CACHE_DIR"] = str(tmp_path / "cache")
    out["PYTHONPATH"] = str(ROOT / "src") + os.pathsep + out.get("PYTHONPATH", "")
    return out


def test_export_killed_leaves_old_or_whole_file(tmp_path: Path, env: dict[str, str]) -> None:
    target = tmp_path / "out.nt"
    seconds = timed("export", "--format", "nt", "-o", str(target), env=env)
    whole = target.read_bytes()
    old = b"<http://example.org/old> <http://example.org/p> <http://example.org/o> .\n"
    kills = 0
    for delay in delays(seconds):
        target.write_bytes(old)
        kills += killed_after(delay, "export", "--format", "nt", "-o", str(target), env=env)
        assert target.read_bytes() in (old, whole), f"half-written after {delay} s"
    print(f"export -o: killed midway in {kills} of {len(FRACTIONS)} runs")
    assert kills >= 1, "no run was killed midway: the delays are too long here"
    assert run("export", "--format", "nt", "-o", str(target), env=env).returncode == 0
    assert target.read_bytes() == whole


def _tree_digest(folder: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            digest.update(str(path.relative_to(folder)).encode() + path.read_bytes())
    return digest.hexdigest()


def test_load_store_killed_keeps_the_old_store(tmp_path: Path, env: dict[str, str]) -> None:
    store = tmp_path / "store"
    seconds = timed("load", "--store", str(store), env=env)
    kills = 0
    for delay in delays(seconds):
        kills += killed_after(delay, "load", "--store", str(store), env=env)
        answer = run(
            "query", "exascale-factories", "--store", str(store), "--format", "csv", env=env
        )
        assert answer.returncode == 0, answer.stderr.decode()
        assert b"jupiter" in answer.stdout.lower()
    print(f"load --store: killed midway in {kills} of {len(FRACTIONS)} runs")
    assert kills >= 1
    assert run("load", "--store", str(store), env=env).returncode == 0
    leftovers = [p.name for p in tmp_path.iterdir() if p.name.startswith(".store.")]
    assert leftovers == [], leftovers  # the next run removed what killed runs left


def test_cache_write_killed_then_recovers(tmp_path: Path, env: dict[str, str]) -> None:
    seconds = timed(
        "stats", "--format", "json", env={**env, "AIFACTORIES_CACHE_DIR": str(tmp_path / "c0")}
    )
    kills = 0
    for n, delay in enumerate(delays(seconds)):
        cache = tmp_path / f"cache-{n}"  # cold each time: the kill lands in a build and write
        env = {**env, "AIFACTORIES_CACHE_DIR": str(cache)}
        kills += killed_after(delay, "stats", "--format", "json", env=env)
        finished = list(cache.glob("graph-*.nq")) if cache.exists() else []
        answer = run("stats", "--format", "json", env=env)
        assert answer.returncode == 0, answer.stderr.decode()
        assert b"Traceback" not in answer.stderr
        for entry in finished:  # an entry in place is whole (the next run trusted it)
            assert entry.stat().st_size > 1000
    print(f"cache write: killed midway in {kills} of {len(FRACTIONS)} runs")
    assert kills >= 1


def test_release_killed_leaves_no_partial_release(tmp_path: Path, env: dict[str, str]) -> None:
    out = tmp_path / "releases"
    out.mkdir()
    seconds = timed("release", str(tmp_path / "first"), env=env)
    kills = 0
    for delay in delays(seconds):
        kills += killed_after(delay, "release", str(out), "--force", env=env)
        for folder in out.iterdir():
            if folder.name.startswith("."):
                continue  # a killed run's work folder, never read as a release
            assert (folder / "SHA256SUMS").is_file(), f"{folder} is a partial release"
    print(f"release: killed midway in {kills} of {len(FRACTIONS)} runs")
    assert kills >= 1
    done = run("release", str(out), "--force", env=env)
    assert done.returncode == 0, done.stderr.decode()
    releases = [f for f in out.iterdir() if not f.name.startswith(".")]
    assert len(releases) == 1 and (releases[0] / "SHA256SUMS").is_file()


# --- publish: a remote store over the Graph Store Protocol ------------------------------------

PROJECT = (
    "https://w3id.org/aifactories/graph/asserted",
    "https://w3id.org/aifactories/graph/inferred",
)
OLD = "<http://example.org/old> <http://example.org/p> <http://example.org/o> .\n"


def _remote(base: str, graph: str) -> Graph:
    """The graph ``graph`` as the store holds it (empty when it has none)."""
    answer = httpx.get(
        f"{base}/store", params={"graph": graph}, headers={"Accept": "application/n-triples"}
    )
    if answer.status_code == 404:
        return Graph()
    answer.raise_for_status()
    return Graph().parse(data=answer.text, format="nt")


def _ground(graph: Graph) -> set[tuple[Node, Node, Node]]:
    return {t for t in graph if not any(isinstance(term, BNode) for term in t)}


def killed_when(changed: Callable[[], bool], *args: str, env: dict[str, str]) -> bool:
    """Start the command, SIGKILL it as soon as ``changed()`` (polled); whether it was running."""
    process = aifactories(*args, env=env)
    while process.poll() is None and not changed():
        time.sleep(0.002)
    running = process.poll() is None
    if running:
        os.kill(process.pid, signal.SIGKILL)
    process.wait()
    return running


def test_publish_killed_then_the_next_run_recovers(tmp_path: Path, env: dict[str, str]) -> None:
    """``publish --replace`` killed at various points, one kill as soon as the store changes
    (midway through the uploads: small batches make each graph a PUT and a dozen POSTs).

    What a reader of the store can find after a kill: each project graph is its old content,
    the whole new content, or part of the new content (never a triple from elsewhere). A Graph
    Store PUT replaces one graph per request and the later batches are POSTs, so "the previous
    state intact" holds per request, not per run; Oxigraph even clears the graph before it
    reads a PUT's body. The next ``publish --replace`` leaves the store equal to a clean run's.
    """
    with oxigraph_server(tmp_path / "clean") as clean:  # the intended state: a whole run
        done = run("publish", "--endpoint", f"{clean}/query", "--replace", env=env)
        assert done.returncode == 0, done.stderr.decode()
        intended = {g: _remote(clean, g) for g in PROJECT}
    assert all(len(graph) > 1000 for graph in intended.values())
    with oxigraph_server(tmp_path / "store") as base:
        args = ("publish", "--endpoint", f"{base}/query", "--replace", "--batch-size", "200")
        seconds = timed(*args, env=env)
        old = Graph().parse(data=OLD, format="nt")

        def put_old() -> None:
            for graph in PROJECT:
                httpx.put(
                    f"{base}/store",
                    params={"graph": graph},
                    content=OLD,
                    headers={"Content-Type": "application/n-triples"},
                ).raise_for_status()

        def asserted_changed() -> bool:
            return len(_remote(base, PROJECT[0])) != 1

        kills, partial = 0, 0
        for delay in [*delays(seconds), None]:
            put_old()
            if delay is None:
                kills += killed_when(asserted_changed, *args, env=env)
            else:
                kills += killed_after(delay, *args, env=env)
            for graph in PROJECT:
                found = _remote(base, graph)
                whole = isomorphic(found, intended[graph])
                is_old = isomorphic(found, old)
                partial += not (whole or is_old)
                assert _ground(found) <= _ground(intended[graph]) | _ground(old), graph
        print(
            f"publish: killed midway in {kills} of {len(FRACTIONS) + 1} runs; {partial} part-sent"
        )
        assert kills >= 1
        done = run(*args, env=env)
        assert done.returncode == 0, done.stderr.decode()
        assert b"MISMATCH" not in done.stdout
        for graph in PROJECT:
            assert isomorphic(_remote(base, graph), intended[graph]), graph
