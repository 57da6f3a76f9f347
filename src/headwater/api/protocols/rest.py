"""REST-JSON and REST-XML: members bound to the URI, query string, headers and payload."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote
from xml.etree import ElementTree as ET

from botocore.model import OperationModel, Shape

from headwater.api.protocols import json_, xml_
from headwater.api.protocols._scalars import ShapeTypeError, format_timestamp

__all__ = ["RestResponse", "parse_request", "serialize_response", "S3_ROOTS"]

# Root element names of S3 responses whose model does not carry one.
S3_ROOTS: dict[str, str] = {
    "ListObjects": "ListBucketResult",
    "ListObjectsV2": "ListBucketResult",
    "ListObjectVersions": "ListVersionsResult",
    "ListBuckets": "ListAllMyBucketsResult",
    "CreateMultipartUpload": "InitiateMultipartUploadResult",
    "CompleteMultipartUpload": "CompleteMultipartUploadResult",
    "ListParts": "ListPartsResult",
    "ListMultipartUploads": "ListMultipartUploadsResult",
    "DeleteObjects": "DeleteResult",
    "GetObjectTagging": "Tagging",
    "GetBucketTagging": "Tagging",
    "GetBucketVersioning": "VersioningConfiguration",
    "GetBucketNotificationConfiguration": "NotificationConfiguration",
    "GetBucketAcl": "AccessControlPolicy",
    "GetObjectAcl": "AccessControlPolicy",
    "GetBucketCors": "CORSConfiguration",
    "GetBucketLifecycleConfiguration": "LifecycleConfiguration",
    "GetBucketEncryption": "ServerSideEncryptionConfiguration",
    "GetObjectAttributes": "GetObjectAttributesResponse",
}
S3_NAMESPACE = "http://s3.amazonaws.com/doc/2006-03-01/"


def _header_value(shape: Shape, raw: str, path: str) -> Any:
    if shape.type_name == "timestamp":
        return xml_.parse_text(shape, raw, path)
    if shape.type_name == "list":
        return [xml_.parse_text(shape.member, part.strip(), path) for part in raw.split(",")]
    if shape.serialization.get("jsonvalue"):
        try:
            return json.loads(base64.b64decode(raw))
        except ValueError:
            return raw
    return xml_.parse_text(shape, raw, path)


def parse_request(
    op: OperationModel,
    protocol: str,
    uri_params: dict[str, str],
    query: dict[str, list[str]],
    headers: dict[str, str],
    body: Any,
) -> dict[str, Any]:
    """Build the operation's parameters from every part of a REST request.

    ``body`` is bytes, or for streaming payloads whatever the caller spooled it into.
    """
    shape = op.input_shape
    if shape is None:
        return {}
    params: dict[str, Any] = {}
    claimed_query: set[str] = set()
    map_query: str | None = None
    for name, member in shape.members.items():
        ser = member.serialization
        loc = ser.get("location")
        wire = ser.get("name", name)
        if loc == "uri":
            if wire in uri_params:
                params[name] = xml_.parse_text(member, unquote(uri_params[wire]), name)
        elif loc == "querystring":
            if member.type_name == "map":
                map_query = name
                continue
            claimed_query.add(wire)
            if wire in query:
                values = query[wire]
                if member.type_name == "list":
                    params[name] = [xml_.parse_text(member.member, v, name) for v in values]
                else:
                    params[name] = xml_.parse_text(member, values[0], name)
        elif loc == "header":
            raw = headers.get(wire.lower())
            if raw is not None:
                params[name] = _header_value(member, raw, name)
        elif loc == "headers":
            prefix = wire.lower()
            found = {k[len(prefix) :]: v for k, v in headers.items() if k.startswith(prefix)}
            if found:
                params[name] = found
    if map_query is not None:
        rest = {k: v[0] for k, v in query.items() if k not in claimed_query}
        if rest:
            params[map_query] = rest
    payload = shape.serialization.get("payload")
    if payload:
        member = shape.members[payload]
        if member.type_name in ("blob", "string"):
            if member.type_name == "string" and isinstance(body, bytes):
                params[payload] = body.decode("utf-8", "replace")
            elif body is not None and (
                not isinstance(body, bytes) or body or member.serialization.get("streaming")
            ):
                params[payload] = body
        elif isinstance(body, bytes) and body.strip():
            params[payload] = _parse_body(member, protocol, body, payload)
    elif isinstance(body, bytes) and body.strip():
        parsed = _parse_body(shape, protocol, body, "")
        if isinstance(parsed, dict):
            for k, v in parsed.items():
                params.setdefault(k, v)
    return params


def _parse_body(shape: Shape, protocol: str, body: bytes, path: str) -> Any:
    if protocol == "rest-json":
        try:
            data = json.loads(body)
        except ValueError as exc:
            raise ShapeTypeError(path or "body", "JSON", body[:40]) from exc
        return json_.parse_value(shape, data, path)
    try:
        root = ET.fromstring(body)
    except ET.ParseError as exc:
        raise MalformedXML(str(exc)) from exc
    return xml_.parse_element(shape, root, path)


class MalformedXML(ValueError):
    """The request body is not well-formed XML."""


@dataclass(slots=True, kw_only=True)
class RestResponse:
    """Status, headers and a body that is bytes or a streaming file slice."""

    status: int
    headers: list[tuple[str, str]]
    body: Any


def _header_text(shape: Shape, value: Any) -> str:
    if shape.type_name == "timestamp":
        return str(format_timestamp(value, shape.serialization.get("timestampFormat", "rfc822")))
    if isinstance(value, bool):
        return "true" if value else "false"
    if shape.serialization.get("jsonvalue"):
        return base64.b64encode(json.dumps(value).encode()).decode()
    if shape.type_name == "list":
        return ",".join(str(v) for v in value)
    return str(value)


def serialize_response(
    op: OperationModel, protocol: str, output: dict[str, Any], *, namespace: str | None = None
) -> RestResponse:
    """Turn a service's output dict into a REST response."""
    status = int(op.http.get("responseCode", 200))
    headers: list[tuple[str, str]] = []
    meta = output.get("ResponseMetadata") or {}
    if meta.get("HTTPStatusCode"):
        status = int(meta["HTTPStatusCode"])
    for k, v in (meta.get("HTTPHeaders") or {}).items():
        headers.append((k.lower(), str(v)))
    shape = op.output_shape
    if shape is None:
        return RestResponse(status=status, headers=headers, body=b"")
    body_members: dict[str, Any] = {}
    for name, member in shape.members.items():
        value = output.get(name)
        if value is None:
            continue
        ser = member.serialization
        loc = ser.get("location")
        if loc == "header":
            headers.append((ser.get("name", name).lower(), _header_text(member, value)))
        elif loc == "headers":
            prefix = ser.get("name", name).lower()
            headers.extend((prefix + str(k).lower(), str(v)) for k, v in value.items())
        elif loc == "statusCode":
            status = int(value)
        else:
            body_members[name] = value
    payload = shape.serialization.get("payload")
    if payload:
        member = shape.members[payload]
        value = output.get(payload)
        if value is None:
            return RestResponse(status=status, headers=headers, body=b"")
        if member.type_name in ("blob", "string"):
            if isinstance(value, str):
                value = value.encode()
            return RestResponse(status=status, headers=headers, body=value)
        if protocol == "rest-json":
            headers.append(("content-type", "application/json"))
            data = json.dumps(json_.serialize_value(member, value)).encode()
            return RestResponse(status=status, headers=headers, body=data)
        name = member.serialization.get("name", member.name)
        elem = xml_.serialize_element(
            member, value, name, timestamp_format="iso8601ms", namespace=namespace
        )
        headers.append(("content-type", "application/xml"))
        return RestResponse(status=status, headers=headers, body=xml_.to_bytes(elem))
    if op.name == "GetBucketLocation":
        root = ET.Element("LocationConstraint", {"xmlns": S3_NAMESPACE})
        root.text = str(body_members.get("LocationConstraint") or "") or None
        headers.append(("content-type", "application/xml"))
        return RestResponse(status=status, headers=headers, body=xml_.to_bytes(root))
    if not body_members:
        if protocol == "rest-json" and status != 204:
            headers.append(("content-type", "application/json"))
            return RestResponse(status=status, headers=headers, body=b"{}")
        return RestResponse(status=status, headers=headers, body=b"")
    if protocol == "rest-json":
        headers.append(("content-type", "application/json"))
        data = json.dumps(json_.serialize_value(shape, body_members)).encode()
        return RestResponse(status=status, headers=headers, body=data)
    root_name = S3_ROOTS.get(op.name) or shape.serialization.get("name") or shape.name
    elem = xml_.serialize_element(
        shape, body_members, root_name, timestamp_format="iso8601ms", namespace=namespace
    )
    headers.append(("content-type", "application/xml"))
    return RestResponse(status=status, headers=headers, body=xml_.to_bytes(elem))
