"""Amazon States Language: compile, validate and interpret state machines (pure).

(The full driving guide is below; see "How the runtime drives an execution".)
"""

from headwater.asl.compiler import ValidationResult, compile_definition, validate_definition
from headwater.asl.engine import HISTORY_LIMIT, PAYLOAD_LIMIT, SCHEMA_VERSION
from headwater.asl.entropy import SplitMix
from headwater.asl.errors import (
    AslError,
    DefinitionError,
    Diagnostic,
    ExecutionInputError,
    Failure,
    InterpreterError,
    StatesError,
    StatesFailure,
)
from headwater.asl.interpreter import (
    advance,
    check_execution_input,
    execution_status,
    start_execution,
)
from headwater.asl.model import CompiledMachine, QueryLanguage, StateType
from headwater.asl.protocol import (
    CancelTask,
    CancelTimer,
    Command,
    EmitHistoryEvents,
    Event,
    ExecutionAborted,
    ExecutionFailed,
    ExecutionInfo,
    ExecutionSucceeded,
    ExecutionTimedOut,
    InvokeTask,
    StartTimer,
    Step,
    StopExecution,
    TaskFailed,
    TaskHeartbeat,
    TaskStarted,
    TaskSubmitted,
    TaskSucceeded,
    TimerFired,
)

__all__ = [
    "HISTORY_LIMIT",
    "PAYLOAD_LIMIT",
    "SCHEMA_VERSION",
    "AslError",
    "CancelTask",
    "CancelTimer",
    "Command",
    "CompiledMachine",
    "DefinitionError",
    "Diagnostic",
    "EmitHistoryEvents",
    "Event",
    "ExecutionAborted",
    "ExecutionFailed",
    "ExecutionInfo",
    "ExecutionInputError",
    "ExecutionSucceeded",
    "ExecutionTimedOut",
    "Failure",
    "InterpreterError",
    "InvokeTask",
    "QueryLanguage",
    "SplitMix",
    "StartTimer",
    "StateType",
    "StatesError",
    "StatesFailure",
    "Step",
    "StopExecution",
    "TaskFailed",
    "TaskHeartbeat",
    "TaskStarted",
    "TaskSubmitted",
    "TaskSucceeded",
    "TimerFired",
    "ValidationResult",
    "advance",
    "check_execution_input",
    "compile_definition",
    "execution_status",
    "start_execution",
    "validate_definition",
]
