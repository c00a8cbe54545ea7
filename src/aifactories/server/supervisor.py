"""``aifactories serve`` on the Oxigraph engine: forked server processes sharing one port.

The parent loads the graph and opens the store once, opens ``processes`` listening sockets on
the port (SO_REUSEPORT: the kernel spreads new connections evenly between them; with one shared
socket, measured, one process took most keep-alive connections and the other core idled) and
forks one uvicorn server per socket. Two processes use the two cores, where one event loop would
hold one. The parent runs no event loop and no thread, so each fork is clean; it keeps every
listening socket open and only waits.

A child retires when one of its queries ran past the timeout (``Runner.on_overrun``), because
only the end of its process ends the runaway query's thread and frees its memory. Retiring is
graceful, so that cheap queries never see it:

1. the child tells the parent through a pipe, and the parent forks a replacement at once on the
   same listening socket (the socket stays open in the parent, so connections waiting in its
   queue are accepted by the replacement, never reset);
2. the child stops accepting, and for ``DRAIN_SECONDS`` answers every request on its open
   connections with ``Connection: close``, so clients move to the new process between requests;
3. then it shuts down as uvicorn does (idle connections closed, running requests finished within
   their timeout) and exits.

A child that exits on its own (a crash) is replaced when it is reaped.
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import os
import select
import signal
import socket
import struct
import sys
import time
from dataclasses import dataclass
from typing import Any

log = logging.getLogger("aifactories.server")

#: A child that fails within this many seconds of its fork is a start-up failure, not a retire.
EARLY_EXIT_SECONDS = 2.0
#: Seconds a thread may hold the GIL while another waits for it (Python's default: 0.005).
SWITCH_INTERVAL = 0.0005
#: Seconds a retiring child keeps answering its open connections (each with Connection: close).
DRAIN_SECONDS = 0.5
#: A retiring child's message to the parent: its pid.
_MESSAGE = struct.Struct("!I")


@dataclass
class _Child:
    slot: int
    started: float
    retiring: bool = False


def serve(app: Any, *, processes: int, **config: Any) -> int:
    """Run ``app`` in ``processes`` forked uvicorn servers until SIGINT/SIGTERM; the exit code.

    ``config`` holds uvicorn.Config keywords (host, port, log_level, root_path, ...).
    """
    host, port = config.get("host", "127.0.0.1"), int(config.get("port", 8000))
    address = check_port(host, port)
    sockets: list[socket.socket] = []
    children: dict[int, _Child] = {}
    stopping = False

    def stop(signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True
        for pid in list(children):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    notices, notify = os.pipe()
    os.set_blocking(notices, False)

    def spawn(slot: int) -> None:
        pid = _fork(app, sockets, slot, (notices, notify), config)
        children[pid] = _Child(slot, time.monotonic())

    try:
        for _ in range(processes):
            sockets.append(_socket(address))
        for slot in range(processes):
            spawn(slot)
        while children:
            with contextlib.suppress(InterruptedError):
                select.select([notices], [], [], 0.2)
            for pid in _read_notices(notices):
                child = children.get(pid)
                if child is not None and not child.retiring and not stopping:
                    child.retiring = True
                    log.info("server process %d retires; starting its replacement", pid)
                    spawn(child.slot)
            for pid, code in _reaped():
                gone = children.pop(pid, None)
                if gone is None or stopping or gone.retiring:
                    continue
                if code != 0 and time.monotonic() - gone.started < EARLY_EXIT_SECONDS:
                    log.error("a server process failed at start-up (exit %s); stopping", code)
                    stop(signal.SIGTERM, None)
                    _reap(children)
                    return 1
                log.info("server process %d exited (%s); starting a new one", pid, code)
                spawn(gone.slot)
        return 0
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        for sock in sockets:
            sock.close()
        os.close(notices)
        os.close(notify)


def _read_notices(fd: int) -> list[int]:
    try:
        data = os.read(fd, 4096)
    except BlockingIOError:
        return []
    size = _MESSAGE.size
    return [_MESSAGE.unpack_from(data, i)[0] for i in range(0, len(data) - size + 1, size)]


def _reaped() -> list[tuple[int, int]]:
    """Children that have exited, with their exit codes, without blocking."""
    done = []
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            break
        if pid == 0:
            break
        done.append((pid, os.waitstatus_to_exitcode(status)))
    return done


def _reap(children: dict[int, _Child]) -> None:
    for pid in list(children):
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, 0)
        children.pop(pid, None)


Address = tuple[socket.AddressFamily, tuple[Any, ...]]


def _address(host: str, port: int) -> Address:
    family, _, _, _, sockaddr = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    return family, sockaddr


def check_port(host: str, port: int) -> Address:
    """The address to listen on; InputError when something listens there already (with
    SO_REUSEPORT alone, a second server of the same user would share the port silently)."""
    from aifactories.errors import InputError

    where = f"{host}:{port}"
    try:
        address = _address(host, port)
    except OSError as exc:
        raise InputError(f"cannot listen on {where}: {exc}") from None
    family, sockaddr = address
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(sockaddr)
        except OSError as exc:
            raise InputError(
                f"cannot listen on {where}: {exc.strerror} (another server? choose another --port)"
            ) from None
    return address


def _socket(address: Address) -> socket.socket:
    """A listening socket of the port's SO_REUSEPORT group, held by the parent for its slot."""
    family, sockaddr = address
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    try:
        sock.bind(sockaddr)
        sock.listen(2048)
    except OSError:
        sock.close()
        raise
    return sock


