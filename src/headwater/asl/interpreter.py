"""The pure interpreter API: :func:`start_execution` and :func:`advance`.

Both return a :class:`~headwater.asl.protocol.Step`: the new JSON-able execution state and
the commands to carry out. Neither reads a clock, a random source or anything outside its
arguments: time comes with each event, randomness from a seed kept inside the state.
"""

from __future__ import annotations

import json
from typing import Any

from headwater.asl.engine import EXECUTION_TIMER, PAYLOAD_LIMIT, SCHEMA_VERSION, Engine
from headwater.asl.errors import (
    ExecutionInputError,
    Failure,
    InterpreterError,
    StatesError,
)
from headwater.asl.exec_parallel_map import items_read
from headwater.asl.executors import retry_due, task_error, task_event, task_result, wait_over
from headwater.asl.model import CompiledMachine
from headwater.asl.protocol import (
    CancelTimer,
    Command,
    Event,
    ExecutionInfo,
    InvokeTask,
    ItemsRead,
    ReadItems,
    StartTimer,
    Step,
    StopExecution,
    TaskFailed,
    TaskHeartbeat,
    TaskStarted,
    TaskSubmitted,
    TaskSucceeded,
    TimerFired,
)
from headwater.asl.timestamps import format_timestamp
from headwater.asl.values import dumps

__all__ = [
    "advance",
    "check_execution_input",
    "execution_status",
    "pending_commands",
    "redrive_execution",
    "start_execution",
]

_REDRIVABLE = ("FAILED", "TIMED_OUT", "ABORTED")


def check_execution_input(text: str) -> Any:
    """Parse StartExecution input as AWS does; raise ExecutionInputError when it refuses it."""
    try:
        value = json.loads(text)
    except (json.JSONDecodeError, TypeError) as exc:
        raise ExecutionInputError(
            "Invalid State Machine Execution Input: 'Invalid execution input.'"
        ) from exc
    if len(text.encode("utf-8")) > PAYLOAD_LIMIT:
        raise ExecutionInputError(
            "Invalid State Machine Execution Input: 'The input exceeds the maximum size of "
            "262144 bytes.'"
        )
    return value


def start_execution(
    machine: CompiledMachine, info: ExecutionInfo, input_: Any, *, time: float, seed: int
) -> Step:
    """Create the state of a new execution and run it until it first blocks or ends."""
    state: dict[str, Any] = {
        "schemaVersion": SCHEMA_VERSION,
        "status": "RUNNING",
        "seq": 0,
        "prev": 0,
        "ids": 0,
        "rng": [seed, 0],
        "startTime": time,
        "info": {
            "region": info.region,
            "account": info.account,
            "stateMachineName": info.state_machine_name,
            "executionArn": info.execution_arn,
            "type": info.machine_type,
        },
        "context": {
            "Execution": {
                "Id": info.execution_arn,
                "Input": input_,
                "Name": info.name,
                "RoleArn": info.role_arn,
                "StartTime": format_timestamp(time),
            },
            "StateMachine": {"Id": info.state_machine_arn, "Name": info.state_machine_name},
        },
        "frames": {},
        "waits": {},
    }
    if info.redrive_count is not None:
        state["context"]["Execution"]["RedriveCount"] = info.redrive_count
    engine = Engine(machine, state, time)
    started: dict[str, Any] = {
        "input": dumps(input_),
        "inputDetails": {"truncated": False},
        "roleArn": info.role_arn,
    }
    if info.state_machine_alias_arn:
        started["stateMachineAliasArn"] = info.state_machine_alias_arn
    if info.state_machine_version_arn:
        started["stateMachineVersionArn"] = info.state_machine_version_arn
    engine.emit(None, "ExecutionStarted", "executionStartedEventDetails", started)
    state["prev"] = 0
    if machine.timeout_seconds is not None:
        state["timer"] = True
        state["timerDeadline"] = time + machine.timeout_seconds
        engine.commands.append(
            StartTimer(timer_id=EXECUTION_TIMER, deadline=time + machine.timeout_seconds)
        )
    engine.new_frame(
        block="", name=machine.root.start_at, input_=input_, parent=None, slot=0, variables={}
    )
    engine.run()
    return Step(state=state, commands=engine.finish())


def advance(
    machine: CompiledMachine, state: dict[str, Any], event: Event, *, in_place: bool = False
) -> Step:
    """Apply ``event`` to an execution ``state``.

    ``state`` is left untouched unless ``in_place`` is true: a runtime that owns the state
    (it reloads it from its store anyway) can skip the copy, and must then use only the
    returned ``Step.state``.
    """
    if state.get("schemaVersion") != SCHEMA_VERSION:
        raise InterpreterError(
            f"unsupported execution state version {state.get('schemaVersion')!r}"
        )
    new_state: dict[str, Any] = state if in_place else json.loads(json.dumps(state))
    if new_state["status"] != "RUNNING":
        return Step(state=new_state, commands=())
    engine = Engine(machine, new_state, event.time)
    _dispatch(engine, event)
    engine.run()
    return Step(state=new_state, commands=engine.finish())


