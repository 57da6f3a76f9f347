"""Glue trigger operations: CreateTrigger ... DeleteTrigger, Start/StopTrigger, NotifyEvent.

NotifyEvent is not in botocore's Glue model: EventBridge calls it in-process for a rule whose
target is ``arn:aws:glue:<region>:<account>:workflow/<name>`` (``{"Name", "RawEvent"}``).
The event joins the workflow's EVENT trigger batch; a full batch (BatchSize) starts a run at
once, an open one when its BatchWindow closes (the trigger scheduler fires it).
"""

from __future__ import annotations

import json
import uuid
from dataclasses import replace
from typing import Any

from headwater.glue import (
    BatchingDef,
    GlueError,
    PendingBatch,
    TriggerDef,
    TriggerState,
    TriggerType,
    add_event,
    compile_trigger,
    deadline,
)
from headwater.glue.triggers import compile_actions, compile_batching, compile_predicate
from headwater.services.base import RequestContext
from headwater.services.errors import ServiceError
from headwater.services.glue import jobs_errors as errors
from headwater.services.glue import jobs_tags
from headwater.services.glue._core import page
from headwater.services.glue.jobs_core import EtlCore
from headwater.services.glue.workflow_engine import stored_trigger
from headwater.services.glue.workflow_scheduler import check_schedule, next_schedule_fire
from headwater.services.glue.workflow_shapes import trigger_out
from headwater.store import Store
from headwater.store.glue_jobs import GlueJobsStore as S
from headwater.store.glue_jobs import TriggerRow

__all__ = ["TriggerOperations"]


def _compile(spec: dict[str, Any]) -> TriggerDef:
    try:
        return compile_trigger(spec, check_schedule=check_schedule)
    except GlueError as err:
        raise errors.from_definition(err) from err


