"""Wire shapes of the Step Functions API: pagination tokens, history events, execution lists."""

from __future__ import annotations

import base64
import json
from typing import Any

from headwater.services.stepfunctions import errors

__all__ = [
    "DEFAULT_LOGGING",
    "DEFAULT_TRACING",
    "decode_token",
    "encode_token",
    "history_page",
    "page",
    "redrive_status",
    "tags_in",
    "tags_out",
]

DEFAULT_LOGGING: dict[str, Any] = {"level": "OFF", "includeExecutionData": False}
DEFAULT_TRACING: dict[str, Any] = {"enabled": False}
_DATA_KEYS = ("input", "output", "inputDetails", "outputDetails")
_REDRIVABLE = ("FAILED", "TIMED_OUT", "ABORTED")


def encode_token(value: dict[str, Any]) -> str:
    """An opaque nextToken."""
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode()


def decode_token(token: str | None) -> dict[str, Any]:
    """Read a nextToken we issued (InvalidToken otherwise)."""
    if not token:
        return {}
    try:
        value = json.loads(base64.urlsafe_b64decode(token.encode()))
    except (ValueError, TypeError) as exc:
        raise errors.invalid_token() from exc
    if not isinstance(value, dict):
        raise errors.invalid_token()
    return value


def page(
    items: list[Any], params: dict[str, Any], default: int = 100
) -> tuple[list[Any], str | None]:
    """Slice ``items`` by maxResults / nextToken (offset tokens)."""
    start = int(decode_token(params.get("nextToken")).get("o", 0))
    size = int(params.get("maxResults") or default) or default
    chunk = items[start : start + size]
    token = encode_token({"o": start + size}) if start + size < len(items) else None
    return chunk, token


def history_page(events: list[dict[str, Any]], include_data: bool) -> list[dict[str, Any]]:
    """History events as GetExecutionHistory returns them."""
    if include_data:
        return events
    out = []
    for event in events:
        event = dict(event)
        for key, value in list(event.items()):
            if key.endswith("EventDetails") and isinstance(value, dict):
                event[key] = {k: v for k, v in value.items() if k not in _DATA_KEYS}
        out.append(event)
    return out


def redrive_status(status: str, machine_type: str = "STANDARD") -> tuple[str, str | None]:
    """(redriveStatus, redriveStatusReason) of an execution, as DescribeExecution shows it."""
    if machine_type == "EXPRESS":
        return "NOT_REDRIVABLE", "Execution is of type EXPRESS and cannot be redriven"
    if status in _REDRIVABLE:
        return "REDRIVABLE", None
    return "NOT_REDRIVABLE", f"Execution is {status} and cannot be redriven"


def tags_in(tags: list[dict[str, str]] | None) -> dict[str, str]:
    """TagList -> dict."""
    return {t["key"]: t.get("value", "") for t in tags or [] if "key" in t}


def tags_out(tags: dict[str, str]) -> list[dict[str, str]]:
    """Dict -> TagList."""
    return [{"key": k, "value": v} for k, v in tags.items()]
