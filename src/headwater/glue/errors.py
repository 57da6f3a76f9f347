"""Errors of the pure Glue core: definitions (triggers, predicates, batching) Glue would refuse.

Tree::

    GlueError                      root; ``message`` is the text the API answers with
    └── InvalidDefinitionError     CreateTrigger / UpdateTrigger / CreateJob ... rejected the
                                   definition (InvalidInputException); ``location`` names the
                                   member (``Predicate.Conditions[0].State``)

Every class carries ``aws_code``, the Glue error code; all are caller mistakes (HTTP 400) and
none is retryable.
"""

from __future__ import annotations

from typing import ClassVar

__all__ = ["GlueError", "InvalidDefinitionError"]


class GlueError(Exception):
    """Root of the pure Glue core's errors."""

    aws_code: ClassVar[str] = "InvalidInputException"
    retryable: ClassVar[bool] = False

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidDefinitionError(GlueError):
    """A trigger, predicate, batching condition or job definition Glue rejects."""

    def __init__(self, message: str, *, location: str = "") -> None:
        super().__init__(message)
        self.location = location
