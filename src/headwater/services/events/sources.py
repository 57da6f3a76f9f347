"""Where Headwater's own events come from: S3 object changes, CloudTrail, schedules."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from headwater.events import compile_schedule
from headwater.runtime.loop import BackgroundLoop, Signal, wait_first
from headwater.services.events.shapes import next_fire_time, s3_object_event, scheduled_event
from headwater.store import outbox
from headwater.store.events import EventsStore

if TYPE_CHECKING:
    from headwater.services.events._core import EventsCore

__all__ = ["S3Bridge", "Scheduler"]

log = logging.getLogger("headwater.events")

CONSUMER = "events.s3"
_POLL = 1.0  # real seconds: a safety net; commits wake the bridge at once


class S3Bridge:
    """Turns the S3 outbox into "Object Created/Deleted" and CloudTrail data events."""

    def __init__(self, service: EventsCore) -> None:
        self.service = service
        self._signal: Signal | None = None
        self._cursor: int | None = None
        self._persisted: int | None = None
        self._persisted_at = 0.0

    def start(self, bg: BackgroundLoop) -> None:
        """Catch up from the stored cursor, then follow new records."""
        self._signal = Signal(bg)
        outbox.listen("s3", self._signal.set)
        bg.spawn(self._run, "events-s3-bridge")

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        assert self._signal is not None
        try:
            while True:
                try:
                    while await loop.run_in_executor(None, self.drain):
                        pass
                except Exception:  # e.g. a reset wiping the store mid-drain: never stop following
                    log.exception("the S3/CloudTrail bridge failed; retrying")
                    self.reset()
                await self._signal.wait(_POLL)
        finally:
            outbox.unlisten("s3", self._signal.set)
            self._persist_cursor(force=True)

    def drain(self, limit: int = 200) -> int:
        """Turn the next records into events; return how many records were consumed.

        Records that produce no event (no EventBridge configuration on the bucket, no trail
        selecting the write) only move a cursor kept in memory, written back at most once a
        second: most writes then cost no extra transaction. After a crash those records are
        looked at again, which is harmless since they produce nothing.
        """
        svc = self.service
        env = svc.env
        registry = env.registry
        s3 = registry.get("s3") if registry else None
        trails_svc = registry.get("cloudtrail") if registry else None
        trails = trails_svc.logging_trails() if trails_svc is not None else []  # type: ignore[attr-defined]
        configs: dict[str, dict[str, Any]] = {}

        def config(bucket: str) -> dict[str, Any]:
            if bucket not in configs:
                configs[bucket] = (
                    s3.notification_configuration(bucket)  # type: ignore[attr-defined]
                    if s3 is not None
                    else {}
                )
            return configs[bucket]

        with env.store.read() as conn:
            stored = outbox.cursor(conn, CONSUMER)
            if self._cursor is None or self._cursor > outbox.last_id(conn):
                # first run, or the outbox was wiped (reset): trust the stored cursor
                self._cursor = stored
                self._persisted = stored
            records = outbox.read_after(conn, self._cursor, topics=("s3",), limit=limit)
        if not records:
            self._persist_cursor(force=False)
            return 0
        wanted = bool(trails) or any(
            "EventBridgeConfiguration" in config(r.payload["bucket"]) for r in records
        )
        if not wanted:
            self._cursor = records[-1].id
            self._persist_cursor(force=False)
            return len(records)
        queued = False
        with env.store.transaction() as conn:
            for rec in records:
                p = rec.payload
                bucket = p["bucket"]
                region = p.get("region", env.default_region)
                if "EventBridgeConfiguration" in config(bucket):
                    event = s3_object_event(p, account=env.account_id, at=rec.created_at)
                    svc._ingest(conn, event, region=region, bus="default", at=rec.created_at)
                    queued = True
                if trails:
                    from headwater.services.cloudtrail import s3_data_event, trail_selects

                    for trail in trails:
                        if trail_selects(
                            trail,
                            region=region,
                            bucket=bucket,
                            key=p["key"],
                            event_name=p.get("event_name", "PutObject"),
                        ):
                            event = s3_data_event(p, account_id=env.account_id, at=rec.created_at)
                            svc._ingest(
                                conn, event, region=region, bus="default", at=rec.created_at
                            )
                            queued = True
                            break  # one event per API call, however many trails log it
            outbox.advance(conn, CONSUMER, records[-1].id)
        self._cursor = records[-1].id
        self._persisted = self._cursor
        self._persisted_at = time.monotonic()
        if queued:
            svc.dispatcher.wake()
        return len(records)

    def _persist_cursor(self, *, force: bool) -> None:
        if self._cursor is None or self._cursor == self._persisted:
            return
        if not force and time.monotonic() - self._persisted_at < 1.0:
            return
        with self.service.env.store.transaction() as conn:
            outbox.advance(conn, CONSUMER, self._cursor)
        self._persisted = self._cursor
        self._persisted_at = time.monotonic()

    def reset(self) -> None:
        """Forget the cached cursor (the store was wiped)."""
        self._cursor = None
        self._persisted = None


class Scheduler:
    """Fires scheduled rules on the injected clock; a missed schedule fires once."""

    def __init__(self, service: EventsCore) -> None:
        self.service = service
        self._signal: Signal | None = None

    def start(self, bg: BackgroundLoop) -> None:
        """Start firing (schedules missed while down fire once now)."""
        self._signal = Signal(bg)
        bg.spawn(self._run, "events-scheduler")

    def wake(self) -> None:
        """A schedule changed."""
        if self._signal is not None:
            self._signal.set()

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        clock = self.service.env.clock
        assert self._signal is not None
        while True:
            await loop.run_in_executor(None, self.fire_due, clock.now())
            nxt = await loop.run_in_executor(None, self._next)
            if nxt is None:
                await self._signal.wait(None)
            else:
                await wait_first(self._signal.wait(None), clock.sleep_until_fire(nxt))

    def _next(self) -> float | None:
        with self.service.env.store.read() as conn:
            return EventsStore.next_schedule(conn)

    def fire_due(self, now: float) -> int:
        """Fire every schedule that is due; return how many fired."""
        svc = self.service
        fired = 0
        with svc.env.store.transaction() as conn:
            for rule in EventsStore.due_schedules(conn, now):
                assert rule.schedule is not None
                assert rule.next_fire is not None
                account = rule.arn.split(":")[4]
                event = scheduled_event(
                    rule_arn=rule.arn, account=account, region=rule.region, at=rule.next_fire
                )
                seq = EventsStore.accept(
                    conn,
                    event_id=event["id"],
                    region=rule.region,
                    bus=rule.bus,
                    ingested=now,
                    body=json.dumps(event, separators=(",", ":")),
                )
                svc.queue_rule(
                    conn,
                    event,
                    region=rule.region,
                    bus=rule.bus,
                    rule_name=rule.name,
                    seq=seq,
                    at=now,
                )
                nxt = next_fire_time(compile_schedule(rule.schedule), now, rule.anchor)
                EventsStore.put_rule(conn, replace(rule, next_fire=nxt))
                fired += 1
        if fired:
            svc.dispatcher.wake()
        return fired
