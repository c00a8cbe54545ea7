"""Where a query runs: on a thread of the server process (Oxigraph) or in the worker pool (rdflib).

pyoxigraph releases the GIL while it evaluates, so on the Oxigraph engine a query runs on a
thread of the server process against the store opened once at start-up: no pickling, no socket,
no copy of the graph. Measured with ``benchmarks/load_test.py``, this is what brings the server
within reach of ``oxigraph serve-read-only`` (benchmarks/README.md). rdflib's evaluator holds the
GIL and cannot be interrupted, so ``serve --engine rdflib`` keeps the forked worker pool.

How runaway queries are kept from starving cheap ones (``benchmarks/runaway_load.py``):

- **Low priority once long.** A query still running after ``demote_after`` seconds (0.1 s by
  default; the stored queries answer in milliseconds) that has also used ``demote_cpu`` seconds
  of CPU (0.02 s) is long: its thread's nice value is set to 19, so the kernel gives the cores
  to short queries and to the event loop first. The CPU time (read from
  ``/proc/self/task/TID/schedstat``) keeps a short query that only waited for a core on a
  loaded machine from being taken for a long one. A thread that cannot
  get its priority back afterwards (no privilege to lower a nice value) ends after that query
  and a fresh thread takes its place.
- **Long queries leave the short-query slots.** ``threads`` slots admit queries; one that grows
  long gives its slot back and takes one of ``long_limit`` long-query places (three quarters of
  ``threads`` by default) until its thread ends. A query that grows long when every place is
  taken is stopped at once (503) and keeps its slot until its thread ends. So runaway queries
  can hold at most ``long_limit`` threads plus the slots of those stopped, and short queries
  find a free slot.
- **Retirement.** A thread cannot be killed. A query past its deadline is answered 503 and
  ``on_overrun`` is called: under ``aifactories serve`` the supervisor forks a fresh server
  process on the same listening socket and this one stops accepting, finishes what it holds and
  exits, which ends the runaway thread and frees its memory.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import logging
import os
import queue
import threading
import time
from collections.abc import Callable

from aifactories.server.pool import QueryPool
from aifactories.server.worker import TIMEOUT_MESSAGE, Reply, WorkerState, execute

log = logging.getLogger("aifactories.server")

#: The nice value of a thread whose query has run longer than ``demote_after``.
LOW_PRIORITY = 19


class _Job:
    """One task on its way through a thread: what it runs and the thread that runs it."""

    __slots__ = ("cpu", "demoted", "fn", "future", "tid")

    def __init__(self, fn: Callable[[], Reply]) -> None:
        self.fn = fn
        self.future: concurrent.futures.Future[Reply] = concurrent.futures.Future()
        self.tid: int | None = None
        #: the thread's CPU time (s) when the job started
        self.cpu = 0.0
        self.demoted = False


class _Threads:
    """A grow-on-demand thread pool whose threads can be demoted (nice) while they run a job.

    ``concurrent.futures.ThreadPoolExecutor`` reuses every thread; a thread demoted to nice 19
    that may not raise its priority again must not run the next short query, so here such a
    thread leaves after its job.
    """

    def __init__(self, name: str) -> None:
        self.name = name
        self._jobs: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._idle = 0
        self._count = 0
        self._closed = False

    def submit(self, job: _Job) -> None:
        with self._lock:
            if self._closed:
                raise RuntimeError("the query threads are closed")
            self._jobs.put(job)
            if self._idle:
                self._idle -= 1  # that idle thread takes it
                return
            self._count += 1
        threading.Thread(target=self._work, name=f"{self.name}-{self._count}", daemon=True).start()

    def demote(self, job: _Job) -> None:
        """Lower the priority of the thread running ``job`` (or of the job once it starts)."""
        with self._lock:  # held across the call: the thread may be restoring its priority
            job.demoted = True
            if job.tid is not None:
                with contextlib.suppress(OSError):
                    os.setpriority(os.PRIO_PROCESS, job.tid, LOW_PRIORITY)

    def cpu_seconds(self, job: _Job) -> float:
        """CPU time ``job`` has used so far (0 before it starts or after it ends)."""
        with self._lock:  # the thread cannot leave the job while this reads its clock
            if job.tid is None:
                return 0.0
            try:
                with open(f"/proc/self/task/{job.tid}/schedstat", "rb") as stat:
                    return int(stat.read().split()[0]) / 1e9 - job.cpu
            except (OSError, ValueError, IndexError):
                return 0.0

    def close(self) -> None:
        with self._lock:
            self._closed = True
            for _ in range(self._idle):
                self._jobs.put(None)

    def _work(self) -> None:
        tid = threading.get_native_id()
        nice = os.getpriority(os.PRIO_PROCESS, tid)  # the process's, inherited (serve may be niced)
        while True:
            job = self._jobs.get()
            if job is None:
                return
            with self._lock:
                job.tid = tid
                job.cpu = time.thread_time()
                demoted = job.demoted
            if demoted:
                with contextlib.suppress(OSError):
                    os.setpriority(os.PRIO_PROCESS, tid, LOW_PRIORITY)
            if job.future.set_running_or_notify_cancel():
                try:
                    job.future.set_result(job.fn())
                except BaseException as exc:  # handed to the waiting request
                    job.future.set_exception(exc)
            with self._lock:
                job.tid = None
                demoted = job.demoted
            if demoted and not _restore_priority(tid, nice):
                with self._lock:
                    self._count -= 1
                return  # a thread stuck at low priority must not serve the next query
            with self._lock:
                if self._closed:
                    self._count -= 1
                    return
                self._idle += 1


def _restore_priority(tid: int, nice: int) -> bool:
    try:
        os.setpriority(os.PRIO_PROCESS, tid, nice)
    except OSError:
        return False
    return True


class Runner:
    """Runs tasks in process on up to ``threads`` threads, or on a ``QueryPool`` when given one."""

    def __init__(
        self,
        state: WorkerState,
        *,
        timeout: float = 10.0,
        threads: int = 32,
        long_limit: int | None = None,
        demote_after: float = 0.1,
        demote_cpu: float = 0.02,
        pool: QueryPool | None = None,
        run: Callable[[object, WorkerState], Reply] = execute,
    ) -> None:
        long_limit = max(1, threads * 3 // 4) if long_limit is None else long_limit
        if threads < 1 or long_limit < 1:
            raise ValueError("the runner needs at least one thread and one long-query place")
        self.state = state
        self.timeout = timeout
        self.threads = threads
        self.long_limit = long_limit
        self.demote_after = demote_after
        self.demote_cpu = demote_cpu
        self.pool = pool
        self.run = run
        self.overruns = 0
        #: Called once per query that ran past its deadline (the supervisor retires the process).
        self.on_overrun: Callable[[], None] | None = None
        self._threads: _Threads | None = None
        self._slots: asyncio.Semaphore | None = None
        self._busy = 0
        self._long = 0

    # -- life cycle ---------------------------------------------------------------------------

    def start(self) -> None:
        """Fork the pool's workers (rdflib); threads are started on first use, after any fork."""
        if self.pool is not None:
            self.pool.start()

    def close(self) -> None:
        if self.pool is not None:
            self.pool.close()
        if self._threads is not None:
            self._threads.close()
            self._threads = None

    @property
    def size(self) -> int:
        return self.pool.size if self.pool is not None else self.threads

    @property
    def idle(self) -> int:
        return self.pool.idle if self.pool is not None else self.threads - self._busy

    @property
    def restarts(self) -> int:
        return self.pool.restarts if self.pool is not None else self.overruns

    # -- running tasks ------------------------------------------------------------------------

    async def submit(self, task: object, timeout: float | None = None) -> Reply:
        """Run ``task``; 503 when no thread is free in time or it runs past the deadline."""
        if self.pool is not None:
            return await self.pool.submit(task, timeout)
        limit = self.timeout if timeout is None else timeout
        loop = asyncio.get_running_loop()
        deadline = loop.time() + limit
        if self._slots is None:
            self._slots = asyncio.Semaphore(self.threads)
        slots = self._slots
        if slots.locked():  # wait_for wraps the wait in a task: only when there is a wait
            try:
                await asyncio.wait_for(slots.acquire(), limit)
            except TimeoutError:
                return Reply.fail(
                    503,
                    f"every query thread is busy; the request waited {limit:g} s (try again later)",
                    **{"Retry-After": "5"},
                )
        else:
            await slots.acquire()
        self._busy += 1
        job = _Job(lambda: self.run(task, self.state))
        threads = self._pool()
        #: what the query holds until its thread ends: a slot, or (once long) a long place
        holds = ["slot"]
        #: why the wait for the thread was cut short, if it was
        stopped: list[str] = []

        def finished(_: object) -> None:
            loop.call_soon_threadsafe(self._release, slots, holds)

        job.future.add_done_callback(finished)
        try:
            threads.submit(job)
        except BaseException:
            job.future.cancel()
            raise
        waiting = asyncio.wrap_future(job.future)

        def stop(why: str) -> None:
            # the answer may be in while its hand-over to this loop is still queued (a loop that
            # was held up runs its overdue timers first): finished work is not thrown away
            if not waiting.done() and not job.future.done():
                stopped.append(why)
                waiting.cancel()  # the thread goes on; its process will be retired

        timer: asyncio.TimerHandle | None = None

        def grown_long() -> None:  # short queries end before this first runs
            nonlocal timer
            if job.future.done():
                return
            if threads.cpu_seconds(job) < self.demote_cpu:  # it waited for a core or the GIL
                timer = loop.call_later(self.demote_after / 2, grown_long)
                return
            threads.demote(job)
            if self._long >= self.long_limit:
                stop("long")  # it keeps its slot until its thread ends
                return
            self._long += 1
            holds[0] = "long"
            self._busy -= 1
            slots.release()

        deadline_timer = loop.call_at(deadline, stop, "timeout")
        if self.demote_after < limit:
            timer = loop.call_later(self.demote_after, grown_long)
        try:
            return await waiting
        except asyncio.CancelledError:
            if not stopped:
                raise  # the request itself was cancelled
        finally:
            deadline_timer.cancel()
            if timer is not None:
                timer.cancel()
        if stopped == ["long"]:
            self._overrun(f"more than {self.long_limit} long-running queries")
            return Reply.fail(
                503,
                f"the server is busy with {self.long_limit} long-running queries; "
                "this one was stopped (try again later, or narrow it down)",
                **{"Retry-After": "5"},
            )
        self._overrun(f"a query past its {limit:g} s timeout")
        return Reply.fail(503, TIMEOUT_MESSAGE.format(limit=limit))

    def _release(self, slots: asyncio.Semaphore, holds: list[str]) -> None:
        if holds[0] == "long":
            self._long -= 1
        else:
            self._busy -= 1
            slots.release()

    def _overrun(self, why: str) -> None:
        self.overruns += 1
        if self.on_overrun is not None:
            log.warning("%s: retiring this server process", why)
            self.on_overrun()
        else:
            log.error(
                "%s goes on in its thread: no supervisor to retire this process "
                "(run it with 'aifactories serve')",
                why,
            )

    def _pool(self) -> _Threads:
        if self._threads is None:
            self._threads = _Threads("query")
        return self._threads
