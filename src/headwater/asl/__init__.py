"""Amazon States Language: compile, validate and interpret state machines (pure).

Nothing here touches the clock, the disk, the network or a random source: time arrives with
every event, randomness comes from a seed stored in the execution state, and integrations are
commands the runtime carries out. Everything returned is plain data.

Compile (CreateStateMachine / UpdateStateMachine)
    ``machine = compile_definition(text_or_dict, machine_type="STANDARD" | "EXPRESS")``
    validates and compiles once into an immutable :class:`CompiledMachine` (keep it per
    state-machine version; it is safe to share between executions and threads). An invalid
    definition raises :class:`DefinitionError`: ``error_code`` is ``"InvalidDefinition"``,
    ``str(exc)`` is AWS's message (``Invalid State Machine Definition:
    'SCHEMA_VALIDATION_FAILED: ... at /States/Foo/Next'``) and ``exc.diagnostics`` lists every
    :class:`Diagnostic` (code, message, JSON-pointer location, severity).
    ``validate_definition(...)`` returns the ValidateStateMachineDefinition answer
    (:class:`ValidationResult`; ``to_wire()`` gives ``{"result", "diagnostics", "truncated"}``).

Start (StartExecution / StartSyncExecution)
    ``input_ = check_execution_input(text)`` parses the input as AWS does (raises
    :class:`ExecutionInputError`, ``error_code`` ``"InvalidExecutionInput"``). Then::

        step = start_execution(machine, ExecutionInfo(execution_arn=..., name=...,
                               state_machine_arn=..., state_machine_name=..., role_arn=...,
                               region=..., account=..., machine_type="STANDARD"),
                               input_, time=clock.now(), seed=<random 63-bit int>)

    ``ExecutionInfo.redrive_count=None`` drops ``RedriveCount`` from ``$$.Execution`` (as
    StartSyncExecution shows it). The first step already contains ``ExecutionStarted`` and
    runs the machine until it first waits (task, timer) or ends.

Drive
    A :class:`Step` has ``state`` (a JSON-able dict: ``json.dumps`` it as is; it carries
    ``schemaVersion`` = :data:`SCHEMA_VERSION` and ``status`` RUNNING / SUCCEEDED / FAILED /
    TIMED_OUT / ABORTED) and ``commands`` (a tuple, to perform in order). For STANDARD
    executions persist, in ONE transaction, the new ``state`` together with the events of its
    :class:`EmitHistoryEvents` commands, then carry out the other commands. After a crash,
    reload the last state and carry out :func:`pending_commands` ``(state)``: StartTimer for
    every armed timer (deadlines kept), InvokeTask / ReadItems for the work still awaited
    (at-least-once, as AWS). Feed each outcome back with::

        step = advance(machine, state, event)     # never mutates ``state``

    (``advance(..., in_place=True)`` skips the defensive copy when the runtime owns the
    state and only keeps the returned one.)

    Events (each with ``time`` = epoch seconds from the injected clock):

    - :class:`TaskStarted` ``(token)`` - the integration accepted the work (TaskStarted event);
    - :class:`TaskSubmitted` ``(token, output)`` - a ``.sync`` job was submitted;
    - :class:`TaskSucceeded` ``(token, output)`` / :class:`TaskFailed` ``(token, error, cause)``
      - the result (for ``.waitForTaskToken`` this is SendTaskSuccess / SendTaskFailure);
    - :class:`TaskHeartbeat` ``(token)`` - SendTaskHeartbeat (restarts the heartbeat timer);
    - :class:`TimerFired` ``(timer_id)`` - a timer reached its deadline (a cancelled or stale
      timer is ignored; ``"execution-timeout"`` is the machine's TimeoutSeconds);
    - :class:`StopExecution` ``(error, cause)`` - StopExecution (ExecutionAborted);
    - :class:`ItemsRead` ``(token, body | objects)`` - the answer to :class:`ReadItems`.

    An event for a token nothing waits on raises :class:`InterpreterError`; events after the
    execution ended return the state unchanged and no commands.

    Commands:

    - :class:`EmitHistoryEvents` ``(events)`` - AWS-shaped history events: ``id``,
      ``previousEventId``, ``timestamp`` (epoch seconds: format it for the API), ``type`` and
      the AWS detail member (``stateEnteredEventDetails: {name, input, inputDetails}``,
      ``taskScheduledEventDetails: {resource, resourceType, region, parameters,
      timeoutInSeconds?, heartbeatInSeconds?}``, ``mapStateStartedEventDetails: {length}``,
      ``executionFailedEventDetails: {error?, cause?}`` ...). Payloads inside details are JSON
      strings, as GetExecutionHistory returns them (drop them when includeExecutionData is
      false). Lambda function ARNs give ``LambdaFunction*`` events and activity ARNs
      ``Activity*`` events, as AWS does.
    - :class:`InvokeTask` ``(token, resource, parameters, state_name, attempt,
      timeout_seconds, heartbeat_seconds, credentials)`` - call the integration registered for
      ``resource`` (strip ``.sync``/``.waitForTaskToken`` suffixes yourself); answer with the
      events above quoting ``token``. For ``.waitForTaskToken`` the token is the task token
      (``$$.Task.Token``) that SendTask* calls carry. Timeouts and heartbeats are enforced by
      the interpreter with its own timers: do not time tasks out yourself.
    - :class:`CancelTask` ``(token)`` - the result is no longer wanted (abort, timeout).
    - :class:`ReadItems` ``(token, resource, parameters, state_name)`` - a distributed Map's
      ItemReader: GET the S3 object (answer ``ItemsRead(token, body=text)``) or list the
      bucket (``ItemsRead(token, objects=[...])``), or answer :class:`TaskFailed`; parsing
      JSON / JSON Lines / CSV, MaxItems and ItemBatcher happen in here.
    - :class:`WriteResults` ``(resource, parameters, map_run_arn, key_prefix, results, ...)``
      - a distributed Map's ResultWriter: write ``manifest.json`` and the results under
      ``key_prefix`` (no answer expected; the Map's output already names them).
    - :class:`MapRunUpdated` ``(map_run_arn, status, item_counts, ...)`` - a Map Run started or
      ended: keep it for DescribeMapRun / ListMapRuns (no answer expected).
    - :class:`StartTimer` ``(timer_id, deadline)`` / :class:`CancelTimer` ``(timer_id)`` - Wait
      states, retry back-off, task timeouts / heartbeats and the execution timeout.
    - :class:`ExecutionSucceeded` ``(output)`` / :class:`ExecutionFailed` ``(error, cause)`` /
      :class:`ExecutionTimedOut` / :class:`ExecutionAborted` - the execution ended (also visible
      as ``state["status"]``; :func:`execution_status` gives status, output, error and cause
      for DescribeExecution).

    EXPRESS executions use the same calls and may simply keep ``state`` in memory.

What runs inside the state
    Parallel branches and Map iterations (inline, and DISTRIBUTED ones, run as iterations of
    the same execution with MapRunStarted/MapRunSucceeded events and their inner events kept
    out of the parent history) are frames of the one execution state,
    honouring MaxConcurrency, ToleratedFailureCount/Percentage, Retry and Catch. The 256 KiB
    payload limit (:data:`PAYLOAD_LIMIT`, States.DataLimitExceeded) and the 25,000-event
    history limit (:data:`HISTORY_LIMIT`, the execution fails with States.Runtime just
    before reaching it) are enforced here.

Redrive (RedriveExecution)
    ``redrive_execution(machine, state, time=...)`` restarts a FAILED, TIMED_OUT or ABORTED
    execution from the top-level state it stopped in (ExecutionRedriven event,
    ``$$.Execution.RedriveCount`` incremented); persist and drive it like any step.

TestState
    ``run_test_state(definition, input_, info=..., time=..., seed=..., state_name=...,
    inspection_level=..., mock=..., variables=..., context=..., state_configuration=...,
    invoke=...)`` runs one state as the TestState API does and returns a
    :class:`TestStateResult` (``to_wire()`` gives the response members). A Task without a
    mock calls ``invoke(resource, parameters)``; checking mocks against the integration's API
    schema (fieldValidationMode) and rejecting bad arguments is left to the service layer.

Not here yet
    Map Runs' child executions are simulated inside the parent's state (iterations with their
    events kept out of the parent history) rather than started as separate executions, and a
    redriven Map re-runs all its iterations; MANIFEST ItemReader inputs are not parsed.
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
    pending_commands,
    redrive_execution,
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
    ItemsRead,
    MapRunUpdated,
    ReadItems,
    StartTimer,
    Step,
    StopExecution,
    TaskFailed,
    TaskHeartbeat,
    TaskStarted,
    TaskSubmitted,
    TaskSucceeded,
    TimerFired,
    WriteResults,
)
from headwater.asl.teststate import TestStateResult, run_test_state

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
    "ItemsRead",
    "MapRunUpdated",
    "QueryLanguage",
    "ReadItems",
    "SplitMix",
    "StartTimer",
    "StateType",
    "StatesError",
    "StatesFailure",
    "Step",
    "StopExecution",
    "TestStateResult",
    "TaskFailed",
    "TaskHeartbeat",
    "TaskStarted",
    "TaskSubmitted",
    "TaskSucceeded",
    "TimerFired",
    "WriteResults",
    "ValidationResult",
    "advance",
    "check_execution_input",
    "compile_definition",
    "execution_status",
    "pending_commands",
    "redrive_execution",
    "run_test_state",
    "start_execution",
    "validate_definition",
]
