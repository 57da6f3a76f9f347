"""Glue workflow graphs, trigger predicates, event batching and job bookmarks (pure).

Nothing here touches the network, the disk, the clock or the environment: times and ids are
passed in, definitions are compiled once into immutable objects.

Triggers (CreateTrigger / UpdateTrigger)
    ``compile_trigger(spec, check_schedule=...) -> TriggerDef`` validates the request members
    (Type, Actions, Schedule, Predicate, EventBatchingCondition, WorkflowName) and raises
    ``InvalidDefinitionError`` (InvalidInputException) naming the member. ``TriggerDef.to_wire()``
    renders the definition part of the ``Trigger`` shape. ``PredicateDef.evaluate(outcome)``
    answers AND / ANY over the final states of watched jobs and crawlers.

Workflows (GetWorkflow, StartWorkflowRun, GetWorkflowRun)
    ``build_graph(workflow, triggers) -> WorkflowGraph`` (nodes, edges, stable ``UniqueId``s).
    A run is a sans-I/O state machine in :mod:`headwater.glue.runs`: ``start_run(graph,
    trigger)``, ``action_started(...)``, ``action_changed(graph, state, index, new_state)``
    return the new ``RunState`` and ``StartAction`` commands; ``RunState.status`` is COMPLETED
    once every action has ended, whatever their outcome; ``statistics(state)`` is
    ``WorkflowRunStatistics``.

EVENT batching (NotifyEvent)
    ``add_event(cfg, pending, event_id, now)`` / ``due(cfg, pending, now)`` /
    ``deadline(cfg, pending)`` in :mod:`headwater.glue.batching`; a ``FiredBatch`` carries the
    event ids (``aws:eventIds``) and ``starting_condition``.

Job runs
    ``merge_arguments``, ``script_argv`` and ``bookmark_option`` in
    :mod:`headwater.glue.arguments`; bookmark bookkeeping in :mod:`headwater.glue.bookmarks`.
"""

from headwater.glue.arguments import bookmark_option, job_id, merge_arguments, script_argv
from headwater.glue.batching import FiredBatch, PendingBatch, add_event, deadline, due
from headwater.glue.bookmarks import Bookmark
from headwater.glue.errors import GlueError, InvalidDefinitionError
from headwater.glue.graph import GraphEdge, GraphNode, WorkflowGraph, build_graph, node_id
from headwater.glue.model import (
    CrawlState,
    JobCommandName,
    JobRunState,
    Logical,
    NodeType,
    TriggerState,
    TriggerType,
    WorkflowRunStatus,
)
from headwater.glue.runs import (
    ActionRecord,
    RunState,
    StartAction,
    action_changed,
    action_started,
    start_run,
    statistics,
    stop_run,
)
from headwater.glue.triggers import (
    ActionDef,
    BatchingDef,
    ConditionDef,
    PredicateDef,
    TriggerDef,
    compile_predicate,
    compile_trigger,
)

__all__ = [
    "ActionDef",
    "ActionRecord",
    "BatchingDef",
    "Bookmark",
    "ConditionDef",
    "CrawlState",
    "FiredBatch",
    "GlueError",
    "GraphEdge",
    "GraphNode",
    "InvalidDefinitionError",
    "JobCommandName",
    "JobRunState",
    "Logical",
    "NodeType",
    "PendingBatch",
    "PredicateDef",
    "RunState",
    "StartAction",
    "TriggerDef",
    "TriggerState",
    "TriggerType",
    "WorkflowGraph",
    "WorkflowRunStatus",
    "action_changed",
    "action_started",
    "add_event",
    "bookmark_option",
    "build_graph",
    "compile_predicate",
    "compile_trigger",
    "deadline",
    "due",
    "job_id",
    "merge_arguments",
    "node_id",
    "script_argv",
    "start_run",
    "statistics",
    "stop_run",
]
