"""How many operations the dynamic-provider process serves at once.

Why this module exists: the engine starts every Python dynamic provider as
``python -m pulumi.dynamic``, whose ``main()`` (``pulumi/dynamic/__main__.py``) builds its gRPC
server on ``futures.ThreadPoolExecutor(max_workers=4)``. Whatever ``pulumi up --parallel``
says, at most four Check/Create/Read/Update/Delete calls run at once, and the SDK offers no
setting for it. Our code only runs inside that process once a resource's ``__provider`` blob is
unpickled, in one of those four workers, after the server has started.

What it does: once per process, from ``configure()``, it finds the running server (the ``server``
local of ``main()`` in the main thread, which waits in ``Event().wait()`` for the process's whole
life), sets its executor's ``_max_workers`` to ``avi.maxConcurrentRequests`` and starts that many
workers at once (see ``_resize`` for why they are not left to start on demand). Workers already
started stay, so a size below 4 is enforced by the client's own limit on requests in flight
(``client.py``).

The guard: the patch touches private attributes of the SDK and of grpcio, so it is applied only
for the pulumi versions in ``VERIFIED_PULUMI_VERSIONS`` (read against this code; the one pinned
in requirements.lock, which a test holds together) and only when every piece has the shape
expected. Otherwise nothing is changed and one warning says that the cap stays at four.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from concurrent import futures
from enum import Enum
from importlib import metadata
from types import FrameType, ModuleType
from typing import Any

from .settings import warn_once

VERIFIED_PULUMI_VERSIONS = frozenset({"3.272.0"})
"""pulumi releases whose ``pulumi/dynamic/__main__.py`` builds its server as this module expects."""

SDK_CAP = 4
SERVER_MODULE = "pulumi.dynamic.__main__"
_MAX_FRAMES = 200  # a bound on the walk down the main thread's stack


class ServerCap(Enum):
    """What ``serve_at_once`` did."""

    RAISED = "raised"
    """The server's executor now has the requested number of workers."""
    NOT_IN_SERVER = "not-in-server"
    """This process is not ``python -m pulumi.dynamic`` (tests, mocks): nothing to change."""
    SKIPPED = "skipped"
    """The SDK is not the one verified, or its server looks different: left at four, warned once."""


_lock = threading.Lock()
_done: dict[int, ServerCap] = {}


def _pulumi_version() -> str:
    try:
        return metadata.version("pulumi")
    except metadata.PackageNotFoundError:
        return "unknown"


def serve_at_once(
    workers: int, *, version: Callable[[], str] = _pulumi_version, warn: Callable[[str], None] = warn_once
) -> ServerCap:
    """Let the dynamic-provider server run ``workers`` operations at once; idempotent per value."""
    with _lock:
        if workers in _done:
            return _done[workers]
        outcome, problem = _apply(workers, version())
        _done[workers] = outcome
    if problem:
        warn(
            f"the Avi provider serves at most {SDK_CAP} operations at once, not the "
            f"{workers} avi.maxConcurrentRequests asks for: {problem}"
        )
    return outcome


def _apply(workers: int, version: str) -> tuple[ServerCap, str | None]:
    module = sys.modules.get("__main__")
    if getattr(getattr(module, "__spec__", None), "name", None) != SERVER_MODULE:
        return ServerCap.NOT_IN_SERVER, None
    if version not in VERIFIED_PULUMI_VERSIONS:
        return ServerCap.SKIPPED, (
            f"pulumi {version} is not a version this was checked against "
            f"({', '.join(sorted(VERIFIED_PULUMI_VERSIONS))}), so its server is left alone"
        )
    pool = _server_pool(module)
    if pool is None:
        return ServerCap.SKIPPED, (
            f"the server of pulumi {version} does not have the shape expected "
            "(main() holding a gRPC server on a ThreadPoolExecutor), so it is left alone"
        )
    _resize(pool, workers)
    return ServerCap.RAISED, None


def _resize(pool: Any, workers: int) -> None:
    """Give ``pool`` ``workers`` workers, started now.

    A submit starts a worker only when the executor's idle count is zero, and that count runs
    ahead of the truth while work is queued (each worker adds one per item it finishes, then takes
    the next queued item), so under load the executor would stay near four. A fresh count of
    zero ("none idle") lets each ``_adjust_thread_count`` start one; the workers keep it true
    from then on.
    """
    with pool._shutdown_lock:
        pool._max_workers = workers
        pool._idle_semaphore = threading.Semaphore(0)
        for _ in range(workers):
            pool._adjust_thread_count()


def _server_pool(module: ModuleType | None) -> futures.ThreadPoolExecutor | None:
    """The executor of the gRPC server ``main()`` is serving, or None if anything differs."""
    main = getattr(module, "main", None)
    code = getattr(main, "__code__", None)
    frame = _frame_running(code) if code is not None else None
    if frame is None:
        return None
    server: Any = frame.f_locals.get("server")
    pool = getattr(getattr(server, "_state", None), "thread_pool", None)
    if not isinstance(pool, futures.ThreadPoolExecutor) or not isinstance(getattr(pool, "_max_workers", None), int):
        return None
    if not (
        isinstance(getattr(pool, "_threads", None), set)
        and callable(getattr(pool, "_adjust_thread_count", None))
        and hasattr(pool, "_idle_semaphore")
        and hasattr(pool, "_shutdown_lock")
    ):
        return None  # CPython's executor is not the one read (3.8 to 3.13 have these)
    return pool


def _frame_running(code: Any) -> FrameType | None:
    main_thread = threading.main_thread().ident
    frame: FrameType | None = sys._current_frames().get(main_thread) if main_thread else None
    for _ in range(_MAX_FRAMES):
        if frame is None:
            return None
        if frame.f_code is code:
            return frame
        frame = frame.f_back
    return None
