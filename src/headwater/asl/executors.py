"""Per-state-type behaviour: Pass, Task, Choice, Wait, Succeed, Fail, Parallel, Map.

Each executor evaluates its state in an :class:`~headwater.asl.engine.Engine` frame and either
leaves it (``engine.exit_state``), blocks it on a task / timer / child frames, or raises
:class:`StatesFailure`. Retry and Catch are applied by :func:`handle_failure`.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any

from headwater.asl.context import EvalContext
from headwater.asl.engine import PAYLOAD_LIMIT, Engine, Frame
from headwater.asl.errors import Failure, StatesError, StatesFailure
from headwater.asl.io_pipeline import (
    apply_input_path,
    apply_output_path,
    apply_result_path,
    merge_result,
)
from headwater.asl.jsonata_expr import JsonataTemplate
from headwater.asl.jsonpath import NOT_FOUND
from headwater.asl.model import (
    ChoiceState,
    FailState,
    MapState,
    NumberSource,
    ParallelState,
    PassState,
    QueryLanguage,
    State,
    StateType,
    TaskState,
    WaitState,
)
from headwater.asl.payload import PayloadTemplate
from headwater.asl.protocol import InvokeTask
from headwater.asl.retry import find_catcher, find_retrier, retry_delay
from headwater.asl.timestamps import parse_timestamp
from headwater.asl.values import dumps, is_number, json_type_name

__all__ = ["EXECUTORS", "child_done", "child_failed", "handle_failure", "task_result"]

_MAX_WAIT_SECONDS = 2**31 - 1


def _jsonata(state: State) -> bool:
    return state.query_language is QueryLanguage.JSONATA


def _assign(state_assign: Any, ctx: EvalContext, doc: Any) -> dict[str, Any] | None:
    if state_assign is None:
        return None
    if isinstance(state_assign, JsonataTemplate):
        value = state_assign.evaluate(ctx)
    else:
        assert isinstance(state_assign, PayloadTemplate)
        value = state_assign.evaluate(ctx, doc)
    return value if isinstance(value, dict) else None


def _finish(
    engine: Engine,
    frame: Frame,
    state: State,
    ctx: EvalContext,
    result: Any,
    *,
    next_name: str | None,
) -> None:
    """Apply the result pipeline of a state that produced ``result`` and leave it."""
    raw = frame["input"]
    if _jsonata(state):
        ctx.result = result
        assigned = _assign(state.assign, ctx, result)
        output = state.output.evaluate(ctx) if state.output is not None else result
    else:
        if state.result_selector is not None:
            result = state.result_selector.evaluate(ctx, result)
        assigned = _assign(state.assign, ctx, result)
        output = apply_output_path(state, ctx, apply_result_path(state, ctx, raw, result))
    engine.exit_state(frame, state, output, next_name=next_name, assigned=assigned)


def _next(state: State) -> str | None:
    return None if state.end else state.next


# ---------------------------------------------------------------------- Pass / Succeed / Fail


def run_pass(engine: Engine, frame: Frame, state: State) -> None:
    """Pass: Result / Parameters, or JSONata Output."""
    assert isinstance(state, PassState)
    ctx = engine.eval_context(frame, state)
    raw = frame["input"]
    if _jsonata(state):
        assigned = _assign(state.assign, ctx, raw)
        output = state.output.evaluate(ctx) if state.output is not None else raw
        engine.exit_state(frame, state, output, next_name=_next(state), assigned=assigned)
        return
    effective = apply_input_path(state, ctx, raw)
    if state.parameters is not None:
        result = state.parameters.evaluate(ctx, effective)
    elif state.has_result:
        result = state.result
    else:
        result = effective
    assigned = _assign(state.assign, ctx, result)
    output = apply_output_path(state, ctx, apply_result_path(state, ctx, raw, result))
    engine.exit_state(frame, state, output, next_name=_next(state), assigned=assigned)


def run_succeed(engine: Engine, frame: Frame, state: State) -> None:
    """Succeed: the (filtered) input becomes the output of the frame."""
    ctx = engine.eval_context(frame, state)
    raw = frame["input"]
    if _jsonata(state):
        output = state.output.evaluate(ctx) if state.output is not None else raw
    else:
        output = apply_output_path(state, ctx, apply_input_path(state, ctx, raw))
    engine.exit_state(frame, state, output, next_name=None)


def _fail_field(
    ctx: EvalContext,
    raw: Any,
    literal: str | None,
    path: Any,
    call: Any,
    expr: JsonataTemplate | None,
    field_name: str,
) -> str | None:
    if literal is not None:
        return literal
    if expr is not None:
        value = expr.evaluate(ctx)
    elif call is not None:
        value = call.evaluate(lambda p: ctx.resolve(p, raw, f"{field_name}Path"), ctx.entropy)
    elif path is not None:
        value = ctx.resolve(path, raw, f"{field_name}Path")
    else:
        return None
    return value if isinstance(value, str) else dumps(value)


def run_fail(engine: Engine, frame: Frame, state: State) -> None:
    """Fail: end the frame with Error / Cause (literal, path, intrinsic or JSONata)."""
    assert isinstance(state, FailState)
    ctx = engine.eval_context(frame, state)
    raw = frame["input"]
    error = _fail_field(
        ctx,
        raw,
        state.error,
        state.error_path,
        state.error_intrinsic,
        state.error_expression,
        "Error",
    )
    cause = _fail_field(
        ctx,
        raw,
        state.cause,
        state.cause_path,
        state.cause_intrinsic,
        state.cause_expression,
        "Cause",
    )
    engine.frame_failed(frame, Failure(error=error, cause=cause))


# ---------------------------------------------------------------------- Choice


def run_choice(engine: Engine, frame: Frame, state: State) -> None:
    """Choice: the first matching rule's Next, else Default, else States.NoChoiceMatched."""
    assert isinstance(state, ChoiceState)
    ctx = engine.eval_context(frame, state)
    raw = frame["input"]
    effective = raw if _jsonata(state) else apply_input_path(state, ctx, raw)
    for rule in state.choices:
        if rule.evaluate(ctx, effective):
            assign_src = rule.assign if rule.assign is not None else None
            output_src = rule.output if rule.output is not None else state.output
            _leave_choice(engine, frame, state, ctx, effective, rule.next, assign_src, output_src)
            return
    if state.default is None:
        raise StatesFailure(StatesError.NO_CHOICE_MATCHED, f"No Matches! for state '{state.name}'")
    _leave_choice(engine, frame, state, ctx, effective, state.default, state.assign, state.output)


