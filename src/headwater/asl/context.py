"""The evaluation context of one state: input, ``$$``, variables, time and randomness."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from headwater.asl.errors import StatesError, StatesFailure
from headwater.asl.intrinsics import Entropy
from headwater.asl.jsonpath import NOT_FOUND, JsonPath, PathRoot
from headwater.asl.values import dumps

__all__ = ["EvalContext"]


@dataclass(slots=True, kw_only=True)
class EvalContext:
    """What expressions of one state see while it runs (mutable, short-lived)."""

    state_name: str
    entered_event_id: int
    context: dict[str, Any]
    variables: dict[str, Any]
    entropy: Entropy
    now: float
    state_input: Any = None
    result: Any = NOT_FOUND
    error_output: Any = NOT_FOUND
    assigned: dict[str, Any] = field(default_factory=dict)

    def failure(self, error: str, message: str, location: str | None = None) -> StatesFailure:
        """A failure whose cause is prefixed as AWS prefixes state-evaluation errors."""
        return StatesFailure(
            error,
            f"An error occurred while executing the state "
            f"'{self.state_name}' (entered at the event id "
            f"#{self.entered_event_id}). {message}",
            location=location,
        )

    def runtime_error(self, message: str) -> StatesFailure:
        """A States.Runtime failure with AWS's prefix."""
        return self.failure(StatesError.RUNTIME, message)

    def query_error(self, message: str, location: str | None = None) -> StatesFailure:
        """A States.QueryEvaluationError failure with AWS's prefix."""
        return self.failure(StatesError.QUERY_EVALUATION_ERROR, message, location)

    def lookup(self, path: JsonPath, doc: Any) -> Any:
        """Evaluate ``path`` against ``doc``, ``$$`` or a variable; NOT_FOUND when absent."""
        root = path.root
        if root is PathRoot.INPUT:
            return path.find(doc)
        if root is PathRoot.CONTEXT:
            return path.find(self.context)
        assert path.variable is not None
        if path.variable not in self.variables:
            return NOT_FOUND
        return path.find(self.variables[path.variable])

    def resolve(self, path: JsonPath, doc: Any, field_name: str) -> Any:
        """Like :meth:`lookup` but raise AWS's States.Runtime error when absent."""
        value = self.lookup(path, doc)
        if value is NOT_FOUND:
            source = self.context if path.root is PathRoot.CONTEXT else doc
            raise self.runtime_error(
                f"The JSONPath '{path.text}' specified for the field '{field_name}' could not "
                f"be found in the input '{dumps(source)}'"
            )
        return value

    def resolve_plain(self, path: JsonPath, doc: Any) -> Any:
        """Resolve a path field (InputPath, OutputPath, ...) with AWS's 'Invalid path' cause."""
        value = self.lookup(path, doc)
        if value is NOT_FOUND:
            raise self.runtime_error(
                f"Invalid path '{path.text}' : No results for path: {path.canonical}"
            )
        return value
