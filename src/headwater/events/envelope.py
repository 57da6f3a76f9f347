"""TestEventPattern's view of an event: the envelope check and the whole operation.

TestEventPattern accepts only a JSON object carrying the envelope fields ``id``, ``account``,
``source``, ``time``, ``region`` and ``detail-type`` (AWS's documentation also lists
``resources``, but AWS does not require it) and answers "Parameter Event is not valid."
otherwise. The pattern is validated first, so a bad pattern wins over a bad event.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from headwater.events.compiler import compile_pattern
from headwater.events.errors import InvalidEventError
from headwater.events.model import EventPattern

__all__ = ["ENVELOPE_FIELDS", "evaluate_event_pattern", "validate_event_envelope"]

ENVELOPE_FIELDS = ("id", "account", "source", "time", "region", "detail-type")


def validate_event_envelope(event: str | bytes | Mapping[str, Any]) -> dict[str, Any]:
    """Parse and check an event as TestEventPattern does.

    Returns:
        The event as a dict.

    Raises:
        InvalidEventError: "Parameter Event is not valid." (not JSON, not an object, or an
            envelope field missing).
    """
    if isinstance(event, Mapping):
        loaded: Any = dict(event)
    else:
        try:
            loaded = json.loads(event)
        except (ValueError, TypeError):
            raise InvalidEventError() from None
    if not isinstance(loaded, dict) or any(field not in loaded for field in ENVELOPE_FIELDS):
        raise InvalidEventError()
    return loaded


def evaluate_event_pattern(pattern: str | EventPattern, event: str | bytes) -> bool:
    """The TestEventPattern operation: validate the pattern, then the event, then match.

    Raises:
        InvalidEventPatternError: the pattern is invalid (checked first).
        InvalidEventError: the event is not a valid envelope.
    """
    compiled = compile_pattern(pattern) if isinstance(pattern, str) else pattern
    return compiled.matches(validate_event_envelope(event))
