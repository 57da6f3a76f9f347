"""The dispatcher: queued deliveries go to their targets, at least once, with retries.

Due deliveries are taken in batches: one read gives the rows and their events, target types
with a batch handler (Step Functions) get all of theirs at once, the others are attempted
concurrently, and one transaction records every outcome (success, a final failure kept as
the dead letter, or the next attempt time). A restart resumes from the rows: nothing
accepted is lost, and nothing recorded as delivered is sent again. A crash between a target
call and the record repeats the call (at least once); targets are called with a key stable
across attempts (Step Functions derives the execution name from it) so a repeat starts
nothing new.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from headwater.runtime.loop import BackgroundLoop, Signal, wait_first
from headwater.services.events.targets import (
    Delivery,
    TargetError,
    batch_service,
    deliver,
    deliver_many,
)
from headwater.store.events import DeliveryOutcome, DeliveryRow, EventsStore

if TYPE_CHECKING:
    from headwater.services.events._core import EventsCore

__all__ = ["Dispatcher", "backoff"]

log = logging.getLogger("headwater.events")

DEFAULT_MAX_RETRIES = 185
DEFAULT_MAX_AGE = 86_400
BATCH = 256  # deliveries taken, attempted and recorded together
CONCURRENCY = 8  # deliveries without a batch handler attempted at once
_RETRY_ROUND = 1.0  # real seconds before a round that failed as a whole is tried again

_Result = dict[str, Any] | TargetError


@dataclass(frozen=True, slots=True)
class _Due:
    """A due delivery with what attempting it needs."""

    row: DeliveryRow
    delivery: Delivery
    spec: dict[str, Any]


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
        self._pool: ThreadPoolExecutor | None = None

    def start(self, bg: BackgroundLoop) -> None:
        """Start delivering (resumes whatever the store holds)."""
        self._signal = Signal(bg)
        bg.spawn(self._run, "events-dispatcher")

    def stop(self) -> None:
        """Release the delivery threads."""
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None

    def wake(self) -> None:
        """New deliveries are queued."""
        if self._signal is not None:
            self._signal.set()

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        clock = self.service.env.clock
        while True:
            try:
                if await loop.run_in_executor(None, self.deliver_due, clock.now()):
                    continue
                nxt = await loop.run_in_executor(None, self._next)
            except Exception:  # the store failing, say: the rows stay due, try again soon
                log.exception("event delivery round failed; retrying")
                await asyncio.sleep(_RETRY_ROUND)
                continue
            await self._sleep(nxt)

    async def _sleep(self, deadline: float | None) -> None:
        assert self._signal is not None
        if deadline is None:
            await self._signal.wait(None)
        else:
            await wait_first(self._signal.wait(None), self.service.env.clock.sleep_until(deadline))

    def _next(self) -> float | None:
        with self.service.env.store.read() as conn:
            return EventsStore.next_delivery(conn)

    # -- one round ------------------------------------------------------------------------
    def deliver_due(self, now: float, limit: int = BATCH) -> int:
        """Attempt up to ``limit`` due deliveries and record them; return how many."""
        due = self._load(now, limit)
        if not due:
            return 0
        results = self._attempt_all(due)
        self._record([(d, results[i]) for i, d in enumerate(due)])
        return len(due)

    def attempt(self, row: DeliveryRow) -> None:
        """Try one delivery and record what happened."""
        with self.service.env.store.read() as conn:
            due = self._prepare(conn, [row])
        self._record([(due[0], self._attempt_one(due[0]))])

    def _load(self, now: float, limit: int) -> list[_Due]:
        with self.service.env.store.read() as conn:
            rows = EventsStore.due_deliveries(conn, now, limit)
            return self._prepare(conn, rows) if rows else []

    def _prepare(self, conn: Any, rows: list[DeliveryRow]) -> list[_Due]:
        svc = self.service
        bodies = EventsStore.event_bodies(conn, sorted({r.event_seq for r in rows}))
        specs: dict[tuple[str, str, str], dict[str, dict[str, Any]]] = {}
        out = []
        for row in rows:
            key = (row.region, row.bus, row.rule)
            if key not in specs:
                specs[key] = {t.target_id: t.spec for t, _ in svc._rule_targets(conn, *key)}
            body = bodies.get(row.event_seq)
            event = json.loads(body) if body else {}
            account = event.get("account", svc.env.account_id)
            delivery = Delivery(
                target_arn=row.target_arn,
                input_text=row.input,
                event=event,
                rule_arn=svc._rule_arn(row.region, account, row.bus, row.rule),
                delivery_key=f"{event.get('id')}/{row.rule}/{row.target_id}",
                region=row.region,
                account=account,
            )
            out.append(_Due(row=row, delivery=delivery, spec=specs[key].get(row.target_id, {})))
        return out

    def _attempt_all(self, due: list[_Due]) -> list[_Result]:
        results: list[_Result | None] = [None] * len(due)
        batches: dict[str, list[int]] = {}
        singles: list[int] = []
        for i, d in enumerate(due):
            service = batch_service(d.delivery)
            if service is None:
                singles.append(i)
            else:
                batches.setdefault(service, []).append(i)
        futures: list[tuple[int, Future[_Result]]] = []
        if len(singles) > 1:
            pool = self._threads()
            futures = [(i, pool.submit(self._attempt_one, due[i])) for i in singles]
        elif singles:
            results[singles[0]] = self._attempt_one(due[singles[0]])
        for service, indexes in batches.items():
            for i, result in zip(
                indexes, self._attempt_batch(service, [due[i] for i in indexes]), strict=True
            ):
                results[i] = result
        for i, future in futures:
            results[i] = future.result()
        return [r if r is not None else _crashed("no result") for r in results]

    def _threads(self) -> ThreadPoolExecutor:
        if self._pool is None:
            self._pool = ThreadPoolExecutor(CONCURRENCY, thread_name_prefix="events-deliver")
        return self._pool

    def _attempt_one(self, due: _Due) -> _Result:
        return _guarded(lambda: deliver(self.service, due.delivery), due)

    def _attempt_batch(self, service: str, due: list[_Due]) -> list[_Result]:
        try:
            return deliver_many(self.service, service, [d.delivery for d in due])
        except Exception as exc:  # a bug in a batch handler: retry each, and say why
            log.exception("batch delivery of %d to %s crashed", len(due), service)
            return [_crashed(str(exc)) for _ in due]

    # -- recording ------------------------------------------------------------------------
    def _record(self, attempted: list[tuple[_Due, _Result]]) -> None:
        env = self.service.env
        now = env.clock.now()
        outcomes = []
        dead = []
        for due, result in attempted:
            row = due.row
            attempts = row.attempts + 1
            if not isinstance(result, TargetError):
                outcomes.append(
                    DeliveryOutcome(
                        id=row.id,
                        status="SUCCEEDED",
                        attempts=attempts,
                        at=now,
                        result=json.dumps(result),
                    )
                )
                continue
            error = f"{result.code}: {result.message}"
            policy = due.spec.get("RetryPolicy") or {}
            max_retries = int(policy.get("MaximumRetryAttempts", DEFAULT_MAX_RETRIES))
            max_age = int(policy.get("MaximumEventAgeInSeconds", DEFAULT_MAX_AGE))
            delay = backoff(attempts, self._rng)
            final = (
                not result.retryable
                or attempts > max_retries
                or now + delay - row.first_at > max_age
            )
            if final:
                dead.append((row, attempts, error))
            outcomes.append(
                DeliveryOutcome(
                    id=row.id,
                    status="FAILED" if final else "PENDING",
                    attempts=attempts,
                    at=now,
                    error=error,
                    next_attempt=None if final else now + delay,
                )
            )
        with env.store.transaction() as conn:
            EventsStore.finish_deliveries(conn, outcomes)
        for row, attempts, error in dead:
            log.warning(
                "event delivery to %s failed for good after %d attempt(s): %s",
                row.target_arn,
                attempts,
                error,
            )


def _crashed(why: str) -> TargetError:
    return TargetError("InternalFailure", why, retryable=True)


def _guarded(call: Callable[[], dict[str, Any]], due: _Due) -> _Result:
    try:
        return call()
    except TargetError as err:
        return err
    except Exception as exc:  # a bug in a target handler: retry, and say why
        log.exception("delivery %s to %s crashed", due.row.id, due.row.target_arn)
        return _crashed(str(exc))
