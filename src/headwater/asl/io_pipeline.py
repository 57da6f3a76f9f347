"""The JSONPath input/output pipeline: InputPath, ResultPath, OutputPath and AWS's causes."""

from __future__ import annotations

from typing import Any

from headwater.asl.context import EvalContext
from headwater.asl.errors import StatesError, StatesFailure
from headwater.asl.jsonpath import JsonPath
from headwater.asl.model import State
from headwater.asl.values import dumps

__all__ = ["apply_input_path", "apply_output_path", "apply_result_path", "merge_result"]


def apply_input_path(state: State, ctx: EvalContext, raw: Any) -> Any:
    """The effective input: InputPath applied to the raw state input."""
    if state.input_path_null:
        return {}
    if state.input_path is None:
        return raw
    return ctx.resolve_plain(state.input_path, raw)


def apply_output_path(state: State, ctx: EvalContext, value: Any) -> Any:
    """The state output: OutputPath applied to the (ResultPath-merged) value."""
    if state.output_path_null:
        return {}
    if state.output_path is None:
        return value
    return ctx.resolve_plain(state.output_path, value)


def merge_result(
    path: JsonPath | None, path_null: bool, ctx: EvalContext, raw: Any, result: Any
) -> Any:
    """Place ``result`` into ``raw`` as ResultPath says (null: discard, absent: replace)."""
    if path_null:
        return raw
    if path is None or not path.segments:
        return result
    try:
        return path.set(raw, result)
    except KeyError as exc:
        raise StatesFailure(
            StatesError.RESULT_PATH_MATCH_FAILURE,
            f'Unable to apply ResultPath "{path.text}" to input {dumps(raw)} in state '
            f"'{ctx.state_name}'",
        ) from exc


def apply_result_path(state: State, ctx: EvalContext, raw: Any, result: Any) -> Any:
    """ResultPath of ``state`` applied to its raw input and result."""
    return merge_result(state.result_path, state.result_path_null, ctx, raw, result)
