"""Small helpers the EventBridge modules share: names, errors, paging, event times."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from headwater.services.errors import ServiceError

__all__ = ["DEFAULT_BUS", "bus_name", "event_time", "not_found", "paginate"]

DEFAULT_BUS = "default"


def not_found(message: str) -> ServiceError:
    """EventBridge's ResourceNotFoundException."""
    return ServiceError("ResourceNotFoundException", message)


def bus_name(value: str | None) -> str:
    """The bus a request names (by name or ARN; the default bus when absent)."""
    if not value:
        return DEFAULT_BUS
    return value.rsplit("/", 1)[-1] if value.startswith("arn:") else value


def event_time(event: dict[str, Any]) -> float:
    """An event's ``time`` as epoch seconds (0 when it cannot be read)."""
    try:
        return datetime.fromisoformat(str(event.get("time", "")).replace("Z", "+00:00")).timestamp()
    except ValueError:
        return 0.0


def paginate(keys: list[str], params: dict[str, Any]) -> tuple[list[str], str | None]:
    """One page of ``keys`` per Limit/NextToken (the token is an offset)."""
    start = int(params["NextToken"]) if str(params.get("NextToken", "")).isdigit() else 0
    limit = int(params.get("Limit") or 100)
    page = keys[start : start + limit]
    return page, str(start + limit) if start + limit < len(keys) else None
