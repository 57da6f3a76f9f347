"""Following one outbox topic from a stored cursor, on the background loop.

A consumer of change records (the EventBridge bridge of S3, the S3 bucket notifier) subclasses
:class:`OutboxFollower` and implements :meth:`OutboxFollower.handle`. The follower wakes on each
commit that appended records of its topic (and once a second as a safety net), reads the next
records after its cursor, hands them over, and moves the cursor.

The cursor lives in memory and is written back when :meth:`handle` says it did something (or at
most once a second otherwise), so records that concern nobody cost no transaction. A handler
that writes in the store can move the stored cursor in its own transaction with
:meth:`OutboxFollower.advance_in`, making the hand-over and the cursor one commit.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence

import sqlalchemy as sa

from headwater.runtime.loop import BackgroundLoop, Signal
from headwater.store import Store, outbox

__all__ = ["OutboxFollower"]

log = logging.getLogger("headwater.outbox")

_POLL = 1.0  # real seconds: a safety net; commits wake the follower at once
_BATCH = 200  # records read per drain
_GATHER = 0.005  # real seconds between a wake-up and the drain it starts
_PERSIST_EVERY = 1.0  # real seconds between two writes of a cursor that only skipped records


class OutboxFollower:
    """Reads ``topic`` after the cursor of ``consumer`` and hands the records to :meth:`handle`."""

    def __init__(self, store: Store, *, consumer: str, topic: str, name: str) -> None:
        self.store = store
        self.consumer = consumer
        self.topic = topic
        self.name = name
        self._signal: Signal | None = None
        self._cursor: int | None = None
        self._persisted: int | None = None
        self._persisted_at = 0.0

    def handle(self, records: Sequence[outbox.OutboxRecord]) -> bool:
        """Act on ``records`` (oldest first); True when something was handed over."""
        raise NotImplementedError

    def start(self, bg: BackgroundLoop) -> None:
        """Catch up from the stored cursor, then follow new records."""
        self._signal = Signal(bg)
        outbox.listen(self.topic, self._signal.set)
        bg.spawn(self._run, self.name)

    def reset(self) -> None:
        """Forget the cached cursor (the store was wiped)."""
        self._cursor = None
        self._persisted = None

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        assert self._signal is not None
        try:
            while True:
                try:
                    # A short batch means caught up: later commits set the signal again.
                    while await loop.run_in_executor(None, self.drain) >= _BATCH:
                        pass
                except Exception:  # e.g. a reset wiping the store mid-drain: never stop following
                    log.exception("%s failed; retrying", self.name)
                    self.reset()
                await self._signal.wait(_POLL)
                # Let a burst of commits gather, and the requests that made them answer first.
                await asyncio.sleep(_GATHER)
        finally:
            outbox.unlisten(self.topic, self._signal.set)
            self._persist(force=True)

    def drain(self, limit: int = _BATCH) -> int:
        """Hand the next records over; return how many were consumed (0 when caught up)."""
        with self.store.read() as conn:
            if self._cursor is None:  # first run, or after a reset: trust the store
                # Outbox ids are never reused (AUTOINCREMENT), so a cursor kept in memory stays
                # valid while the server runs, even across a wipe of the outbox.
                self._cursor = self._persisted = outbox.cursor(conn, self.consumer)
            records = outbox.read_after(conn, self._cursor, topics=(self.topic,), limit=limit)
        if not records:
            self._persist(force=False)
            return 0
        acted = self.handle(records)
        self._cursor = records[-1].id
        self._persist(force=acted)
        return len(records)

    def advance_in(self, conn: sa.Connection, records: Sequence[outbox.OutboxRecord]) -> None:
        """Move the stored cursor past ``records`` inside the handler's own transaction."""
        outbox.advance(conn, self.consumer, records[-1].id)
        self._persisted = records[-1].id
        self._persisted_at = time.monotonic()

    def _persist(self, *, force: bool) -> None:
        if self._cursor is None or self._cursor == self._persisted:
            return
        if not force and time.monotonic() - self._persisted_at < _PERSIST_EVERY:
            return
        with self.store.transaction() as conn:
            outbox.advance(conn, self.consumer, self._cursor)
        self._persisted = self._cursor
        self._persisted_at = time.monotonic()
