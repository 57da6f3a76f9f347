"""Workflow runs and trigger firing, durably: the pure run state machine plus the store.

A workflow run keeps, in its row, the trigger definitions of the workflow as they were when
it started (its graph), the run properties and the pure :class:`~headwater.glue.RunState`.
Starting an action (a job run or a crawl) and recording it in the run happen in one
transaction, so a restart never loses nor doubles an action; a job run's end comes back
through the runner's listener, a crawl's through the crawler hook, and each is applied to the
run in its own transaction, which may fire conditional triggers and start more actions.

Triggers outside workflows fire here too: a SCHEDULED or ON_DEMAND trigger starts its jobs and
crawlers; an ACTIVATED CONDITIONAL trigger fires when the latest runs of the jobs and crawlers
it watches satisfy its predicate.
"""

from __future__ import annotations

import logging
import secrets
import threading
import uuid
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from headwater.glue import (
    ActionRecord,
    CrawlState,
    JobRunState,
    NodeType,
    RunState,
    StartAction,
    TriggerDef,
    TriggerState,
    TriggerType,
    WorkflowGraph,
    WorkflowRunStatus,
    action_changed,
    action_started,
    build_graph,
    compile_trigger,
    start_run,
)
from headwater.glue.batching import FiredBatch, event_ids_property
from headwater.glue.runs import fire_trigger, resume_run, stop_run
from headwater.services.base import RequestContext
from headwater.services.errors import ServiceError
from headwater.services.glue import jobs_errors as errors
from headwater.store import Store
from headwater.store.glue_jobs import GlueJobsStore as S
from headwater.store.glue_jobs import WorkflowRunRow

if TYPE_CHECKING:
    from headwater.services.glue.jobs_core import EtlCore
    from headwater.services.glue.jobs_runner import JobRunEvent, JobRunner

__all__ = ["WorkflowEngine", "new_workflow_run_id"]

log = logging.getLogger("headwater.glue")

_RUNNING = (WorkflowRunStatus.RUNNING.value, WorkflowRunStatus.STOPPING.value)


def new_workflow_run_id() -> str:
    """A workflow run id: ``wr_`` and 64 hex digits."""
    return "wr_" + secrets.token_hex(32)


def stored_trigger(body: Mapping[str, Any]) -> TriggerDef:
    """The compiled definition of a stored trigger document."""
    return compile_trigger(body)


