"""The interpreter's core: frames, the run loop, history events, failure propagation.

One :class:`Engine` lives for a single :func:`headwater.asl.advance` call: it owns the
(mutable, JSON-able) execution state for that call, runs every runnable frame until each one
blocks (task, timer, children) or finishes, and collects history events and commands.
Per-state behaviour lives in :mod:`headwater.asl.executors`.
"""

from __future__ import annotations

from collections import deque
from typing import Any

from headwater.asl.context import EvalContext
from headwater.asl.entropy import SplitMix
from headwater.asl.errors import Failure, InterpreterError, StatesError, StatesFailure
from headwater.asl.model import CompiledMachine, MapState, ParallelState, State, StateType
from headwater.asl.protocol import (
    CancelTask,
    CancelTimer,
    Command,
    EmitHistoryEvents,
    ExecutionAborted,
    ExecutionFailed,
    ExecutionSucceeded,
    ExecutionTimedOut,
    StartTimer,
)
from headwater.asl.timestamps import format_timestamp
from headwater.asl.values import dumps

__all__ = ["HISTORY_LIMIT", "PAYLOAD_LIMIT", "SCHEMA_VERSION", "Engine", "Frame"]

SCHEMA_VERSION = 1
PAYLOAD_LIMIT = 256 * 1024
HISTORY_LIMIT = 25_000
EXECUTION_TIMER = "execution-timeout"
_HISTORY_MARGIN = 10

Frame = dict[str, Any]


def _details(value: Any) -> tuple[str, dict[str, bool]]:
    return dumps(value), {"truncated": False}


