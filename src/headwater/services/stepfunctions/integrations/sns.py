"""SNS: ``arn:aws:states:::sns:publish`` (optimized)."""

from __future__ import annotations

from typing import Any

from headwater.runtime.executions import dumps
from headwater.services.base import RequestContext
from headwater.services.errors import ServiceError
from headwater.services.stepfunctions.integrations.calls import optimized_failure, sdk_metadata
from headwater.services.stepfunctions.integrations.registry import (
    IntegrationContext,
    Outcome,
    Pattern,
    Submitted,
    Succeeded,
    TaskCall,
    register_integration,
)

__all__ = ["sns_publish"]


def sns_publish(ictx: IntegrationContext, call: TaskCall) -> Outcome:
    """Publish: a JSON Message is serialized to text; the answer carries the SDK metadata."""
    params: dict[str, Any] = dict(call.parameters) if isinstance(call.parameters, dict) else {}
    message = params.get("Message")
    if message is not None and not isinstance(message, str):
        params["Message"] = dumps(message)
    registry = ictx.env.registry
    ctx = RequestContext(
        request_id=ictx.ctx.request_id,
        region=ictx.ctx.region,
        account_id=ictx.ctx.account_id,
        service="sns",
        operation="Publish",
        user_agent="states.amazonaws.com",
    )
    try:
        if registry is None or registry.get("sns") is None:
            raise ServiceError("InternalError", "the SNS service is not running", status=500)
        out = registry.call(ctx, "sns", "Publish", params)
    except ServiceError as err:
        return optimized_failure("SNS", "AmazonSNS", err, ctx.request_id)
    result: dict[str, Any] = {"MessageId": out.get("MessageId")}
    if out.get("SequenceNumber"):
        result["SequenceNumber"] = out["SequenceNumber"]
    result.update(sdk_metadata(ctx.request_id, "text/xml", 294))
    if call.pattern is Pattern.CALLBACK:
        return Submitted(output=result)
    return Succeeded(output=result)


register_integration("arn:aws:states:::sns:publish", sns_publish)
