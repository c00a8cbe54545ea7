"""A pool of forked worker processes that run queries, each under a hard deadline.

Why processes and not threads: rdflib evaluates SPARQL in pure Python and cannot be interrupted.
A runaway query in a thread would go on after its 503 -- holding a core and the GIL -- until it
finished, which for a cross product of the graph is never; a handful of them would starve the
server. A worker past its deadline is killed (SIGKILL) and replaced by a new fork of the server
process, which already holds the loaded graph, so a replacement costs a fork (milliseconds), not
a re-parse. The price: each worker is a copy-on-write copy of the server's memory (pages it
touches get copied), replies cross a socket as pickled bytes, and a query may wait for a free
worker. That wait counts toward its deadline, so a pool saturated by runaway queries answers
"busy" (503) instead of queueing without end.

Linked-data pages, the home page and static files never enter the pool: the event loop answers
them from data prepared at start-up, so they stay fast while every worker is busy.

The server process must not fork while other threads hold locks; it runs no threads of its own
(every handler is async, static files are served from memory), so forking from the event loop
is safe. A child closes every inherited descriptor but its socket (client connections and the
listening socket must not stay open in it), refuses network connections, and dies with its
parent.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import ctypes
import logging
import os
import pickle
import resource
import signal
import socket
import struct
from dataclasses import dataclass

from aifactories.server.worker import TIMEOUT_MESSAGE, Reply, WorkerState, execute

log = logging.getLogger("aifactories.server")

_HEADER = struct.Struct("!Q")


@dataclass
class _Worker:
    pid: int
    sock: socket.socket


class WorkerDied(Exception):
    """A worker closed its socket or sent garbage: it crashed or was killed."""


class QueryPool:
    """``size`` forked workers; ``submit`` runs a task on one within ``timeout`` seconds."""

    def __init__(
        self, state: WorkerState, *, size: int = 2, timeout: float = 10.0, memory_mb: int = 2048
    ) -> None:
        if size < 1:
            raise ValueError("a query pool needs at least one worker")
        self.state = state
        self.size = size
        self.timeout = timeout
        self.memory_mb = memory_mb
        self.restarts = 0
        self._idle: list[_Worker] = []
        self._workers: dict[int, _Worker] = {}
        self._waiters: collections.deque[asyncio.Future[_Worker]] = collections.deque()
        self._closed = False

    # -- life cycle ---------------------------------------------------------------------------

    def start(self) -> None:
        """Fork the workers (call from the event loop thread, before serving)."""
        for _ in range(self.size):
            self._idle.append(self._spawn())

    def close(self) -> None:
        """Kill every worker and reap it."""
        self._closed = True
        for worker in list(self._workers.values()):
            self._kill(worker)
        self._idle.clear()
        for fut in self._waiters:
            fut.cancel()

    @property
    def idle(self) -> int:
        return len(self._idle)

    # -- running tasks ------------------------------------------------------------------------

    async def submit(self, task: object, timeout: float | None = None) -> Reply:
        """Run ``task`` on a free worker; 503 when none is free in time or it runs too long."""
        limit = self.timeout if timeout is None else timeout
        loop = asyncio.get_running_loop()
        deadline = loop.time() + limit
        worker = await self._acquire(limit)
        if worker is None:
            return Reply.fail(
                503,
                f"every query worker is busy; the request waited {limit:g} s (try again later)",
                **{"Retry-After": "5"},
            )
        healthy = False
        try:
            reply = await asyncio.wait_for(self._call(worker, task), deadline - loop.time())
            healthy = True
            return reply
        except TimeoutError:
            log.warning("query stopped after %g s: worker %d killed", limit, worker.pid)
            return Reply.fail(503, TIMEOUT_MESSAGE.format(limit=limit))
        except (WorkerDied, OSError, pickle.UnpicklingError, EOFError) as exc:
            log.error("query worker %d failed: %s", worker.pid, exc)
            return Reply.fail(500, "the query worker stopped unexpectedly; try again")
        finally:
            if healthy:
                self._release(worker)
            else:  # timed out, died, or the request was cancelled mid-task: never reuse it
                self._replace(worker)

    async def _acquire(self, timeout: float) -> _Worker | None:
        while self._idle:
            worker = self._idle.pop()
            if self._alive(worker):
                return worker
            log.error("query worker %d had died; replacing it", worker.pid)
            self._kill(worker)
            self.restarts += 1
            self._idle.append(self._spawn())
        loop = asyncio.get_running_loop()
        fut: asyncio.Future[_Worker] = loop.create_future()
        self._waiters.append(fut)
        try:
            return await asyncio.wait_for(asyncio.shield(fut), timeout)
        except TimeoutError:
            if fut.done() and not fut.cancelled():
                return fut.result()
            fut.cancel()
            return None
        except BaseException:
            if fut.done() and not fut.cancelled():
                self._release(fut.result())
            fut.cancel()
            raise

    def _release(self, worker: _Worker) -> None:
        if self._closed:
            self._kill(worker)
            return
        while self._waiters:
            fut = self._waiters.popleft()
            if not fut.done():
                fut.set_result(worker)
                return
        self._idle.append(worker)

    async def _call(self, worker: _Worker, task: object) -> Reply:
        loop = asyncio.get_running_loop()
        data = pickle.dumps(task, protocol=pickle.HIGHEST_PROTOCOL)
        await loop.sock_sendall(worker.sock, _HEADER.pack(len(data)) + data)
        (size,) = _HEADER.unpack(await _recv_exact(loop, worker.sock, _HEADER.size))
        reply = pickle.loads(await _recv_exact(loop, worker.sock, size))
        if not isinstance(reply, Reply):
            raise WorkerDied(f"unexpected reply {type(reply).__name__}")
        return reply

    # -- processes ----------------------------------------------------------------------------

    def _replace(self, worker: _Worker) -> None:
        self._kill(worker)
        if not self._closed:
            self.restarts += 1
            self._release(self._spawn())

    def _kill(self, worker: _Worker) -> None:
        self._workers.pop(worker.pid, None)
        with contextlib.suppress(OSError):
            worker.sock.close()
        with contextlib.suppress(ProcessLookupError):
            os.kill(worker.pid, signal.SIGKILL)
        with contextlib.suppress(ChildProcessError):
            os.waitpid(worker.pid, 0)

    @staticmethod
    def _alive(worker: _Worker) -> bool:
        try:
            pid, _ = os.waitpid(worker.pid, os.WNOHANG)
        except ChildProcessError:
            return False
        return pid == 0

    def _spawn(self) -> _Worker:
        parent, child = socket.socketpair()
        parent_pid = os.getpid()
        pid = os.fork()
        if pid == 0:  # pragma: no cover - runs in the child
            code = 0
            try:
                parent.close()
                _child_main(child, self.state, parent_pid, self.memory_mb)
            except BaseException:
                code = 1
            finally:
                os._exit(code)
        child.close()
        parent.setblocking(False)
        worker = _Worker(pid, parent)
        self._workers[pid] = worker
        return worker


async def _recv_exact(loop: asyncio.AbstractEventLoop, sock: socket.socket, size: int) -> bytes:
    buf = bytearray()
    while len(buf) < size:
        chunk = await loop.sock_recv(sock, min(size - len(buf), 1 << 20))
        if not chunk:
            raise WorkerDied("worker closed its socket")
        buf += chunk
    return bytes(buf)


# --- the child side --------------------------------------------------------------------------


def _child_main(sock: socket.socket, state: WorkerState, parent_pid: int, memory_mb: int) -> None:
    """Serve tasks from ``sock`` until the server closes it."""
    keep = sock.fileno()
    os.closerange(3, keep)
    os.closerange(keep + 1, _max_fd())
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, signal.SIG_DFL)
    with contextlib.suppress(ValueError, OSError):
        signal.set_wakeup_fd(-1)
    _die_with_parent(parent_pid)
    _refuse_network()
    _limit_memory(memory_mb)
    sock.setblocking(True)
    while True:
        header = _read(sock, _HEADER.size)
        if header is None:
            return
        (size,) = _HEADER.unpack(header)
        payload = _read(sock, size)
        if payload is None:
            return
        try:
            reply = execute(pickle.loads(payload), state)
        except MemoryError:
            reply = Reply.fail(503, "the query needed more memory than a worker may use")
        except Exception:
            log.exception("query worker failed on a task")
            reply = Reply.fail(500, "internal error while running the query")
        data = pickle.dumps(reply, protocol=pickle.HIGHEST_PROTOCOL)
        sock.sendall(_HEADER.pack(len(data)) + data)


def _read(sock: socket.socket, size: int) -> bytes | None:
    buf = bytearray()
    while len(buf) < size:
        chunk = sock.recv(min(size - len(buf), 1 << 20))
        if not chunk:
            return None
        buf += chunk
    return bytes(buf)


def _max_fd() -> int:
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    return soft if 0 < soft < 1 << 20 else 4096


def _die_with_parent(parent_pid: int) -> None:
    """Ask Linux to SIGKILL this worker when the server dies (PR_SET_PDEATHSIG)."""
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent_pid:
        os._exit(0)


def _refuse_network() -> None:
    """No query may reach the network, whatever rdflib would try (SERVICE, FROM <url>)."""

    def refuse(*_args: object, **_kwargs: object) -> None:
        raise OSError("network access is disabled in query workers")

    socket.socket.connect = refuse  # type: ignore[method-assign]
    socket.socket.connect_ex = refuse  # type: ignore[method-assign,assignment]
    socket.create_connection = refuse  # type: ignore[assignment]
    socket.getaddrinfo = refuse  # type: ignore[assignment]


def _limit_memory(memory_mb: int) -> None:
    """Cap the worker's address space at its current size plus ``memory_mb`` (0: no cap)."""
    if memory_mb <= 0:
        return
    with contextlib.suppress(OSError, ValueError):
        with open("/proc/self/statm", encoding="ascii") as fh:
            pages = int(fh.read().split()[0])
        current = pages * os.sysconf("SC_PAGE_SIZE")
        _, hard = resource.getrlimit(resource.RLIMIT_AS)
        limit = current + memory_mb * 1024 * 1024
        if hard != resource.RLIM_INFINITY:
            limit = min(limit, hard)
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