class Engine:
    """Runs frames of one execution during one transition."""

    def __init__(self, machine: CompiledMachine, state: dict[str, Any], now: float) -> None:
        self.machine = machine
        self.s = state
        self.now = now
        self.events: list[dict[str, Any]] = []
        self.commands: list[Command] = []
        self.ready: deque[str] = deque()
        self.texts: dict[str, tuple[Any, str]] = {}
        seed, counter = state["rng"]
        self.rng = SplitMix(seed, counter)
        self.frames: dict[str, Frame] = state["frames"]
        self.waits: dict[str, str] = state["waits"]
        from headwater.asl import executors  # local import: executors imports this module

        self.executors = executors

    # ------------------------------------------------------------------ bookkeeping
    def new_id(self, prefix: str) -> str:
        """A fresh id unique within the execution."""
        self.s["ids"] += 1
        return f"{prefix}{self.s['ids']}"

    def finish(self) -> tuple[Command, ...]:
        """Close the transition: persist the RNG position, return the commands."""
        self.s["rng"] = [self.rng.seed, self.rng.counter]
        out: list[Command] = []
        if self.events:
            out.append(EmitHistoryEvents(events=tuple(self.events)))
        out.extend(self.commands)
        return tuple(out)

    def emit(
        self,
        frame: Frame | None,
        type_: str,
        key: str | None = None,
        details: dict[str, Any] | None = None,
        *,
        chain: bool = True,
    ) -> int:
        """Append a history event chained after ``frame``'s previous event; return its id.

        With ``chain`` false the event does not become the frame's previous event (AWS points
        the event after Map/ParallelStateSucceeded at the event before it).
        """
        if frame is not None and frame.get("silent"):
            frame["lseq"] = frame.get("lseq", 0) + 1
            return int(frame["lseq"])
        self.s["seq"] += 1
        eid: int = self.s["seq"]
        prev = frame["prev"] if frame is not None else self.s.get("prev", 0)
        event: dict[str, Any] = {
            "id": eid,
            "previousEventId": prev,
            "timestamp": self.now,
            "type": type_,
        }
        if key is not None:
            event[key] = details if details is not None else {}
        self.events.append(event)
        if frame is not None and chain:
            frame["prev"] = eid
        self.s["prev"] = eid
        # Leave room for the closing events so that ExecutionFailed fits in the limit.
        if eid >= HISTORY_LIMIT - _HISTORY_MARGIN and self.s["status"] == "RUNNING":
            self.s["historyExceeded"] = True
        return eid

    def context_object(self, frame: Frame, state: State) -> dict[str, Any]:
        """The context object ``$$`` for ``state`` running in ``frame``."""
        ctx = dict(self.s["context"])
        ctx["State"] = {
            "EnteredTime": format_timestamp(frame.get("enteredAt", self.now)),
            "Name": state.name,
        }
        if state.type in (StateType.TASK, StateType.MAP, StateType.PARALLEL):
            # Only the states that can retry show RetryCount (TestState shows it on Map too).
            ctx["State"]["RetryCount"] = frame.get("attempt", 0)
        token = (frame.get("wait") or {}).get("token")
        if token and state.type is StateType.TASK:
            ctx["Task"] = {"Token": token}
        return ctx

    def eval_context(self, frame: Frame, state: State) -> EvalContext:
        """A fresh evaluation context for ``state``."""
        return EvalContext(
            state_name=state.name,
            entered_event_id=frame.get("entered", 0),
            context=self.context_object(frame, state),
            variables=frame["vars"],
            entropy=self.rng,
            now=self.now,
            state_input=frame["input"],
        )

    def state_of(self, frame: Frame) -> State:
        """The compiled state ``frame`` is at."""
        return self.machine.blocks[frame["block"]].states[frame["name"]]

    # ------------------------------------------------------------------ frames
    def new_frame(
        self,
        *,
        block: str,
        name: str,
        input_: Any,
        parent: str | None,
        slot: int,
        variables: dict[str, Any],
        silent: bool = False,
        prev: int = 0,
        on_start: list[Any] | None = None,
    ) -> str:
        """Create a frame at state ``name`` of ``block`` and queue it."""
        fid = self.new_id("f")
        frame: Frame = {
            "id": fid,
            "block": block,
            "name": name,
            "input": input_,
            "parent": parent,
            "slot": slot,
            "vars": variables,
            "prev": prev,
            "retries": {},
            "attempt": 0,
            "wait": None,
        }
        if silent:
            frame["silent"] = True
        if on_start is not None:
            frame["onStart"] = on_start
        self.frames[fid] = frame
        self.ready.append(fid)
        return fid

    def run(self) -> None:
        """Run queued frames until every one of them blocks or finishes."""
        while self.ready and self.s["status"] == "RUNNING":
            fid = self.ready.popleft()
            frame = self.frames.get(fid)
            if frame is None:
                continue
            start = frame.pop("onStart", None)
            if start is not None:
                parent = self.frames.get(frame["parent"] or "")
                if not frame.get("silent") and parent is not None:
                    # AWS chains an iteration after the previous iteration's last event.
                    wait = parent.get("wait") or {}
                    frame["prev"] = wait.get("iterPrev", parent["prev"])
                self.emit(frame, start[0], start[1], start[2])
            self.enter(frame)
            if self.s.get("historyExceeded"):
                self.fail_execution(
                    Failure(
                        error=StatesError.RUNTIME,
                        cause=f"The execution reached the maximum number of history events "
                        f"({HISTORY_LIMIT}).",
                    )
                )

    def enter(self, frame: Frame) -> None:
        """Enter the frame's current state and execute it."""
        state = self.state_of(frame)
        cached = self.texts.get(frame["id"])
        if cached is not None and cached[0] is frame["input"]:
            text, details = cached[1], {"truncated": False}
        else:
            text, details = _details(frame["input"])
        frame["enteredPrev"] = frame["prev"]
        frame["entered"] = self.emit(
            frame,
            f"{state.type}StateEntered",
            "stateEnteredEventDetails",
            {"name": state.name, "input": text, "inputDetails": details},
        )
        frame["enteredAt"] = self.now
        frame["retries"] = {}
        frame["attempt"] = 0
        self.execute(frame, state)

    def execute(self, frame: Frame, state: State) -> None:
        """Run the body of ``state`` (first run or retry), routing failures."""
        try:
            self.executors.EXECUTORS[state.type](self, frame, state)
        except StatesFailure as exc:
            self.state_failed(frame, state, exc.failure, location=getattr(exc, "location", None))

    def exit_state(
        self,
        frame: Frame,
        state: State,
        output: Any,
        *,
        next_name: str | None,
        assigned: dict[str, Any] | None = None,
    ) -> None:
        """Leave ``state`` with ``output``: variables, Exited event, then transition."""
        text = dumps(output)
        if len(text) > PAYLOAD_LIMIT // 4 and len(text.encode("utf-8")) > PAYLOAD_LIMIT:
            raise StatesFailure(
                StatesError.DATA_LIMIT_EXCEEDED,
                f"The state/task '{state.name}' returned a result with a size "
                f"exceeding the maximum number of bytes service limit.",
            )
        details: dict[str, Any] = {
            "name": state.name,
            "output": text,
            "outputDetails": {"truncated": False},
        }
        if assigned:
            new_vars = dict(frame["vars"])
            new_vars.update(assigned)
            frame["vars"] = new_vars
            details["assignedVariables"] = {k: dumps(v) for k, v in assigned.items()}
            details["assignedVariablesDetails"] = {"truncated": False}
        self.emit(frame, f"{state.type}StateExited", "stateExitedEventDetails", details)
        if next_name is None:
            self.frame_done(frame, output)
            return
        frame["name"] = next_name
        frame["input"] = output
        # The next Entered event shows this very text: serialize once.
        self.texts[frame["id"]] = (output, text)
        frame["wait"] = None
        self.ready.appendleft(frame["id"])

    # ------------------------------------------------------------------ completion
    def frame_done(self, frame: Frame, output: Any) -> None:
        """The frame reached an end: report to its parent (or end the execution)."""
        self.drop_frame(frame["id"])
        parent_id = frame["parent"]
        if parent_id is None:
            self.succeed_execution(output, frame)
            return
        parent = self.frames[parent_id]
        self.executors.child_done(self, parent, frame, output)

    def frame_failed(self, frame: Frame, failure: Failure) -> None:
        """The frame failed without a catcher: propagate to its parent (or the execution)."""
        self.drop_frame(frame["id"])
        parent_id = frame["parent"]
        if parent_id is None:
            self.fail_execution(failure, frame)
            return
        parent = self.frames.get(parent_id)
        if parent is not None:
            state = self.state_of(frame)
            if (parent.get("wait") or {}).get("kind") == "parallel" and state.type not in (
                StateType.FAIL,
                StateType.SUCCEED,
            ):
                # AWS reports the branch's failing state as aborted.
                self.emit(frame, f"{state.type}StateAborted", chain=False)
            self.executors.child_failed(self, parent, frame, failure)

    def drop_frame(self, fid: str) -> None:
        """Forget a frame and everything it waits on (tasks, timers, children)."""
        frame = self.frames.pop(fid, None)
        if frame is None:
            return
        self.cancel_waits(frame)

    def cancel_waits(self, frame: Frame) -> None:
        """Cancel the task, timers and child frames ``frame`` waits on."""
        wait = frame.get("wait") or {}
        frame["wait"] = None
        for key in ("timer", "hbTimer"):
            timer = wait.get(key)
            if timer and self.waits.pop(timer, None) is not None:
                self.commands.append(CancelTimer(timer_id=timer))
        token = wait.get("token")
        if token and self.waits.pop(token, None) is not None:
            self.commands.append(CancelTask(token=token))
        for child in list(wait.get("children", ())):
            if child in self.frames:
                self.abort_frame(child, map_state=wait.get("kind") == "map", owner=frame)

    def abort_frame(self, fid: str, *, map_state: bool = False, owner: Frame | None = None) -> None:
        """Abort a running child frame (sibling failed, execution stopped).

        Its own children go first (innermost events first, as AWS lists them), then the
        frame's ``<Type>StateAborted`` and, for a Map iteration, ``MapIterationAborted``.
        """
        frame = self.frames.get(fid)
        if frame is None:
            return
        state = self.state_of(frame)
        running = bool(frame.get("entered")) and frame.get("wait") is not None
        self.frames.pop(fid, None)
        self.cancel_waits(frame)
        if frame.get("silent"):
            return
        if running:
            self.emit(frame, f"{state.type}StateAborted", chain=False)
        if map_state and owner is not None and not owner.get("silent") and "onStart" not in frame:
            owner_state = self.state_of(owner)
            self.emit(
                frame,
                "MapIterationAborted",
                "mapIterationAbortedEventDetails",
                {"index": frame["slot"], "name": owner_state.name},
                chain=False,
            )

    def state_failed(
        self,
        frame: Frame,
        state: State,
        failure: Failure,
        *,
        location: str | None = None,
        from_children: bool = False,
    ) -> None:
        """``state`` failed: EvaluationFailed if due, then Retry, Catch or propagate."""
        if failure.error == StatesError.QUERY_EVALUATION_ERROR and not from_children:
            details: dict[str, Any] = {
                "cause": failure.cause,
                "error": failure.error,
                "state": state.name,
            }
            if location:
                details["location"] = location
            # AWS points EvaluationFailed at the event before the state was entered, except
            # for a Wait state, whose deadline is evaluated once it has been entered.
            if state.type is not StateType.WAIT:
                frame["prev"] = frame.get("enteredPrev", frame["prev"])
            self.emit(frame, "EvaluationFailed", "evaluationFailedEventDetails", details)
        state_failed_event = isinstance(state, MapState | ParallelState) and (
            from_children or failure.error == StatesError.QUERY_EVALUATION_ERROR
        )
        self.executors.handle_failure(
            self, frame, state, failure, state_failed_event=state_failed_event
        )

    # ------------------------------------------------------------------ execution end
    def succeed_execution(self, output: Any, frame: Frame | None = None) -> None:
        """End the execution with ``output``."""
        text, details = _details(output)
        self.emit(
            frame,
            "ExecutionSucceeded",
            "executionSucceededEventDetails",
            {"output": text, "outputDetails": details},
        )
        self.s["status"] = "SUCCEEDED"
        self.s["output"] = output
        self._close()
        self.commands.append(ExecutionSucceeded(output=output))

    def fail_execution(self, failure: Failure, frame: Frame | None = None) -> None:
        """End the execution as FAILED."""
        cause = failure.cause
        if failure.error == StatesError.TIMEOUT and not cause:
            cause = None  # the empty Cause of a timeout is not shown on the execution
        details = {k: v for k, v in (("error", failure.error), ("cause", cause)) if v is not None}
        self.emit(frame, "ExecutionFailed", "executionFailedEventDetails", details)
        self.s["status"] = "FAILED"
        self.s["error"], self.s["cause"] = failure.error, cause
        if frame is not None and frame.get("parent") is None:
            self._remember_redrive_point(frame)
        self._close()
        self.commands.append(ExecutionFailed(error=failure.error, cause=cause))

    def time_out_execution(self) -> None:
        """End the execution as TIMED_OUT (the machine's TimeoutSeconds elapsed)."""
        self.emit(None, "ExecutionTimedOut", "executionTimedOutEventDetails", {})
        self.s["status"] = "TIMED_OUT"
        self.s["error"], self.s["cause"] = None, None
        self._close()
        self.commands.append(ExecutionTimedOut())

    def abort_execution(self, error: str | None, cause: str | None) -> None:
        """End the execution as ABORTED (StopExecution)."""
        details = {k: v for k, v in (("error", error), ("cause", cause)) if v is not None}
        self.emit(None, "ExecutionAborted", "executionAbortedEventDetails", details)
        self.s["status"] = "ABORTED"
        self.s["error"], self.s["cause"] = error, cause
        self._close()
        self.commands.append(ExecutionAborted(error=error, cause=cause))

    def _remember_redrive_point(self, frame: Frame) -> None:
        # RedriveExecution restarts the top-level state that was running when the run ended.
        self.s["redrive"] = {"name": frame["name"], "input": frame["input"], "vars": frame["vars"]}

    def _close(self) -> None:
        if "redrive" not in self.s or self.s["status"] in ("TIMED_OUT", "ABORTED"):
            root = next((f for f in self.frames.values() if f.get("parent") is None), None)
            if root is not None:
                self._remember_redrive_point(root)
        for fid in list(self.frames):
            frame = self.frames.pop(fid)
            wait = frame.get("wait") or {}
            token = wait.get("token")
            if token and token in self.waits:
                self.commands.append(CancelTask(token=token))
        for wid in list(self.waits):
            if wid.startswith("t"):
                self.commands.append(CancelTimer(timer_id=wid))
        self.waits.clear()
        if self.s.get("timer"):
            self.commands.append(CancelTimer(timer_id=EXECUTION_TIMER))
            self.s["timer"] = False
        self.ready.clear()

    # ------------------------------------------------------------------ waiting
    def start_timer(self, frame: Frame, deadline: float, key: str = "timer") -> str:
        """Ask the runtime for a timer that resumes ``frame``."""
        timer = self.new_id("t")
        self.waits[timer] = frame["id"]
        wait = frame.setdefault("wait", {}) or {}
        wait[key] = timer
        # Kept so that pending_commands() can re-arm the timer after a restart.
        wait.setdefault("deadlines", {})[timer] = deadline
        frame["wait"] = wait
        self.commands.append(StartTimer(timer_id=timer, deadline=deadline))
        return timer

    def waiter(self, wait_id: str) -> Frame:
        """The frame waiting on a token or timer id."""
        fid = self.waits.get(wait_id)
        if fid is None or fid not in self.frames:
            raise InterpreterError(f"nothing in this execution waits on '{wait_id}'")
        return self.frames[fid]
