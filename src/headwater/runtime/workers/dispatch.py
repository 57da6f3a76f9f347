"""A background loop that carries out due items of a durable queue, on the injected clock.

The queue itself lives in the store (asynchronous invocations, notification deliveries); the
owner supplies two callables: ``claim(now, limit)`` marks up to ``limit`` due items as taken and
returns them with the time the next one falls due, and ``run(item)`` carries one out (and
records the outcome: done, or due again later). The loop sleeps on the clock until the next due
time or until :meth:`Dispatcher.nudge` says new work was queued, so a virtual clock in tests
makes retry delays instant when the test advances it, and a real one makes them real.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Generic, TypeVar

from headwater.runtime.clock import Clock

__all__ = ["Dispatcher"]

log = logging.getLogger("headwater.dispatch")

Item = TypeVar("Item")


class Dispatcher(Generic[Item]):
    """Runs ``run(item)`` for every item ``claim`` hands out, ``parallel`` at a time."""

    def __init__(
        self,
        name: str,
        clock: Clock,
        claim: Callable[[float, int], tuple[Sequence[Item], float | None]],
        run: Callable[[Item], Any],
        *,
        parallel: int = 8,
    ) -> None:
        self.name = name
        self.clock = clock
        self._claim = claim
        self._run = run
        self._parallel = parallel
        self._running = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._wake: asyncio.Event | None = None
        self._stop = False
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._executor: ThreadPoolExecutor | None = None
        self._idle = threading.Condition()

    def start(self) -> None:
        """Start the loop thread (idempotent)."""
        if self._thread is not None:
            return
        self._stop = False
        self._executor = ThreadPoolExecutor(
            max_workers=self._parallel + 1, thread_name_prefix=self.name
        )
        self._ready.clear()
        self._thread = threading.Thread(target=self._main, name=self.name, daemon=True)
        self._thread.start()
        self._ready.wait(5.0)

    def nudge(self) -> None:
        """Tell the loop that new work may be due now."""
        loop, wake = self._loop, self._wake
        if loop is not None and wake is not None:
            with contextlib.suppress(RuntimeError):  # the loop is closing
                loop.call_soon_threadsafe(wake.set)

    def stop(self) -> None:
        """Stop claiming work and wait for the items being run."""
        self._stop = True
        self.nudge()
        if self._thread is not None:
            self._thread.join(timeout=10.0)
            self._thread = None
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Block until no item is being run (tests and orderly shutdown)."""
        with self._idle:
            return self._idle.wait_for(lambda: self._running == 0, timeout)

    def _main(self) -> None:
        asyncio.run(self._serve())

    async def _serve(self) -> None:
        loop = asyncio.get_running_loop()
        executor = self._executor
        assert executor is not None
        self._loop = loop
        self._wake = asyncio.Event()
        self._ready.set()
        try:
            while not self._stop:
                self._wake.clear()
                free = self._parallel - self._running
                next_due: float | None = None
                if free > 0:
                    try:
                        items, next_due = await loop.run_in_executor(
                            executor, self._claim, self.clock.now(), free
                        )
                    except Exception:
                        log.exception("%s: cannot read the queue", self.name)
                        items, next_due = [], self.clock.now() + 1.0
                    for item in items:
                        self._started()
                        fut = loop.run_in_executor(executor, self._run_one, item)
                        fut.add_done_callback(lambda _f: self._wake.set() if self._wake else None)
                    if items:
                        continue  # claim again at once: more may be due
                await self._sleep(next_due)
        finally:
            self._loop = None

    async def _sleep(self, until: float | None) -> None:
        assert self._wake is not None
        waits: list[asyncio.Task[Any]] = [asyncio.ensure_future(self._wake.wait())]
        if until is not None:
            waits.append(asyncio.ensure_future(self.clock.sleep_until(until)))
        _done, pending = await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
        for task in pending:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task

    def _started(self) -> None:
        with self._idle:
            self._running += 1

    def _run_one(self, item: Item) -> None:
        try:
            self._run(item)
        except Exception:
            log.exception("%s: an item failed unexpectedly", self.name)
        finally:
            with self._idle:
                self._running -= 1
                self._idle.notify_all()
