"""TestState: run one state in isolation, with mocks, and report AWS's inspection data.

:func:`run_test_state` takes a single state definition (or a whole machine and a
``state_name``), the input, an optional mock (``result`` or ``errorOutput``), variables, a
context object and the ``stateConfiguration`` knobs (``retrierRetryCount``,
``mapIterationFailureCount``, ``errorCausedByState``, ``mapItemReaderData``) and answers with
a :class:`TestStateResult` in TestState's shape. A Task without a mock calls ``invoke``
(resource, parameters) -> result, which the service layer provides; validating mocks against
the service API schemas (``fieldValidationMode``) is the service layer's job too.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from headwater.asl.compiler import compile_definition
from headwater.asl.context import EvalContext
from headwater.asl.entropy import SplitMix
from headwater.asl.errors import Failure, InterpreterError, StatesError, StatesFailure
from headwater.asl.exec_common import evaluate_assign
from headwater.asl.io_pipeline import (
    apply_input_path,
    apply_output_path,
    apply_result_path,
    merge_result,
)
from headwater.asl.jsonata_expr import JsonataTemplate
from headwater.asl.model import (
    ChoiceState,
    CompiledMachine,
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
from headwater.asl.protocol import ExecutionInfo
from headwater.asl.retry import find_catcher, find_retrier, retry_delay
from headwater.asl.timestamps import format_timestamp
from headwater.asl.values import dumps, is_number

__all__ = ["TestStateResult", "run_test_state"]

SINGLE_STATE_NAME = "StateName"
Invoke = Callable[[str, Any], Any]


@dataclass(frozen=True, slots=True, kw_only=True)
class TestStateResult:
    """TestState's answer: status SUCCEEDED, FAILED, RETRIABLE or CAUGHT_ERROR."""

    __test__ = False  # not a pytest test class

    status: str
    output: Any = None
    has_output: bool = False
    error: str | None = None
    cause: str | None = None
    next_state: str | None = None
    inspection_data: dict[str, Any] | None = None

    def to_wire(self) -> dict[str, Any]:
        """The TestState response members (payloads as JSON strings, as AWS returns them)."""
        out: dict[str, Any] = {"status": self.status}
        if self.has_output:
            out["output"] = dumps(self.output)
        if self.error is not None:
            out["error"] = self.error
        if self.cause is not None:
            out["cause"] = self.cause
        if self.next_state is not None:
            out["nextState"] = self.next_state
        if self.inspection_data is not None:
            out["inspectionData"] = {
                k: v if k == "errorDetails" or isinstance(v, int | float) else dumps(v)
                for k, v in self.inspection_data.items()
            }
        return out


