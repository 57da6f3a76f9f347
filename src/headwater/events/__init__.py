"""EventBridge event patterns, input transformers and schedules (pure)."""

from headwater.events.compiler import compile_pattern
from headwater.events.envelope import evaluate_event_pattern, validate_event_envelope
from headwater.events.errors import (
    EventsError,
    InvalidEventError,
    InvalidEventPatternError,
    InvalidScheduleExpressionError,
    InvalidTargetInputError,
)
from headwater.events.index import RuleIndex, matches
from headwater.events.model import EventPattern

__all__ = [
    "EventPattern",
    "EventsError",
    "InvalidEventError",
    "InvalidEventPatternError",
    "InvalidScheduleExpressionError",
    "InvalidTargetInputError",
    "RuleIndex",
    "compile_pattern",
    "evaluate_event_pattern",
    "matches",
    "validate_event_envelope",
]
