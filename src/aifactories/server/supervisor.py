"""``aifactories serve`` on the Oxigraph engine: forked server processes sharing one socket.

The parent loads the graph and opens the store once, reserves the port, and forks
``processes`` children, each a uvicorn server over the same app with its own listening socket
on that port (SO_REUSEPORT: the kernel spreads new connections evenly between the children;
with one shared socket, measured, one process took most keep-alive connections and the other
core idled). Two processes use the two cores, where one event loop would hold one.
The parent runs no event loop and no thread, so each fork is clean, and it only waits: a child
that exits is replaced by a new fork, which costs milliseconds since the store is already in
memory (or opened) in the parent.

A child exits on purpose when one of its queries ran past the timeout (``Runner.on_overrun``):
it stops accepting, finishes its other requests and leaves, and the runaway query's thread ends
with it. That is how a timeout stops a query that a thread alone could not stop.
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import os
import signal
import socket
import sys
import time
from typing import Any

log = logging.getLogger("aifactories.server")

#: A child that fails within this many seconds of its fork is a start-up failure, not a retire.
EARLY_EXIT_SECONDS = 2.0
#: Seconds a thread may hold the GIL while another waits for it (Python's default: 0.005).
SWITCH_INTERVAL = 0.0005


def serve(app: Any, *, processes: int, **config: Any) -> int:
    """Run ``app`` in ``processes`` forked uvicorn servers until SIGINT/SIGTERM; the exit code.

    ``config`` holds uvicorn.Config keywords (host, port, log_level, root_path, ...).
    """
    host, port = config.get("host", "127.0.0.1"), int(config.get("port", 8000))
    address = check_port(host, port)
    sock = _socket(address)  # bound, never listening: reserves the port for the children
    children: dict[int, float] = {}
    stopping = False

    def stop(signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True
        for pid in list(children):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        for _ in range(processes):
            pid = _fork(app, address, config)
            children[pid] = time.monotonic()
        while children:
            try:
                pid, status = os.wait()
            except ChildProcessError:
                break
            started = children.pop(pid, None)
            if started is None or stopping:
                continue
            code = os.waitstatus_to_exitcode(status)
            if code != 0 and time.monotonic() - started < EARLY_EXIT_SECONDS:
                log.error("a server process failed at start-up (exit %s); stopping", code)
                stop(signal.SIGTERM, None)
                _reap(children)
                return 1
            log.info("server process %d exited (%s); starting a new one", pid, code)
            children[_fork(app, address, config)] = time.monotonic()
        return 0
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        sock.close()


def _reap(children: dict[int, float]) -> None:
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
    family, sockaddr = address
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    try:
        sock.bind(sockaddr)
    except OSError:
        sock.close()
        raise
    return sock


def _fork(app: Any, address: Address, config: dict[str, Any]) -> int:
    parent = os.getpid()
    pid = os.fork()
    if pid:
        return pid
    code = 1  # pragma: no cover - runs in the child
    try:
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, signal.SIG_DFL)
        _die_with_parent(parent)
        code = _child(app, address, config)
    except BaseException:
        log.exception("server process failed")
    finally:
        os._exit(code)  # also ends any query thread still running


def _child(app: Any, address: Address, config: dict[str, Any]) -> int:  # pragma: no cover
    import uvicorn

    # a query thread coming back from pyoxigraph (GIL released) waits for the event loop to
    # hand the GIL over: every 5 ms by default, which starved the threads under load
    sys.setswitchinterval(SWITCH_INTERVAL)
    sock = _socket(address)
    sock.listen(2048)
    server = uvicorn.Server(uvicorn.Config(app, **config))

    def retire() -> None:
        server.should_exit = True

    app.state.site.pool.on_overrun = retire
    server.run(sockets=[sock])
    return 0


def _die_with_parent(parent: int) -> None:
    """Ask Linux to SIGTERM this process when the supervisor dies (PR_SET_PDEATHSIG)."""
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGTERM, 0, 0, 0)
    if os.getppid() != parent:
        os._exit(0)
