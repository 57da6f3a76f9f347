"""Lambda: ``arn:aws:states:::lambda:invoke`` (optimized) and plain function ARNs (legacy)."""

from __future__ import annotations

import json
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
)

__all__ = ["invoke_function", "lambda_invoke", "legacy_function"]

_PASSED = ("InvocationType", "Qualifier", "ClientContext", "LogType")


def invoke_function(ictx: IntegrationContext, params: dict[str, Any]) -> tuple[dict[str, Any], str]:
    """Call Lambda's Invoke in-process; return (response, request id)."""
    registry = ictx.env.registry
    if registry is None or registry.get("lambda") is None:
        raise ServiceError("ServiceException", "the Lambda service is not running", status=500)
    ctx = RequestContext(
        request_id=ictx.ctx.request_id,
        region=ictx.ctx.region,
        account_id=ictx.ctx.account_id,
        service="lambda",
        operation="Invoke",
        user_agent="states.amazonaws.com",
    )
    return registry.call(ctx, "lambda", "Invoke", params), ctx.request_id


def _payload_bytes(value: Any) -> bytes:
    # A string goes over as it is (it may hold JSON text); anything else as compact JSON.
    return value.encode("utf-8") if isinstance(value, str) else dumps(value).encode("utf-8")


def _parse(raw: bytes) -> Any:
    text = raw.decode("utf-8", "replace")
    if not text:
        return text
    try:
        return json.loads(text)
    except ValueError:
        return text


def lambda_invoke(ictx: IntegrationContext, call: TaskCall) -> Outcome:
    """``lambda:invoke``: the Invoke response with its parsed Payload and SDK metadata."""
    given = call.parameters if isinstance(call.parameters, dict) else {}
    params: dict[str, Any] = {"FunctionName": given.get("FunctionName")}
    if given.get("Payload") is not None:
        params["Payload"] = _payload_bytes(given["Payload"])
    params.update({k: given[k] for k in _PASSED if k in given})
    try:
        out, request_id = invoke_function(ictx, params)
    except ServiceError as err:
        return optimized_failure("Lambda", "AWSLambda", err, ictx.ctx.request_id)
    raw = out.get("Payload") or b""
    if not isinstance(raw, bytes):
        raw = bytes(raw)
    payload = _parse(raw)
    if out.get("FunctionError"):
        error = payload.get("errorType") if isinstance(payload, dict) else None
        cause = dumps(payload) if not isinstance(payload, str) else payload
        return Failed(error=error or "Lambda.Unknown", cause=cause)
    version = str(out.get("ExecutedVersion") or "$LATEST")
    headers = {"X-Amz-Executed-Version": version, "x-amzn-Remapped-Content-Length": "0"}
    result: dict[str, Any] = {"ExecutedVersion": version}
    if out.get("LogResult"):
        result["LogResult"] = out["LogResult"]
        headers["X-Amz-Log-Result"] = out["LogResult"]
    result["Payload"] = payload
    result.update(sdk_metadata(request_id, "application/json", len(raw), headers))
    result["StatusCode"] = out.get("StatusCode", 200)
    if call.pattern is Pattern.CALLBACK:
        return Submitted(output=result)
    return Succeeded(output=result)


def legacy_function(ictx: IntegrationContext, call: TaskCall) -> Outcome:
    """A function ARN as Resource: the input goes as the payload, the result is the payload."""
    params: dict[str, Any] = {
        "FunctionName": call.base,
        "Payload": dumps(call.parameters).encode("utf-8"),
    }
    try:
        out, _ = invoke_function(ictx, params)
    except ServiceError as err:
        return optimized_failure("Lambda", "AWSLambda", err, ictx.ctx.request_id)
    raw = out.get("Payload") or b""
    if not isinstance(raw, bytes):
        raw = bytes(raw)
    payload = _parse(raw)
    if out.get("FunctionError"):
        error = payload.get("errorType") if isinstance(payload, dict) else None
        return Failed(error=error or "Lambda.Unknown", cause=raw.decode("utf-8", "replace"))
    return Succeeded(output=payload)


register_integration("arn:aws:states:::lambda:invoke", lambda_invoke)
register_integration("arn:aws:lambda:", legacy_function, prefix=True)
