"""What the runtime feeds the interpreter (events) and what it must carry out (commands).

Every event carries ``time`` (epoch seconds from the injected clock). Every command is a frozen
dataclass; the runtime performs them in order after persisting the new execution state and the
history events of :class:`EmitHistoryEvents` in one transaction.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "CancelTask",
    "CancelTimer",
    "Command",
    "EmitHistoryEvents",
    "Event",
    "ExecutionAborted",
    "ExecutionFailed",
    "ExecutionInfo",
    "ExecutionSucceeded",
    "ExecutionTimedOut",
    "InvokeTask",
    "ItemsRead",
    "MapRunUpdated",
    "ReadItems",
    "StartTimer",
    "Step",
    "StopExecution",
    "TaskFailed",
    "TaskHeartbeat",
    "TaskStarted",
    "TaskSubmitted",
    "TaskSucceeded",
    "TimerFired",
    "WriteResults",
]


@dataclass(frozen=True, slots=True, kw_only=True)
class ExecutionInfo:
    """Identity of an execution, as the context object ``$$`` and history events show it."""

    execution_arn: str
    name: str
    state_machine_arn: str
    state_machine_name: str
    role_arn: str = ""
    region: str = "us-east-1"
    account: str = "000000000000"
    redrive_count: int | None = 0
    machine_type: str = "STANDARD"
    state_machine_version_arn: str | None = None
    state_machine_alias_arn: str | None = None

    # StartSyncExecution's context object has no RedriveCount: pass redrive_count=None.


# ------------------------------------------------------------------ events (runtime -> core)


@dataclass(frozen=True, slots=True, kw_only=True)
class Event:
    """Base of the events fed to :func:`headwater.asl.advance`."""

    time: float


@dataclass(frozen=True, slots=True, kw_only=True)
class TaskStarted(Event):
    """The integration accepted the invocation (emits TaskStarted).

    ``worker_name`` is GetActivityTask's workerName for activities.
    """

    token: str
    worker_name: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class TaskSubmitted(Event):
    """A ``.sync`` integration submitted its job; ``output`` is the submit response."""

    token: str
    output: Any = None


@dataclass(frozen=True, slots=True, kw_only=True)
class TaskSucceeded(Event):
    """The task returned ``output`` (a JSON value)."""

    token: str
    output: Any = None


@dataclass(frozen=True, slots=True, kw_only=True)
class TaskFailed(Event):
    """The task failed with ``error`` / ``cause``."""

    token: str
    error: str | None = None
    cause: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class TaskHeartbeat(Event):
    """SendTaskHeartbeat arrived for the task: its heartbeat timer restarts."""

    token: str


@dataclass(frozen=True, slots=True, kw_only=True)
class ItemsRead(Event):
    """The runtime read a distributed Map's ItemReader source (answer to :class:`ReadItems`).

    ``body`` is the text of an S3 object (``s3:getObject``); ``objects`` the listing entries of
    ``s3:listObjectsV2`` (``Key``, ``Size``, ``Etag``, ``LastModified``, ``StorageClass``).
    A failed read is answered with :class:`TaskFailed` (e.g. ``States.ItemReaderFailed``).
    """

    token: str
    body: str | None = None
    objects: list[Any] | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class TimerFired(Event):
    """A timer requested by :class:`StartTimer` reached its deadline."""

    timer_id: str


@dataclass(frozen=True, slots=True, kw_only=True)
class StopExecution(Event):
    """StopExecution was called."""

    error: str | None = None
    cause: str | None = None


# ------------------------------------------------------------------ commands (core -> runtime)


@dataclass(frozen=True, slots=True, kw_only=True)
class Command:
    """Base of the commands returned by the interpreter."""


@dataclass(frozen=True, slots=True, kw_only=True)
class EmitHistoryEvents(Command):
    """Append these AWS-shaped history events (dicts with id, previousEventId, timestamp...)."""

    events: tuple[dict[str, Any], ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class InvokeTask(Command):
    """Call the integration ``resource`` with ``parameters``; answer with Task* events.

    ``token`` identifies this attempt in the answers; for ``.waitForTaskToken`` resources it
    is also the task token (``$$.Task.Token``) that SendTaskSuccess/Failure will carry.
    Timeouts and heartbeats are enforced by the interpreter through its own timers.
    """

    token: str
    resource: str
    parameters: Any
    state_name: str
    attempt: int
    timeout_seconds: float | None = None
    heartbeat_seconds: float | None = None
    credentials: Any = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ReadItems(Command):
    """Read a distributed Map's items and answer with :class:`ItemsRead`.

    ``resource`` is ``arn:aws:states:::s3:getObject`` or ``arn:aws:states:::s3:listObjectsV2``,
    called with ``parameters``.
    """

    token: str
    resource: str
    parameters: Any
    state_name: str


@dataclass(frozen=True, slots=True, kw_only=True)
class WriteResults(Command):
    """Write a distributed Map's results as its ResultWriter says (no answer expected).

    ``key_prefix`` is where AWS puts ``manifest.json`` and the result files:
    ``<Prefix>/<map run id>/``.
    """

    resource: str | None
    parameters: Any
    map_run_arn: str
    key_prefix: str
    results: list[Any]
    writer_config: dict[str, Any] | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class MapRunUpdated(Command):
    """A distributed Map's Map Run started or ended (what DescribeMapRun / ListMapRuns show).

    ``status`` is RUNNING, SUCCEEDED or FAILED; ``item_counts`` has AWS's members (pending,
    running, succeeded, failed, timedOut, aborted, total, resultsWritten).
    """

    map_run_arn: str
    state_name: str
    status: str
    max_concurrency: int
    tolerated_failure_count: int | None
    tolerated_failure_percentage: float | None
    item_counts: dict[str, int]
    time: float


@dataclass(frozen=True, slots=True, kw_only=True)
class CancelTask(Command):
    """Stop waiting for this task (aborted branch, timeout, stop): cancel it if possible."""

    token: str


@dataclass(frozen=True, slots=True, kw_only=True)
class StartTimer(Command):
    """Feed :class:`TimerFired` with ``timer_id`` once the clock reaches ``deadline``."""

    timer_id: str
    deadline: float


@dataclass(frozen=True, slots=True, kw_only=True)
class CancelTimer(Command):
    """The timer is no longer needed (firing it anyway is harmless: it is ignored)."""

    timer_id: str


@dataclass(frozen=True, slots=True, kw_only=True)
class ExecutionSucceeded(Command):
    """The execution finished with ``output``."""

    output: Any


@dataclass(frozen=True, slots=True, kw_only=True)
class ExecutionFailed(Command):
    """The execution failed."""

    error: str | None
    cause: str | None


@dataclass(frozen=True, slots=True, kw_only=True)
class ExecutionTimedOut(Command):
    """The execution exceeded the machine's TimeoutSeconds."""

    error: str | None = "States.Timeout"
    cause: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ExecutionAborted(Command):
    """The execution was stopped."""

    error: str | None = None
    cause: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Step:
    """The result of one transition: the new execution state and the commands to perform."""

    state: dict[str, Any]
    commands: tuple[Command, ...] = field(default_factory=tuple)

    @property
    def history_events(self) -> list[dict[str, Any]]:
        """Every history event emitted by this step, in order."""
        out: list[dict[str, Any]] = []
        for cmd in self.commands:
            if isinstance(cmd, EmitHistoryEvents):
                out.extend(cmd.events)
        return out
