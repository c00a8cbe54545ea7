"""The query runner (threads in process) and the worker pool (forked processes), without HTTP.

The runner's timeout and slot logic is driven with a task function that sleeps (a real thread,
a real sleep): a runaway pyoxigraph query on a thread could not be stopped inside the test
process. The pool forks real workers and kills a real runaway query.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import threading
import time

import pyoxigraph as ox
import pytest
from tests.server import procfs

from aifactories.server.pool import QueryPool
from aifactories.server.runner import Runner
from aifactories.server.worker import Reply, SparqlTask, WorkerState

EX = "http://example.org/"
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"


@pytest.fixture(scope="module")
def state() -> WorkerState:
    """A store of 200 triples in a named graph: small, but a 4-way cross product never ends."""
    store = ox.Store()
    graph = ox.NamedNode(EX + "g")
    store.extend(
        ox.Quad(ox.NamedNode(f"{EX}s{i}"), ox.NamedNode(EX + "p"), ox.Literal(str(i)), graph)
        for i in range(200)
    )
    return WorkerState(dataset=None, union=None, kg=None, store=store)


def count(reply: Reply) -> int:
    assert reply.status == 200, reply.error
    return int(json.loads(reply.body)["results"]["bindings"][0]["n"]["value"])


def task(query: str) -> SparqlTask:
    return SparqlTask(query=query, accept="application/sparql-results+json")


# --- the runner: threads in process ---------------------------------------------------------


def test_runner_answers_on_a_thread_of_this_process(state: WorkerState) -> None:
    runner = Runner(state, timeout=5)
    threads: list[str] = []

    def run(job: object, on: WorkerState) -> Reply:
        threads.append(threading.current_thread().name)
        from aifactories.server.worker import execute

        return execute(job, on)

    runner.run = run
    try:
        assert count(asyncio.run(runner.submit(task(COUNT)))) == 200
    finally:
        runner.close()
    assert threads and threads[0].startswith("query")
    assert threads[0] != threading.current_thread().name


def test_runner_overrun_is_503_and_retires_while_the_slot_stays_held(state: WorkerState) -> None:
    ended = threading.Event()

    def slow(job: object, _: WorkerState) -> Reply:
        if job == "slow":
            time.sleep(0.6)
            ended.set()
        return Reply(body=b"done")

    retired: list[bool] = []
    runner = Runner(state, timeout=0.2, threads=1, run=slow)
    runner.on_overrun = lambda: retired.append(True)

    async def scenario() -> tuple[Reply, Reply, Reply, float]:
        first = await runner.submit("slow")
        # the only thread is still busy with the runaway: a short wait finds no free slot
        busy = await runner.submit("quick", timeout=0.1)
        started = time.monotonic()
        later = await runner.submit("quick", timeout=2)
        return first, busy, later, time.monotonic() - started

    try:
        first, busy, later, waited = asyncio.run(scenario())
    finally:
        runner.close()
    assert first.status == 503 and "timeout" in (first.error or "")
    assert retired == [True] and runner.overruns == 1
    assert busy.status == 503 and "busy" in (busy.error or "")
    assert later.status == 200 and later.body == b"done"
    assert ended.is_set(), "the next task ran before the runaway thread ended"
    assert waited > 0.05


def test_runner_without_a_supervisor_only_logs_the_overrun(
    state: WorkerState, caplog: pytest.LogCaptureFixture
) -> None:
    def slow(job: object, _: WorkerState) -> Reply:
        time.sleep(0.3)
        return Reply()

    runner = Runner(state, timeout=0.05, threads=2, run=slow)
    try:
        reply = asyncio.run(runner.submit("slow"))
    finally:
        runner.close()
    assert reply.status == 503
    assert "no supervisor" in caplog.text


def _nice() -> int:
    return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())


def _burn(seconds: float, until: threading.Event | None = None) -> None:
    """Use ``seconds`` of CPU (a long query counts CPU time), or until ``until`` is set."""
    start = time.thread_time()
    while time.thread_time() - start < seconds and not (until and until.is_set()):
        pass


def test_a_long_query_runs_at_low_priority_and_a_short_one_does_not(state: WorkerState) -> None:
    seen: dict[str, int] = {}

    def run(job: object, _: WorkerState) -> Reply:
        if job == "long":
            _burn(0.4)  # past demote_after: the runner lowers this thread's priority
        seen[str(job)] = _nice()
        return Reply()

    runner = Runner(state, timeout=5, threads=2, demote_after=0.1, run=run)

    async def scenario() -> list[Reply]:
        return list(await asyncio.gather(runner.submit("long"), runner.submit("short")))

    try:
        replies = asyncio.run(scenario())
        # the demoted thread got its priority back, or left: the next query runs at nice 0
        after = asyncio.run(runner.submit("again"))
    finally:
        runner.close()
    assert [reply.status for reply in replies] == [200, 200] and after.status == 200
    assert seen["long"] == 19
    assert seen["short"] == _nice() and seen["again"] == _nice()


def test_long_queries_beyond_their_limit_are_stopped_and_short_ones_answer(
    state: WorkerState,
) -> None:
    release = threading.Event()

    def run(job: object, _: WorkerState) -> Reply:
        if job == "long":
            _burn(5, release)
        return Reply(body=str(job).encode())

    retired: list[bool] = []
    runner = Runner(state, timeout=5, threads=4, long_limit=3, demote_after=0.1, run=run)
    runner.on_overrun = lambda: retired.append(True)

    async def scenario() -> tuple[list[Reply], Reply]:
        longs = [asyncio.ensure_future(runner.submit("long")) for _ in range(4)]
        first = await asyncio.wait(longs, timeout=2, return_when=asyncio.FIRST_COMPLETED)
        short = await runner.submit("short", timeout=1)  # three slots are free again
        release.set()
        await asyncio.gather(*first[1])
        return [long.result() for long in longs], short

    try:
        longs, short = asyncio.run(scenario())
    finally:
        release.set()
        runner.close()
    statuses = sorted(reply.status for reply in longs)
    assert statuses == [200, 200, 200, 503]
    (stopped,) = [reply for reply in longs if reply.status == 503]
    assert "long-running" in (stopped.error or "")
    assert retired == [True]
    assert short.status == 200 and short.body == b"short"


# --- the pool: forked workers ---------------------------------------------------------------


def test_pool_kills_a_runaway_worker_and_replaces_it(state: WorkerState) -> None:
    pool = QueryPool(state, size=1, timeout=0.5, memory_mb=0)

    async def scenario() -> tuple[Reply, Reply, set[int], set[int]]:
        pool.start()
        before = set(pool._workers)
        runaway = await pool.submit(task(RUNAWAY))
        after = set(pool._workers)
        quick = await pool.submit(task(COUNT), timeout=10)
        return runaway, quick, before, after

    try:
        runaway, quick, before, after = asyncio.run(scenario())
        assert runaway.status == 503 and "timeout" in (runaway.error or "")
        assert count(quick) == 200
        assert pool.restarts == 1
        assert before.isdisjoint(after)
        assert not any(procfs.alive(pid) for pid in before), "the runaway worker still runs"
    finally:
        pool.close()
    assert not any(procfs.alive(pid) for pid in after)


def test_pool_replaces_a_worker_that_died(state: WorkerState) -> None:
    pool = QueryPool(state, size=1, timeout=10, memory_mb=0)

    async def scenario() -> Reply:
        pool.start()
        (pid,) = pool._workers
        os.kill(pid, signal.SIGKILL)
        # dead means a zombie: a SIGKILLed process on a loaded machine can take longer than any
        # fixed sleep to exit, and a submit before that goes to the dying worker (500)
        deadline = time.monotonic() + 30
        while procfs.alive(pid) and time.monotonic() < deadline:
            await asyncio.sleep(0.01)
        assert (procfs.stat(pid) or ["gone"])[0] == "Z"  # exited, not yet reaped
        return await pool.submit("ping")

    try:
        reply = asyncio.run(scenario())
    finally:
        pool.close()
    assert reply.body == b"pong"
    assert pool.restarts == 1


def test_pool_busy_with_runaways_answers_503_busy(state: WorkerState) -> None:
    pool = QueryPool(state, size=1, timeout=1.0, memory_mb=0)

    async def scenario() -> tuple[Reply, Reply]:
        pool.start()
        runaway = asyncio.ensure_future(pool.submit(task(RUNAWAY)))
        await asyncio.sleep(0.1)
        busy = await pool.submit("ping", timeout=0.2)
        return await runaway, busy

    try:
        runaway, busy = asyncio.run(scenario())
    finally:
        pool.close()
    assert runaway.status == 503
    assert busy.status == 503 and "busy" in (busy.error or "")


def test_runner_hands_tasks_to_its_pool(state: WorkerState) -> None:
    pool = QueryPool(state, size=1, timeout=10, memory_mb=0)
    runner = Runner(state, pool=pool)

    async def scenario() -> Reply:
        runner.start()
        return await runner.submit(task(COUNT))

    try:
        reply = asyncio.run(scenario())
        assert runner.size == 1 and runner.restarts == 0
    finally:
        runner.close()
    assert count(reply) == 200


def test_a_query_that_only_waits_is_not_counted_as_long(state: WorkerState) -> None:
    """Long means CPU used, not time since the start: waiting for a core is not being long."""
    seen: list[int] = []

    def run(job: object, _: WorkerState) -> Reply:
        time.sleep(0.4)  # four times demote_after, and almost no CPU
        seen.append(_nice())
        return Reply()

    runner = Runner(state, timeout=5, threads=2, long_limit=1, demote_after=0.1, run=run)

    async def scenario() -> list[Reply]:
        return list(await asyncio.gather(*(runner.submit("wait") for _ in range(2))))

    try:
        replies = asyncio.run(scenario())
    finally:
        runner.close()
    assert [reply.status for reply in replies] == [200, 200]  # neither was stopped as "long"
    assert seen == [_nice(), _nice()]


def test_an_answer_in_before_a_held_up_loop_wakes_is_not_thrown_away(state: WorkerState) -> None:
    """uvloop runs overdue timers before callbacks from threads: the deadline must not win."""
    uvloop = pytest.importorskip("uvloop")  # how serve runs (uvicorn's loop="auto")

    def run(job: object, _: WorkerState) -> Reply:
        time.sleep(0.1)
        return Reply(body=b"done")

    runner = Runner(state, timeout=0.5, threads=2, run=run)

    async def scenario() -> Reply:
        answer = asyncio.ensure_future(runner.submit("quick"))
        await asyncio.sleep(0.01)  # the job is on its thread
        time.sleep(1.0)  # the loop is held up past the deadline; the job ends meanwhile
        return await answer

    try:
        with asyncio.Runner(loop_factory=uvloop.new_event_loop) as loop:
            reply = loop.run(scenario())
    finally:
        runner.close()
    assert reply.status == 200 and reply.body == b"done"


def test_a_demoted_thread_gets_back_its_own_priority_not_nice_0(state: WorkerState) -> None:
    """``serve`` may itself run niced: a thread returns to that, never to a higher priority."""
    seen: list[int] = []

    def run(job: object, _: WorkerState) -> Reply:
        if job == "long":
            _burn(0.4)
        seen.append(_nice())
        return Reply()

    runner = Runner(state, timeout=5, threads=1, demote_after=0.1, run=run)
    niced: list[int] = []

    def niced_loop() -> None:  # the loop thread, and so the query threads it starts, at +3
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), min(_nice() + 3, 18))
        niced.append(_nice())
        asyncio.run(runner.submit("long"))
        asyncio.run(runner.submit("again"))  # the same (only) thread, after its demotion

    try:
        thread = threading.Thread(target=niced_loop)
        thread.start()
        thread.join(30)
    finally:
        runner.close()
    assert seen == [19, niced[0]]
