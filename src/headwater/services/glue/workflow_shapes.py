"""Wire shapes of workflows, workflow runs, their graphs, and triggers."""

from __future__ import annotations

import copy
from typing import Any

from headwater.glue import NodeType, RunState, WorkflowGraph, statistics
from headwater.services.glue.jobs_model import job_run_out
from headwater.store.glue_jobs import GlueJobsStore as S
from headwater.store.glue_jobs import TriggerRow, WorkflowRunRow

__all__ = ["graph_out", "run_out", "trigger_out", "workflow_out"]

CRAWLER_LOG_GROUP = "/aws-glue/crawlers"


def trigger_out(row: TriggerRow) -> dict[str, Any]:
    """The ``Trigger`` shape."""
    out = {
        k: copy.deepcopy(v) for k, v in row.body.items() if not k.startswith("_") and k != "Tags"
    }
    ordered: dict[str, Any] = {}
    for key in ("Name", "WorkflowName", "Type"):
        if key in out:
            ordered[key] = out.pop(key)
    ordered["State"] = row.state
    ordered.update(out)
    return ordered


def _trigger_states(conn: Any, region: str) -> dict[str, TriggerRow]:
    return {r.name: r for r in S.list_triggers(conn, region)}


def graph_out(
    conn: Any,
    region: str,
    graph: WorkflowGraph,
    trigger_bodies: list[dict[str, Any]],
    run: WorkflowRunRow | None = None,
) -> dict[str, Any]:
    """``WorkflowGraph``: nodes (with run details for a run) and edges."""
    rows = _trigger_states(conn, region)
    bodies = {b["Name"]: b for b in trigger_bodies}
    state = RunState.from_json(run.body.get("_state")) if run is not None else None
    job_runs: dict[str, list[dict[str, Any]]] = {}
    if run is not None:
        for node in graph.nodes:
            if node.type is NodeType.JOB:
                runs = [
                    r
                    for r in S.list_runs(conn, region, node.name)
                    if r.workflow_run_id == run.run_id
                ]
                job_runs[node.name] = [job_run_out(r.body) for r in runs]
    nodes: list[dict[str, Any]] = []
    for node in graph.nodes:
        item: dict[str, Any] = {
            "Type": node.type.value,
            "Name": node.name,
            "UniqueId": node.unique_id,
        }
        if node.type is NodeType.TRIGGER:
            current = rows.get(node.name)
            if current is not None:
                trig = trigger_out(current)
            else:
                trig = {
                    k: v
                    for k, v in bodies.get(node.name, {"Name": node.name}).items()
                    if not k.startswith("_")
                }
                trig["State"] = "DELETED"
            item["TriggerDetails"] = {"Trigger": trig}
        elif node.type is NodeType.JOB and run is not None:
            item["JobDetails"] = {"JobRuns": job_runs.get(node.name, [])}
        elif node.type is NodeType.CRAWLER and run is not None and state is not None:
            crawls = []
            times = run.body.get("_times") or {}
            for a in state.actions:
                if a.kind is NodeType.CRAWLER and a.name == node.name and a.state != "PENDING":
                    t = times.get(str(a.index)) or {}
                    crawl: dict[str, Any] = {"State": a.state}
                    if t.get("started") is not None:
                        crawl["StartedOn"] = t["started"]
                    if a.ended and t.get("completed") is not None:
                        crawl["CompletedOn"] = t["completed"]
                    if a.error:
                        crawl["ErrorMessage"] = a.error
                    crawl["LogGroup"] = CRAWLER_LOG_GROUP
                    crawl["LogStream"] = node.name
                    crawls.append(crawl)
            item["CrawlerDetails"] = {"Crawls": crawls}
        nodes.append(item)
    edges = [{"SourceId": e.source, "DestinationId": e.destination} for e in graph.edges]
    return {"Nodes": nodes, "Edges": edges}


def run_out(
    conn: Any, row: WorkflowRunRow, *, include_graph: bool, graph: WorkflowGraph | None = None
) -> dict[str, Any]:
    """The ``WorkflowRun`` shape."""
    body = row.body
    state = RunState.from_json(body.get("_state"))
    out: dict[str, Any] = {"Name": row.workflow, "WorkflowRunId": row.run_id}
    if body.get("PreviousRunId"):
        out["PreviousRunId"] = body["PreviousRunId"]
    out["WorkflowRunProperties"] = dict(body.get("WorkflowRunProperties") or {})
    out["StartedOn"] = body["StartedOn"]
    if body.get("CompletedOn") is not None:
        out["CompletedOn"] = body["CompletedOn"]
    out["Status"] = row.status
    if body.get("ErrorMessage"):
        out["ErrorMessage"] = body["ErrorMessage"]
    out["Statistics"] = statistics(state)
    if include_graph and graph is not None:
        out["Graph"] = graph_out(conn, row.region, graph, body.get("_triggers") or [], row)
    if body.get("StartingEventBatchCondition"):
        out["StartingEventBatchCondition"] = dict(body["StartingEventBatchCondition"])
    return out


def workflow_out(
    conn: Any,
    region: str,
    wf: dict[str, Any],
    *,
    include_graph: bool,
    graph: WorkflowGraph | None,
    trigger_bodies: list[dict[str, Any]],
    last_run: WorkflowRunRow | None,
    last_graph: WorkflowGraph | None,
) -> dict[str, Any]:
    """The ``Workflow`` shape."""
    out: dict[str, Any] = {"Name": wf["Name"]}
    if wf.get("Description"):
        out["Description"] = wf["Description"]
    out["DefaultRunProperties"] = dict(wf.get("DefaultRunProperties") or {})
    out["CreatedOn"] = wf["CreatedOn"]
    out["LastModifiedOn"] = wf["LastModifiedOn"]
    if last_run is not None:
        out["LastRun"] = run_out(conn, last_run, include_graph=include_graph, graph=last_graph)
    if include_graph and graph is not None:
        out["Graph"] = graph_out(conn, region, graph, trigger_bodies)
    if wf.get("MaxConcurrentRuns") is not None:
        out["MaxConcurrentRuns"] = wf["MaxConcurrentRuns"]
    return out
