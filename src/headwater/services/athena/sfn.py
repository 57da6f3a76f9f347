"""Step Functions' Athena tasks: ``arn:aws:states:::athena:<action>`` and the ``.sync`` waiter.

``startQueryExecution`` answers ``{"QueryExecutionId": ...}``; with ``.sync`` the task waits,
unpolled, until the query ends and returns GetQueryExecution's answer (a SUCCEEDED query) or
fails with ``States.TaskFailed`` and that answer as the cause. ``getQueryExecution``,
``getQueryResults`` and ``stopQueryExecution`` are the plain calls. Timestamps come back in
epoch milliseconds, as the Step Functions optimized integrations serialize them.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from datetime import datetime
from typing import Any

from headwater.services.errors import ServiceError
from headwater.services.stepfunctions.integrations.calls import (
    call_operation,
    optimized_failure,
)
from headwater.services.stepfunctions.integrations.registry import (
    Failed,
    IntegrationContext,
    Outcome,
    Pattern,
    Submitted,
    Succeeded,
    TaskCall,
    register_integration,
    register_sync_waiter,
)

__all__ = ["athena_task", "millis", "watch_query"]

_STAMPS = ("SubmissionDateTime", "CompletionDateTime", "CreationTime", "LastModifiedTime")


def millis(value: Any) -> Any:
    """Timestamps (ISO text or epoch seconds) as epoch milliseconds, recursively."""
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for key, item in value.items():
            if key in _STAMPS and isinstance(item, str):
                stamp = datetime.fromisoformat(item.replace("Z", "+00:00"))
                out[key] = round(stamp.timestamp() * 1000)
            elif key in _STAMPS and isinstance(item, int | float):
                out[key] = round(float(item) * 1000)
            else:
                out[key] = millis(item)
        return out
    if isinstance(value, list):
        return [millis(v) for v in value]
    return value


def athena_task(ictx: IntegrationContext, call: TaskCall) -> Outcome:
    """Any ``athena:<action>`` task: the API call, its answer with millisecond timestamps."""
    _, action = call.service_action
    try:
        output, _ = call_operation(ictx, "athena", action, call.parameters)
    except ServiceError as err:
        return optimized_failure("Athena", "AmazonAthena", err, ictx.ctx.request_id)
    if call.pattern is not Pattern.REQUEST_RESPONSE:
        return Submitted(output=millis(output))
    return Succeeded(output=millis(output))


def watch_query(
    ictx: IntegrationContext, call: TaskCall, submitted: Any, done: Callable[[Outcome], None]
) -> Callable[[], None] | None:
    """The SyncWaiter of ``athena:startQueryExecution``."""
    qid = submitted.get("QueryExecutionId") if isinstance(submitted, dict) else None
    registry = ictx.env.registry
    athena: Any = registry.get("athena") if registry is not None else None
    if not qid or athena is None:
        done(Failed(error="States.Runtime", cause="the submitted Athena query cannot be watched"))
        return None
    fired = threading.Event()

    def finish() -> None:
        if fired.is_set():
            return
        try:
            output, _ = call_operation(
                ictx, "athena", "getQueryExecution", {"QueryExecutionId": qid}
            )
        except ServiceError as err:
            fired.set()
            done(optimized_failure("Athena", "AmazonAthena", err, ictx.ctx.request_id))
            return
        execution = millis(output)
        state = execution.get("QueryExecution", {}).get("Status", {}).get("State")
        if state not in ("SUCCEEDED", "FAILED", "CANCELLED"):
            return
        fired.set()
        if state == "SUCCEEDED":
            done(Succeeded(output=execution))
        else:
            done(Failed(error="States.TaskFailed", cause=json.dumps(execution, default=str)))

    unsubscribe: Callable[[], None] = athena.runner.watch(str(qid), lambda _e: finish())
    finish()  # it may have ended before the watch was set
    return unsubscribe


for _action in ("startQueryExecution", "getQueryExecution", "getQueryResults"):
    register_integration(f"arn:aws:states:::athena:{_action}", athena_task)
register_integration("arn:aws:states:::athena:stopQueryExecution", athena_task)
register_sync_waiter("athena:startQueryExecution", watch_query)
