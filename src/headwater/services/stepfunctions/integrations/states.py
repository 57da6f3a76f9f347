"""Step Functions calling itself: ``states:startExecution`` (plain, ``.sync``, ``.sync:2``)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from typing import Any

from headwater.runtime.executions import dumps
from headwater.services.base import RequestContext
from headwater.services.errors import ServiceError
from headwater.services.stepfunctions.integrations.calls import optimized_failure, sdk_metadata
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

__all__ = ["child_result", "start_execution", "watch_execution"]


def _millis(epoch: float | None) -> int | None:
    return None if epoch is None else round(epoch * 1000)


def start_execution(ictx: IntegrationContext, call: TaskCall) -> Outcome:
    """StartExecution of another machine; ``.sync`` then waits for it through the waiter."""
    given = call.parameters if isinstance(call.parameters, dict) else {}
    input_ = given.get("Input")
    params: dict[str, Any] = {
        "stateMachineArn": given.get("StateMachineArn"),
        "input": "{}" if input_ is None else input_ if isinstance(input_, str) else dumps(input_),
        "name": given.get("Name") or str(uuid.uuid4()),
    }
    if given.get("TraceHeader"):
        params["traceHeader"] = given["TraceHeader"]
    ctx = RequestContext(
        request_id=str(uuid.uuid4()),
        region=ictx.ctx.region,
        account_id=ictx.ctx.account_id,
        service="stepfunctions",
        operation="StartExecution",
        user_agent="states.amazonaws.com",
    )
    try:
        if not params["stateMachineArn"]:
            raise ServiceError(
                "ValidationException",
                "1 validation error detected: Value null at 'stateMachineArn' failed to "
                "satisfy constraint: Member must not be null",
            )
        out = ictx.service.start_execution(ctx, params)
    except ServiceError as err:
        return optimized_failure("StepFunctions", "AWSStepFunctions", err, ctx.request_id)
    result: dict[str, Any] = {"ExecutionArn": out["executionArn"]}
    result.update(sdk_metadata(ctx.request_id, "application/x-amz-json-1.0", 161))
    result["StartDate"] = _millis(out["startDate"])
    if call.pattern is Pattern.REQUEST_RESPONSE:
        return Succeeded(output=result)
    return Submitted(output=result)


def child_result(described: dict[str, Any], pattern: Pattern) -> dict[str, Any]:
    """The ``.sync`` output: DescribeExecution in PascalCase (parsed JSON for ``.sync:2``)."""
    parsed = pattern is Pattern.SYNC2
    out: dict[str, Any] = {"ExecutionArn": described["executionArn"]}
    text = described.get("input")
    out["Input"] = json.loads(text) if parsed and text is not None else text
    out["InputDetails"] = {"Included": True}
    out["Name"] = described["name"]
    if described.get("output") is not None:
        text = described["output"]
        out["Output"] = json.loads(text) if parsed else text
        out["OutputDetails"] = {"Included": True}
    for key in ("error", "cause"):
        if described.get(key) is not None:
            out[key.capitalize()] = described[key]
    if parsed:
        out["RedriveCount"] = described.get("redriveCount", 0)
        out["RedriveStatus"] = described.get("redriveStatus")
        out["RedriveStatusReason"] = described.get("redriveStatusReason")
    out["StartDate"] = _millis(described.get("startDate"))
    out["StateMachineArn"] = described["stateMachineArn"]
    out["Status"] = described["status"]
    out["StopDate"] = _millis(described.get("stopDate"))
    return {k: v for k, v in out.items() if v is not None}


def watch_execution(
    ictx: IntegrationContext, call: TaskCall, submitted: Any, done: Callable[[Outcome], None]
) -> Callable[[], None] | None:
    """Subscribe to the child execution's end (``states:startExecution.sync``)."""
    arn = (submitted or {}).get("ExecutionArn")
    if not arn:
        done(Failed(error="States.Runtime", cause="the submitted execution has no ARN"))
        return None

    def ended(described: dict[str, Any]) -> None:
        result = child_result(described, call.pattern)
        if described["status"] == "SUCCEEDED":
            done(Succeeded(output=result))
        else:
            done(Failed(error="States.TaskFailed", cause=dumps(result)))

    unsubscribe: Callable[[], None] | None = ictx.service.on_execution_end(arn, ended)
    return unsubscribe


register_integration("arn:aws:states:::states:startExecution", start_execution)
register_sync_waiter("states:startExecution", watch_execution)
