"""A tiny in-test runtime: carries out the interpreter's commands on a fake clock."""

from __future__ import annotations

import contextlib
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import headwater.asl as asl

# The recorded Wait cases are relative to this instant (see test_wait_timestamppath cases).
FAKE_START = datetime(2026, 11, 21, 13, 43, 0, tzinfo=UTC).timestamp()
MAX_STEPS = 100_000

_RESULT_TYPES = {
    "TaskSucceeded": ("taskSucceededEventDetails", "ok"),
    "LambdaFunctionSucceeded": ("lambdaFunctionSucceededEventDetails", "ok"),
    "ActivitySucceeded": ("activitySucceededEventDetails", "ok"),
    "TaskFailed": ("taskFailedEventDetails", "fail"),
    "LambdaFunctionFailed": ("lambdaFunctionFailedEventDetails", "fail"),
    "ActivityFailed": ("activityFailedEventDetails", "fail"),
    "TaskTimedOut": ("taskTimedOutEventDetails", "timeout"),
    "LambdaFunctionTimedOut": ("lambdaFunctionTimedOutEventDetails", "timeout"),
    "ActivityTimedOut": ("activityTimedOutEventDetails", "timeout"),
}


@dataclass
class Outcome:
    """What the driver saw when the execution ended."""

    status: str
    output: Any = None
    error: str | None = None
    cause: str | None = None
    history: list[dict[str, Any]] = field(default_factory=list)


class NoServiceError(Exception):
    """The execution invoked a task and no recorded answer is available."""


_STARTED = {"TaskStarted", "LambdaFunctionStarted", "ActivityStarted"}
_STUBS = {
    "FunctionArn": "arn:aws:lambda:us-east-1:111111111111:function:fn",
    "activityArn": "arn:aws:states:us-east-1:111111111111:activity:act",
}


def replace_stubs(value: Any) -> Any:
    """Replace the recorder's ``@@stub:...@@`` resource placeholders by plausible ARNs."""
    if isinstance(value, dict):
        return {k: replace_stubs(v) for k, v in value.items()}
    if isinstance(value, list):
        return [replace_stubs(v) for v in value]
    if isinstance(value, str) and value.startswith("@@stub:"):
        for key, arn in _STUBS.items():
            if key in value:
                return arn
    return value


def _rank(event: dict[str, Any]) -> int:
    kind = event["type"]
    if kind in _STARTED:
        return 1
    if kind == "TaskSubmitted":
        return 2
    return 3 if kind in _RESULT_TYPES else 0


def _ordered(history: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Events with unordered ids ("[0]": concurrent) put back in a causal order per task."""
    out: list[dict[str, Any]] = []
    run: list[dict[str, Any]] = []
    for event in history:
        if isinstance(event["id"], int):
            out.extend(sorted(run, key=_rank))
            run = []
            out.append(event)
        else:
            run.append(event)
    out.extend(sorted(run, key=_rank))
    return out


def recorded_task_outcomes(history: list[dict[str, Any]] | None) -> list[tuple[str, Any]]:
    """The task answers of a recorded history, in order (for replaying needs_services cases)."""
    out: list[tuple[str, Any]] = []
    for event in _ordered(history or []):
        if event["type"] in _STARTED:
            out.append(("started", None))
            continue
        if event["type"] == "TaskSubmitted":
            value = (event.get("taskSubmittedEventDetails") or {}).get("output")
            out.append(("submitted", value))
            continue
        entry = _RESULT_TYPES.get(event["type"])
        if entry is None:
            continue
        details = event.get(entry[0]) or {}
        if entry[1] == "ok":
            value = details.get("output")
            if isinstance(value, str):
                with contextlib.suppress(json.JSONDecodeError):
                    value = json.loads(value)
            out.append(("ok", value))
        elif entry[1] == "fail":
            cause = details.get("cause")
            if cause is not None and not isinstance(cause, str):
                cause = json.dumps(cause, separators=(",", ":"))  # the recorder parsed it
            out.append(("fail", (details.get("error"), cause)))
        else:
            out.append(("timeout", None))
    return out


def run(
    machine: asl.CompiledMachine,
    input_: Any,
    *,
    machine_type: str = "STANDARD",
    seed: int = 1,
    task_outcomes: list[tuple[str, Any]] | None = None,
    sync: bool = False,
) -> Outcome:
    """Run an execution to its end, firing timers at once and answering tasks from a script."""
    info = asl.ExecutionInfo(
        execution_arn="arn:aws:states:us-east-1:111111111111:execution:sm:exec",
        name="exec",
        state_machine_arn="arn:aws:states:us-east-1:111111111111:stateMachine:sm",
        state_machine_name="sm",
        role_arn="sfn_role_arn",
        account="111111111111",
        machine_type=machine_type,
        redrive_count=None if sync else 0,
    )
    now = FAKE_START
    step = asl.start_execution(machine, info, input_, time=now, seed=seed)
    history: list[dict[str, Any]] = list(step.history_events)
    timers: dict[str, float] = {}
    tasks: list[str] = []
    outcomes = list(task_outcomes or [])
    state = step.state
    for _ in range(MAX_STEPS):
        for cmd in step.commands:
            if isinstance(cmd, asl.StartTimer):
                timers[cmd.timer_id] = cmd.deadline
            elif isinstance(cmd, asl.CancelTimer):
                timers.pop(cmd.timer_id, None)
            elif isinstance(cmd, asl.InvokeTask):
                tasks.append(cmd.token)
            elif isinstance(cmd, asl.CancelTask) and cmd.token in tasks:
                tasks.remove(cmd.token)
        if state["status"] != "RUNNING":
            break
        event: asl.Event
        if tasks:
            token = tasks.pop(0)
            if not outcomes:
                raise NoServiceError("the execution invoked a task with no recorded answer")
            kind, value = outcomes.pop(0)
            if kind in ("started", "submitted"):
                tasks.insert(0, token)
            if kind == "started":
                event = asl.TaskStarted(token=token, time=now)
            elif kind == "submitted":
                event = asl.TaskSubmitted(token=token, output=value, time=now)
            elif kind == "ok":
                event = asl.TaskSucceeded(token=token, output=value, time=now)
            elif kind == "fail":
                event = asl.TaskFailed(token=token, error=value[0], cause=value[1], time=now)
            else:
                tasks.insert(0, token)
                if not timers:
                    raise NoServiceError("recorded timeout but no timer")
                timer_id = min(timers, key=lambda t: timers[t])
                now = max(now, timers.pop(timer_id))
                event = asl.TimerFired(timer_id=timer_id, time=now)
        elif timers:
            timer_id = min(timers, key=lambda t: timers[t])
            now = max(now, timers.pop(timer_id))
            event = asl.TimerFired(timer_id=timer_id, time=now)
        else:
            raise AssertionError("execution is RUNNING but waits on nothing")
        step = asl.advance(machine, state, event)
        state = step.state
        history.extend(step.history_events)
    status = asl.execution_status(state)
    return Outcome(
        status=status["status"],
        output=status["output"],
        error=status["error"],
        cause=status["cause"],
        history=history,
    )
