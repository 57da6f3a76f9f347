"""The Parallel and Map executors and what happens when their children end."""

from __future__ import annotations

import contextlib
from typing import Any

from headwater.asl.context import EvalContext
from headwater.asl.engine import Engine, Frame
from headwater.asl.errors import Failure, StatesError, StatesFailure
from headwater.asl.exec_common import (
    finish_with_result,
    next_state,
    uses_jsonata,
)
from headwater.asl.io_pipeline import (
    apply_input_path,
)
from headwater.asl.item_reader import batch_items, parse_items
from headwater.asl.jsonata_expr import JsonataTemplate
from headwater.asl.model import (
    MapState,
    NumberSource,
    ParallelState,
    State,
)
from headwater.asl.protocol import ItemsRead, MapRunUpdated, ReadItems, WriteResults
from headwater.asl.values import dumps, is_number, json_type_name

__all__ = ["items_read", "child_done", "child_failed", "run_map", "run_parallel"]

# ---------------------------------------------------------------------- Parallel


def run_parallel(engine: Engine, frame: Frame, state: State) -> None:
    """Parallel: one child frame per branch."""
    assert isinstance(state, ParallelState)
    ctx = engine.eval_context(frame, state)
    raw = frame["input"]
    if uses_jsonata(state):
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
    if uses_jsonata(state):
        effective = raw
        if isinstance(state.items, JsonataTemplate):
            items = state.items.evaluate(ctx)
            if not isinstance(items, list):
                raise ctx.query_error(
                    f"The JSONata expression '{state.items.expression_text}' specified for the "
                    f"field 'Items' returned an unexpected result type. Expected 'array', but "
                    f"was '{json_type_name(items)}' for value: {dumps(items)}",
                    "Items",
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
    if state.item_reader is not None:
        _read_items(engine, frame, state, ctx, effective)
        return
    if not isinstance(items, list):
        if uses_jsonata(state):
            raise ctx.query_error(f"Map state input must be an array but was: {dumps(items)}")
        where = state.items_path.text if state.items_path is not None else "$"
        raise ctx.runtime_error(f'Reference path "{where}" must point to array.')
    _start_iterations(engine, frame, state, ctx, effective, items)


def _template_value(template: Any, ctx: EvalContext, doc: Any) -> Any:
    if template is None:
        return None
    if isinstance(template, JsonataTemplate):
        return template.evaluate(ctx)
    return template.evaluate(ctx, doc)


def _read_items(
    engine: Engine, frame: Frame, state: MapState, ctx: EvalContext, effective: Any
) -> None:
    reader = state.item_reader
    assert reader is not None
    params = _template_value(reader.parameters, ctx, effective)
    token = engine.rng.uuid4()
    read = {
        "token": token,
        "resource": reader.resource,
        "parameters": params,
        "state_name": state.name,
    }
    frame["wait"] = {"kind": "reader", "token": token, "effective": effective, "read": read}
    engine.waits[token] = frame["id"]
    engine.commands.append(ReadItems(**read))


def items_read(engine: Engine, frame: Frame, event: ItemsRead) -> None:
    """The runtime answered a :class:`ReadItems` command."""
    state = engine.state_of(frame)
    assert isinstance(state, MapState)
    assert state.item_reader is not None
    wait = frame["wait"]
    engine.waits.pop(wait["token"], None)
    effective = wait["effective"]
    frame["wait"] = None
    ctx = engine.eval_context(frame, state)
    try:
        max_items = _int_field(state.item_reader.max_items, ctx, effective)
        items = parse_items(
            state.item_reader,
            body=event.body,
            objects=event.objects,
            max_items=int(max_items) if max_items is not None else None,
        )
        _start_iterations(engine, frame, state, ctx, effective, items)
    except StatesFailure as exc:
        engine.state_failed(frame, state, exc.failure)


def _start_iterations(
    engine: Engine,
    frame: Frame,
    state: MapState,
    ctx: EvalContext,
    effective: Any,
    items: list[Any],
) -> None:
    limit = _int_field(state.max_concurrency, ctx, effective) or 0
    batcher = state.item_batcher
    if batcher is not None:
        max_items = _int_field(batcher.max_items_per_batch, ctx, effective)
        max_bytes = _int_field(batcher.max_input_bytes_per_batch, ctx, effective)
        items = batch_items(
            items,
            max_items=int(max_items) if max_items is not None else None,
            max_bytes=int(max_bytes) if max_bytes is not None else None,
            batch_input=_template_value(batcher.batch_input, ctx, effective),
        )
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
        run_id = engine.rng.uuid4()
        arn = (
            f"arn:aws:states:{info['region']}:{info['account']}:mapRun:"
            f"{info['stateMachineName']}/{label}:{run_id}"
        )
        wait["mapRunArn"] = arn
        wait["mapRunId"] = run_id
        engine.emit(frame, "MapRunStarted", "mapRunStartedEventDetails", {"mapRunArn": arn})
        _map_run_updated(engine, state, wait, "RUNNING")
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
            # A distributed Map's child workflows cannot see the outer variables.
            variables={} if state.distributed else dict(frame["vars"]),
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
        _map_run_updated(engine, state, wait, "SUCCEEDED")
    engine.emit(frame, "MapStateSucceeded", chain=False)
    results = wait["results"]
    frame["wait"] = None
    ctx = engine.eval_context(frame, state)
    if state.result_writer is not None:
        results = _write_results(engine, frame, state, ctx, wait, results)
    try:
        finish_with_result(engine, frame, state, ctx, results, next_name=next_state(state))
    except StatesFailure as exc:
        engine.state_failed(frame, state, exc.failure)


def _write_results(
    engine: Engine,
    frame: Frame,
    state: MapState,
    ctx: EvalContext,
    wait: dict[str, Any],
    results: list[Any],
) -> Any:
    writer = state.result_writer
    assert writer is not None
    params = _template_value(writer.parameters, ctx, frame["input"]) or {}
    prefix = str(params.get("Prefix", "")) if isinstance(params, dict) else ""
    run_id = wait.get("mapRunId") or engine.rng.uuid4()
    key_prefix = f"{prefix}/{run_id}/" if prefix else f"{run_id}/"
    arn = wait.get("mapRunArn", "")
    engine.commands.append(
        WriteResults(
            resource=writer.resource,
            parameters=params,
            map_run_arn=arn,
            key_prefix=key_prefix,
            results=results,
            writer_config=writer.writer_config,
        )
    )
    details: dict[str, Any] = {"Key": f"{key_prefix}manifest.json"}
    if isinstance(params, dict) and "Bucket" in params:
        details = {"Bucket": params["Bucket"], **details}
    return {"MapRunArn": arn, "ResultWriterDetails": details}


def _map_run_updated(engine: Engine, state: MapState, wait: dict[str, Any], status: str) -> None:
    total = len(wait["results"])
    done, failed, running = wait["done"], wait["failed"], wait["running"]
    counts = {
        "pending": max(0, total - wait["next"]),
        "running": running if status == "RUNNING" else 0,
        "succeeded": done - failed if status != "RUNNING" or done else 0,
        "failed": failed,
        "timedOut": 0,
        "aborted": 0 if status != "FAILED" else max(0, total - done - failed),
        "total": total,
        "resultsWritten": done - failed if status == "SUCCEEDED" else 0,
    }
    engine.commands.append(
        MapRunUpdated(
            map_run_arn=wait["mapRunArn"],
            state_name=state.name,
            status=status,
            max_concurrency=wait["limit"],
            tolerated_failure_count=wait["tolCount"],
            tolerated_failure_percentage=wait["tolPct"],
            item_counts=counts,
            time=engine.now,
        )
    )


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
            engine.emit(parent, "ParallelStateSucceeded", chain=False)
            results = wait["results"]
            parent["wait"] = None
            ctx = engine.eval_context(parent, state)
            try:
                finish_with_result(engine, parent, state, ctx, results, next_name=next_state(state))
            except StatesFailure as exc:
                engine.state_failed(parent, state, exc.failure)
        return
    assert isinstance(state, MapState)
    if not child.get("silent"):
        wait["iterPrev"] = child["prev"]
        engine.emit(
            parent,
            "MapIterationSucceeded",
            "mapIterationSucceededEventDetails",
            {"index": slot, "name": state.name},
        )
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
            wait["iterPrev"] = child["prev"]
            engine.emit(
                parent,
                "MapIterationFailed",
                "mapIterationFailedEventDetails",
                {"index": child["slot"], "name": state.name},
                chain=False,
            )
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
            _map_run_updated(engine, state, wait, "FAILED")
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