class TriggerOperations(EtlCore):
    """Triggers and NotifyEvent."""

    # -- helpers ------------------------------------------------------------------------------
    def _trigger(self, conn: Any, region: str, name: str) -> TriggerRow:
        row = S.get_trigger(conn, region, name)
        if row is None:
            raise errors.trigger_not_found(name)
        return row

    def _check_actions(self, ctx: RequestContext, conn: Any, trig: TriggerDef) -> None:
        for action in trig.actions:
            if action.kind.value == "JOB":
                if S.get_job(conn, ctx.region, action.name) is None:
                    raise errors.entity_not_found(f"Entity not found: Job {action.name}")
            else:
                getter = getattr(self, "get_crawler", None)
                if callable(getter):
                    try:
                        getter(ctx, {"Name": action.name})
                    except ServiceError as err:
                        if err.code == "EntityNotFoundException":
                            raise errors.entity_not_found(
                                f"Entity not found: Crawler {action.name}"
                            ) from err
                        raise

    def _next_fire(self, trig: TriggerDef, state: str) -> float | None:
        if trig.type is TriggerType.SCHEDULED and trig.schedule and state == "ACTIVATED":
            return next_schedule_fire(trig.schedule, self.env.clock.now())
        return None

    # -- CRUD -------------------------------------------------------------------------------
    def create_trigger(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """CreateTrigger (StartOnCreation activates SCHEDULED, CONDITIONAL and EVENT ones)."""
        trig = _compile(params)
        start = bool(params.get("StartOnCreation"))
        if start and trig.type is TriggerType.ON_DEMAND:
            raise errors.invalid_input("StartOnCreation is not supported for ON_DEMAND triggers.")
        state = TriggerState.ACTIVATED.value if start else TriggerState.CREATED.value
        body = trig.to_wire()
        body["_account"] = ctx.account_id
        tags = self._tags_in(params)
        now = self.env.clock.now()
        with self.env.store.transaction() as conn:
            if S.get_trigger(conn, ctx.region, trig.name) is not None:
                raise errors.already_exists(f"Trigger with name {trig.name} already exists")
            if trig.workflow and S.get_workflow(conn, ctx.region, trig.workflow) is None:
                raise errors.workflow_not_found(trig.workflow)
            self._check_actions(ctx, conn, trig)
            S.put_trigger(
                conn,
                TriggerRow(
                    region=ctx.region,
                    name=trig.name,
                    workflow=trig.workflow,
                    state=state,
                    created=now,
                    next_fire=self._next_fire(trig, state),
                    batch=None,
                    batch_deadline=None,
                    body=body,
                ),
            )
            jobs_tags.put(
                conn, jobs_tags.arn(ctx.region, ctx.account_id, "trigger", trig.name), tags
            )
        self.etl.scheduler.wake()
        return {"Name": trig.name}

    def get_trigger(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """GetTrigger."""
        with self.env.store.read() as conn:
            row = self._trigger(conn, ctx.region, params["Name"])
        return {"Trigger": trigger_out(row)}

    def _dependent(self, ctx: RequestContext, params: dict[str, Any]) -> list[TriggerRow]:
        job = params.get("DependentJobName")
        with self.env.store.read() as conn:
            if job and S.get_job(conn, ctx.region, job) is None:
                raise errors.job_not_found(job)
            rows = S.list_triggers(conn, ctx.region)
        if job:
            rows = [
                r for r in rows if any(a.get("JobName") == job for a in r.body.get("Actions") or [])
            ]
        return sorted(rows, key=lambda r: r.name)

    def get_triggers(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """GetTriggers (DependentJobName: triggers that start that job)."""
        chunk, nxt = page(self._dependent(ctx, params), params)
        out: dict[str, Any] = {"Triggers": [trigger_out(r) for r in chunk]}
        if nxt:
            out["NextToken"] = nxt
        return out

    def list_triggers(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """ListTriggers (DependentJobName, Tags)."""
        wanted = params.get("Tags") or {}
        with self.env.store.read() as conn:
            rows = [
                r
                for r in self._dependent(ctx, params)
                if jobs_tags.matches(
                    conn, jobs_tags.arn(ctx.region, ctx.account_id, "trigger", r.name), wanted
                )
            ]
        chunk, nxt = page([r.name for r in rows], params)
        out: dict[str, Any] = {"TriggerNames": chunk}
        if nxt:
            out["NextToken"] = nxt
        return out

    def batch_get_triggers(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """BatchGetTriggers."""
        found, missing = [], []
        with self.env.store.read() as conn:
            for name in params.get("TriggerNames") or []:
                row = S.get_trigger(conn, ctx.region, name)
                if row is None:
                    missing.append(name)
                else:
                    found.append(trigger_out(row))
        return {"Triggers": found, "TriggersNotFound": missing}

    def update_trigger(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """UpdateTrigger: the members given replace the trigger's (the console adds actions)."""
        name = params["Name"]
        update = params.get("TriggerUpdate") or {}
        with self.env.store.transaction() as conn:
            row = self._trigger(conn, ctx.region, name)
            spec = {k: v for k, v in row.body.items() if not k.startswith("_") and k != "Tags"}
            for key in (
                "Description",
                "Schedule",
                "Actions",
                "Predicate",
                "EventBatchingCondition",
            ):
                if update.get(key) is not None:
                    spec[key] = update[key]
            try:
                if update.get("Actions") is not None:
                    compile_actions(update["Actions"])
                if update.get("Predicate") is not None and spec.get("Type") == "CONDITIONAL":
                    compile_predicate(update["Predicate"])
                if update.get("EventBatchingCondition") is not None:
                    compile_batching(update["EventBatchingCondition"])
            except GlueError as err:
                raise errors.from_definition(err) from err
            trig = _compile(spec)
            self._check_actions(ctx, conn, trig)
            body = trig.to_wire()
            body["_account"] = row.body.get("_account", ctx.account_id)
            new = replace(row, body=body, next_fire=self._next_fire(trig, row.state))
            if trig.batching is not None and new.batch:
                pending = PendingBatch.from_json(new.batch)
                new = replace(new, batch_deadline=deadline(trig.batching, pending))
            S.put_trigger(conn, new)
        self.etl.scheduler.wake()
        return {"Trigger": trigger_out(new)}

    def delete_trigger(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """DeleteTrigger (no error when it does not exist)."""
        with self.env.store.transaction() as conn:
            if S.delete_trigger(conn, ctx.region, params["Name"]):
                arn = jobs_tags.arn(ctx.region, ctx.account_id, "trigger", params["Name"])
                jobs_tags.put(conn, arn, {})
        self.etl.scheduler.wake()
        return {"Name": params["Name"]}

    # -- activation -------------------------------------------------------------------------
    def start_trigger(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """StartTrigger: an ON_DEMAND trigger fires now; others become ACTIVATED."""
        name = params["Name"]
        with self.env.store.transaction() as conn:
            row = self._trigger(conn, ctx.region, name)
            trig = stored_trigger(row.body)
            if trig.type is TriggerType.ON_DEMAND:
                if trig.workflow:
                    self.etl.engine.start_workflow_run(
                        conn,
                        region=ctx.region,
                        account=ctx.account_id,
                        workflow=trig.workflow,
                        trigger=trig.name,
                    )
                else:
                    self.etl.engine.fire_standalone(conn, ctx.region, ctx.account_id, trig)
            else:
                state = TriggerState.ACTIVATED.value
                S.put_trigger(
                    conn, replace(row, state=state, next_fire=self._next_fire(trig, state))
                )
        self.etl.scheduler.wake()
        return {"Name": name}

    def stop_trigger(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """StopTrigger: DEACTIVATED (its schedule stops, its events are refused)."""
        name = params["Name"]
        with self.env.store.transaction() as conn:
            row = self._trigger(conn, ctx.region, name)
            if row.body.get("Type") == TriggerType.ON_DEMAND.value:
                raise errors.invalid_input(f"Trigger {name} is ON_DEMAND and cannot be stopped")
            S.put_trigger(conn, replace(row, state=TriggerState.DEACTIVATED.value, next_fire=None))
        self.etl.scheduler.wake()
        return {"Name": name}

    # -- events -----------------------------------------------------------------------------
    def notify_event(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """NotifyEvent (from EventBridge): the event joins the workflow's EVENT batch."""
        workflow = params.get("Name") or ""
        raw = params.get("RawEvent") or ""
        try:
            event = json.loads(raw) if isinstance(raw, str) else raw
        except ValueError:
            event = None
        event_id = (
            str((event or {}).get("id") or uuid.uuid4())
            if isinstance(event, dict)
            else str(uuid.uuid4())
        )
        now = self.env.clock.now()
        with self.env.store.transaction() as conn:
            if S.get_workflow(conn, ctx.region, workflow) is None:
                raise errors.workflow_not_found(workflow)
            rows = [
                r
                for r in S.list_triggers(conn, ctx.region, workflow)
                if r.body.get("Type") == TriggerType.EVENT.value
            ]
            if not rows:
                raise errors.invalid_input(
                    f"Workflow {workflow} has no EVENT trigger to receive the event"
                )
            for row in rows:
                if row.state == TriggerState.DEACTIVATED.value:
                    continue
                trig = stored_trigger(row.body)
                cfg = trig.batching or BatchingDef(size=1)
                pending, fired = add_event(cfg, PendingBatch.from_json(row.batch), event_id, now)
                account = str(row.body.get("_account") or ctx.account_id)
                for batch in fired:
                    try:
                        self.etl.engine.start_workflow_run(
                            conn,
                            region=ctx.region,
                            account=account,
                            workflow=workflow,
                            trigger=row.name,
                            batch=batch,
                        )
                    except ServiceError as err:
                        if err.code != "ConcurrentRunsExceededException":
                            raise
                S.put_trigger(
                    conn,
                    replace(row, batch=pending.to_json(), batch_deadline=deadline(cfg, pending)),
                )
            Store.after_commit(conn, self.etl.scheduler.wake)
        return {}
