"""Scalar conversions shared by every protocol: timestamps, blobs, numbers, booleans."""

from __future__ import annotations

import base64
import math
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from typing import Any

__all__ = [
    "ShapeTypeError",
    "format_timestamp",
    "parse_bool",
    "parse_number",
    "parse_timestamp",
    "to_datetime",
]


class ShapeTypeError(ValueError):
    """A value does not have the type its shape requires; ``path`` names the member."""

    def __init__(self, path: str, expected: str, got: Any) -> None:
        kind = type(got).__name__
        super().__init__(f"Unexpected value type for '{path}': expected {expected}, got {kind}")
        self.path = path
        self.expected = expected


def to_datetime(value: Any) -> datetime:
    """Turn a service's timestamp (datetime or epoch seconds) into an aware UTC datetime."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    return datetime.fromtimestamp(float(value), tz=UTC)


def format_timestamp(value: Any, fmt: str) -> Any:
    """Render a timestamp as ``iso8601``, ``iso8601ms``, ``rfc822`` or ``unixTimestamp``."""
    dt = to_datetime(value).astimezone(UTC)
    if fmt == "unixTimestamp":
        ts = dt.timestamp()
        return int(ts) if ts.is_integer() else round(ts, 3)
    if fmt == "rfc822":
        return format_datetime(dt, usegmt=True)
    if fmt == "iso8601ms":
        return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"
    if dt.microsecond:
        return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"
    return dt.strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_timestamp(value: Any, path: str) -> datetime:
    """Parse an input timestamp in any of the forms clients send."""
    if isinstance(value, bool):
        raise ShapeTypeError(path, "timestamp", value)
    if isinstance(value, int | float):
        if not math.isfinite(value):
            raise ShapeTypeError(path, "timestamp", value)
        return datetime.fromtimestamp(float(value), tz=UTC)
    if not isinstance(value, str):
        raise ShapeTypeError(path, "timestamp", value)
    text = value.strip()
    try:
        return datetime.fromtimestamp(float(text), tz=UTC)
    except ValueError:
        pass
    try:
        dt = datetime.fromisoformat(text.replace("Z", "+00:00"))
        return dt if dt.tzinfo else dt.replace(tzinfo=UTC)
    except ValueError:
        pass
    try:
        return parsedate_to_datetime(text).astimezone(UTC)
    except (TypeError, ValueError, IndexError) as exc:
        raise ShapeTypeError(path, "timestamp", value) from exc


def parse_number(value: Any, integer: bool, path: str) -> int | float:
    """Parse an integer/long or float/double from JSON or text."""
    if isinstance(value, bool):
        raise ShapeTypeError(path, "integer" if integer else "number", value)
    if isinstance(value, int):
        return value if integer else float(value)
    if isinstance(value, float):
        if integer:
            if not value.is_integer():
                raise ShapeTypeError(path, "integer", value)
            return int(value)
        return value
    if isinstance(value, str):
        try:
            return int(value) if integer else float(value)
        except ValueError as exc:
            raise ShapeTypeError(path, "integer" if integer else "number", value) from exc
    raise ShapeTypeError(path, "integer" if integer else "number", value)


def parse_bool(value: Any, path: str) -> bool:
    """Parse a boolean from JSON or the text ``true``/``false``."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise ShapeTypeError(path, "boolean", value)


def decode_blob(value: Any, path: str) -> bytes:
    """Decode a base64 blob."""
    if isinstance(value, bytes):
        return value
    if not isinstance(value, str):
        raise ShapeTypeError(path, "base64 string", value)
    try:
        return base64.b64decode(value, validate=False)
    except ValueError as exc:
        raise ShapeTypeError(path, "base64 string", value) from exc


def encode_blob(value: Any) -> str:
    """Encode bytes (or text) as base64."""
    if isinstance(value, str):
        value = value.encode()
    return base64.b64encode(value).decode()
