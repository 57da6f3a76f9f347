"""Step Functions row records and their mapping from result rows."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "ActivityRow",
    "AliasRow",
    "ExecutionRow",
    "MachineRow",
    "TaskPhase",
    "TaskRow",
    "TransitionWrite",
    "VersionRow",
]


class TaskPhase:
    """Where a task invocation is (``sfn_tasks.phase``)."""

    SCHEDULED = "SCHEDULED"  # InvokeTask recorded, TaskStarted not yet
    QUEUED = "QUEUED"  # an activity task waiting for GetActivityTask
    STARTED = "STARTED"  # request in flight (or handed to an activity worker)
    SUBMITTED = "SUBMITTED"  # .sync job submitted / .waitForTaskToken message sent
    DONE = "DONE"  # the result arrived
    CANCELLED = "CANCELLED"  # timed out, aborted or the execution ended

    OPEN = (SCHEDULED, QUEUED, STARTED, SUBMITTED)


@dataclass(frozen=True, slots=True, kw_only=True)
class MachineRow:
    """A state machine (its current revision)."""

    arn: str
    region: str
    name: str
    type: str
    definition_hash: str
    role_arn: str
    created: float
    updated: float
    revision_id: str
    description: str | None
    config: dict[str, Any]
    tags: dict[str, str]
    next_version: int


@dataclass(frozen=True, slots=True, kw_only=True)
class VersionRow:
    """A published, immutable state machine version."""

    arn: str
    machine_arn: str
    version: int
    definition_hash: str
    role_arn: str
    description: str | None
    created: float
    revision_id: str
    config: dict[str, Any]


@dataclass(frozen=True, slots=True, kw_only=True)
class AliasRow:
    """An alias routing executions to one or two versions."""

    arn: str
    machine_arn: str
    name: str
    description: str | None
    routing: list[dict[str, Any]]
    created: float
    updated: float


@dataclass(frozen=True, slots=True, kw_only=True)
class ExecutionRow:
    """An execution (without its interpreter state, see :meth:`StatesStore.execution_state`)."""

    arn: str
    machine_arn: str
    name: str
    type: str
    status: str
    input: str
    output: str | None
    error: str | None
    cause: str | None
    started: float
    stopped: float | None
    definition_hash: str
    role_arn: str
    meta: dict[str, Any] = field(default_factory=dict)
    redrive_count: int = 0
    redrive_date: float | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class TaskRow:
    """A task invocation of an execution (its token is ``$$.Task.Token``)."""

    token: str
    execution_arn: str
    resource: str
    state_name: str
    attempt: int
    parameters: Any
    phase: str
    activity_arn: str | None
    submitted: Any
    created: float
    seq: int


@dataclass(frozen=True, slots=True, kw_only=True)
class ActivityRow:
    """An activity."""

    arn: str
    region: str
    name: str
    created: float
    config: dict[str, Any]
    tags: dict[str, str]


@dataclass(slots=True, kw_only=True)
class TransitionWrite:
    """What one execution's batch of transitions writes (see :meth:`write_transitions`).

    ``phases`` are (token, phase, submitted output or None), applied in order; ``ended`` holds
    the status, output, error, cause and stop time when the execution ended.
    """

    arn: str
    state: str
    status: str
    history: list[dict[str, Any]] = field(default_factory=list)
    timers_added: list[tuple[str, float]] = field(default_factory=list)
    timers_removed: list[str] = field(default_factory=list)
    tasks: list[TaskRow] = field(default_factory=list)
    phases: list[tuple[str, str, Any]] = field(default_factory=list)
    map_runs: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    ended: dict[str, Any] | None = None


def _machine(r: Any) -> MachineRow:
    return MachineRow(
        arn=r.arn,
        region=r.region,
        name=r.name,
        type=r.type,
        definition_hash=r.definition_hash,
        role_arn=r.role_arn,
        created=r.created,
        updated=r.updated,
        revision_id=r.revision_id,
        description=r.description,
        config=json.loads(r.config),
        tags=json.loads(r.tags),
        next_version=r.next_version,
    )


def _version(r: Any) -> VersionRow:
    return VersionRow(
        arn=r.arn,
        machine_arn=r.machine_arn,
        version=r.version,
        definition_hash=r.definition_hash,
        role_arn=r.role_arn,
        description=r.description,
        created=r.created,
        revision_id=r.revision_id,
        config=json.loads(r.config),
    )


def _alias(r: Any) -> AliasRow:
    return AliasRow(
        arn=r.arn,
        machine_arn=r.machine_arn,
        name=r.name,
        description=r.description,
        routing=json.loads(r.routing),
        created=r.created,
        updated=r.updated,
    )


def _execution(r: Any) -> ExecutionRow:
    return ExecutionRow(
        arn=r.arn,
        machine_arn=r.machine_arn,
        name=r.name,
        type=r.type,
        status=r.status,
        input=r.input,
        output=r.output,
        error=r.error,
        cause=r.cause,
        started=r.started,
        stopped=r.stopped,
        definition_hash=r.definition_hash,
        role_arn=r.role_arn,
        meta=json.loads(r.meta),
        redrive_count=r.redrive_count,
        redrive_date=r.redrive_date,
    )


def _task(r: Any) -> TaskRow:
    return TaskRow(
        token=r.token,
        execution_arn=r.execution_arn,
        resource=r.resource,
        state_name=r.state_name,
        attempt=r.attempt,
        parameters=json.loads(r.parameters),
        phase=r.phase,
        activity_arn=r.activity_arn,
        submitted=json.loads(r.submitted) if r.submitted is not None else None,
        created=r.created,
        seq=r.seq,
    )


def _activity(r: Any) -> ActivityRow:
    return ActivityRow(
        arn=r.arn,
        region=r.region,
        name=r.name,
        created=r.created,
        config=json.loads(r.config),
        tags=json.loads(r.tags),
    )
