"""The one error table, and how an error is written in each protocol's shape.

Services raise :class:`~headwater.services.errors.ServiceError` with AWS's code. Everything
else that can go wrong while handling a request is mapped here, once, to an AWS error:
parse and type errors, validation, unknown operations and services, and as a last resort any
unexpected exception, which becomes ``InternalFailure`` (500, logged) and never a traceback.
"""

from __future__ import annotations

import json
from typing import Any
from xml.etree import ElementTree as ET

from headwater.api.protocols.xml_ import to_bytes
from headwater.services.errors import ServiceError
from headwater.store.errors import ConflictError as StoreConflict
from headwater.store.errors import StoreError

__all__ = [
    "Rendered",
    "from_exception",
    "render",
    "serialization_error",
    "unknown_operation",
    "unknown_service",
    "validation_error",
]

Rendered = tuple[int, list[tuple[str, str]], bytes]

# The code a service uses for request validation failures.
VALIDATION_CODES: dict[str, str] = {
    "iam": "ValidationError",
    "sts": "ValidationError",
    "cloudformation": "ValidationError",
    "sns": "InvalidParameter",
    "s3": "InvalidArgument",
}

# The code a service uses for a body that cannot be deserialized.
SERIALIZATION_CODES: dict[str, str] = {
    "iam": "MalformedInput",
    "sts": "MalformedInput",
    "sns": "InvalidParameter",
    "s3": "MalformedXML",
}


def validation_error(service: str, message: str) -> ServiceError:
    """The error a service gives for a request that breaks its input constraints."""
    return ServiceError(VALIDATION_CODES.get(service, "ValidationException"), message)


def serialization_error(service: str, message: str) -> ServiceError:
    """The error a service gives for a body whose types do not fit the shape."""
    return ServiceError(SERIALIZATION_CODES.get(service, "SerializationException"), message)


def unknown_operation(service: str, protocol: str, name: str) -> ServiceError:
    """The error for an operation the service does not have."""
    if protocol == "query":
        return ServiceError(
            "InvalidAction", f"The action {name} is not valid for this web service."
        )
    if service == "s3":
        return ServiceError(
            "MethodNotAllowed",
            "The specified method is not allowed against this resource.",
            status=405,
        )
    return ServiceError(
        "UnknownOperationException",
        f"Unknown operation {name}",
        status=404 if protocol == "rest-json" else 400,
    )


def not_implemented(service: str, operation: str) -> ServiceError:
    """The error for an AWS operation Headwater does not implement (yet)."""
    return ServiceError(
        "NotImplemented",
        f"Headwater does not implement {service}:{operation}; "
        "see docs/services.md for what is supported",
        status=501,
        sender_fault=False,
    )


def unknown_service(name: str, enabled: list[str]) -> ServiceError:
    """The error for a request naming a service Headwater does not run."""
    return ServiceError(
        "UnknownServiceException",
        f"Headwater does not run the service '{name}'; enabled services: " + ", ".join(enabled),
        status=400,
    )


def from_exception(exc: BaseException) -> ServiceError:
    """Map any exception raised while handling a request to an AWS error."""
    if isinstance(exc, ServiceError):
        return exc
    if isinstance(exc, StoreConflict):
        return ServiceError("ConflictException", str(exc), status=409)
    if isinstance(exc, StoreError):
        return ServiceError(
            "ServiceUnavailable", f"state store error: {exc}", status=503, sender_fault=False
        )
    return ServiceError(
        "InternalFailure",
        "The request processing has failed because of an unknown error, exception or failure.",
        status=500,
        sender_fault=False,
    )


def render(
    protocol: str,
    service: str,
    err: ServiceError,
    request_id: str,
    *,
    json_version: str = "1.1",
    head: bool = False,
) -> Rendered:
    """Write ``err`` as the status, headers and body the protocol's clients expect."""
    headers: list[tuple[str, str]] = list(err.headers.items())
    if protocol in ("json", "rest-json"):
        headers.append(("x-amzn-requestid", request_id))
        headers.append(("x-amzn-errortype", err.code))
        body_obj: dict[str, Any] = {"__type": err.code, "message": err.message}
        if protocol == "rest-json":
            body_obj = {
                "Type": "User" if err.sender_fault else "Service",
                "message": err.message,
                **_jsonable(err.fields),
            }
        else:
            body_obj.update(_jsonable(err.fields))
        ctype = (
            "application/json"
            if protocol == "rest-json"
            else f"application/x-amz-json-{json_version}"
        )
        headers.append(("content-type", ctype))
        return err.status, headers, json.dumps(body_obj).encode()
    if protocol == "query":
        root = ET.Element("ErrorResponse")
        error = ET.SubElement(root, "Error")
        ET.SubElement(error, "Type").text = "Sender" if err.sender_fault else "Receiver"
        ET.SubElement(error, "Code").text = err.code
        ET.SubElement(error, "Message").text = err.message
        for k, v in err.fields.items():
            ET.SubElement(error, k).text = str(v)
        ET.SubElement(root, "RequestId").text = request_id
        headers += [("x-amzn-requestid", request_id), ("content-type", "text/xml")]
        return err.status, headers, to_bytes(root)
    # rest-xml (S3)
    headers += [("x-amz-request-id", request_id), ("x-amz-id-2", request_id)]
    if head or err.status == 304:
        return err.status, headers, b""
    root = ET.Element("Error")
    ET.SubElement(root, "Code").text = err.code
    ET.SubElement(root, "Message").text = err.message
    for k, v in err.fields.items():
        ET.SubElement(root, k).text = str(v)
    ET.SubElement(root, "RequestId").text = request_id
    ET.SubElement(root, "HostId").text = request_id
    headers.append(("content-type", "application/xml"))
    return err.status, headers, to_bytes(root)


def _jsonable(fields: dict[str, Any]) -> dict[str, Any]:
    return {
        k: v if isinstance(v, str | int | float | bool | list | dict) or v is None else str(v)
        for k, v in fields.items()
    }
