"""Where a query runs: on a thread of the server process (Oxigraph) or in the worker pool (rdflib).

pyoxigraph releases the GIL while it evaluates, so on the Oxigraph engine a query runs on a
thread of the server process against the store opened once at start-up: no pickling, no socket,
no copy of the graph. Measured with ``benchmarks/load_test.py``, this is what brings the server
within reach of ``oxigraph serve-read-only`` (benchmarks/README.md). rdflib's evaluator holds the
GIL and cannot be interrupted, so ``serve --engine rdflib`` keeps the forked worker pool.

A thread cannot be killed. A query past its deadline is answered 503 at once and counted as an
overrun; ``on_overrun`` then retires the whole server process (``supervisor`` sets it: the
process stops accepting, finishes its other requests and exits, which ends the runaway thread,
and the supervisor forks a fresh one from the parent that holds the loaded store). A thread
keeps its slot until it really ends, so runaway queries can never hold more than ``threads``
threads; beyond that, requests wait for a slot and get 503 "busy" at their deadline.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
from collections.abc import Callable

from aifactories.server.pool import QueryPool
from aifactories.server.worker import Reply, WorkerState, execute

log = logging.getLogger("aifactories.server")


class Runner:
    """Runs tasks in process on ``threads`` threads, or on a ``QueryPool`` when given one."""

    def __init__(
        self,
        state: WorkerState,
        *,
        timeout: float = 10.0,
        threads: int = 4,
        pool: QueryPool | None = None,
        run: Callable[[object, WorkerState], Reply] = execute,
    ) -> None:
        if threads < 1:
            raise ValueError("the runner needs at least one thread")
        self.state = state
        self.timeout = timeout
        self.threads = threads
        self.pool = pool
        self.run = run
        self.overruns = 0
        #: Called once per query that ran past its deadline (the supervisor retires the process).
        self.on_overrun: Callable[[], None] | None = None
        self._executor: concurrent.futures.ThreadPoolExecutor | None = None
        self._slots: asyncio.Semaphore | None = None
        self._busy = 0

    # -- life cycle ---------------------------------------------------------------------------

    def start(self) -> None:
        """Fork the pool's workers (rdflib); threads are started on first use, after any fork."""
        if self.pool is not None:
            self.pool.start()

    def close(self) -> None:
        if self.pool is not None:
            self.pool.close()
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)
            self._executor = None

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
        try:
            await asyncio.wait_for(slots.acquire(), limit)
        except TimeoutError:
            return Reply.fail(
                503,
                f"every query thread is busy; the request waited {limit:g} s (try again later)",
                **{"Retry-After": "5"},
            )
        self._busy += 1

        def release(_: object) -> None:
            loop.call_soon_threadsafe(self._release, slots)

        try:
            future = self._pool().submit(self.run, task, self.state)
        except BaseException:
            self._release(slots)
            raise
        future.add_done_callback(release)  # the slot is free when the thread really is
        try:
            return await asyncio.wait_for(asyncio.wrap_future(future), deadline - loop.time())
        except TimeoutError:
            self._overrun(limit)
            return Reply.fail(
                503,
                f"the query ran past the {limit:g} s timeout and was stopped; "
                "narrow it down (LIMIT, more specific patterns) and try again",
            )

    def _release(self, slots: asyncio.Semaphore) -> None:
        self._busy -= 1
        slots.release()

    def _overrun(self, limit: float) -> None:
        self.overruns += 1
        if self.on_overrun is not None:
            log.warning("query past its %g s timeout: retiring this server process", limit)
            self.on_overrun()
        else:
            log.error(
                "query past its %g s timeout goes on in its thread: no supervisor to retire "
                "this process (run it with 'aifactories serve')",
                limit,
            )

    def _pool(self) -> concurrent.futures.ThreadPoolExecutor:
        if self._executor is None:
            self._executor = concurrent.futures.ThreadPoolExecutor(
                self.threads, thread_name_prefix="query"
            )
        return self._executor
