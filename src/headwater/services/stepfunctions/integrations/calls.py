"""Calling a Headwater service operation for a task, and shaping its answer and errors.

Step Functions speaks PascalCase to every service (``StateMachineArn`` for Step Functions'
own ``stateMachineArn``) and names errors ``<Service>.<Code>Exception``. Request members are
matched to the botocore model case-insensitively on their first letter, outputs are given
back with PascalCase member names, timestamps as ISO-8601 text and blobs (S3 bodies) as text.
"""

from __future__ import annotations

import base64
import functools
import json
import uuid
from datetime import UTC, datetime
from typing import Any

import botocore.session
from botocore import xform_name
from botocore.model import OperationModel, ServiceModel, Shape

from headwater.services.base import OpenFile, RequestContext
from headwater.services.errors import ServiceError
from headwater.services.stepfunctions.integrations.registry import (
    Failed,
    IntegrationContext,
)

__all__ = [
    "OPTIMIZED",
    "SDK_SERVICES",
    "call_operation",
    "from_wire",
    "optimized_failure",
    "sdk_failure",
    "sdk_metadata",
]

# aws-sdk:<name> -> (botocore service name, error prefix)
SDK_SERVICES: dict[str, tuple[str, str]] = {
    "s3": ("s3", "S3"),
    "glue": ("glue", "Glue"),
    "lambda": ("lambda", "Lambda"),
    "sfn": ("stepfunctions", "Sfn"),
    "eventbridge": ("events", "EventBridge"),
    "sns": ("sns", "Sns"),
    "sqs": ("sqs", "Sqs"),
    "dynamodb": ("dynamodb", "DynamoDb"),
    "athena": ("athena", "Athena"),
    "cloudwatchlogs": ("logs", "CloudWatchLogs"),
    "cloudtrail": ("cloudtrail", "CloudTrail"),
    "iam": ("iam", "Iam"),
    "sts": ("sts", "Sts"),
    "secretsmanager": ("secretsmanager", "SecretsManager"),
    "ssm": ("ssm", "Ssm"),
}

# optimized <service> -> (botocore service name, error prefix, SDK v1 client name)
OPTIMIZED: dict[str, tuple[str, str, str]] = {
    "lambda": ("lambda", "Lambda", "AWSLambda"),
    "sns": ("sns", "SNS", "AmazonSNS"),
    "sqs": ("sqs", "SQS", "AmazonSQS"),
    "states": ("stepfunctions", "StepFunctions", "AWSStepFunctions"),
    "glue": ("glue", "Glue", "AWSGlue"),
    "athena": ("athena", "Athena", "AmazonAthena"),
    "dynamodb": ("dynamodb", "DynamoDB", "AmazonDynamoDBv2"),
    "events": ("events", "EventBridge", "AmazonCloudWatchEvents"),
}


@functools.lru_cache(maxsize=64)
def _model(service: str) -> ServiceModel | None:
    try:
        return botocore.session.get_session().get_service_model(service)
    except Exception:
        return None


@functools.lru_cache(maxsize=1024)
def _operation(service: str, action: str) -> OperationModel | None:
    model = _model(service)
    if model is None:
        return None
    wanted = action.lower()
    for name in model.operation_names:
        if name.lower() == wanted:
            return model.operation_model(name)
    return None


def _exception_name(code: str) -> str:
    return code if code.endswith("Exception") else f"{code}Exception"


def sdk_failure(prefix: str, err: ServiceError, request_id: str) -> Failed:
    """An aws-sdk task's failure: ``S3.NoSuchBucketException``, SDK v2 cause style."""
    extra = f", Extended Request ID: {request_id}" if prefix == "S3" else ""
    return Failed(
        error=f"{prefix}.{_exception_name(err.code)}",
        cause=f"{err.message} (Service: {prefix}, Status Code: {err.status}, "
        f"Request ID: {request_id}{extra})",
    )


def optimized_failure(prefix: str, client: str, err: ServiceError, request_id: str) -> Failed:
    """An optimized integration's failure: ``Lambda.ResourceNotFoundException``, SDK v1 cause."""
    return Failed(
        error=f"{prefix}.{_exception_name(err.code)}",
        cause=f"{err.message} (Service: {client}; Status Code: {err.status}; "
        f"Error Code: {err.code}; Request ID: {request_id}; Proxy: null)",
    )


def sdk_metadata(
    request_id: str, content_type: str, length: int, headers: dict[str, str] | None = None
) -> dict[str, Any]:
    """The SdkHttpMetadata / SdkResponseMetadata members optimized integrations add."""
    now = datetime.now(UTC).strftime("%a, %d %b %Y %H:%M:%S GMT")
    flat = {
        "Content-Length": str(length),
        "Content-Type": content_type,
        "Date": now,
        "x-amzn-RequestId": request_id,
        **(headers or {}),
    }
    return {
        "SdkHttpMetadata": {
            "AllHttpHeaders": {k: [v] for k, v in flat.items()},
            "HttpHeaders": flat,
            "HttpStatusCode": 200,
        },
        "SdkResponseMetadata": {"RequestId": request_id},
    }


