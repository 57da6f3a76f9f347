"""Errors of the EventBridge core: bad patterns, events, transformers and schedules.

Tree::

    EventsError                        root; ``message`` is the text AWS returns
    ├── InvalidEventPatternError       PutRule / TestEventPattern / CreateArchive rejected the
    │                                  pattern (InvalidEventPatternException); ``reason`` is the
    │                                  text after "Event pattern is not valid. Reason: "
    ├── InvalidEventError              TestEventPattern rejected the event (ValidationException,
    │                                  "Parameter Event is not valid.")
    ├── InvalidTargetInputError        PutTargets rejected Input / InputPath / InputTransformer
    │                                  (ValidationException)
    └── InvalidScheduleExpressionError PutRule rejected the ScheduleExpression (ValidationException,
                                       "Parameter ScheduleExpression is not valid.")

Every class carries ``aws_code``, the error code the API layer should answer with; all of them
are caller mistakes (HTTP 400) and none is retryable.
"""

from __future__ import annotations

from typing import ClassVar

__all__ = [
    "EventsError",
    "InvalidEventError",
    "InvalidEventPatternError",
    "InvalidScheduleExpressionError",
    "InvalidTargetInputError",
]

PATTERN_ERROR_PREFIX = "Event pattern is not valid. Reason: "


class EventsError(Exception):
    """Root of the EventBridge core's errors."""

    aws_code: ClassVar[str] = "ValidationException"
    retryable: ClassVar[bool] = False

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidEventPatternError(EventsError):
    """An event pattern AWS would reject, with AWS's exact reason text.

    ``reason`` is what follows AWS's prefix; for errors raised while reading the pattern it ends,
    as AWS's does, with the parser location on a second line
    (`` at [Source: (String)"..."; line: 1, column: 5]``).
    ``first_line`` is the message without that location, which is what the AWS console shows.
    """

    aws_code: ClassVar[str] = "InvalidEventPatternException"

    def __init__(self, reason: str) -> None:
        super().__init__(PATTERN_ERROR_PREFIX + reason)
        self.reason = reason

    @property
    def first_line(self) -> str:
        """The message up to the parser location."""
        return self.message.split("\n", 1)[0]


class InvalidEventError(EventsError):
    """An event TestEventPattern would reject (not a JSON object, envelope fields missing)."""

    def __init__(self, message: str = "Parameter Event is not valid.") -> None:
        super().__init__(message)


class InvalidTargetInputError(EventsError):
    """A target's Input, InputPath or InputTransformer that PutTargets would reject."""


class InvalidScheduleExpressionError(EventsError):
    """A ScheduleExpression PutRule would reject; AWS gives no detail beyond this sentence."""

    def __init__(self, message: str = "Parameter ScheduleExpression is not valid.") -> None:
        super().__init__(message)