def _leave_choice(
    engine: Engine,
    frame: Frame,
    state: ChoiceState,
    ctx: EvalContext,
    effective: Any,
    next_name: str | None,
    assign_src: Any,
    output_src: JsonataTemplate | None,
) -> None:
    assigned = _assign(assign_src, ctx, effective)
    if _jsonata(state):
        output = output_src.evaluate(ctx) if output_src is not None else frame["input"]
    else:
        output = apply_output_path(state, ctx, effective)
    engine.exit_state(frame, state, output, next_name=next_name, assigned=assigned)


# ---------------------------------------------------------------------- Wait


def _wait_seconds(state: WaitState, ctx: EvalContext, doc: Any) -> float:
    src = state.seconds
    assert src is not None
    if src.value is not None:
        return float(src.value)
    if src.expression is not None:
        value = src.expression.evaluate(ctx)
        if not is_number(value) or not float(value).is_integer() or value < 0:
            raise ctx.query_error(
                f"The JSONata expression '{src.expression.expression_text}' specified for the "
                f"field 'Seconds' returned an unexpected result type. Expected 'integer', but "
                f"was '{json_type_name(value)}' for value: {dumps(value)}"
            )
        return float(value)
    assert src.path is not None
    value = ctx.lookup(src.path, doc)
    text = src.path.text
    if value is NOT_FOUND:
        raise ctx.runtime_error(
            f"The SecondsPath parameter does not reference an input value: {text}"
        )
    if not is_number(value) or not float(value).is_integer():
        raise ctx.runtime_error(
            f"The SecondsPath parameter cannot be parsed as a long value: {text} == {dumps(value)}"
        )
    if value < 0:
        raise ctx.runtime_error(
            f"The SecondsPath parameter references a negative value: {text} == {dumps(value)}"
        )
    return float(value)


