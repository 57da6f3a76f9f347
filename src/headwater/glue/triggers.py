"""Trigger definitions: actions, predicates (AND / ANY over job and crawler states), batching.

``compile_trigger(spec)`` validates a CreateTrigger request (or a stored trigger) once into an
immutable :class:`TriggerDef`. A :class:`PredicateDef` answers ``evaluate(outcome)`` where
``outcome(kind, name)`` returns the final state a watched job or crawler reached in the
workflow run (or ``None`` if it has not ended there): AND needs every condition met, ANY one.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from headwater.glue.errors import InvalidDefinitionError
from headwater.glue.model import CrawlState, JobRunState, Logical, NodeType, TriggerType

__all__ = [
    "ActionDef",
    "BatchingDef",
    "ConditionDef",
    "MAX_BATCH_SIZE",
    "MAX_BATCH_WINDOW",
    "Outcome",
    "PredicateDef",
    "TriggerDef",
    "compile_actions",
    "compile_batching",
    "compile_predicate",
    "compile_trigger",
]

MAX_BATCH_SIZE = 100
MAX_BATCH_WINDOW = 900
DEFAULT_BATCH_WINDOW = 900
# The states a trigger can listen for, as the Glue API documents them.
JOB_CONDITION_STATES = frozenset(
    {JobRunState.SUCCEEDED, JobRunState.STOPPED, JobRunState.FAILED, JobRunState.TIMEOUT}
)
CRAWL_CONDITION_STATES = frozenset({CrawlState.SUCCEEDED, CrawlState.FAILED, CrawlState.CANCELLED})

Outcome = Callable[[NodeType, str], str | None]


def _invalid(message: str, location: str = "") -> InvalidDefinitionError:
    return InvalidDefinitionError(message, location=location)


@dataclass(frozen=True, slots=True, kw_only=True)
class ActionDef:
    """One action of a trigger: start a job (with arguments) or a crawler."""

    kind: NodeType
    name: str
    arguments: Mapping[str, str] = field(default_factory=dict)
    timeout: int | None = None
    security_configuration: str | None = None
    notify_delay_after: int | None = None

    def to_wire(self) -> dict[str, Any]:
        """The ``Action`` shape."""
        if self.kind is NodeType.CRAWLER:
            return {"CrawlerName": self.name}
        out: dict[str, Any] = {"JobName": self.name}
        if self.arguments:
            out["Arguments"] = dict(self.arguments)
        if self.timeout is not None:
            out["Timeout"] = self.timeout
        if self.security_configuration:
            out["SecurityConfiguration"] = self.security_configuration
        if self.notify_delay_after is not None:
            out["NotificationProperty"] = {"NotifyDelayAfter": self.notify_delay_after}
        return out


@dataclass(frozen=True, slots=True, kw_only=True)
class ConditionDef:
    """A watched job reaching ``State`` or a watched crawler reaching ``CrawlState``."""

    kind: NodeType
    name: str
    state: str

    def met(self, outcome: Outcome) -> bool:
        """Whether the watched action ended in the wanted state."""
        return outcome(self.kind, self.name) == self.state

    def to_wire(self) -> dict[str, Any]:
        """The ``Condition`` shape."""
        if self.kind is NodeType.CRAWLER:
            return {"LogicalOperator": "EQUALS", "CrawlerName": self.name, "CrawlState": self.state}
        return {"LogicalOperator": "EQUALS", "JobName": self.name, "State": self.state}


@dataclass(frozen=True, slots=True, kw_only=True)
class PredicateDef:
    """``Logical`` over ``Conditions``."""

    logical: Logical
    conditions: tuple[ConditionDef, ...]
    logical_given: bool = True

    def evaluate(self, outcome: Outcome) -> bool:
        """Whether the trigger fires, given each watched action's final state in the run."""
        if not self.conditions:
            return False
        if self.logical is Logical.ANY:
            return any(c.met(outcome) for c in self.conditions)
        return all(c.met(outcome) for c in self.conditions)

    def watches(self, kind: NodeType, name: str) -> bool:
        """Whether a condition names this job or crawler."""
        return any(c.kind is kind and c.name == name for c in self.conditions)

    def to_wire(self) -> dict[str, Any]:
        """The ``Predicate`` shape."""
        out: dict[str, Any] = {"Conditions": [c.to_wire() for c in self.conditions]}
        if self.logical_given or len(self.conditions) > 1:
            out = {"Logical": self.logical.value, **out}
        return out


@dataclass(frozen=True, slots=True, kw_only=True)
class BatchingDef:
    """``EventBatchingCondition``: fire after ``size`` events or ``window`` seconds."""

    size: int
    window: int = DEFAULT_BATCH_WINDOW

    def to_wire(self) -> dict[str, Any]:
        """The ``EventBatchingCondition`` shape."""
        return {"BatchSize": self.size, "BatchWindow": self.window}