def _to_model(shape: Shape | None, value: Any) -> Any:
    """Map PascalCase task parameters onto the model's member names (recursively)."""
    if shape is None:
        return value
    kind = shape.type_name
    if kind == "structure" and isinstance(value, dict):
        lookup = {name.lower(): name for name in shape.members}
        out: dict[str, Any] = {}
        for key, item in value.items():
            name = lookup.get(str(key).lower(), str(key))
            out[name] = _to_model(shape.members.get(name), item)
        return out
    if kind == "list" and isinstance(value, list):
        return [_to_model(shape.member, v) for v in value]
    if kind == "map" and isinstance(value, dict):
        return {k: _to_model(shape.value, v) for k, v in value.items()}
    if kind == "blob":
        if isinstance(value, str):
            return value.encode("utf-8")
        if isinstance(value, bytes):
            return value
        return json.dumps(value, separators=(",", ":")).encode("utf-8")
    if kind == "timestamp" and isinstance(value, str):
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    return value


def from_wire(shape: Shape | None, value: Any) -> Any:
    """A service's output as Step Functions hands it over: PascalCase, JSON values only."""
    if value is None:
        return None
    if isinstance(value, OpenFile):
        opened = value
        try:
            opened.handle.seek(opened.offset)
            value = opened.handle.read(opened.length)
        finally:
            opened.close()
    elif hasattr(value, "read_bytes") and callable(value.read_bytes):
        value = value.read_bytes()
    kind = shape.type_name if shape is not None else None
    if isinstance(value, dict):
        if kind == "map":
            return {str(k): from_wire(shape.value, v) for k, v in value.items()}  # type: ignore[union-attr]
        members = shape.members if kind == "structure" else {}  # type: ignore[union-attr]
        out: dict[str, Any] = {}
        for key, item in value.items():
            if item is None or key == "ResponseMetadata":
                continue
            out[key[:1].upper() + key[1:]] = from_wire(members.get(key), item)
        return out
    if isinstance(value, list | tuple):
        member = shape.member if kind == "list" else None  # type: ignore[union-attr]
        return [from_wire(member, v) for v in value]
    if isinstance(value, bytes | bytearray):
        try:
            return bytes(value).decode("utf-8")
        except UnicodeDecodeError:
            return base64.b64encode(bytes(value)).decode()
    if isinstance(value, datetime):
        dt = value if value.tzinfo else value.replace(tzinfo=UTC)
        return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"
    if kind == "timestamp" and isinstance(value, int | float) and not isinstance(value, bool):
        return from_wire(shape, datetime.fromtimestamp(float(value), tz=UTC))
    return value


def call_operation(
    ictx: IntegrationContext, service: str, action: str, parameters: Any
) -> tuple[dict[str, Any], str]:
    """Call ``service``'s ``action`` in-process with task parameters; return (output, request id).

    Raises :class:`ServiceError` as the service does; an unknown service or operation raises
    one too (``UnknownOperationException``), which the caller names like any service error.
    """
    registry = ictx.env.registry
    request_id = str(uuid.uuid4())
    op = _operation(service, action)
    if registry is None or registry.get(service) is None or op is None:
        raise ServiceError(
            "UnknownOperationException",
            f"Headwater cannot call {service}:{action}: the service or operation is not available",
        )
    params = _to_model(op.input_shape, parameters if isinstance(parameters, dict) else {})
    missing = [
        m for m in (op.input_shape.required_members if op.input_shape else []) if m not in params
    ]
    if missing:
        raise ServiceError(
            "ValidationException",
            f"1 validation error detected: Value null at '{missing[0][:1].lower()}"
            f"{missing[0][1:]}' failed to satisfy constraint: Member must not be null",
        )
    ctx = RequestContext(
        request_id=request_id,
        region=ictx.ctx.region,
        account_id=ictx.ctx.account_id,
        service=service,
        operation=op.name,
        user_agent="states.amazonaws.com",
    )
    method = registry.handler(service, op.name)
    if method is None:
        raise ServiceError(
            "UnknownOperationException", f"Headwater does not implement {service}:{op.name}"
        )
    result = method(ctx, params) or {}
    return from_wire(op.output_shape, result), request_id


def operation_name(service: str, action: str) -> str:
    """Botocore's operation name for an integration action (``listObjectsV2`` -> ListObjectsV2)."""
    op = _operation(service, action)
    return op.name if op is not None else action[:1].upper() + action[1:]


def snake(name: str) -> str:
    """Botocore's method name of an operation."""
    return str(xform_name(name))