def _fork(
    app: Any,
    sockets: list[socket.socket],
    slot: int,
    pipe: tuple[int, int],
    config: dict[str, Any],
) -> int:
    parent = os.getpid()
    pid = os.fork()
    if pid:
        return pid
    code = 1  # pragma: no cover - runs in the child
    try:
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, signal.SIG_DFL)
        _die_with_parent(parent)
        os.close(pipe[0])
        for i, other in enumerate(sockets):
            if i != slot:
                other.close()
        code = _child(app, sockets[slot], pipe[1], config)
    except BaseException:
        log.exception("server process failed")
    finally:
        os._exit(code)  # also ends any query thread still running


class _Closing:
    """ASGI wrapper: once ``retiring`` is set, every response asks its client to reconnect."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.retiring = False

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def sending(message: Any) -> None:
            if self.retiring and message["type"] == "http.response.start":
                headers = [*message.get("headers", ()), (b"connection", b"close")]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, sending)


def _child(app: Any, sock: socket.socket, notify: int, config: dict[str, Any]) -> int:
    import asyncio

    import uvicorn

    # a query thread coming back from pyoxigraph (GIL released) waits for the event loop to
    # hand the GIL over: every 5 ms by default, which starved the threads under load
    sys.setswitchinterval(SWITCH_INTERVAL)
    closing = _Closing(app)
    server = uvicorn.Server(uvicorn.Config(closing, **config))

    def retire() -> None:
        if closing.retiring:
            return
        closing.retiring = True
        with contextlib.suppress(OSError):
            os.write(notify, _MESSAGE.pack(os.getpid()))  # the parent forks the replacement
        for listening in server.servers:
            listening.close()  # this process's copy only: the parent keeps the socket's queue
        asyncio.get_running_loop().call_later(DRAIN_SECONDS, _exit, server)

    app.state.site.pool.on_overrun = retire
    server.run(sockets=[sock])
    return 0


def _exit(server: Any) -> None:
    server.should_exit = True


def _die_with_parent(parent: int) -> None:
    """Ask Linux to SIGTERM this process when the supervisor dies (PR_SET_PDEATHSIG)."""
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGTERM, 0, 0, 0)
    if os.getppid() != parent:
        os._exit(0)