@dataclass(frozen=True, slots=True, kw_only=True)
class TriggerDef:
    """A compiled trigger."""

    name: str
    type: TriggerType
    actions: tuple[ActionDef, ...]
    workflow: str | None = None
    description: str | None = None
    schedule: str | None = None
    predicate: PredicateDef | None = None
    batching: BatchingDef | None = None

    @property
    def starts_workflow(self) -> bool:
        """Whether firing this trigger starts a workflow run (every type but CONDITIONAL)."""
        return self.type is not TriggerType.CONDITIONAL

    def to_wire(self) -> dict[str, Any]:
        """The definition members of the ``Trigger`` shape (no State)."""
        out: dict[str, Any] = {"Name": self.name}
        if self.workflow:
            out["WorkflowName"] = self.workflow
        out["Type"] = self.type.value
        if self.description:
            out["Description"] = self.description
        if self.schedule:
            out["Schedule"] = self.schedule
        out["Actions"] = [a.to_wire() for a in self.actions]
        if self.predicate is not None:
            out["Predicate"] = self.predicate.to_wire()
        if self.batching is not None:
            out["EventBatchingCondition"] = self.batching.to_wire()
        return out


def _str(value: Any, location: str) -> str:
    if not isinstance(value, str) or not value:
        raise _invalid(f"{location} must be a non-empty string", location)
    return value


def compile_actions(raw: Any, location: str = "Actions") -> tuple[ActionDef, ...]:
    """Validate ``Actions``: each names exactly one of JobName and CrawlerName."""
    if not isinstance(raw, list) or not raw:
        raise _invalid("Trigger must have at least one action", location)
    out: list[ActionDef] = []
    for i, item in enumerate(raw):
        where = f"{location}[{i}]"
        if not isinstance(item, Mapping):
            raise _invalid(f"{where} must be an object", where)
        job, crawler = item.get("JobName"), item.get("CrawlerName")
        if bool(job) == bool(crawler):
            raise _invalid("Action must have either a JobName or a CrawlerName, not both", where)
        if crawler:
            out.append(ActionDef(kind=NodeType.CRAWLER, name=_str(crawler, f"{where}.CrawlerName")))
            continue
        args = item.get("Arguments") or {}
        if not isinstance(args, Mapping):
            raise _invalid(f"{where}.Arguments must be a map", where)
        timeout = item.get("Timeout")
        if timeout is not None and (not isinstance(timeout, int) or timeout < 1):
            raise _invalid("Timeout must be a positive number of minutes", f"{where}.Timeout")
        notify = (item.get("NotificationProperty") or {}).get("NotifyDelayAfter")
        out.append(
            ActionDef(
                kind=NodeType.JOB,
                name=_str(job, f"{where}.JobName"),
                arguments={str(k): str(v) for k, v in args.items()},
                timeout=timeout,
                security_configuration=item.get("SecurityConfiguration") or None,
                notify_delay_after=int(notify) if notify is not None else None,
            )
        )
    return tuple(out)


def compile_predicate(raw: Any, location: str = "Predicate") -> PredicateDef:
    """Validate a ``Predicate``: conditions on job ``State`` or crawler ``CrawlState``."""
    if not isinstance(raw, Mapping):
        raise _invalid("Predicate must be an object", location)
    conditions_raw = raw.get("Conditions") or []
    if not isinstance(conditions_raw, list) or not conditions_raw:
        raise _invalid("Predicate must have at least one condition", f"{location}.Conditions")
    logical_raw = raw.get("Logical")
    if logical_raw is None:
        if len(conditions_raw) > 1:
            raise _invalid(
                "Logical must be specified when a predicate has more than one condition",
                f"{location}.Logical",
            )
        logical = Logical.AND
    else:
        try:
            logical = Logical(logical_raw)
        except ValueError:
            raise _invalid(
                f"Logical must be AND or ANY, not {logical_raw}", f"{location}.Logical"
            ) from None
    conditions: list[ConditionDef] = []
    for i, item in enumerate(conditions_raw):
        where = f"{location}.Conditions[{i}]"
        if not isinstance(item, Mapping):
            raise _invalid(f"{where} must be an object", where)
        operator = item.get("LogicalOperator", "EQUALS")
        if operator != "EQUALS":
            raise _invalid("LogicalOperator must be EQUALS", f"{where}.LogicalOperator")
        job, crawler = item.get("JobName"), item.get("CrawlerName")
        if bool(job) == bool(crawler):
            raise _invalid("Condition must have either a JobName or a CrawlerName, not both", where)
        if job:
            state = item.get("State")
            if state not in {s.value for s in JOB_CONDITION_STATES}:
                raise _invalid(
                    f"Invalid state {state} for job condition: a trigger can watch for "
                    "SUCCEEDED, STOPPED, FAILED or TIMEOUT",
                    f"{where}.State",
                )
            conditions.append(
                ConditionDef(kind=NodeType.JOB, name=_str(job, f"{where}.JobName"), state=state)
            )
        else:
            state = item.get("CrawlState")
            if state not in {s.value for s in CRAWL_CONDITION_STATES}:
                raise _invalid(
                    f"Invalid crawl state {state} for crawler condition: a trigger can watch for "
                    "SUCCEEDED, FAILED or CANCELLED",
                    f"{where}.CrawlState",
                )
            conditions.append(
                ConditionDef(
                    kind=NodeType.CRAWLER, name=_str(crawler, f"{where}.CrawlerName"), state=state
                )
            )
    return PredicateDef(
        logical=logical, conditions=tuple(conditions), logical_given=logical_raw is not None
    )


