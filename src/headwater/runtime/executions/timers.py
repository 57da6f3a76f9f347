"""Timers of running executions, armed on the background loop against the injected clock.

One small asyncio task per pending timer: it awaits ``clock.sleep_until(deadline)`` and hands a
callback to the driver. A virtual clock therefore sees every pending timer (``pending()``), and
``--time-scale 0`` fires them at once. Deadlines are persisted by the driver, so a restart
re-arms them from the store with the deadlines they had.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from typing import Any

from headwater.runtime.clock import Clock
from headwater.runtime.loop import BackgroundLoop

__all__ = ["TimerSet"]

Fire = Callable[[str, str, float], None]


class TimerSet:
    """Pending timers keyed by (execution ARN, timer id); only the loop thread touches them."""

    def __init__(self, background: BackgroundLoop, clock: Clock, fire: Fire) -> None:
        self._bg = background
        self._clock = clock
        self._fire = fire
        self._tasks: dict[tuple[str, str], asyncio.Task[Any]] = {}

    def arm(self, arn: str, timer_id: str, deadline: float) -> None:
        """Fire ``timer_id`` of ``arn`` once the clock reaches ``deadline`` (any thread)."""
        self._bg.call_soon(self._arm, arn, timer_id, deadline)

    def cancel(self, arn: str, timer_id: str) -> None:
        """Forget a timer (any thread); firing it anyway would be harmless."""
        self._bg.call_soon(self._cancel, (arn, timer_id))

    def cancel_execution(self, arn: str) -> None:
        """Forget every timer of an execution (any thread)."""
        self._bg.call_soon(self._cancel_execution, arn)

    def after_armed(self, fn: Callable[[], None]) -> None:
        """Call ``fn`` on the loop once every timer armed before this call waits on the clock.

        ``_arm`` creates the waiting task, whose first step (registering with the clock) the
        loop runs on its next turn; hopping twice puts ``fn`` behind that step.
        """
        self._bg.call_soon(self._bg.loop.call_soon, fn)

    def clear(self) -> None:
        """Forget every timer (any thread)."""
        self._bg.call_soon(self._clear)

    def _arm(self, arn: str, timer_id: str, deadline: float) -> None:
        key = (arn, timer_id)
        self._cancel(key)
        self._tasks[key] = self._bg.loop.create_task(self._wait(key, deadline))

    async def _wait(self, key: tuple[str, str], deadline: float) -> None:
        await self._clock.sleep_until(deadline)
        if self._tasks.get(key) is asyncio.current_task():
            del self._tasks[key]
        self._fire(key[0], key[1], max(self._clock.now(), deadline))

    def _cancel(self, key: tuple[str, str]) -> None:
        task = self._tasks.pop(key, None)
        if task is not None:
            task.cancel()

    def _cancel_execution(self, arn: str) -> None:
        for key in [k for k in self._tasks if k[0] == arn]:
            self._cancel(key)

    def _clear(self) -> None:
        for task in self._tasks.values():
            with contextlib.suppress(RuntimeError):
                task.cancel()
        self._tasks.clear()

    def count(self) -> int:
        """How many timers are armed (approximate when called off the loop thread)."""
        return len(self._tasks)
