"""A background asyncio loop in its own thread, for work that outlives a request.

Dispatchers, schedulers and execution drivers run here, so they keep going between requests
and never block the server's own loop. Blocking work inside them goes to worker threads.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import logging
import threading
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

__all__ = ["BackgroundLoop", "Signal", "wait_first"]

log = logging.getLogger("headwater.runtime")
T = TypeVar("T")


class BackgroundLoop:
    """Owns one event loop thread and a pool of worker threads."""

    def __init__(self, name: str = "headwater-background", workers: int = 8) -> None:
        self.name = name
        self.loop = asyncio.new_event_loop()
        self.pool = concurrent.futures.ThreadPoolExecutor(
            max_workers=workers, thread_name_prefix=f"{name}-worker"
        )
        self.loop.set_default_executor(self.pool)
        self._thread: threading.Thread | None = None
        self._tasks: set[asyncio.Task[Any]] = set()

    def start(self) -> None:
        """Start the loop thread (idempotent)."""
        if self._thread is not None:
            return
        self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.run_forever()

    def spawn(self, factory: Callable[[], Coroutine[Any, Any, Any]], name: str) -> None:
        """Run a long-lived coroutine on the loop; its crash is logged, never silent."""

        def create() -> None:
            task = self.loop.create_task(factory(), name=name)
            self._tasks.add(task)
            task.add_done_callback(self._done)

        self.loop.call_soon_threadsafe(create)

    def _done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("background task %s crashed", task.get_name(), exc_info=task.exception())

    def call_soon(self, fn: Callable[..., Any], *args: Any) -> None:
        """Schedule ``fn(*args)`` on the loop from any thread."""
        self.loop.call_soon_threadsafe(fn, *args)

    def run(self, coro: Coroutine[Any, Any, T], timeout: float | None = None) -> T:
        """Run a coroutine on the loop from another thread and wait for its result."""
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def stop(self) -> None:
        """Cancel every task, stop the loop and the workers."""
        if self._thread is None:
            return

        async def shutdown() -> None:
            current = asyncio.current_task()
            tasks = [t for t in asyncio.all_tasks() if t is not current]
            for t in tasks:
                t.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

        try:
            asyncio.run_coroutine_threadsafe(shutdown(), self.loop).result(10)
        except (concurrent.futures.TimeoutError, RuntimeError):
            log.warning("background tasks did not stop within 10 s")
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(timeout=10)
        self._thread = None
        self.pool.shutdown(wait=False, cancel_futures=True)


class Signal:
    """A wake-up flag a thread can set and a coroutine on the loop can wait for."""

    def __init__(self, loop: BackgroundLoop) -> None:
        self._loop = loop
        self._event: asyncio.Event | None = None

    def _ensure(self) -> asyncio.Event:
        if self._event is None:
            self._event = asyncio.Event()
        return self._event

    def set(self) -> None:
        """Wake the waiter (from any thread)."""
        self._loop.call_soon(lambda: self._ensure().set())

    async def wait(self, timeout: float | None) -> None:
        """Wait until set or until ``timeout`` real seconds pass; then clear."""
        event = self._ensure()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(event.wait(), timeout)
        event.clear()


async def wait_first(*awaitables: Coroutine[Any, Any, Any]) -> None:
    """Wait until the first of ``awaitables`` finishes; cancel the others (also when cancelled)."""
    tasks = [asyncio.ensure_future(a) for a in awaitables]
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for t in tasks:
            t.cancel()
