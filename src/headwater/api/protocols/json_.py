"""JSON values <-> shapes, for the JSON 1.0/1.1 and REST-JSON protocols."""

from __future__ import annotations

from typing import Any

from botocore.model import Shape

from headwater.api.protocols._scalars import (
    ShapeTypeError,
    decode_blob,
    encode_blob,
    format_timestamp,
    parse_number,
    parse_timestamp,
)

__all__ = ["parse_value", "serialize_value"]

_INTEGERS = ("integer", "long", "short", "byte")
_FLOATS = ("float", "double", "bigdecimal")


def parse_value(shape: Shape, value: Any, path: str) -> Any:
    """Convert decoded JSON ``value`` into the Python value of ``shape`` (type-checked)."""
    kind = shape.type_name
    if kind == "structure":
        if not isinstance(value, dict):
            raise ShapeTypeError(path, "structure", value)
        out: dict[str, Any] = {}
        members = shape.members
        wire_names = {m.serialization.get("name", n): n for n, m in members.items()}
        for key, item in value.items():
            name = wire_names.get(key)
            if name is None or item is None:
                continue
            member = members[name]
            if member.serialization.get("location"):
                continue
            out[name] = parse_value(member, item, f"{path}.{name}" if path else name)
        return out
    if kind == "list":
        if not isinstance(value, list):
            raise ShapeTypeError(path, "list", value)
        return [
            parse_value(shape.member, v, f"{path}.{i + 1}.member")
            for i, v in enumerate(value)
            if v is not None
        ]
    if kind == "map":
        if not isinstance(value, dict):
            raise ShapeTypeError(path, "map", value)
        return {
            str(k): parse_value(shape.value, v, f"{path}.{k}")
            for k, v in value.items()
            if v is not None
        }
    return parse_scalar(shape, value, path)


def parse_scalar(shape: Shape, value: Any, path: str) -> Any:
    """Convert one scalar JSON value."""
    kind = shape.type_name
    if kind == "string":
        if not isinstance(value, str):
            raise ShapeTypeError(path, "string", value)
        return value
    if kind in _INTEGERS:
        if isinstance(value, str):
            raise ShapeTypeError(path, "integer", value)
        return parse_number(value, True, path)
    if kind in _FLOATS:
        if isinstance(value, str):
            raise ShapeTypeError(path, "number", value)
        return parse_number(value, False, path)
    if kind == "boolean":
        if not isinstance(value, bool):
            raise ShapeTypeError(path, "boolean", value)
        return value
    if kind == "timestamp":
        return parse_timestamp(value, path)
    if kind == "blob":
        return decode_blob(value, path)
    return value  # document / unknown: passed through


def serialize_value(shape: Shape, value: Any, timestamp_format: str = "unixTimestamp") -> Any:
    """Convert a service's output value into JSON-ready data for ``shape``."""
    kind = shape.type_name
    if value is None:
        return None
    if kind == "structure":
        if not isinstance(value, dict):
            return value
        out: dict[str, Any] = {}
        for name, member in shape.members.items():
            if name not in value or value[name] is None:
                continue
            if member.serialization.get("location"):
                continue
            out[member.serialization.get("name", name)] = serialize_value(
                member, value[name], timestamp_format
            )
        return out
    if kind == "list":
        return [serialize_value(shape.member, v, timestamp_format) for v in value]
    if kind == "map":
        return {str(k): serialize_value(shape.value, v, timestamp_format) for k, v in value.items()}
    if kind == "timestamp":
        fmt = shape.serialization.get("timestampFormat", timestamp_format)
        return format_timestamp(value, fmt)
    if kind == "blob":
        if hasattr(value, "read_bytes"):
            value = value.read_bytes()
        return encode_blob(value)
    if kind in _FLOATS and isinstance(value, int | float):
        return value
    return value