def _wait_deadline(state: WaitState, ctx: EvalContext, doc: Any, now: float) -> float:
    if state.seconds is not None:
        return now + _wait_seconds(state, ctx, doc)
    if state.timestamp is not None:
        stamp = parse_timestamp(state.timestamp)
        assert stamp is not None
        return stamp
    if state.timestamp_expression is not None:
        value = state.timestamp_expression.evaluate(ctx)
        stamp = parse_timestamp(value)
        if stamp is None:
            raise ctx.query_error(
                f"The Timestamp field cannot be parsed as an ISO-8601 "
                f"extended offset date-time format string: {value}"
            )
        return stamp
    assert state.timestamp_path is not None
    value = ctx.lookup(state.timestamp_path, doc)
    stamp = parse_timestamp(value)
    if stamp is None:
        shown = value if isinstance(value, str) else dumps(value)
        raise ctx.runtime_error(
            f"The TimestampPath parameter does not reference a valid "
            f"ISO-8601 extended offset date-time format string: "
            f"{state.timestamp_path.text} == {shown}"
        )
    return stamp


def run_wait(engine: Engine, frame: Frame, state: State) -> None:
    """Wait: block the frame on a timer until the deadline."""
    assert isinstance(state, WaitState)
    ctx = engine.eval_context(frame, state)
    raw = frame["input"]
    effective = raw if _jsonata(state) else apply_input_path(state, ctx, raw)
    deadline = _wait_deadline(state, ctx, effective, engine.now)
    if deadline - engine.now > _MAX_WAIT_SECONDS:
        raise ctx.runtime_error("Wait state delay is too long.")
    assigned = _assign(state.assign, ctx, effective)
    if _jsonata(state):
        output = state.output.evaluate(ctx) if state.output is not None else raw
    else:
        output = apply_output_path(state, ctx, effective)
    frame["wait"] = {"kind": "wait", "output": output, "assigned": assigned}
    engine.start_timer(frame, max(deadline, engine.now))


def wait_over(engine: Engine, frame: Frame) -> None:
    """The Wait state's timer fired."""
    state = engine.state_of(frame)
    wait = frame["wait"]
    engine.waits.pop(wait.get("timer", ""), None)
    try:
        engine.exit_state(
            frame, state, wait["output"], next_name=_next(state), assigned=wait["assigned"]
        )
    except StatesFailure as exc:
        engine.state_failed(frame, state, exc.failure)


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
    if _jsonata(state):
        params = state.arguments.evaluate(ctx) if state.arguments is not None else raw
        doc = raw
    else:
        doc = apply_input_path(state, ctx, raw)
        params = state.parameters.evaluate(ctx, doc) if state.parameters is not None else doc
    timeout = _number(state.timeout, ctx, doc)
    heartbeat = _number(state.heartbeat, ctx, doc)
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
        engine.emit(
            frame, "LambdaFunctionScheduled", "lambdaFunctionScheduledEventDetails", details
        )
    elif family == "activity":
        details = {"resource": state.resource, "input": text, "inputDetails": {"truncated": False}}
        if timeout is not None:
            details["timeoutInSeconds"] = int(timeout)
        if heartbeat is not None:
            details["heartbeatInSeconds"] = int(heartbeat)
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
        engine.emit(frame, "TaskScheduled", "taskScheduledEventDetails", details)
    if timeout is not None:
        engine.start_timer(frame, engine.now + timeout)
    if heartbeat is not None:
        engine.start_timer(frame, engine.now + heartbeat, "hbTimer")
        frame["wait"]["heartbeat"] = heartbeat
    engine.commands.append(
        InvokeTask(
            token=token,
            resource=state.resource,
            parameters=params,
            state_name=state.name,
            attempt=frame.get("attempt", 0),
            timeout_seconds=timeout,
            heartbeat_seconds=heartbeat,
            credentials=state.credentials,
        )
    )


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
        _finish(engine, frame, state, ctx, output, next_name=_next(state))
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


# ---------------------------------------------------------------------- Retry / Catch


