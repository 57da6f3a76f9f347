"""The dispatcher: queued deliveries go to their targets, at least once, with retries.

Each delivery row is attempted when due; success, a final failure (the dead letter, kept
and listed) or the next attempt time is written back in its own transaction. A restart
resumes from the rows: nothing accepted is lost, and nothing recorded as delivered is sent
again.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
from typing import TYPE_CHECKING, Any

from headwater.runtime.loop import BackgroundLoop, Signal, wait_first
from headwater.services.events.targets import Delivery, TargetError, deliver
from headwater.store.events import DeliveryRow, EventsStore

if TYPE_CHECKING:
    from headwater.services.events._core import EventsCore

__all__ = ["Dispatcher", "backoff"]

log = logging.getLogger("headwater.events")

DEFAULT_MAX_RETRIES = 185
DEFAULT_MAX_AGE = 86_400
BATCH = 64


def backoff(attempt: int, rng: random.Random) -> float:
    """Seconds before retry ``attempt`` (1-based): exponential, capped, with jitter."""
    base = min(300.0, 2.0 ** (attempt - 1))
    return base * (0.5 + rng.random() / 2)


class Dispatcher:
    """Delivers queued events on the background loop."""

    def __init__(self, service: EventsCore) -> None:
        self.service = service
        self._signal: Signal | None = None
        self._rng = random.Random()

    def start(self, bg: BackgroundLoop) -> None:
        """Start delivering (resumes whatever the store holds)."""
        self._signal = Signal(bg)
        bg.spawn(self._run, "events-dispatcher")

    def wake(self) -> None:
        """New deliveries are queued."""
        if self._signal is not None:
            self._signal.set()

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        clock = self.service.env.clock
        while True:
            due = await loop.run_in_executor(None, self._due, clock.now())
            if due:
                await asyncio.gather(*(loop.run_in_executor(None, self.attempt, d) for d in due))
                continue
            nxt = await loop.run_in_executor(None, self._next)
            await self._sleep(nxt)

    async def _sleep(self, deadline: float | None) -> None:
        assert self._signal is not None
        if deadline is None:
            await self._signal.wait(None)
        else:
            await wait_first(self._signal.wait(None), self.service.env.clock.sleep_until(deadline))

    def _due(self, now: float) -> list[DeliveryRow]:
        with self.service.env.store.read() as conn:
            return EventsStore.due_deliveries(conn, now, BATCH)

    def _next(self) -> float | None:
        with self.service.env.store.read() as conn:
            return EventsStore.next_delivery(conn)

    def attempt(self, row: DeliveryRow) -> None:
        """Try one delivery and record what happened."""
        env = self.service.env
        with env.store.read() as conn:
            body = EventsStore.event_body(conn, row.event_seq)
            spec = next(
                (
                    t.spec
                    for t in EventsStore.targets(conn, row.region, row.bus, row.rule)
                    if t.target_id == row.target_id
                ),
                {},
            )
        event = json.loads(body) if body else {}
        account = event.get("account", env.account_id)
        rule_arn = self.service._rule_arn(row.region, account, row.bus, row.rule)
        delivery = Delivery(
            target_arn=row.target_arn,
            input_text=row.input,
            event=event,
            rule_arn=rule_arn,
            delivery_key=f"{event.get('id')}/{row.rule}/{row.target_id}",
            region=row.region,
            account=account,
        )
        attempts = row.attempts + 1
        try:
            result = deliver(self.service, delivery)
        except TargetError as err:
            self._failed(row, spec, attempts, f"{err.code}: {err.message}", err.retryable)
            return
        except Exception as exc:  # a bug in a target handler: retry, and say why
            log.exception("delivery %s to %s crashed", row.id, row.target_arn)
            self._failed(row, spec, attempts, f"InternalFailure: {exc}", True)
            return
        with env.store.transaction() as conn:
            EventsStore.finish_delivery(
                conn,
                row.id,
                status="SUCCEEDED",
                attempts=attempts,
                at=env.clock.now(),
                result=json.dumps(result),
            )

    def _failed(
        self, row: DeliveryRow, spec: dict[str, Any], attempts: int, error: str, retryable: bool
    ) -> None:
        env = self.service.env
        now = env.clock.now()
        policy = spec.get("RetryPolicy") or {}
        max_retries = int(policy.get("MaximumRetryAttempts", DEFAULT_MAX_RETRIES))
        max_age = int(policy.get("MaximumEventAgeInSeconds", DEFAULT_MAX_AGE))
        delay = backoff(attempts, self._rng)
        final = not retryable or attempts > max_retries or now + delay - row.first_at > max_age
        with env.store.transaction() as conn:
            if final:
                EventsStore.finish_delivery(
                    conn, row.id, status="FAILED", attempts=attempts, at=now, error=error
                )
            else:
                EventsStore.finish_delivery(
                    conn,
                    row.id,
                    status="PENDING",
                    attempts=attempts,
                    at=now,
                    error=error,
                    next_attempt=now + delay,
                )
        if final:
            log.warning(
                "event delivery to %s failed for good after %d attempt(s): %s",
                row.target_arn,
                attempts,
                error,
            )