def compile_batching(raw: Any, location: str = "EventBatchingCondition") -> BatchingDef:
    """Validate an ``EventBatchingCondition``: BatchSize 1-100, BatchWindow 1-900 s."""
    if not isinstance(raw, Mapping):
        raise _invalid("EventBatchingCondition must be an object", location)
    size = raw.get("BatchSize")
    if not isinstance(size, int) or isinstance(size, bool) or not 1 <= size <= MAX_BATCH_SIZE:
        raise _invalid(f"BatchSize must be between 1 and {MAX_BATCH_SIZE}", f"{location}.BatchSize")
    window = raw.get("BatchWindow", DEFAULT_BATCH_WINDOW)
    if window is None:
        window = DEFAULT_BATCH_WINDOW
    if (
        not isinstance(window, int)
        or isinstance(window, bool)
        or not 1 <= window <= MAX_BATCH_WINDOW
    ):
        raise _invalid(
            f"BatchWindow must be between 1 and {MAX_BATCH_WINDOW} seconds",
            f"{location}.BatchWindow",
        )
    return BatchingDef(size=size, window=window)


def compile_trigger(
    spec: Mapping[str, Any], *, check_schedule: Callable[[str], None] | None = None
) -> TriggerDef:
    """Validate a trigger definition (CreateTrigger's members) into a :class:`TriggerDef`.

    ``check_schedule`` validates a ``cron(...)`` expression (raising ``InvalidDefinitionError``);
    the schedule language lives with the caller.
    """
    name = _str(spec.get("Name"), "Name")
    try:
        kind = TriggerType(str(spec.get("Type")))
    except ValueError:
        raise _invalid(
            "Type must be one of SCHEDULED, CONDITIONAL, ON_DEMAND or EVENT, "
            f"not {spec.get('Type')}",
            "Type",
        ) from None
    workflow = spec.get("WorkflowName") or None
    schedule = spec.get("Schedule") or None
    predicate_raw = spec.get("Predicate")
    batching_raw = spec.get("EventBatchingCondition")
    actions = compile_actions(spec.get("Actions"))
    predicate: PredicateDef | None = None
    batching: BatchingDef | None = None
    if kind is TriggerType.SCHEDULED:
        if not schedule:
            raise _invalid("Schedule is required for a SCHEDULED trigger", "Schedule")
        if check_schedule is not None:
            check_schedule(schedule)
    elif schedule:
        raise _invalid(f"Schedule is only allowed for SCHEDULED triggers, not {kind}", "Schedule")
    if kind is TriggerType.CONDITIONAL:
        if predicate_raw is None:
            raise _invalid("Predicate is required for a CONDITIONAL trigger", "Predicate")
        predicate = compile_predicate(predicate_raw)
    elif predicate_raw and (
        predicate_raw.get("Conditions") if isinstance(predicate_raw, Mapping) else True
    ):
        raise _invalid(
            f"Predicate is only allowed for CONDITIONAL triggers, not {kind}", "Predicate"
        )
    if kind is TriggerType.EVENT:
        if not workflow:
            raise _invalid("An EVENT trigger must belong to a workflow", "WorkflowName")
        batching = (
            compile_batching(batching_raw) if batching_raw is not None else BatchingDef(size=1)
        )
    elif batching_raw is not None:
        raise _invalid(
            f"EventBatchingCondition is only allowed for EVENT triggers, not {kind}",
            "EventBatchingCondition",
        )
    return TriggerDef(
        name=name,
        type=kind,
        actions=actions,
        workflow=workflow,
        description=spec.get("Description") or None,
        schedule=schedule,
        predicate=predicate,
        batching=batching,
    )