def handle_failure(
    engine: Engine,
    frame: Frame,
    state: State,
    failure: Failure,
    *,
    state_failed_event: bool = False,
) -> None:
    """Apply the state's Retry, then Catch; otherwise fail the frame.

    ``state_failed_event`` asks for Map/ParallelStateFailed once no retry happens.
    """
    engine.cancel_waits(frame)
    idx = find_retrier(state.retry, failure.error) if state.retry else None
    if idx is not None:
        retrier = state.retry[idx]
        count = frame["retries"].get(str(idx), 0)
        if count < retrier.max_attempts:
            frame["retries"][str(idx)] = count + 1
            frame["attempt"] = frame.get("attempt", 0) + 1
            delay = retry_delay(retrier, count, engine.rng)
            frame["wait"] = {"kind": "retry"}
            engine.start_timer(frame, engine.now + delay)
            return
    if state_failed_event:
        engine.emit(frame, f"{state.type}StateFailed")
    catcher = find_catcher(state.catch, failure.error) if state.catch else None
    if catcher is None:
        engine.frame_failed(frame, failure)
        return
    ctx = engine.eval_context(frame, state)
    error_output = failure.to_json()
    raw = frame["input"]
    try:
        if _jsonata(state):
            ctx.error_output = error_output
            assigned = _assign(catcher.assign, ctx, error_output)
            output = catcher.output.evaluate(ctx) if catcher.output is not None else error_output
        else:
            assigned = _assign(catcher.assign, ctx, error_output)
            output = merge_result(
                catcher.result_path, catcher.result_path_null, ctx, raw, error_output
            )
        engine.exit_state(frame, state, output, next_name=catcher.next, assigned=assigned)
    except StatesFailure as exc:
        engine.frame_failed(frame, exc.failure)


def retry_due(engine: Engine, frame: Frame) -> None:
    """A retry timer fired: run the state again."""
    wait = frame["wait"] or {}
    engine.waits.pop(wait.get("timer", ""), None)
    frame["wait"] = None
    engine.execute(frame, engine.state_of(frame))


# ---------------------------------------------------------------------- Parallel


def run_parallel(engine: Engine, frame: Frame, state: State) -> None:
    """Parallel: one child frame per branch."""
    assert isinstance(state, ParallelState)
    ctx = engine.eval_context(frame, state)
    raw = frame["input"]
    if _jsonata(state):
        branch_input = state.arguments.evaluate(ctx) if state.arguments is not None else raw
    else:
        effective = apply_input_path(state, ctx, raw)
        branch_input = (
            state.parameters.evaluate(ctx, effective) if state.parameters is not None else effective
        )
    engine.emit(frame, "ParallelStateStarted")
    children = []
    base = frame["prev"]
    for i, branch in enumerate(state.branches):
        key = f"{frame['block']}/{state.name}/{i}"
        children.append(
            engine.new_frame(
                block=key,
                name=branch.start_at,
                input_=branch_input,
                parent=frame["id"],
                slot=i,
                variables=dict(frame["vars"]),
                prev=base,
                silent=bool(frame.get("silent")),
            )
        )
    frame["wait"] = {
        "kind": "parallel",
        "children": children,
        "results": [None] * len(children),
        "left": len(children),
    }


# ---------------------------------------------------------------------- Map


def _int_field(
    src: NumberSource | None, ctx: EvalContext, doc: Any, *, allow_float: bool = False
) -> float | None:
    if src is None:
        return None
    if src.value is not None:
        return src.value
    if src.expression is not None:
        value = src.expression.evaluate(ctx)
    else:
        assert src.path is not None
        value = ctx.lookup(src.path, doc)
    if isinstance(value, str):
        # AWS reads numeric strings in these fields.
        with contextlib.suppress(ValueError):
            value = float(value) if allow_float else int(value)
    ok = is_number(value) and (allow_float or float(value).is_integer())
    if not ok:
        shown = value if isinstance(value, str) else dumps(value)
        where = src.path.text if src.path is not None else src.field_name
        raise ctx.runtime_error(
            f'The {src.field_name} field refers to value "{shown}" '
            f"which is not a valid integer: {where}"
        )
    return float(value) if allow_float else int(value)