def redrive_execution(machine: CompiledMachine, state: dict[str, Any], *, time: float) -> Step:
    """RedriveExecution: restart an ended execution from the top-level state it stopped in.

    Emits ExecutionRedriven and re-enters that state with the input and variables it had.
    A Map or Parallel that failed is run again as a whole (AWS re-runs only its unsuccessful
    iterations). Raises InterpreterError when the execution cannot be redriven.
    """
    if state.get("status") not in _REDRIVABLE or not state.get("redrive"):
        raise InterpreterError(f"an execution in status {state.get('status')} cannot be redriven")
    new_state: dict[str, Any] = json.loads(json.dumps(state))
    point = new_state.pop("redrive")
    count = int(new_state.get("redriveCount", 0)) + 1
    new_state["redriveCount"] = count
    execution = new_state["context"]["Execution"]
    if "RedriveCount" in execution:
        execution["RedriveCount"] = count
    new_state["status"] = "RUNNING"
    for key in ("error", "cause", "output", "historyExceeded"):
        new_state.pop(key, None)
    engine = Engine(machine, new_state, time)
    engine.emit(None, "ExecutionRedriven", "executionRedrivenEventDetails", {"redriveCount": count})
    if machine.timeout_seconds is not None:
        new_state["timer"] = True
        new_state["timerDeadline"] = time + machine.timeout_seconds
        engine.commands.append(
            StartTimer(timer_id=EXECUTION_TIMER, deadline=time + machine.timeout_seconds)
        )
    engine.new_frame(
        block="",
        name=point["name"],
        input_=point["input"],
        parent=None,
        slot=0,
        variables=point["vars"],
        prev=new_state["seq"],
    )
    engine.run()
    return Step(state=new_state, commands=engine.finish())


def pending_commands(state: dict[str, Any]) -> tuple[Command, ...]:
    """The commands an execution still waits on, for a runtime resuming after a restart.

    StartTimer for every armed timer (Wait deadlines, retry back-off, task timeouts and
    heartbeats, the execution timeout), InvokeTask for every task awaiting its result and
    ReadItems for every ItemReader awaiting its data. Re-invoking is at-least-once, as AWS.
    """
    if state.get("status") != "RUNNING":
        return ()
    out: list[Command] = []
    if state.get("timer") and state.get("timerDeadline") is not None:
        out.append(StartTimer(timer_id=EXECUTION_TIMER, deadline=state["timerDeadline"]))
    waits = state["waits"]
    for frame in state["frames"].values():
        wait = frame.get("wait") or {}
        for timer_id, deadline in (wait.get("deadlines") or {}).items():
            if timer_id in waits:
                out.append(StartTimer(timer_id=timer_id, deadline=deadline))
        if wait.get("kind") == "task" and wait.get("token") in waits and wait.get("invoke"):
            out.append(InvokeTask(**wait["invoke"]))
        if wait.get("kind") == "reader" and wait.get("token") in waits and wait.get("read"):
            out.append(ReadItems(**wait["read"]))
    return tuple(out)


def execution_status(state: dict[str, Any]) -> dict[str, Any]:
    """Status, output, error and cause of an execution state (what DescribeExecution shows)."""
    return {
        "status": state["status"],
        "output": state.get("output"),
        "error": state.get("error"),
        "cause": state.get("cause"),
    }


def _dispatch(engine: Engine, event: Event) -> None:
    if isinstance(event, StopExecution):
        engine.abort_execution(event.error, event.cause)
        return
    if isinstance(event, TimerFired):
        _timer(engine, event.timer_id)
        return
    if isinstance(event, ItemsRead):
        items_read(engine, engine.waiter(event.token), event)
        return
    if not isinstance(
        event, TaskStarted | TaskSubmitted | TaskSucceeded | TaskFailed | TaskHeartbeat
    ):
        raise InterpreterError(f"unknown event {type(event).__name__}")
    frame = engine.waiter(event.token)
    wait = frame.get("wait") or {}
    if wait.get("kind") == "reader":
        if isinstance(event, TaskFailed):
            engine.waits.pop(event.token, None)
            frame["wait"] = None
            engine.state_failed(
                frame, engine.state_of(frame), Failure(error=event.error, cause=event.cause)
            )
        return
    if isinstance(event, TaskStarted):
        extra = {"workerName": event.worker_name} if event.worker_name else {}
        task_event(engine, frame, "Started", extra)
    elif isinstance(event, TaskSubmitted):
        task_event(
            engine,
            frame,
            "Submitted",
            {"output": dumps(event.output), "outputDetails": {"truncated": False}},
        )
    elif isinstance(event, TaskHeartbeat):
        old = wait.get("hbTimer")
        if old:
            engine.waits.pop(old, None)
            engine.commands.append(CancelTimer(timer_id=old))
            engine.start_timer(frame, event.time + float(wait["heartbeat"]), "hbTimer")
    elif isinstance(event, TaskSucceeded):
        task_result(engine, frame, event.output)
    else:
        task_error(engine, frame, Failure(error=event.error, cause=event.cause))


def _timer(engine: Engine, timer_id: str) -> None:
    if timer_id == EXECUTION_TIMER:
        if engine.s.get("timer"):
            engine.s["timer"] = False
            engine.time_out_execution()
        return
    fid = engine.waits.get(timer_id)
    frame = engine.frames.get(fid) if fid else None
    if frame is None:
        return  # a cancelled timer fired anyway: harmless
    wait = frame.get("wait") or {}
    kind = wait.get("kind")
    if kind == "wait":
        wait_over(engine, frame)
    elif kind == "retry":
        retry_due(engine, frame)
    elif kind == "task":
        engine.waits.pop(timer_id, None)
        is_heartbeat = wait.get("hbTimer") == timer_id
        wait.pop("hbTimer" if is_heartbeat else "timer", None)
        # AWS's error output for a timeout carries an empty Cause.
        task_error(engine, frame, Failure(error=StatesError.TIMEOUT, cause=""), timed_out=True)
    else:
        engine.waits.pop(timer_id, None)
