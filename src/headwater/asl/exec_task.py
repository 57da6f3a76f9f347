"""The Task executor: parameters, scheduled/started/result events, timeouts."""

from __future__ import annotations

from typing import Any

from headwater.asl.context import EvalContext
from headwater.asl.engine import PAYLOAD_LIMIT, Engine, Frame
from headwater.asl.errors import Failure, StatesError, StatesFailure
from headwater.asl.exec_common import (
    finish_with_result,
    next_state,
    uses_jsonata,
)
from headwater.asl.io_pipeline import (
    apply_input_path,
)
from headwater.asl.jsonata_expr import JsonataTemplate
from headwater.asl.model import (
    NumberSource,
    State,
    TaskState,
)
from headwater.asl.protocol import InvokeTask
from headwater.asl.values import dumps, is_number

__all__ = ["resource_parts", "run_task", "task_error", "task_event", "task_result"]

# ---------------------------------------------------------------------- Task


def _number(src: NumberSource | None, ctx: EvalContext, doc: Any) -> float | None:
    if src is None:
        return None
    if src.value is not None:
        return float(src.value)
    if src.expression is not None:
        value = src.expression.evaluate(ctx)
    else:
        assert src.path is not None
        value = ctx.resolve_plain(src.path, doc)
    if not is_number(value) or value <= 0:
        raise ctx.runtime_error(
            f"The {src.field_name} field refers to value {dumps(value)} "
            f"which is not a valid positive integer"
        )
    return float(value)


def resource_parts(resource: str) -> tuple[str, str, str]:
    """(family, resourceType, resource) of a Task Resource ARN, as history events name them.

    family is ``task`` (service integrations), ``lambda`` (a function ARN) or ``activity``.
    """
    parts = resource.split(":")
    if len(parts) >= 6 and parts[2] == "lambda":
        return "lambda", "lambda", resource
    if len(parts) >= 6 and parts[2] == "states" and parts[5] == "activity":
        return "activity", "activity", resource
    if len(parts) >= 6 and parts[2] == "states" and not parts[3] and not parts[4]:
        service = parts[5]
        rest = parts[6:]
        if service == "aws-sdk" and len(rest) >= 2:
            return "task", f"aws-sdk:{rest[0]}", ":".join(rest[1:])
        return "task", service, ":".join(rest)
    return "task", parts[2] if len(parts) > 2 else resource, resource


def run_task(engine: Engine, frame: Frame, state: State) -> None:
    """Task: evaluate parameters, emit the scheduled event, ask the runtime to invoke."""
    assert isinstance(state, TaskState)
    ctx = engine.eval_context(frame, state)
    raw = frame["input"]
    frame["wait"] = {"token": engine.rng.uuid4()}
    ctx.context = engine.context_object(frame, state)
    if uses_jsonata(state):
        params = state.arguments.evaluate(ctx) if state.arguments is not None else raw
        doc = raw
    else:
        doc = apply_input_path(state, ctx, raw)
        params = state.parameters.evaluate(ctx, doc) if state.parameters is not None else doc
    timeout = _number(state.timeout, ctx, doc)
    heartbeat = _number(state.heartbeat, ctx, doc)
    credentials = None
    if isinstance(state.credentials, JsonataTemplate):
        credentials = state.credentials.evaluate(ctx)
    elif state.credentials is not None:
        credentials = state.credentials.evaluate(ctx, doc)
    token = frame["wait"]["token"]
    family, rtype, rname = resource_parts(state.resource)
    frame["wait"] = {
        "kind": "task",
        "token": token,
        "family": family,
        "rtype": rtype,
        "rname": rname,
    }
    engine.waits[token] = frame["id"]
    text = dumps(params)
    if family == "lambda":
        details: dict[str, Any] = {
            "resource": state.resource,
            "input": text,
            "inputDetails": {"truncated": False},
        }
        if timeout is not None:
            details["timeoutInSeconds"] = int(timeout)
        if isinstance(credentials, dict) and "RoleArn" in credentials:
            details["taskCredentials"] = {"roleArn": credentials["RoleArn"]}
        engine.emit(
            frame, "LambdaFunctionScheduled", "lambdaFunctionScheduledEventDetails", details
        )
    elif family == "activity":
        details = {"resource": state.resource, "input": text, "inputDetails": {"truncated": False}}
        if timeout is not None:
            details["timeoutInSeconds"] = int(timeout)
        if heartbeat is not None:
            details["heartbeatInSeconds"] = int(heartbeat)
        if isinstance(credentials, dict) and "RoleArn" in credentials:
            details["taskCredentials"] = {"roleArn": credentials["RoleArn"]}
        engine.emit(frame, "ActivityScheduled", "activityScheduledEventDetails", details)
    else:
        details = {
            "resource": rname,
            "resourceType": rtype,
            "region": engine.s["info"]["region"],
            "parameters": text,
        }
        if timeout is not None:
            details["timeoutInSeconds"] = int(timeout)
        if heartbeat is not None:
            details["heartbeatInSeconds"] = int(heartbeat)
        if isinstance(credentials, dict) and "RoleArn" in credentials:
            details["taskCredentials"] = {"roleArn": credentials["RoleArn"]}
        engine.emit(frame, "TaskScheduled", "taskScheduledEventDetails", details)
    if timeout is not None:
        engine.start_timer(frame, engine.now + timeout)
    if heartbeat is not None:
        engine.start_timer(frame, engine.now + heartbeat, "hbTimer")
        frame["wait"]["heartbeat"] = heartbeat
    invoke: dict[str, Any] = {
        "token": token,
        "resource": state.resource,
        "parameters": params,
        "state_name": state.name,
        "attempt": frame.get("attempt", 0),
        "timeout_seconds": timeout,
        "heartbeat_seconds": heartbeat,
        "credentials": credentials,
    }
    # Kept so that pending_commands() can re-issue the invocation after a restart.
    frame["wait"]["invoke"] = invoke
    engine.commands.append(InvokeTask(**invoke))


