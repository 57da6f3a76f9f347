"""A workflow run as a pure state machine: fire triggers, start actions, finish.

The service calls :func:`start_run` with the start trigger, then reports what happens to each
action: :func:`action_started` (it got a run id), :func:`action_changed` (a new job-run or crawl
state). Each call returns the new :class:`RunState` and the :class:`StartAction` commands to
carry out. When an action ends, every CONDITIONAL trigger of the workflow that has not fired
in this run is evaluated over the final states reached *in this run*; each one that holds
fires once. The run is finished when every action it started has ended: a failed job simply
leaves the triggers watching for its success unfired, and the run still completes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from headwater.glue.graph import WorkflowGraph
from headwater.glue.model import CrawlState, JobRunState, NodeType, WorkflowRunStatus
from headwater.glue.triggers import ActionDef

__all__ = [
    "PENDING",
    "ActionRecord",
    "RunState",
    "StartAction",
    "action_changed",
    "action_started",
    "fire_trigger",
    "resume_run",
    "start_run",
    "statistics",
    "stop_run",
]

PENDING = "PENDING"  # an action that is to start but has no run yet


@dataclass(frozen=True, slots=True, kw_only=True)
class ActionRecord:
    """One action started in the run: a job run or a crawl."""

    index: int
    kind: NodeType
    name: str
    trigger: str
    arguments: Mapping[str, str] = field(default_factory=dict)
    timeout: int | None = None
    state: str = PENDING
    run_id: str | None = None
    error: str | None = None

    @property
    def ended(self) -> bool:
        """Whether the action has reached a final state."""
        if self.state == PENDING:
            return False
        if self.kind is NodeType.JOB:
            return JobRunState(self.state).terminal
        return CrawlState(self.state).terminal

    def to_json(self) -> dict[str, Any]:
        """JSON-able form."""
        return {
            "index": self.index,
            "kind": self.kind.value,
            "name": self.name,
            "trigger": self.trigger,
            "arguments": dict(self.arguments),
            "timeout": self.timeout,
            "state": self.state,
            "runId": self.run_id,
            "error": self.error,
        }

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> ActionRecord:
        """Rebuild from :meth:`to_json`."""
        return cls(
            index=int(d["index"]),
            kind=NodeType(d["kind"]),
            name=str(d["name"]),
            trigger=str(d["trigger"]),
            arguments=dict(d.get("arguments") or {}),
            timeout=d.get("timeout"),
            state=str(d.get("state") or PENDING),
            run_id=d.get("runId"),
            error=d.get("error"),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class RunState:
    """What a workflow run has done so far."""

    fired: tuple[str, ...] = ()
    actions: tuple[ActionRecord, ...] = ()
    stopping: bool = False

    @property
    def finished(self) -> bool:
        """Every action started has ended (nothing more can fire)."""
        return all(a.ended for a in self.actions)

    @property
    def status(self) -> WorkflowRunStatus:
        """The run's status."""
        if not self.finished:
            return WorkflowRunStatus.STOPPING if self.stopping else WorkflowRunStatus.RUNNING
        return WorkflowRunStatus.STOPPED if self.stopping else WorkflowRunStatus.COMPLETED

    def pending(self) -> tuple[ActionRecord, ...]:
        """Actions that have to be started (after a crash too)."""
        return tuple(a for a in self.actions if a.state == PENDING)

    def outcome(self, kind: NodeType, name: str) -> str | None:
        """The final state the last ended run of a job or crawler reached in this run."""
        found: str | None = None
        for a in self.actions:
            if a.kind is kind and a.name == name and a.ended:
                found = a.state
        return found

    def to_json(self) -> dict[str, Any]:
        """JSON-able form (schema version 1)."""
        return {
            "v": 1,
            "fired": list(self.fired),
            "actions": [a.to_json() for a in self.actions],
            "stopping": self.stopping,
        }

    @classmethod
    def from_json(cls, d: Mapping[str, Any] | None) -> RunState:
        """Rebuild from :meth:`to_json`."""
        if not d:
            return cls()
        return cls(
            fired=tuple(d.get("fired") or ()),
            actions=tuple(ActionRecord.from_json(a) for a in d.get("actions") or ()),
            stopping=bool(d.get("stopping")),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class StartAction:
    """Command: start action ``index`` (a job run with its arguments, or a crawl)."""

    index: int
    action: ActionDef
    trigger: str


def _fire(
    state: RunState, trigger: str, actions: tuple[ActionDef, ...]
) -> tuple[RunState, list[StartAction]]:
    records = list(state.actions)
    commands: list[StartAction] = []
    for action in actions:
        index = len(records)
        records.append(
            ActionRecord(
                index=index,
                kind=action.kind,
                name=action.name,
                trigger=trigger,
                arguments=dict(action.arguments),
                timeout=action.timeout,
            )
        )
        commands.append(StartAction(index=index, action=action, trigger=trigger))
    return replace(state, fired=(*state.fired, trigger), actions=tuple(records)), commands


def start_run(graph: WorkflowGraph, trigger_name: str) -> tuple[RunState, list[StartAction]]:
    """A new run started by ``trigger_name`` (an ON_DEMAND, SCHEDULED or EVENT trigger)."""
    trig = graph.trigger(trigger_name)
    if trig is None:
        return RunState(), []
    return _fire(RunState(), trig.name, trig.actions)


def fire_trigger(
    graph: WorkflowGraph, state: RunState, trigger_name: str
) -> tuple[RunState, list[StartAction]]:
    """Fire a trigger inside the run by hand (StartTrigger on a workflow trigger)."""
    trig = graph.trigger(trigger_name)
    if trig is None or state.stopping:
        return state, []
    return _fire(state, trig.name, trig.actions)


def _replace_action(run: RunState, index: int, **changes: Any) -> RunState:
    actions = list(run.actions)
    if not 0 <= index < len(actions):
        return run
    actions[index] = replace(actions[index], **changes)
    return replace(run, actions=tuple(actions))


def action_started(state: RunState, index: int, run_id: str | None, run_state: str) -> RunState:
    """The service started action ``index``: record its run id and first state."""
    return _replace_action(state, index, run_id=run_id, state=run_state)


def _evaluate(graph: WorkflowGraph, state: RunState) -> tuple[RunState, list[StartAction]]:
    commands: list[StartAction] = []
    if state.stopping:
        return state, commands
    changed = True
    while changed:
        changed = False
        for trig in graph.conditional_triggers:
            if trig.name in state.fired or trig.predicate is None:
                continue
            if trig.predicate.evaluate(state.outcome):
                state, more = _fire(state, trig.name, trig.actions)
                commands.extend(more)
                changed = True
    return state, commands


def action_changed(
    graph: WorkflowGraph, state: RunState, index: int, new_state: str, error: str | None = None
) -> tuple[RunState, list[StartAction]]:
    """Action ``index`` reached ``new_state``; when it ended, fire what now holds."""
    if not 0 <= index < len(state.actions):
        return state, []
    before = state.actions[index]
    if before.ended:
        return state, []  # a late or repeated report of an ended action changes nothing
    changes: dict[str, Any] = {"state": new_state}
    if error is not None:
        changes["error"] = error
    state = _replace_action(state, index, **changes)
    if not state.actions[index].ended:
        return state, []
    return _evaluate(graph, state)


def resume_run(
    graph: WorkflowGraph, previous: RunState, nodes: Sequence[tuple[NodeType, str]]
) -> tuple[RunState, list[StartAction]]:
    """ResumeWorkflowRun: run the chosen jobs and crawlers of an ended run again.

    Each chosen node gets a new action (same trigger and arguments as its last one); the
    conditional triggers watching a chosen node may fire again once it ends. Nodes that did
    not end badly are not restarted. Returns the new state and the actions to start.
    """
    state = replace(previous, stopping=False)
    restart: list[ActionRecord] = []
    for kind, name in nodes:
        last = next((a for a in reversed(state.actions) if a.kind is kind and a.name == name), None)
        if last is None or not last.ended or last.state == JobRunState.SUCCEEDED.value:
            continue
        if all(r.name != name or r.kind is not kind for r in restart):
            restart.append(last)
    if not restart:
        return previous, []
    watched = {(r.kind, r.name) for r in restart}
    refire = {
        t.name
        for t in graph.conditional_triggers
        if t.predicate is not None and any(t.predicate.watches(k, n) for k, n in watched)
    }
    records = list(state.actions)
    commands: list[StartAction] = []
    for old in restart:
        index = len(records)
        records.append(
            ActionRecord(
                index=index,
                kind=old.kind,
                name=old.name,
                trigger=old.trigger,
                arguments=dict(old.arguments),
                timeout=old.timeout,
            )
        )
        trig = graph.trigger(old.trigger)
        action = next(
            (
                a
                for a in (trig.actions if trig else ())
                if a.kind is old.kind and a.name == old.name
            ),
            ActionDef(kind=old.kind, name=old.name, arguments=dict(old.arguments)),
        )
        commands.append(StartAction(index=index, action=action, trigger=old.trigger))
    fired = tuple(f for f in state.fired if f not in refire)
    return replace(state, actions=tuple(records), fired=fired), commands


def stop_run(state: RunState) -> RunState:
    """StopWorkflowRun: nothing more fires; pending actions are dropped as STOPPED."""
    actions = tuple(
        replace(
            a,
            state=JobRunState.STOPPED.value
            if a.kind is NodeType.JOB
            else CrawlState.CANCELLED.value,
        )
        if a.state == PENDING
        else a
        for a in state.actions
    )
    return replace(state, stopping=True, actions=actions)


_JOB_BUCKET = {
    JobRunState.SUCCEEDED.value: "SucceededActions",
    JobRunState.FAILED.value: "FailedActions",
    JobRunState.TIMEOUT.value: "TimeoutActions",
    JobRunState.STOPPED.value: "StoppedActions",
    JobRunState.ERROR.value: "ErroredActions",
    JobRunState.EXPIRED.value: "FailedActions",
    JobRunState.WAITING.value: "WaitingActions",
}
_CRAWL_BUCKET = {
    CrawlState.SUCCEEDED.value: "SucceededActions",
    CrawlState.FAILED.value: "FailedActions",
    CrawlState.CANCELLED.value: "StoppedActions",
    CrawlState.ERROR.value: "ErroredActions",
}


def statistics(state: RunState) -> dict[str, int]:
    """``WorkflowRunStatistics``: every action started so far, by where it stands."""
    out = {
        "TotalActions": len(state.actions),
        "TimeoutActions": 0,
        "FailedActions": 0,
        "StoppedActions": 0,
        "SucceededActions": 0,
        "RunningActions": 0,
        "ErroredActions": 0,
        "WaitingActions": 0,
    }
    for a in state.actions:
        table = _JOB_BUCKET if a.kind is NodeType.JOB else _CRAWL_BUCKET
        out[table.get(a.state, "RunningActions")] += 1
    return out
