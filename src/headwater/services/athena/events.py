"""'Athena Query State Change' events on the default EventBridge bus, as Athena emits them.

Each state change of a query (QUEUED, RUNNING, SUCCEEDED, FAILED, CANCELLED) becomes one event
with source ``aws.athena``. They are handed to EventBridge in order, on one thread of their
own, so that emitting never delays a query or an API answer; the events of the next 50 ms go
together in one batch (one store transaction), so a short query costs one ingest, not three.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

from headwater.services.base import Environment

__all__ = ["StateChangeEvents", "state_change_event"]

log = logging.getLogger("headwater.athena")

_LINGER = 0.05  # real seconds a batch waits for more events (delivery is asynchronous anyway)
_REMEMBERED = 4096  # queries whose last state is remembered (late notifications are dropped)
_RANK = {"QUEUED": 0, "RUNNING": 1, "SUCCEEDED": 2, "FAILED": 2, "CANCELLED": 2}


def state_change_event(
    execution: dict[str, Any],
    *,
    region: str,
    account: str,
    at: float,
    previous: str | None,
    sequence: int,
) -> dict[str, Any]:
    """The EventBridge event of one query state change."""
    detail: dict[str, Any] = {
        "currentState": execution["Status"]["State"],
        "queryExecutionId": execution["QueryExecutionId"],
        "sequenceNumber": str(sequence),
        "statementType": execution.get("StatementType", "DML"),
        "versionId": "0",
        "workgroupName": execution.get("WorkGroup", "primary"),
    }
    if previous:
        detail["previousState"] = previous
    reason = execution["Status"].get("StateChangeReason")
    if reason and detail["currentState"] == "FAILED":
        detail["athenaError"] = {"errorMessage": reason}
    stamp = datetime.fromtimestamp(at, tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Athena Query State Change",
        "source": "aws.athena",
        "account": account,
        "time": stamp,
        "region": region,
        "resources": [],
        "detail": detail,
    }


class StateChangeEvents:
    """Turns the runner's state-change notifications into events, in order."""

    def __init__(self, env: Environment) -> None:
        self.env = env
        self._lock = threading.Lock()
        self._seen: OrderedDict[str, tuple[str, int]] = OrderedDict()
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="athena-events")
        self._pending: list[dict[str, Any]] = []
        self._scheduled = False

    def __call__(self, execution: dict[str, Any]) -> None:
        """A listener for :meth:`QueryRunner.on_any_change`."""
        qid = str(execution["QueryExecutionId"])
        state = str(execution["Status"]["State"])
        with self._lock:
            previous, sequence = self._seen.get(qid, (None, 0))
            if previous is not None and _RANK[state] <= _RANK[previous]:
                return  # a late notification of an earlier state (or a repeat)
            self._seen[qid] = (state, sequence + 1)
            self._seen.move_to_end(qid)
            while len(self._seen) > _REMEMBERED:
                self._seen.popitem(last=False)
        event = state_change_event(
            execution,
            region=str(execution.get("_region") or self.env.default_region),
            account=str(execution.get("_account") or self.env.account_id),
            at=self.env.clock.now(),
            previous=previous,
            sequence=sequence + 1,
        )
        with self._lock:
            self._pending.append(event)
            if self._scheduled:
                return
            self._scheduled = True
        self._executor.submit(self._drain)

    def _drain(self) -> None:
        """Hand every pending event to EventBridge, one transaction per region's batch."""
        time.sleep(_LINGER)  # let a short query's QUEUED, RUNNING and end share one batch
        with self._lock:
            batch, self._pending = self._pending, []
            self._scheduled = False
        registry = self.env.registry
        events: Any = registry.get("events") if registry is not None else None
        if not batch or events is None or not hasattr(events, "ingest_events"):
            return
        by_region: dict[str, list[dict[str, Any]]] = {}
        for event in batch:
            by_region.setdefault(str(event["region"]), []).append(event)
        for region, items in by_region.items():
            try:
                events.ingest_events(items, region=region, bus="default")
            except Exception:  # events are best effort in AWS too
                log.exception("cannot emit %d Athena state change event(s)", len(items))

    def reset(self) -> None:
        """Emit what is queued (before the store is wiped), then forget the states seen."""
        self._executor.submit(lambda: None).result(timeout=10)
        with self._lock:
            self._seen.clear()

    def stop(self) -> None:
        """Deliver what is queued, then stop."""
        self._executor.shutdown(wait=True)