def run_map(engine: Engine, frame: Frame, state: State) -> None:
    """Map: select the items, then run iterations as child frames (MaxConcurrency at most)."""
    assert isinstance(state, MapState)
    ctx = engine.eval_context(frame, state)
    raw = frame["input"]
    if _jsonata(state):
        effective = raw
        if isinstance(state.items, JsonataTemplate):
            items = state.items.evaluate(ctx)
            if not isinstance(items, list):
                raise ctx.query_error(
                    f"The JSONata expression '{state.items.expression_text}' specified for the "
                    f"field 'Items' returned an unexpected result type. Expected 'array', but "
                    f"was '{json_type_name(items)}' for value: {dumps(items)}"
                )
        else:
            items = raw
    else:
        effective = apply_input_path(state, ctx, raw)
        items = (
            ctx.resolve_plain(state.items_path, effective)
            if state.items_path is not None
            else effective
        )
    if not isinstance(items, list):
        raise ctx.query_error(f"Map state input must be an array but was: {dumps(items)}")
    limit = _int_field(state.max_concurrency, ctx, effective) or 0
    engine.emit(frame, "MapStateStarted", "mapStateStartedEventDetails", {"length": len(items)})
    tolerated_count = _int_field(state.tolerated_failure_count, ctx, effective)
    tolerated_pct = _int_field(state.tolerated_failure_percentage, ctx, effective, allow_float=True)
    if tolerated_pct is not None and not 0 <= tolerated_pct <= 100:
        raise ctx.runtime_error("ToleratedFailurePercentage must be between 0 and 100.")
    inputs = [_select_item(state, ctx, effective, i, item) for i, item in enumerate(items)]
    wait: dict[str, Any] = {
        "kind": "map",
        "inputs": inputs,
        "next": 0,
        "running": 0,
        "done": 0,
        "failed": 0,
        "children": [],
        "results": [None] * len(items),
        "limit": int(limit),
        "tolCount": tolerated_count,
        "tolPct": tolerated_pct,
    }
    frame["wait"] = wait
    if state.distributed:
        label = state.label or state.name
        info = engine.s["info"]
        arn = (
            f"arn:aws:states:{info['region']}:{info['account']}:mapRun:"
            f"{info['stateMachineName']}/{label}:{engine.rng.uuid4()}"
        )
        wait["mapRunArn"] = arn
        engine.emit(frame, "MapRunStarted", "mapRunStartedEventDetails", {"mapRunArn": arn})
    if not items:
        _map_complete(engine, frame, state)
        return
    _launch_iterations(engine, frame, state)


def _select_item(state: MapState, ctx: EvalContext, effective: Any, index: int, item: Any) -> Any:
    selector = state.item_selector
    if selector is None:
        return item
    saved = ctx.context
    ctx.context = dict(saved)
    ctx.context["Map"] = {"Item": {"Index": index, "Value": item}}
    try:
        if isinstance(selector, JsonataTemplate):
            return selector.evaluate(ctx)
        return selector.evaluate(ctx, effective)
    finally:
        ctx.context = saved


def _launch_iterations(engine: Engine, frame: Frame, state: MapState) -> None:
    wait = frame["wait"]
    assert state.processor is not None
    key = f"{frame['block']}/{state.name}"
    silent = state.distributed or bool(frame.get("silent"))
    while wait["next"] < len(wait["inputs"]) and (
        wait["limit"] <= 0 or wait["running"] < wait["limit"]
    ):
        i = wait["next"]
        wait["next"] += 1
        wait["running"] += 1
        fid = engine.new_frame(
            block=key,
            name=state.processor.start_at,
            input_=wait["inputs"][i],
            parent=frame["id"],
            slot=i,
            variables=dict(frame["vars"]),
            silent=silent,
            on_start=None
            if silent
            else [
                "MapIterationStarted",
                "mapIterationStartedEventDetails",
                {"index": i, "name": state.name},
            ],
        )
        wait["children"].append(fid)
        wait["inputs"][i] = None


