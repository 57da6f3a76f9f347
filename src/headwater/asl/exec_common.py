"""Shared steps of the state executors: results, variables, Retry and Catch."""

from __future__ import annotations

from typing import Any

from headwater.asl.context import EvalContext
from headwater.asl.engine import Engine, Frame
from headwater.asl.errors import Failure, StatesFailure
from headwater.asl.io_pipeline import (
    apply_output_path,
    apply_result_path,
    merge_result,
)
from headwater.asl.jsonata_expr import JsonataTemplate
from headwater.asl.model import (
    QueryLanguage,
    State,
)
from headwater.asl.payload import PayloadTemplate
from headwater.asl.retry import find_catcher, find_retrier, retry_delay

__all__ = [
    "evaluate_assign",
    "finish_with_result",
    "handle_failure",
    "next_state",
    "retry_due",
    "uses_jsonata",
]


def uses_jsonata(state: State) -> bool:
    """Tell whether ``state`` uses the JSONata query language."""
    return state.query_language is QueryLanguage.JSONATA


def evaluate_assign(state_assign: Any, ctx: EvalContext, doc: Any) -> dict[str, Any] | None:
    """Evaluate an Assign field (JSONPath template over ``doc``, or JSONata)."""
    if state_assign is None:
        return None
    if isinstance(state_assign, JsonataTemplate):
        value = state_assign.evaluate(ctx)
    else:
        assert isinstance(state_assign, PayloadTemplate)
        value = state_assign.evaluate(ctx, doc)
    return value if isinstance(value, dict) else None


def finish_with_result(
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
    if uses_jsonata(state):
        ctx.result = result
        assigned = evaluate_assign(state.assign, ctx, result)
        output = state.output.evaluate(ctx) if state.output is not None else result
    else:
        if state.result_selector is not None:
            result = state.result_selector.evaluate(ctx, result)
        assigned = evaluate_assign(state.assign, ctx, result)
        output = apply_output_path(state, ctx, apply_result_path(state, ctx, raw, result))
    engine.exit_state(frame, state, output, next_name=next_name, assigned=assigned)


def next_state(state: State) -> str | None:
    """The state that follows ``state``, None when it ends its frame."""
    return None if state.end else state.next


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
        if uses_jsonata(state):
            ctx.error_output = error_output
            assigned = evaluate_assign(catcher.assign, ctx, error_output)
            output = catcher.output.evaluate(ctx) if catcher.output is not None else error_output
        else:
            assigned = evaluate_assign(catcher.assign, ctx, error_output)
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
