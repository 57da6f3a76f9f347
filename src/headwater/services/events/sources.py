"""Where Headwater's own events come from: S3 object changes, CloudTrail, schedules."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from headwater.events import compile_schedule
from headwater.runtime.follower import OutboxFollower
from headwater.runtime.loop import BackgroundLoop, Signal, wait_first
from headwater.services.events.shapes import next_fire_time, s3_object_event, scheduled_event
from headwater.store import outbox
from headwater.store.events import EventsStore

if TYPE_CHECKING:
    from headwater.services.events._core import EventsCore

__all__ = ["S3Bridge", "Scheduler"]

log = logging.getLogger("headwater.events")

CONSUMER = "events.s3"


class S3Bridge(OutboxFollower):
    """Turns the S3 outbox into "Object Created/Deleted" and CloudTrail data events.

    Records that produce no event (no EventBridge configuration on the bucket, no trail
    selecting the write) only move the in-memory cursor: most writes then cost no extra
    transaction. After a crash those records are looked at again, which is harmless since they
    produce nothing. Records that do produce events are ingested in the same transaction that
    moves the stored cursor.
    """

    def __init__(self, service: EventsCore) -> None:
        super().__init__(service.env.store, consumer=CONSUMER, topic="s3", name="events-s3-bridge")
        self.service = service

    def handle(self, records: Sequence[outbox.OutboxRecord]) -> bool:
        """Ingest the events these records make; True when any was made."""
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

        wanted = bool(trails) or any(
            "EventBridgeConfiguration" in config(r.payload["bucket"]) for r in records
        )
        if not wanted:
            return False
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
            self.advance_in(conn, records)
        if queued:
            svc.dispatcher.wake()
        return queued


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
