"""The one injected clock: wall, scaled (``--time-scale``) and virtual (tests) time.

Everything time-based (Wait states, retries, schedules, batch windows) asks a :class:`Clock`
for ``now()`` and awaits ``sleep_until()``. The pure packages never read the clock: the runtime
passes times in.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import threading
import time
from abc import ABC, abstractmethod
from datetime import UTC, datetime

__all__ = ["SCHEDULE_PACE", "Clock", "ScaledClock", "SystemClock", "VirtualClock"]

SCHEDULE_PACE = 1.0  # real seconds between two fires of one schedule at --time-scale 0


class Clock(ABC):
    """Source of the current time and of timers, in epoch seconds."""

    @abstractmethod
    def now(self) -> float:
        """Return the current time as epoch seconds."""

    @abstractmethod
    async def sleep_until(self, when: float) -> None:
        """Return once ``now() >= when``."""

    def utcnow(self) -> datetime:
        """Return the current time as an aware UTC datetime."""
        return datetime.fromtimestamp(self.now(), tz=UTC)

    async def sleep(self, seconds: float) -> None:
        """Sleep ``seconds`` of clock time."""
        await self.sleep_until(self.now() + max(0.0, seconds))

    async def sleep_until_fire(self, when: float) -> None:
        """Wait for the next fire of a recurring schedule (cron or rate) at ``when``.

        The same as :meth:`sleep_until`, except where timers fire at once: there a schedule
        would fire again and again without pause, so :class:`ScaledClock` paces it.
        """
        await self.sleep_until(when)


class ScaledClock(Clock):
    """Wall time whose timers run ``scale`` times as long (0 makes them fire at once).

    When a timer fires early because of the scale, the clock jumps forward to its deadline,
    so that after a 60 s Wait ``now()`` really is 60 s later: time stays consistent for
    everything that reads it.
    """

    def __init__(self, scale: float = 1.0) -> None:
        if scale < 0:
            raise ValueError("time scale must be >= 0")
        self.scale = scale
        self._offset = 0.0
        self._lock = threading.Lock()

    def now(self) -> float:
        """Return wall time plus the jumps made by scaled timers."""
        return time.time() + self._offset

    async def sleep_until(self, when: float) -> None:
        """Wait ``(when - now) * scale`` real seconds, then jump to ``when`` if needed."""
        remaining = when - self.now()
        if remaining > 0 and self.scale > 0:
            await asyncio.sleep(remaining * self.scale)
        with self._lock:
            behind = when - self.now()
            if behind > 0:
                self._offset += behind

    async def sleep_until_fire(self, when: float) -> None:
        """At ``--time-scale 0`` a schedule fires at most once per real second, never spins."""
        if self.scale == 0 and when > self.now():
            await asyncio.sleep(SCHEDULE_PACE)
        await self.sleep_until(when)


class SystemClock(ScaledClock):
    """Plain wall time (scale 1)."""

    def __init__(self) -> None:
        super().__init__(1.0)


class VirtualClock(Clock):
    """A clock that only moves when a test calls :meth:`advance` or :meth:`set`."""

    def __init__(self, start: float = 1_767_225_600.0) -> None:  # 2026-01-01T00:00:00Z
        self._now = start
        self._lock = threading.Lock()
        self._seq = itertools.count()
        self._waiters: list[tuple[float, int, asyncio.AbstractEventLoop, asyncio.Future[None]]] = []

    def now(self) -> float:
        """Return the virtual time."""
        return self._now

    async def sleep_until(self, when: float) -> None:
        """Park until the virtual time reaches ``when``."""
        loop = asyncio.get_running_loop()
        fut: asyncio.Future[None] = loop.create_future()
        with self._lock:
            if when <= self._now:
                return
            heapq.heappush(self._waiters, (when, next(self._seq), loop, fut))
        await fut

    def pending(self) -> int:
        """Return how many timers are waiting."""
        with self._lock:
            return sum(1 for *_, fut in self._waiters if not fut.done())

    def next_deadline(self) -> float | None:
        """Return the earliest waiting deadline, if any."""
        with self._lock:
            live = [w for w in self._waiters if not w[3].done()]
            return min(w[0] for w in live) if live else None

    def advance(self, seconds: float) -> None:
        """Move time forward by ``seconds`` and fire every timer now due."""
        self.set(self._now + seconds)

    def set(self, when: float) -> None:
        """Move time forward to ``when`` (never backwards) and fire due timers."""
        due: list[tuple[asyncio.AbstractEventLoop, asyncio.Future[None]]] = []
        with self._lock:
            self._now = max(self._now, when)
            while self._waiters and self._waiters[0][0] <= self._now:
                _, _, loop, fut = heapq.heappop(self._waiters)
                due.append((loop, fut))
        for loop, fut in due:
            loop.call_soon_threadsafe(_resolve, fut)


def _resolve(fut: asyncio.Future[None]) -> None:
    if not fut.done():
        fut.set_result(None)
