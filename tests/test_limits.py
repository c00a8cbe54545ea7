"""Time limits off the main thread: SIGALRM reaches only the main thread, so there a watchdog
raises the limit's error in the working thread (a library caller's thread pool, a web worker)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from aifactories import graph, limits


def in_thread(work: Callable[[], object], wait: float) -> BaseException | None:
    """Run ``work`` in a new thread; the exception it ended with (None: it returned)."""
    outcome: list[BaseException | None] = []

    def target() -> None:
        try:
            work()
            outcome.append(None)
        except BaseException as exc:
            outcome.append(exc)

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(wait)
    assert outcome, f"the work was still running after {wait} s: the limit did not stop it"
    return outcome[0]


def test_a_time_limit_stops_python_work_in_another_thread(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AIFACTORIES_LIMIT_QUERY_SECONDS", "0.5")
    stop = threading.Event()

    def spin() -> None:
        with limits.time_limit("QUERY_SECONDS", "the spin"):
            while not stop.is_set():
                pass

    started = time.monotonic()
    try:
        error = in_thread(spin, wait=20)
    finally:
        stop.set()
    assert isinstance(error, limits.LimitExceeded), error
    assert "the spin did not finish in 0.5 s" in str(error)
    assert "AIFACTORIES_LIMIT_QUERY_SECONDS" in str(error)
    assert time.monotonic() - started < 10


def test_an_expiry_never_escapes_its_block(monkeypatch: pytest.MonkeyPatch) -> None:
    """Work that ends as its limit expires either raises LimitExceeded inside the block or ends
    normally; the expiry is never delivered later, to code outside any limit."""
    monkeypatch.setenv("AIFACTORIES_LIMIT_QUERY_SECONDS", "0.005")

    def busy(seconds: float) -> None:
        end = time.perf_counter() + seconds
        while time.perf_counter() < end:
            pass

    def races() -> tuple[int, int]:
        hit = ended = 0
        for n in range(150):
            try:
                with limits.time_limit("QUERY_SECONDS", "the race"):
                    busy((n % 10) * 0.002)  # 0 to 18 ms: either side of the limit
                ended += 1
            except limits.LimitExceeded:
                hit += 1
            busy(0.006)  # outside any limit: a late expiry would land here
        return hit, ended

    counts: list[tuple[int, int]] = []
    error = in_thread(lambda: counts.append(races()), wait=60)
    assert error is None, repr(error)
    hit, ended = counts[0]
    assert hit + ended == 150 and hit > 0, counts


def test_the_closure_is_stopped_in_a_thread(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The closure of a long transitive chain, admitted by a raised chain limit, built from a
    thread: the time limit still stops it and names the chain."""
    monkeypatch.setenv("AIFACTORIES_LIMIT_TRANSITIVE_CHAIN", "100000")
    monkeypatch.setenv("AIFACTORIES_LIMIT_CLOSURE_SECONDS", "1")
    chain = tmp_path / "chain.ttl"
    chain.write_text(
        "@prefix aif: <https://w3id.org/aifactories/ontology#> .\n"
        "@prefix ex: <http://example.org/> .\n"
        + "".join(f"ex:p{i} aif:locatedIn ex:p{i + 1} .\n" for i in range(1500))
    )
    files = [*graph.default_files(), chain]
    started = time.monotonic()
    error = in_thread(lambda: graph.build(files), wait=60)
    assert isinstance(error, limits.LimitExceeded), error
    assert "the OWL RL closure did not finish in 1 s" in str(error)
    assert "aif:locatedIn chain" in str(error)
    assert time.monotonic() - started < 30
