"""Workflow graphs: the triggers of a workflow and the jobs and crawlers they start or watch.

Nodes are the workflow's triggers plus every job and crawler a trigger starts (an action) or
watches (a predicate condition). Edges run from a trigger to each of its actions and from each
watched job or crawler to the trigger watching it, as ``GetWorkflow(IncludeGraph=True)`` draws
them. Node ids are stable: the same workflow and node always get the same ``UniqueId``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass

from headwater.glue.model import NodeType, TriggerType
from headwater.glue.triggers import TriggerDef

__all__ = ["GraphEdge", "GraphNode", "WorkflowGraph", "build_graph", "node_id"]


def node_id(workflow: str, kind: NodeType, name: str) -> str:
    """The stable ``UniqueId`` of a node."""
    digest = hashlib.sha256(f"{workflow}\x00{kind.value}\x00{name}".encode()).hexdigest()
    return f"wnode_{digest}"


@dataclass(frozen=True, slots=True, kw_only=True)
class GraphNode:
    """One node: a trigger, a job or a crawler."""

    type: NodeType
    name: str
    unique_id: str


@dataclass(frozen=True, slots=True, kw_only=True)
class GraphEdge:
    """A directed edge between two node ids."""

    source: str
    destination: str


@dataclass(frozen=True, slots=True, kw_only=True)
class WorkflowGraph:
    """A workflow's triggers compiled into nodes and edges."""

    workflow: str
    triggers: tuple[TriggerDef, ...]
    nodes: tuple[GraphNode, ...]
    edges: tuple[GraphEdge, ...]

    def trigger(self, name: str) -> TriggerDef | None:
        """The trigger called ``name``, if it belongs to this workflow."""
        return next((t for t in self.triggers if t.name == name), None)

    @property
    def start_triggers(self) -> tuple[TriggerDef, ...]:
        """Triggers that start a run: ON_DEMAND, SCHEDULED and EVENT."""
        return tuple(t for t in self.triggers if t.starts_workflow)

    @property
    def conditional_triggers(self) -> tuple[TriggerDef, ...]:
        """Triggers that fire inside a run when their predicate holds."""
        return tuple(t for t in self.triggers if t.type is TriggerType.CONDITIONAL)

    def on_demand_starts(self) -> tuple[TriggerDef, ...]:
        """What StartWorkflowRun fires: every start trigger except EVENT ones.

        The console's Run fires the workflow's ON_DEMAND or SCHEDULED start trigger; EVENT
        triggers only fire from events. A workflow whose only start trigger is EVENT is still
        run by StartWorkflowRun through that trigger, as Glue does.
        """
        plain = tuple(t for t in self.start_triggers if t.type is not TriggerType.EVENT)
        return plain or self.start_triggers

    def node(self, kind: NodeType, name: str) -> GraphNode:
        """The node of a job, crawler or trigger (made up if absent: runs outlive edits)."""
        for n in self.nodes:
            if n.type is kind and n.name == name:
                return n
        return GraphNode(type=kind, name=name, unique_id=node_id(self.workflow, kind, name))


def build_graph(workflow: str, triggers: Iterable[TriggerDef]) -> WorkflowGraph:
    """Build the graph of ``workflow`` from its triggers (in creation order)."""
    ordered = tuple(triggers)
    nodes: dict[tuple[NodeType, str], GraphNode] = {}
    edges: list[GraphEdge] = []

    def add(kind: NodeType, name: str) -> GraphNode:
        key = (kind, name)
        if key not in nodes:
            nodes[key] = GraphNode(type=kind, name=name, unique_id=node_id(workflow, kind, name))
        return nodes[key]

    for trig in ordered:
        add(NodeType.TRIGGER, trig.name)
    for trig in ordered:
        tnode = nodes[(NodeType.TRIGGER, trig.name)]
        if trig.predicate is not None:
            for cond in trig.predicate.conditions:
                src = add(cond.kind, cond.name)
                edges.append(GraphEdge(source=src.unique_id, destination=tnode.unique_id))
        for action in trig.actions:
            dst = add(action.kind, action.name)
            edges.append(GraphEdge(source=tnode.unique_id, destination=dst.unique_id))
    unique: list[GraphEdge] = []
    for e in edges:
        if e not in unique:
            unique.append(e)
    return WorkflowGraph(
        workflow=workflow, triggers=ordered, nodes=tuple(nodes.values()), edges=tuple(unique)
    )