def _parse(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def _single_state_machine(definition: dict[str, Any]) -> dict[str, Any]:
    """Wrap one state in a machine, with stand-in Succeed states for its transitions."""
    states: dict[str, Any] = {SINGLE_STATE_NAME: definition}
    targets = [definition.get("Next"), definition.get("Default")]
    targets += [c.get("Next") for c in definition.get("Choices") or [] if isinstance(c, dict)]
    targets += [c.get("Next") for c in definition.get("Catch") or [] if isinstance(c, dict)]
    for target in targets:
        if isinstance(target, str) and target not in states:
            states[target] = {"Type": "Succeed"}
    machine: dict[str, Any] = {"StartAt": SINGLE_STATE_NAME, "States": states}
    if definition.get("QueryLanguage") == "JSONata":
        machine["QueryLanguage"] = "JSONata"
    return machine


def _find_state(machine: CompiledMachine, name: str) -> State:
    for block in machine.blocks.values():
        if name in block.states:
            return block.states[name]
    raise InterpreterError(f"the state '{name}' is not in the definition")


@dataclass
class _Run:
    state: State
    ctx: EvalContext
    debug: bool
    mock: dict[str, Any]
    config: dict[str, Any]
    invoke: Invoke | None
    data: dict[str, Any] = field(default_factory=dict)

    def note(self, key: str, value: Any) -> None:
        if self.debug:
            self.data[key] = value

    # -------------------------------------------------------------- the state's result
    def mocked_result(self, resource: str, params: Any) -> Any:
        if "errorOutput" in self.mock:
            err = self.mock["errorOutput"] or {}
            raise StatesFailure(err.get("error"), err.get("cause"))
        if "result" in self.mock:
            return _parse(self.mock["result"])
        if self.invoke is None:
            raise InterpreterError("a Task needs a mock or an invoke callable")
        return self.invoke(resource, params)

    def number(self, src: NumberSource | None, doc: Any) -> float | None:
        if src is None:
            return None
        if src.value is not None:
            return src.value
        if src.expression is not None:
            value = src.expression.evaluate(self.ctx)
        else:
            assert src.path is not None
            value = self.ctx.resolve_plain(src.path, doc)
        if isinstance(value, str):
            value = float(value)
        if not is_number(value):
            raise self.ctx.runtime_error(
                f"The {src.field_name} field refers to value "
                f"{dumps(value)} which is not a valid number"
            )
        return float(value)

    def map_result(self, state: MapState, doc: Any) -> Any:
        items: Any = None
        if isinstance(state.items, JsonataTemplate):
            items = state.items.evaluate(self.ctx)
        elif state.item_reader is not None and "mapItemReaderData" in self.config:
            items = _parse(self.config["mapItemReaderData"])
        elif state.query_language is QueryLanguage.JSONPATH:
            items = self.ctx.resolve_plain(state.items_path, doc) if state.items_path else doc
            if not isinstance(items, list):
                raise StatesFailure(StatesError.RUNTIME, 'Reference path "$" must point to array.')
            self.note("afterItemsPath", items)
        limit = self.number(state.max_concurrency, doc)
        self.note("maxConcurrency", int(limit or 0))
        count = self.number(state.tolerated_failure_count, doc)
        pct = self.number(state.tolerated_failure_percentage, doc)
        if count is not None:
            self.note("toleratedFailureCount", int(count))
        if pct is not None:
            self.note("toleratedFailurePercentage", pct)
        if "errorCausedByState" in self.config and "errorOutput" in self.mock:
            err = self.mock["errorOutput"] or {}
            raise StatesFailure(err.get("error"), err.get("cause"))
        failures = int(self.config.get("mapIterationFailureCount", 0))
        total = len(items) if isinstance(items, list) else 0
        exceeded = (count is not None and failures > count) or (
            pct is not None and total > 0 and failures * 100.0 / total > pct
        )
        if failures and exceeded:
            raise StatesFailure(
                StatesError.EXCEED_TOLERATED_FAILURE_THRESHOLD,
                "The specified tolerated failure threshold was exceeded",
            )
        return self.mocked_result("map", items)

    def result_of(self, state: State, doc: Any) -> Any:
        if isinstance(state, TaskState):
            return self.mocked_result(state.resource, doc)
        if isinstance(state, MapState):
            return self.map_result(state, doc)
        if isinstance(state, ParallelState):
            return self.mocked_result("parallel", doc)
        raise InterpreterError(f"no result for a {state.type} state")


def _params(run: _Run, state: State, effective: Any) -> Any:
    if state.query_language is QueryLanguage.JSONATA:
        if state.arguments is None:
            return effective
        value = state.arguments.evaluate(run.ctx)
        if isinstance(state, TaskState):
            run.note("afterArguments", value)
        return value
    value = state.parameters.evaluate(run.ctx, effective) if state.parameters else effective
    if isinstance(state, TaskState):
        run.note("afterParameters", value)
    return value


def _finish(run: _Run, state: State, raw: Any, result: Any) -> tuple[Any, dict[str, Any] | None]:
    ctx = run.ctx
    if state.query_language is QueryLanguage.JSONATA:
        ctx.result = result
        assigned = evaluate_assign(state.assign, ctx, result)
        return (state.output.evaluate(ctx) if state.output is not None else result), assigned
    selected = state.result_selector.evaluate(ctx, result) if state.result_selector else result
    run.note("afterResultSelector", selected)
    assigned = evaluate_assign(state.assign, ctx, selected)
    merged = apply_result_path(state, ctx, raw, selected)
    run.note("afterResultPath", merged)
    return apply_output_path(state, ctx, merged), assigned


def _evaluate(run: _Run, raw: Any) -> tuple[Any, str | None, dict[str, Any] | None]:
    """Run the state; return (output, next state, assigned variables)."""
    state, ctx = run.state, run.ctx
    jsonata = state.query_language is QueryLanguage.JSONATA
    effective = raw if jsonata else apply_input_path(state, ctx, raw)
    if not jsonata and not isinstance(state, ParallelState):
        run.note("afterInputPath", effective)
    nxt = None if state.end else state.next
    if isinstance(state, ChoiceState):
        for rule in state.choices:
            if rule.evaluate(ctx, effective):
                out = (
                    rule.output.evaluate(ctx)
                    if jsonata and rule.output
                    else (raw if jsonata else apply_output_path(state, ctx, effective))
                )
                return out, rule.next, evaluate_assign(rule.assign, ctx, effective)
        if state.default is None:
            raise StatesFailure(
                StatesError.NO_CHOICE_MATCHED, f"No Matches! for state '{state.name}'"
            )
        out = (
            state.output.evaluate(ctx)
            if jsonata and state.output
            else (raw if jsonata else apply_output_path(state, ctx, effective))
        )
        return out, state.default, evaluate_assign(state.assign, ctx, effective)
    if isinstance(state, FailState):
        error = state.error
        cause = state.cause
        if state.error_path is not None:
            error = ctx.resolve(state.error_path, raw, "ErrorPath")
        if state.cause_path is not None:
            cause = ctx.resolve(state.cause_path, raw, "CausePath")
        if state.error_expression is not None:
            error = state.error_expression.evaluate(ctx)
        if state.cause_expression is not None:
            cause = state.cause_expression.evaluate(ctx)
        raise StatesFailure(error, cause)
    if state.type is StateType.SUCCEED or isinstance(state, WaitState):
        out = (
            state.output.evaluate(ctx)
            if jsonata and state.output
            else (raw if jsonata else apply_output_path(state, ctx, effective))
        )
        return (
            out,
            None if state.type is StateType.SUCCEED else nxt,
            evaluate_assign(state.assign, ctx, effective),
        )
    if isinstance(state, PassState):
        if jsonata:
            assigned = evaluate_assign(state.assign, ctx, raw)
            return (state.output.evaluate(ctx) if state.output else raw), nxt, assigned
        if state.has_result:
            # AWS reports a literal Result, not the input steps, for such a Pass.
            run.data.pop("afterInputPath", None)
            result = state.result
            run.note("result", result)
        else:
            result = state.parameters.evaluate(ctx, effective) if state.parameters else effective
            run.note("afterParameters", result)
        output, assigned = _finish(run, state, raw, result)
        return output, nxt, assigned
    params = _params(run, state, effective)
    result = run.result_of(state, params)
    if isinstance(state, TaskState):
        run.note("result", result)
    output, assigned = _finish(run, state, raw, result)
    return output, nxt, assigned


def run_test_state(
    definition: dict[str, Any] | str,
    input_: Any,
    *,
    info: ExecutionInfo,
    time: float,
    seed: int,
    state_name: str | None = None,
    inspection_level: str = "INFO",
    mock: dict[str, Any] | None = None,
    variables: dict[str, Any] | str | None = None,
    context: dict[str, Any] | str | None = None,
    state_configuration: dict[str, Any] | None = None,
    invoke: Invoke | None = None,
) -> TestStateResult:
    """Run one state as TestState does (raises DefinitionError for a bad definition)."""
    raw_def = _parse(definition)
    if not isinstance(raw_def, dict):
        raise InterpreterError("the definition must be a JSON object")
    if "States" in raw_def:
        machine = compile_definition(raw_def, machine_type=info.machine_type)
        name = state_name or machine.root.start_at
        state = _find_state(machine, name)
    else:
        machine = compile_definition(_single_state_machine(raw_def), machine_type=info.machine_type)
        name = SINGLE_STATE_NAME
        state = machine.root.states[name]
    if context is not None:
        context_object: dict[str, Any] = _parse(context)
    else:
        # TestState names the state "StateName" in $$ even when stateName picks one.
        state_ctx: dict[str, Any] = {
            "Name": SINGLE_STATE_NAME,
            "EnteredTime": format_timestamp(time),
        }
        if state.type in (StateType.TASK, StateType.MAP, StateType.PARALLEL):
            state_ctx["RetryCount"] = 0
        context_object = {
            "Execution": {
                "Id": info.execution_arn,
                "Input": input_,
                "Name": info.name,
                "RoleArn": info.role_arn or None,
                "StartTime": format_timestamp(time),
            },
            "StateMachine": {"Id": info.state_machine_arn, "Name": info.state_machine_name},
            "State": state_ctx,
        }
    given_vars = _parse(variables) if variables is not None else {}
    ctx = EvalContext(
        state_name=name,
        entered_event_id=0,
        context=context_object,
        variables=dict(given_vars),
        entropy=SplitMix(seed),
        now=time,
        state_input=input_,
    )
    run = _Run(
        state=state,
        ctx=ctx,
        debug=inspection_level in ("DEBUG", "TRACE"),
        mock=dict(mock or {}),
        config=dict(state_configuration or {}),
        invoke=invoke,
    )
    run.note("input", input_)
    try:
        output, nxt, assigned = _evaluate(run, input_)
    except StatesFailure as exc:
        return _failed(run, state, input_, exc.failure, given_vars)
    new_vars = {**given_vars, **(assigned or {})}
    if new_vars:
        run.note("variables", new_vars)
    return TestStateResult(
        status="SUCCEEDED",
        output=output,
        has_output=True,
        next_state=nxt,
        inspection_data=run.data if run.debug else None,
    )


def _failed(
    run: _Run, state: State, raw: Any, failure: Failure, given_vars: dict[str, Any]
) -> TestStateResult:
    details: dict[str, Any] = {}
    idx = find_retrier(state.retry, failure.error) if state.retry else None
    if idx is not None:
        retrier = state.retry[idx]
        done = int(run.config.get("retrierRetryCount", 0))
        details["retryIndex"] = idx
        if done < retrier.max_attempts:
            details["retryBackoffIntervalSeconds"] = int(retry_delay(retrier, done))
            run.note("errorDetails", details)
            return TestStateResult(
                status="RETRIABLE",
                error=failure.error,
                cause=failure.cause,
                inspection_data=run.data if run.debug else None,
            )
    catcher = find_catcher(state.catch, failure.error) if state.catch else None
    if catcher is not None:
        details = {"catchIndex": state.catch.index(catcher)}
        run.note("errorDetails", details)
        ctx = run.ctx
        error_output = failure.to_json()
        if state.query_language is QueryLanguage.JSONATA:
            ctx.error_output = error_output
            output = catcher.output.evaluate(ctx) if catcher.output else error_output
        else:
            output = merge_result(
                catcher.result_path, catcher.result_path_null, ctx, raw, error_output
            )
        return TestStateResult(
            status="CAUGHT_ERROR",
            output=output,
            has_output=True,
            error=failure.error,
            cause=failure.cause,
            next_state=catcher.next,
            inspection_data=run.data if run.debug else None,
        )
    if details:
        run.note("errorDetails", details)
    return TestStateResult(
        status="FAILED",
        error=failure.error,
        cause=failure.cause,
        inspection_data=run.data if run.debug else None,
    )
