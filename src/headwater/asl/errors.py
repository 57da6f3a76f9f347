"""Errors of the Amazon States Language core: definition errors and runtime failures.

Tree::

    AslError
    ├── DefinitionError        a definition AWS would reject (InvalidDefinition), with diagnostics
    ├── ExecutionInputError    StartExecution input AWS would reject (InvalidExecutionInput)
    ├── InterpreterError       the runtime fed an event the execution state cannot accept
    └── StatesFailure          a runtime failure (``States.*`` or a task error) while evaluating;
                               it carries a :class:`Failure` value and is caught by the interpreter,
                               which applies Retry / Catch or fails the execution with it.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

__all__ = [
    "AslError",
    "DefinitionError",
    "Diagnostic",
    "DiagnosticSeverity",
    "ExecutionInputError",
    "Failure",
    "InterpreterError",
    "StatesError",
    "StatesFailure",
]


class StatesError(StrEnum):
    """The predefined error names of the States language."""

    ALL = "States.ALL"
    TASK_FAILED = "States.TaskFailed"
    TIMEOUT = "States.Timeout"
    HEARTBEAT_TIMEOUT = "States.HeartbeatTimeout"
    RUNTIME = "States.Runtime"
    DATA_LIMIT_EXCEEDED = "States.DataLimitExceeded"
    RESULT_PATH_MATCH_FAILURE = "States.ResultPathMatchFailure"
    PARAMETER_PATH_FAILURE = "States.ParameterPathFailure"
    QUERY_EVALUATION_ERROR = "States.QueryEvaluationError"
    BRANCH_FAILED = "States.BranchFailed"
    NO_CHOICE_MATCHED = "States.NoChoiceMatched"
    INTRINSIC_FAILURE = "States.IntrinsicFailure"
    EXCEED_TOLERATED_FAILURE_THRESHOLD = "States.ExceedToleratedFailureThreshold"
    ITEM_READER_FAILED = "States.ItemReaderFailed"
    RESULT_WRITER_FAILED = "States.ResultWriterFailed"
    PERMISSIONS = "States.Permissions"


class DiagnosticSeverity(StrEnum):
    """Severity of a ValidateStateMachineDefinition diagnostic."""

    ERROR = "ERROR"
    WARNING = "WARNING"


@dataclass(frozen=True, slots=True, kw_only=True)
class Diagnostic:
    """One ValidateStateMachineDefinition diagnostic (AWS's shape)."""

    code: str
    message: str
    location: str
    severity: DiagnosticSeverity = DiagnosticSeverity.ERROR

    def to_wire(self) -> dict[str, str]:
        """Return the diagnostic as AWS's response member."""
        return {
            "code": self.code,
            "location": self.location,
            "message": self.message,
            "severity": str(self.severity),
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class Failure:
    """A runtime failure as a value: an error name and an optional cause."""

    error: str | None
    cause: str | None = None

    def __post_init__(self) -> None:
        # Keep plain strings: StrEnum members must not leak into JSON outputs.
        if self.error is not None and type(self.error) is not str:
            object.__setattr__(self, "error", str(self.error))

    def to_json(self) -> dict[str, str | None]:
        """Return the failure as the error output AWS hands to a Catch (``Error``/``Cause``).

        AWS keeps both keys, null when a task failed without them.
        """
        return {"Error": self.error, "Cause": self.cause}


class AslError(Exception):
    """Root of the errors raised by :mod:`headwater.asl`."""


class DefinitionError(AslError):
    """The definition is invalid; ``diagnostics`` holds every problem found (first is reported)."""

    def __init__(self, diagnostics: list[Diagnostic]) -> None:
        self.diagnostics = tuple(diagnostics)
        first = diagnostics[0]
        super().__init__(
            f"Invalid State Machine Definition: '{first.code}: {first.message} at {first.location}'"
        )

    @property
    def error_code(self) -> str:
        """AWS's API error code for this error."""
        return "InvalidDefinition"


class ExecutionInputError(AslError):
    """The execution input is not acceptable (AWS's InvalidExecutionInput)."""

    error_code = "InvalidExecutionInput"


class InterpreterError(AslError):
    """The runtime fed an event the execution cannot accept (unknown token, finished run...)."""


class StatesFailure(AslError):
    """A runtime failure raised while evaluating a state; carries a :class:`Failure`."""

    def __init__(
        self, error: str | None, cause: str | None = None, *, location: str | None = None
    ) -> None:
        self.failure = Failure(error=error, cause=cause)
        self.location = location  # the field at fault (EvaluationFailed's ``location``)
        super().__init__(f"{error}: {cause}")

    @property
    def error(self) -> str | None:
        """The error name."""
        return self.failure.error

    @property
    def cause(self) -> str | None:
        """The cause text."""
        return self.failure.cause
