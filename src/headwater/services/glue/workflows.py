"""Glue workflow operations: CreateWorkflow ... DeleteWorkflow, workflow runs and properties."""

from __future__ import annotations

from typing import Any

from headwater.services.base import RequestContext
from headwater.services.glue import jobs_errors as errors
from headwater.services.glue import jobs_tags
from headwater.services.glue._core import page
from headwater.services.glue.jobs_core import EtlCore
from headwater.services.glue.workflow_shapes import run_out, workflow_out
from headwater.store.glue_jobs import GlueJobsStore as S
from headwater.store.glue_jobs import WorkflowRunRow

__all__ = ["WorkflowOperations"]


def _properties(value: Any, member: str = "RunProperties") -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise errors.invalid_input(f"{member} must be a map")
    return {str(k): str(v) for k, v in value.items()}


class WorkflowOperations(EtlCore):
    """Workflows and workflow runs."""

    # -- workflows ----------------------------------------------------------------------------
    def create_workflow(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """CreateWorkflow."""
        name = params["Name"]
        now = self._now()
        limit = params.get("MaxConcurrentRuns")
        if limit is not None and (not isinstance(limit, int) or limit < 1):
            raise errors.invalid_input("MaxConcurrentRuns must be at least 1")
        body: dict[str, Any] = {
            "Name": name,
            "Description": params.get("Description"),
            "DefaultRunProperties": _properties(
                params.get("DefaultRunProperties"), "DefaultRunProperties"
            ),
            "CreatedOn": now,
            "LastModifiedOn": now,
            "MaxConcurrentRuns": limit,
        }
        tags = self._tags_in(params)
        with self.env.store.transaction() as conn:
            if S.get_workflow(conn, ctx.region, name) is not None:
                raise errors.already_exists(f"Workflow with name {name} already exists")
            S.put_workflow(conn, ctx.region, name, body, now)
            jobs_tags.put(conn, jobs_tags.arn(ctx.region, ctx.account_id, "workflow", name), tags)
        return {"Name": name}

    def _workflow(self, conn: Any, region: str, name: str) -> dict[str, Any]:
        wf = S.get_workflow(conn, region, name)
        if wf is None:
            raise errors.workflow_not_found(name)
        return wf

    def _workflow_out(
        self, conn: Any, region: str, wf: dict[str, Any], include_graph: bool
    ) -> dict[str, Any]:
        engine = self.etl.engine
        graph, bodies = engine.graph(conn, region, wf["Name"])
        runs = S.list_workflow_runs(conn, region, wf["Name"])
        last = runs[0] if runs else None
        return workflow_out(
            conn,
            region,
            wf,
            include_graph=include_graph,
            graph=graph,
            trigger_bodies=bodies,
            last_run=last,
            last_graph=engine.run_graph(last) if last is not None else None,
        )

    def get_workflow(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """GetWorkflow (IncludeGraph: triggers, jobs and crawlers with their edges)."""
        with self.env.store.read() as conn:
            wf = self._workflow(conn, ctx.region, params["Name"])
            return {
                "Workflow": self._workflow_out(
                    conn, ctx.region, wf, bool(params.get("IncludeGraph"))
                )
            }

    def batch_get_workflows(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """BatchGetWorkflows."""
        found, missing = [], []
        with self.env.store.read() as conn:
            for name in params.get("Names") or []:
                wf = S.get_workflow(conn, ctx.region, name)
                if wf is None:
                    missing.append(name)
                else:
                    found.append(
                        self._workflow_out(conn, ctx.region, wf, bool(params.get("IncludeGraph")))
                    )
        return {"Workflows": found, "MissingWorkflows": missing}

    def list_workflows(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """ListWorkflows."""
        with self.env.store.read() as conn:
            names = [w["Name"] for w in S.list_workflows(conn, ctx.region)]
        chunk, nxt = page(names, params, default=25)
        out: dict[str, Any] = {"Workflows": chunk}
        if nxt:
            out["NextToken"] = nxt
        return out

    def update_workflow(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """UpdateWorkflow."""
        name = params["Name"]
        with self.env.store.transaction() as conn:
            wf = self._workflow(conn, ctx.region, name)
            if "Description" in params:
                wf["Description"] = params.get("Description")
            if "DefaultRunProperties" in params:
                wf["DefaultRunProperties"] = _properties(
                    params.get("DefaultRunProperties"), "DefaultRunProperties"
                )
            if "MaxConcurrentRuns" in params:
                wf["MaxConcurrentRuns"] = params.get("MaxConcurrentRuns")
            wf["LastModifiedOn"] = self._now()
            S.put_workflow(conn, ctx.region, name, wf, float(wf["CreatedOn"]))
        return {"Name": name}

    def delete_workflow(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """DeleteWorkflow: its triggers and run history go with it (jobs and crawlers stay)."""
        name = params["Name"]
        with self.env.store.transaction() as conn:
            if S.delete_workflow(conn, ctx.region, name):
                for trig in S.list_triggers(conn, ctx.region, name):
                    S.delete_trigger(conn, ctx.region, trig.name)
                S.delete_workflow_runs(conn, ctx.region, name)
                arn = jobs_tags.arn(ctx.region, ctx.account_id, "workflow", name)
                jobs_tags.put(conn, arn, {})
        self.etl.scheduler.wake()
        return {"Name": name}

    # -- runs -------------------------------------------------------------------------------
    def start_workflow_run(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """StartWorkflowRun: the workflow's ON_DEMAND or SCHEDULED start trigger fires."""
        props = _properties(params.get("RunProperties"))
        with self.env.store.transaction() as conn:
            run_id = self.etl.engine.start_workflow_run(
                conn,
                region=ctx.region,
                account=ctx.account_id,
                workflow=params["Name"],
                properties=props,
            )
        return {"RunId": run_id}

    def _run(self, conn: Any, region: str, name: str, run_id: str) -> WorkflowRunRow:
        self._workflow(conn, region, name)
        row = S.get_workflow_run(conn, region, run_id)
        if row is None or row.workflow != name:
            raise errors.workflow_run_not_found(name, run_id)
        return row

    def get_workflow_run(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """GetWorkflowRun (Statistics; IncludeGraph: node states, job runs and crawls)."""
        with self.env.store.read() as conn:
            row = self._run(conn, ctx.region, params["Name"], params["RunId"])
            graph = self.etl.engine.run_graph(row)
            return {
                "Run": run_out(
                    conn, row, include_graph=bool(params.get("IncludeGraph")), graph=graph
                )
            }

    def get_workflow_runs(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """GetWorkflowRuns: newest first."""
        name = params["Name"]
        include = bool(params.get("IncludeGraph"))
        with self.env.store.read() as conn:
            self._workflow(conn, ctx.region, name)
            rows = S.list_workflow_runs(conn, ctx.region, name)
            chunk, nxt = page(rows, params, default=100, limit=1000)
            runs = [
                run_out(conn, r, include_graph=include, graph=self.etl.engine.run_graph(r))
                for r in chunk
            ]
        out: dict[str, Any] = {"Runs": runs}
        if nxt:
            out["NextToken"] = nxt
        return out

    def get_workflow_run_properties(
        self, ctx: RequestContext, params: dict[str, Any]
    ) -> dict[str, Any]:
        """GetWorkflowRunProperties."""
        with self.env.store.read() as conn:
            row = self._run(conn, ctx.region, params["Name"], params["RunId"])
        return {"RunProperties": dict(row.body.get("WorkflowRunProperties") or {})}

    def put_workflow_run_properties(
        self, ctx: RequestContext, params: dict[str, Any]
    ) -> dict[str, Any]:
        """PutWorkflowRunProperties: the given properties are added or replaced."""
        props = _properties(params.get("RunProperties"))
        with self.env.store.transaction() as conn:
            row = self._run(conn, ctx.region, params["Name"], params["RunId"])
            body = dict(row.body)
            merged = dict(body.get("WorkflowRunProperties") or {})
            merged.update(props)
            body["WorkflowRunProperties"] = merged
            S.put_workflow_run(
                conn,
                WorkflowRunRow(
                    region=row.region,
                    run_id=row.run_id,
                    workflow=row.workflow,
                    status=row.status,
                    started=row.started,
                    body=body,
                ),
            )
        return {}

    def resume_workflow_run(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """ResumeWorkflowRun: a new run id that restarts the given failed nodes and what follows."""
        with self.env.store.read() as conn:
            self._workflow(conn, ctx.region, params["Name"])
        run_id, nodes = self.etl.engine.resume_workflow_run(
            ctx.region, params["Name"], params["RunId"], list(params.get("NodeIds") or [])
        )
        return {"RunId": run_id, "NodeIds": nodes}

    def stop_workflow_run(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """StopWorkflowRun: no further action starts; running ones finish; then STOPPED."""
        with self.env.store.read() as conn:
            self._workflow(conn, ctx.region, params["Name"])
        self.etl.engine.stop_workflow_run(ctx.region, params["Name"], params["RunId"])
        return {}