class WorkflowEngine:
    """Runs workflows and fires triggers."""

    def __init__(self, service: EtlCore, runner: JobRunner) -> None:
        self.service = service
        self.env = service.env
        self.runner = runner
        self._lock = threading.RLock()
        self._crawl_hooked = False

    # -- graphs -------------------------------------------------------------------------------
    def graph(
        self, conn: Any, region: str, workflow: str
    ) -> tuple[WorkflowGraph, list[dict[str, Any]]]:
        """The workflow's current graph and its trigger documents."""
        rows = S.list_triggers(conn, region, workflow)
        bodies = [r.body for r in rows]
        return build_graph(workflow, [stored_trigger(b) for b in bodies]), bodies

    @staticmethod
    def run_graph(row: WorkflowRunRow) -> WorkflowGraph:
        """The graph a run started with."""
        bodies = row.body.get("_triggers") or []
        return build_graph(row.workflow, [stored_trigger(b) for b in bodies])

    # -- starting runs ------------------------------------------------------------------------
    def start_workflow_run(
        self,
        conn: Any,
        *,
        region: str,
        account: str,
        workflow: str,
        trigger: str | None = None,
        properties: Mapping[str, str] | None = None,
        batch: FiredBatch | None = None,
    ) -> str:
        """Create a run on ``conn`` and queue its first actions (started after the commit).

        ``trigger`` names the start trigger (an EVENT or SCHEDULED one); without it the
        workflow's ON_DEMAND / SCHEDULED start triggers fire, as StartWorkflowRun does.
        """
        wf = S.get_workflow(conn, region, workflow)
        if wf is None:
            raise errors.workflow_not_found(workflow)
        limit = wf.get("MaxConcurrentRuns")
        if limit:
            running = [
                r for r in S.list_workflow_runs(conn, region, workflow) if r.status in _RUNNING
            ]
            if len(running) >= int(limit):
                raise errors.concurrent_runs("workflow", workflow)
        graph, bodies = self.graph(conn, region, workflow)
        names = [trigger] if trigger else [t.name for t in graph.on_demand_starts()]
        state = RunState()
        commands: list[StartAction] = []
        for i, name in enumerate(names):
            if i == 0:
                state, cmds = start_run(graph, name)
            else:
                state, cmds = fire_trigger(graph, state, name)
            commands.extend(cmds)
        now = self.service._now()
        run_id = new_workflow_run_id()
        props: dict[str, str] = dict(wf.get("DefaultRunProperties") or {})
        props.update(properties or {})
        body: dict[str, Any] = {
            "Name": workflow,
            "WorkflowRunId": run_id,
            "WorkflowRunProperties": props,
            "StartedOn": now,
            "Status": WorkflowRunStatus.RUNNING.value,
            "_account": account,
            "_triggers": bodies,
            "_times": {},
        }
        if batch is not None:
            props["aws:eventIds"] = event_ids_property(batch.event_ids)
            body["StartingEventBatchCondition"] = batch.starting_condition
        previous = S.list_workflow_runs(conn, region, workflow)
        if previous:
            body["PreviousRunId"] = previous[0].run_id
        row = WorkflowRunRow(
            region=region,
            run_id=run_id,
            workflow=workflow,
            status=WorkflowRunStatus.RUNNING.value,
            started=now,
            body=body,
        )
        row = self._save(conn, row, state)
        Store.after_commit(conn, lambda: self.perform(region, run_id))
        return run_id

    # -- carrying out commands ----------------------------------------------------------------
    def perform(self, region: str, run_id: str) -> None:
        """Start every pending action of a run, one transaction each (repeats until none).

        A job run is inserted in the transaction that records it in the run. A crawl is first
        recorded RUNNING, then started (the crawler writes in its own transactions, and its
        end may come back at once); a crawl that cannot start is then recorded FAILED.
        """
        while True:
            with self._lock:
                crawl: ActionRecord | None = None
                with self.env.store.transaction() as conn:
                    row = S.get_workflow_run(conn, region, run_id)
                    if row is None:
                        return
                    state = RunState.from_json(row.body.get("_state"))
                    pending = state.pending()
                    if not pending:
                        return
                    rec = pending[0]
                    graph = self.run_graph(row)
                    state = self._start_action(conn, row, graph, state, rec)
                    self._save(conn, row, state)
                    if rec.kind is NodeType.CRAWLER:
                        crawl = rec
                        account = str(row.body.get("_account") or self.env.account_id)
                if crawl is None:
                    continue
                error = self._start_crawler(region, account, crawl.name)
                if error is None:
                    continue
                with self.env.store.transaction() as conn:
                    row = S.get_workflow_run(conn, region, run_id)
                    if row is None:
                        return
                    state = RunState.from_json(row.body.get("_state"))
                    graph = self.run_graph(row)
                    times = row.body.setdefault("_times", {})
                    times.setdefault(str(crawl.index), {})["completed"] = self.service._now()
                    state, _ = action_changed(
                        graph, state, crawl.index, CrawlState.FAILED.value, error=error
                    )
                    self._save(conn, row, state)

    def _start_action(
        self,
        conn: Any,
        row: WorkflowRunRow,
        graph: WorkflowGraph,
        state: RunState,
        rec: ActionRecord,
    ) -> RunState:
        account = str(row.body.get("_account") or self.env.account_id)
        now = self.service._now()
        times = row.body.setdefault("_times", {})
        times[str(rec.index)] = {"started": now}
        if rec.kind is NodeType.JOB:
            try:
                run = self.service.start_job_run_internal(  # type: ignore[attr-defined]
                    row.region,
                    rec.name,
                    arguments=dict(rec.arguments),
                    timeout=rec.timeout,
                    account=account,
                    trigger=rec.trigger,
                    workflow=(row.workflow, row.run_id),
                    action_index=rec.index,
                    predecessors=self._predecessors(graph, state, rec.trigger),
                    conn=conn,
                )
            except ServiceError as err:
                final = (
                    JobRunState.FAILED.value
                    if err.code == "ConcurrentRunsExceededException"
                    else JobRunState.ERROR.value
                )
                times[str(rec.index)]["completed"] = now
                state, _ = action_changed(graph, state, rec.index, final, error=err.message)
                return state
            return action_started(state, rec.index, run, JobRunState.STARTING.value)
        return action_started(state, rec.index, None, CrawlState.RUNNING.value)

    def _predecessors(
        self, graph: WorkflowGraph, state: RunState, trigger: str
    ) -> list[dict[str, str]]:
        trig = graph.trigger(trigger)
        if trig is None or trig.predicate is None:
            return []
        out = []
        for a in state.actions:
            if a.kind is NodeType.JOB and a.run_id and trig.predicate.watches(a.kind, a.name):
                out.append({"JobName": a.name, "RunId": a.run_id})
        return out

    def _start_crawler(self, region: str, account: str, name: str) -> str | None:
        """Start a crawl through the crawler side; the error message if it cannot."""
        self._hook_crawlers()
        start_crawl = getattr(self.service, "start_crawl", None)
        try:
            if callable(start_crawl):
                start_crawl(region, name, account_id=account)
                return None
            starter = getattr(self.service, "start_crawler", None)
            if not callable(starter):
                return f"Crawler {name} cannot be started: Headwater's crawlers are not running"
            ctx = RequestContext(
                request_id=str(uuid.uuid4()),
                region=region,
                account_id=account,
                service="glue",
                operation="StartCrawler",
                user_agent="glue.amazonaws.com",
            )
            starter(ctx, {"Name": name})
        except ServiceError as err:
            return err.message
        return None

    def _hook_crawlers(self) -> None:
        """Subscribe to crawl completions (the crawler side's listener hook), once."""
        if self._crawl_hooked:
            return
        for hook_name in ("add_completion_listener", "add_crawl_listener"):
            hook = getattr(self.service, hook_name, None)
            if callable(hook):
                hook(self.on_crawl)
                self._crawl_hooked = True
                return

    # -- applying results ---------------------------------------------------------------------
    def _save(self, conn: Any, row: WorkflowRunRow, state: RunState) -> WorkflowRunRow:
        body = dict(row.body)
        body["_state"] = state.to_json()
        status = state.status.value
        body["Status"] = status
        if state.finished and "CompletedOn" not in body:
            body["CompletedOn"] = self.service._now()
        new = WorkflowRunRow(
            region=row.region,
            run_id=row.run_id,
            workflow=row.workflow,
            status=status,
            started=row.started,
            body=body,
        )
        S.put_workflow_run(conn, new)
        return new

    def on_job_run(self, event: JobRunEvent) -> None:
        """The runner's listener: a job run of a workflow (or watched by a trigger) ended."""
        if event.workflow is None:
            self._standalone(event.region, NodeType.JOB, str(event.run.get("JobName")), event.state)
            return
        _, run_id = event.workflow
        index = event.action_index
        if index is None:
            return
        with self._lock, self.env.store.transaction() as conn:
            row = S.get_workflow_run(conn, event.region, run_id)
            if row is None:
                return
            state = RunState.from_json(row.body.get("_state"))
            if not event.final:
                state = action_started(state, index, event.retry_id, JobRunState.STARTING.value)
                self._save(conn, row, state)
                return
            graph = self.run_graph(row)
            times = row.body.setdefault("_times", {})
            times.setdefault(str(index), {})["completed"] = self.service._now()
            state, commands = action_changed(
                graph, state, index, event.state, error=event.run.get("ErrorMessage")
            )
            self._save(conn, row, state)
        if commands:
            self.perform(event.region, run_id)

    def on_crawl(self, event: Any) -> None:
        """The crawler hook: a crawl ended (a ``CrawlCompletion``, an object or a dict)."""
        region = _field(event, "region", "Region")
        name = _field(event, "crawler_name", "name", "CrawlerName", "Name")
        state = _crawl_state(_field(event, "state", "State", "status", "Status"))
        error = _field(event, "error", "ErrorMessage", "error_message")
        if not name or state is None:
            return
        touched: list[tuple[str, str]] = []
        with self._lock, self.env.store.transaction() as conn:
            for row in S.workflow_runs_in(conn, _RUNNING):
                if region and row.region != region:
                    continue
                state_obj = RunState.from_json(row.body.get("_state"))
                for a in state_obj.actions:
                    if (
                        a.kind is NodeType.CRAWLER
                        and a.name == name
                        and not a.ended
                        and a.state != "PENDING"
                    ):
                        graph = self.run_graph(row)
                        times = row.body.setdefault("_times", {})
                        times.setdefault(str(a.index), {})["completed"] = self.service._now()
                        state_obj, _ = action_changed(graph, state_obj, a.index, state, error=error)
                        self._save(conn, row, state_obj)
                        touched.append((row.region, row.run_id))
                        break
        for reg, run_id in touched:
            self.perform(reg, run_id)
        self._standalone(region or self.env.default_region, NodeType.CRAWLER, name, state)

    # -- stopping and recovering --------------------------------------------------------------
    def stop_workflow_run(self, region: str, workflow: str, run_id: str) -> None:
        """StopWorkflowRun: nothing more starts; the run ends STOPPED when its actions end."""
        with self._lock, self.env.store.transaction() as conn:
            row = S.get_workflow_run(conn, region, run_id)
            if row is None or row.workflow != workflow:
                raise errors.workflow_run_not_found(workflow, run_id)
            if row.status != WorkflowRunStatus.RUNNING.value:
                raise errors.illegal_workflow_state(
                    f"Workflow run {run_id} is not running: its status is {row.status}"
                )
            state = stop_run(RunState.from_json(row.body.get("_state")))
            self._save(conn, row, state)

    def resume_workflow_run(
        self, region: str, workflow: str, run_id: str, node_ids: list[str]
    ) -> tuple[str, list[str]]:
        """ResumeWorkflowRun: a new run that restarts the chosen failed nodes of an ended one."""
        with self._lock, self.env.store.transaction() as conn:
            row = S.get_workflow_run(conn, region, run_id)
            if row is None or row.workflow != workflow:
                raise errors.workflow_run_not_found(workflow, run_id)
            if row.status in _RUNNING:
                raise errors.illegal_workflow_state(
                    f"Workflow run {run_id} is {row.status}: only an ended run can be resumed"
                )
            graph = self.run_graph(row)
            by_id = {n.unique_id: n for n in graph.nodes}
            chosen = []
            for node_id in node_ids:
                node = by_id.get(node_id)
                if node is None or node.type is NodeType.TRIGGER:
                    raise errors.invalid_input(
                        f"Node {node_id} is not a job or crawler node of workflow run {run_id}"
                    )
                chosen.append((node.type, node.name))
            previous = RunState.from_json(row.body.get("_state"))
            state, commands = resume_run(graph, previous, chosen)
            if not commands:
                raise errors.invalid_input(
                    "None of the given nodes can be resumed: only nodes whose last run did not "
                    "succeed are run again"
                )
            restarted = {(c.action.kind, c.action.name) for c in commands}
            new_id = new_workflow_run_id()
            body = {k: v for k, v in row.body.items() if k != "CompletedOn"}
            body.update(
                {
                    "WorkflowRunId": new_id,
                    "PreviousRunId": run_id,
                    "StartedOn": self.service._now(),
                    "Status": WorkflowRunStatus.RUNNING.value,
                }
            )
            new = WorkflowRunRow(
                region=region,
                run_id=new_id,
                workflow=workflow,
                status=WorkflowRunStatus.RUNNING.value,
                started=float(body["StartedOn"]),
                body=body,
            )
            self._save(conn, new, state)
            Store.after_commit(conn, lambda: self.perform(region, new_id))
        ids = [n.unique_id for n in graph.nodes if (n.type, n.name) in restarted]
        return new_id, ids

    def recover(self) -> None:
        """Start the pending actions of every running workflow run (after a restart)."""
        self._hook_crawlers()
        with self.env.store.read() as conn:
            rows = S.workflow_runs_in(conn, _RUNNING)
        for row in rows:
            try:
                self.perform(row.region, row.run_id)
            except Exception:
                log.exception("cannot resume workflow run %s", row.run_id)

    # -- triggers outside workflows -----------------------------------------------------------
    def fire_standalone(self, conn: Any, region: str, account: str, trig: TriggerDef) -> None:
        """Start a trigger's actions outside any workflow (on ``conn``)."""
        for action in trig.actions:
            if action.kind is NodeType.JOB:
                try:
                    self.service.start_job_run_internal(  # type: ignore[attr-defined]
                        region,
                        action.name,
                        arguments=dict(action.arguments),
                        timeout=action.timeout,
                        account=account,
                        trigger=trig.name,
                        conn=conn,
                    )
                except ServiceError as err:
                    log.warning(
                        "trigger %s could not start job %s: %s", trig.name, action.name, err.message
                    )
            else:
                Store.after_commit(conn, self._crawl_later(region, account, action.name))

    def _crawl_later(self, region: str, account: str, name: str) -> Callable[[], None]:
        def start() -> None:
            error = self._start_crawler(region, account, name)
            if error is not None:
                log.warning("a trigger could not start crawler %s: %s", name, error)

        return start

    def _standalone(self, region: str, kind: NodeType, name: str, state: str) -> None:
        with self.env.store.read() as conn:
            rows = [
                r
                for r in S.list_triggers(conn, region)
                if r.workflow is None
                and r.state == TriggerState.ACTIVATED.value
                and r.body.get("Type") == TriggerType.CONDITIONAL.value
            ]
        for row in rows:
            trig = stored_trigger(row.body)
            if trig.predicate is None or not trig.predicate.watches(kind, name):
                continue
            with self.env.store.transaction() as conn:
                latest = self._latest_states(conn, region, trig)
                latest[(kind, name)] = state
                if trig.predicate.evaluate(_lookup(latest)):
                    account = str(row.body.get("_account") or self.env.account_id)
                    self.fire_standalone(conn, region, account, trig)

    def _latest_states(
        self, conn: Any, region: str, trig: TriggerDef
    ) -> dict[tuple[NodeType, str], str]:
        out: dict[tuple[NodeType, str], str] = {}
        assert trig.predicate is not None
        for cond in trig.predicate.conditions:
            if cond.kind is NodeType.JOB:
                runs = S.list_runs(conn, region, cond.name)
                ended = [r for r in runs if JobRunState(r.state).terminal]
                if ended:
                    out[(cond.kind, cond.name)] = ended[0].state
        return out


def _lookup(states: dict[tuple[NodeType, str], str]) -> Any:
    return lambda kind, name: states.get((kind, name))


def _field(event: Any, *names: str) -> Any:
    for name in names:
        if isinstance(event, Mapping) and name in event:
            return event[name]
        if hasattr(event, name):
            return getattr(event, name)
    return None


def _crawl_state(value: Any) -> str | None:
    """A crawl's final state as conditions name it (SUCCEEDED, FAILED, CANCELLED)."""
    if value is None:
        return None
    text = str(getattr(value, "value", value)).upper()
    mapping = {
        "SUCCEEDED": CrawlState.SUCCEEDED.value,
        "SUCCEED": CrawlState.SUCCEEDED.value,
        "FAILED": CrawlState.FAILED.value,
        "CANCELLED": CrawlState.CANCELLED.value,
        "CANCELED": CrawlState.CANCELLED.value,
        "STOPPED": CrawlState.CANCELLED.value,
        "ERROR": CrawlState.ERROR.value,
    }
    return mapping.get(text)