def _map_complete(engine: Engine, frame: Frame, state: MapState) -> None:
    wait = frame["wait"]
    if state.distributed:
        engine.emit(frame, "MapRunSucceeded")
    engine.emit(frame, "MapStateSucceeded")
    results = wait["results"]
    frame["wait"] = None
    ctx = engine.eval_context(frame, state)
    try:
        _finish(engine, frame, state, ctx, results, next_name=_next(state))
    except StatesFailure as exc:
        engine.state_failed(frame, state, exc.failure)


def _tolerated(wait: dict[str, Any]) -> bool:
    total = len(wait["results"])
    failed = wait["failed"]
    count, pct = wait["tolCount"], wait["tolPct"]
    if count is None and pct is None:
        return False
    if count is not None and failed <= count:
        return True
    return pct is not None and total > 0 and failed * 100.0 / total <= pct


# ---------------------------------------------------------------------- children


def child_done(engine: Engine, parent: Frame, child: Frame, output: Any) -> None:
    """A branch or iteration of ``parent`` finished with ``output``."""
    wait = parent["wait"]
    state = engine.state_of(parent)
    slot = child["slot"]
    wait["results"][slot] = output
    if child["id"] in wait["children"]:
        wait["children"].remove(child["id"])
    if not child.get("silent"):
        parent["prev"] = child["prev"]
    if wait["kind"] == "parallel":
        wait["left"] -= 1
        if wait["left"] == 0:
            engine.emit(parent, "ParallelStateSucceeded")
            results = wait["results"]
            parent["wait"] = None
            ctx = engine.eval_context(parent, state)
            try:
                _finish(engine, parent, state, ctx, results, next_name=_next(state))
            except StatesFailure as exc:
                engine.state_failed(parent, state, exc.failure)
        return
    assert isinstance(state, MapState)
    if not child.get("silent"):
        engine.emit(
            parent,
            "MapIterationSucceeded",
            "mapIterationSucceededEventDetails",
            {"index": slot, "name": state.name},
        )
        parent["prev"] = child["prev"]
    wait["running"] -= 1
    wait["done"] += 1
    if wait["done"] == len(wait["results"]):
        _map_complete(engine, parent, state)
    else:
        _launch_iterations(engine, parent, state)


def child_failed(engine: Engine, parent: Frame, child: Frame, failure: Failure) -> None:
    """A branch or iteration of ``parent`` failed."""
    wait = parent["wait"]
    state = engine.state_of(parent)
    if child["id"] in wait["children"]:
        wait["children"].remove(child["id"])
    if not child.get("silent"):
        parent["prev"] = child["prev"]
    if wait["kind"] == "map":
        assert isinstance(state, MapState)
        if not child.get("silent"):
            engine.emit(
                parent,
                "MapIterationFailed",
                "mapIterationFailedEventDetails",
                {"index": child["slot"], "name": state.name},
            )
            parent["prev"] = child["prev"]
        wait["failed"] += 1
        if _tolerated(wait):
            wait["results"][child["slot"]] = failure.to_json()
            wait["running"] -= 1
            wait["done"] += 1
            if wait["done"] == len(wait["results"]):
                _map_complete(engine, parent, state)
            else:
                _launch_iterations(engine, parent, state)
            return
        if state.distributed and (wait["tolCount"] is not None or wait["tolPct"] is not None):
            failure = Failure(
                error=StatesError.EXCEED_TOLERATED_FAILURE_THRESHOLD,
                cause="The specified tolerated failure threshold was exceeded",
            )
        engine.cancel_waits(parent)
        if state.distributed:
            engine.emit(
                parent,
                "MapRunFailed",
                "mapRunFailedEventDetails",
                {
                    k: v
                    for k, v in (("error", failure.error), ("cause", failure.cause))
                    if v is not None
                },
            )
    else:
        engine.cancel_waits(parent)
    parent["wait"] = None
    engine.state_failed(parent, state, failure, from_children=True)


EXECUTORS: dict[StateType, Callable[[Engine, Frame, State], None]] = {
    StateType.PASS: run_pass,
    StateType.TASK: run_task,
    StateType.CHOICE: run_choice,
    StateType.WAIT: run_wait,
    StateType.SUCCEED: run_succeed,
    StateType.FAIL: run_fail,
    StateType.PARALLEL: run_parallel,
    StateType.MAP: run_map,
}
