"""Executors of the states that need no children: Pass, Succeed, Fail, Choice, Wait."""

from __future__ import annotations

from typing import Any

from headwater.asl.context import EvalContext
from headwater.asl.engine import Engine, Frame
from headwater.asl.errors import Failure, StatesError, StatesFailure
from headwater.asl.exec_common import (
    evaluate_assign,
    next_state,
    uses_jsonata,
)
from headwater.asl.io_pipeline import (
    apply_input_path,
    apply_output_path,
    apply_result_path,
)
from headwater.asl.jsonata_expr import JsonataTemplate
from headwater.asl.jsonpath import NOT_FOUND
from headwater.asl.model import (
    ChoiceState,
    FailState,
    PassState,
    State,
    WaitState,
)
from headwater.asl.timestamps import parse_timestamp
from headwater.asl.values import dumps, is_number, json_type_name

__all__ = ["run_choice", "run_fail", "run_pass", "run_succeed", "run_wait", "wait_over"]

_MAX_WAIT_SECONDS = 2**31 - 1

# ---------------------------------------------------------------------- Pass / Succeed / Fail


def run_pass(engine: Engine, frame: Frame, state: State) -> None:
    """Pass: Result / Parameters, or JSONata Output."""
    assert isinstance(state, PassState)
    ctx = engine.eval_context(frame, state)
    raw = frame["input"]
    if uses_jsonata(state):
        assigned = evaluate_assign(state.assign, ctx, raw)
        output = state.output.evaluate(ctx) if state.output is not None else raw
        engine.exit_state(frame, state, output, next_name=next_state(state), assigned=assigned)
        return
    effective = apply_input_path(state, ctx, raw)
    if state.has_result:
        # A literal Result wins over Parameters, as AWS's TestState shows.
        result = state.result
    elif state.parameters is not None:
        result = state.parameters.evaluate(ctx, effective)
    else:
        result = effective
    assigned = evaluate_assign(state.assign, ctx, result)
    output = apply_output_path(state, ctx, apply_result_path(state, ctx, raw, result))
    engine.exit_state(frame, state, output, next_name=next_state(state), assigned=assigned)


def run_succeed(engine: Engine, frame: Frame, state: State) -> None:
    """Succeed: the (filtered) input becomes the output of the frame."""
    ctx = engine.eval_context(frame, state)
    raw = frame["input"]
    if uses_jsonata(state):
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
    effective = raw if uses_jsonata(state) else apply_input_path(state, ctx, raw)
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
    assigned = evaluate_assign(assign_src, ctx, effective)
    if uses_jsonata(state):
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
                f"extended offset date-time format string: {value}",
                "Timestamp",
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
    effective = raw if uses_jsonata(state) else apply_input_path(state, ctx, raw)
    deadline = _wait_deadline(state, ctx, effective, engine.now)
    if deadline - engine.now > _MAX_WAIT_SECONDS:
        raise ctx.runtime_error("Wait state delay is too long.")
    assigned = evaluate_assign(state.assign, ctx, effective)
    if uses_jsonata(state):
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
            frame, state, wait["output"], next_name=next_state(state), assigned=wait["assigned"]
        )
    except StatesFailure as exc:
        engine.state_failed(frame, state, exc.failure)
