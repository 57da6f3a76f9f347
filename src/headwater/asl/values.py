"""JSON value helpers shared by the language core: AWS's serialization and type names."""

from __future__ import annotations

import json
from typing import Any

__all__ = ["dumps", "is_number", "json_type_name", "payload_size"]


_ENCODER = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False)


def dumps(value: Any) -> str:
    """Serialize as AWS does in payloads, history events and causes: compact JSON."""
    return _ENCODER.encode(value)


def payload_size(value: Any) -> int:
    """The UTF-8 size in bytes of a payload as AWS measures it against the 256 KiB limit."""
    return len(dumps(value).encode("utf-8"))


def is_number(value: Any) -> bool:
    """Tell whether ``value`` is a JSON number (booleans are not)."""
    return isinstance(value, int | float) and not isinstance(value, bool)


def json_type_name(value: Any) -> str:
    """The JSON type name of ``value`` as AWS spells it in causes."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"