_TASK_EVENTS = {
    "task": ("Task", "task"),
    "lambda": ("LambdaFunction", "lambdaFunction"),
    "activity": ("Activity", "activity"),
}


def task_event(engine: Engine, frame: Frame, kind: str, extra: dict[str, Any]) -> None:
    """Emit Task*/LambdaFunction*/Activity* ``kind`` (Started, Succeeded, ...) for ``frame``."""
    wait = frame["wait"]
    family = wait["family"]
    prefix, key = _TASK_EVENTS[family]
    details = dict(extra)
    if family == "task":
        details = {"resource": wait["rname"], "resourceType": wait["rtype"], **extra}
    if family == "lambda" and kind == "Started":
        engine.emit(frame, "LambdaFunctionStarted")
        return
    engine.emit(frame, f"{prefix}{kind}", f"{key}{kind}EventDetails", details)


def _stop_task_timers(engine: Engine, frame: Frame) -> None:
    from headwater.asl.protocol import CancelTimer

    wait = frame["wait"]
    for key in ("timer", "hbTimer"):
        timer = wait.get(key)
        if timer and engine.waits.pop(timer, None) is not None:
            engine.commands.append(CancelTimer(timer_id=timer))
    engine.waits.pop(wait["token"], None)


def task_result(engine: Engine, frame: Frame, output: Any) -> None:
    """The integration returned ``output``."""
    state = engine.state_of(frame)
    _stop_task_timers(engine, frame)
    text = dumps(output)
    wait = frame["wait"]
    if len(text.encode("utf-8")) > PAYLOAD_LIMIT:
        name = wait["rtype"] if wait["family"] == "task" else state.resource  # type: ignore[attr-defined]
        failure = Failure(
            error=StatesError.DATA_LIMIT_EXCEEDED,
            cause=f"The state/task '{name}' returned a result with a size "
            f"exceeding the maximum number of bytes service limit.",
        )
        task_error(engine, frame, failure)
        return
    task_event(engine, frame, "Succeeded", {"output": text, "outputDetails": {"truncated": False}})
    ctx = engine.eval_context(frame, state)
    try:
        finish_with_result(engine, frame, state, ctx, output, next_name=next_state(state))
    except StatesFailure as exc:
        engine.state_failed(frame, state, exc.failure)


def task_error(engine: Engine, frame: Frame, failure: Failure, *, timed_out: bool = False) -> None:
    """The integration failed (or timed out)."""
    state = engine.state_of(frame)
    _stop_task_timers(engine, frame)
    details = {k: v for k, v in (("error", failure.error), ("cause", failure.cause)) if v}
    task_event(engine, frame, "TimedOut" if timed_out else "Failed", details)
    if timed_out:
        from headwater.asl.protocol import CancelTask

        engine.commands.append(CancelTask(token=frame["wait"]["token"]))
    frame["wait"] = None
    engine.state_failed(frame, state, failure)
