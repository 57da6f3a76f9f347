"""Port for Glue ETL: jobs, job runs, bookmarks, workflows, triggers and workflow runs.

Each row keeps the resource as a JSON document (``body``, carrying ``"v": 1``) plus the few
columns queries need (state, workflow, next fire time). One state transition is one
transaction: a job run's new state, a workflow run's new state and the trigger batches it
consumed are written together by the service.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from headwater.store.schema import Migration, create_tables, metadata, register

__all__ = ["GlueJobsStore", "JobRunRow", "TriggerRow", "WorkflowRunRow"]

SCHEMA_VERSION = 1

jobs = sa.Table(
    "glue_jobs",
    metadata,
    sa.Column("region", sa.String(32), primary_key=True),
    sa.Column("name", sa.String(255), primary_key=True),
    sa.Column("created", sa.Float, nullable=False),
    sa.Column("body", sa.Text, nullable=False),
)
job_runs = sa.Table(
    "glue_job_runs",
    metadata,
    sa.Column("region", sa.String(32), primary_key=True),
    sa.Column("run_id", sa.String(300), primary_key=True),
    sa.Column("job_name", sa.String(255), nullable=False, index=True),
    sa.Column("state", sa.String(16), nullable=False, index=True),
    sa.Column("started", sa.Float, nullable=False),
    sa.Column("workflow_run_id", sa.String(128), nullable=True, index=True),
    sa.Column("body", sa.Text, nullable=False),
)
bookmarks = sa.Table(
    "glue_job_bookmarks",
    metadata,
    sa.Column("region", sa.String(32), primary_key=True),
    sa.Column("job_name", sa.String(255), primary_key=True),
    sa.Column("body", sa.Text, nullable=False),
)
workflows = sa.Table(
    "glue_workflows",
    metadata,
    sa.Column("region", sa.String(32), primary_key=True),
    sa.Column("name", sa.String(255), primary_key=True),
    sa.Column("created", sa.Float, nullable=False),
    sa.Column("body", sa.Text, nullable=False),
)
triggers = sa.Table(
    "glue_triggers",
    metadata,
    sa.Column("region", sa.String(32), primary_key=True),
    sa.Column("name", sa.String(255), primary_key=True),
    sa.Column("workflow", sa.String(255), nullable=True, index=True),
    sa.Column("state", sa.String(16), nullable=False),
    sa.Column("created", sa.Float, nullable=False),
    sa.Column("next_fire", sa.Float, nullable=True, index=True),
    sa.Column("batch", sa.Text, nullable=True),  # pending EVENT batch, JSON
    sa.Column("batch_deadline", sa.Float, nullable=True, index=True),
    sa.Column("body", sa.Text, nullable=False),
)
workflow_runs = sa.Table(
    "glue_workflow_runs",
    metadata,
    sa.Column("region", sa.String(32), primary_key=True),
    sa.Column("run_id", sa.String(128), primary_key=True),
    sa.Column("workflow", sa.String(255), nullable=False, index=True),
    sa.Column("status", sa.String(16), nullable=False, index=True),
    sa.Column("started", sa.Float, nullable=False),
    sa.Column("body", sa.Text, nullable=False),
)

register(
    Migration(
        component="glue_jobs",
        version=1,
        description="Glue jobs, job runs, bookmarks, workflows, triggers and workflow runs",
        apply=create_tables(jobs, job_runs, bookmarks, workflows, triggers, workflow_runs),
    )
)


def _dump(body: dict[str, Any]) -> str:
    return json.dumps({"v": SCHEMA_VERSION, **body}, separators=(",", ":"), default=str)


def _load(text: str) -> dict[str, Any]:
    body: dict[str, Any] = json.loads(text)
    body.pop("v", None)
    return body


@dataclass(frozen=True, slots=True, kw_only=True)
class JobRunRow:
    """A job run: indexed columns plus the document (the JobRun shape and private fields)."""

    region: str
    run_id: str
    job_name: str
    state: str
    started: float
    workflow_run_id: str | None
    body: dict[str, Any]


@dataclass(frozen=True, slots=True, kw_only=True)
class TriggerRow:
    """A trigger: definition document, state, schedule and pending EVENT batch."""

    region: str
    name: str
    workflow: str | None
    state: str
    created: float
    next_fire: float | None
    batch: dict[str, Any] | None
    batch_deadline: float | None
    body: dict[str, Any]


@dataclass(frozen=True, slots=True, kw_only=True)
class WorkflowRunRow:
    """A workflow run: status plus the document (properties, run state, statistics inputs)."""

    region: str
    run_id: str
    workflow: str
    status: str
    started: float
    body: dict[str, Any]


def _run(r: Any) -> JobRunRow:
    return JobRunRow(
        region=r.region,
        run_id=r.run_id,
        job_name=r.job_name,
        state=r.state,
        started=r.started,
        workflow_run_id=r.workflow_run_id,
        body=_load(r.body),
    )


def _trigger(r: Any) -> TriggerRow:
    return TriggerRow(
        region=r.region,
        name=r.name,
        workflow=r.workflow,
        state=r.state,
        created=r.created,
        next_fire=r.next_fire,
        batch=_load(r.batch) if r.batch else None,
        batch_deadline=r.batch_deadline,
        body=_load(r.body),
    )


def _wrun(r: Any) -> WorkflowRunRow:
    return WorkflowRunRow(
        region=r.region,
        run_id=r.run_id,
        workflow=r.workflow,
        status=r.status,
        started=r.started,
        body=_load(r.body),
    )


class GlueJobsStore:
    """Reads and writes Glue ETL rows on a store connection."""

    # -- jobs -------------------------------------------------------------------------------
    @staticmethod
    def get_job(conn: sa.Connection, region: str, name: str) -> dict[str, Any] | None:
        """A job's document."""
        r = conn.execute(
            sa.select(jobs.c.body).where((jobs.c.region == region) & (jobs.c.name == name))
        ).first()
        return _load(r.body) if r else None

    @staticmethod
    def list_jobs(conn: sa.Connection, region: str) -> list[dict[str, Any]]:
        """Every job of a region, by name."""
        q = sa.select(jobs.c.body).where(jobs.c.region == region).order_by(jobs.c.name)
        return [_load(r.body) for r in conn.execute(q)]

    @staticmethod
    def put_job(
        conn: sa.Connection, region: str, name: str, body: dict[str, Any], created: float
    ) -> None:
        """Insert or replace a job."""
        GlueJobsStore.delete_job(conn, region, name)
        conn.execute(
            sa.insert(jobs).values(region=region, name=name, created=created, body=_dump(body))
        )

    @staticmethod
    def delete_job(conn: sa.Connection, region: str, name: str) -> bool:
        """Delete a job; True if it existed."""
        res = conn.execute(sa.delete(jobs).where((jobs.c.region == region) & (jobs.c.name == name)))
        return bool(res.rowcount)

    # -- job runs ---------------------------------------------------------------------------
    @staticmethod
    def get_run(conn: sa.Connection, region: str, run_id: str) -> JobRunRow | None:
        """A job run by id."""
        r = conn.execute(
            sa.select(job_runs).where((job_runs.c.region == region) & (job_runs.c.run_id == run_id))
        ).first()
        return _run(r) if r else None

    @staticmethod
    def list_runs(conn: sa.Connection, region: str, job_name: str) -> list[JobRunRow]:
        """A job's runs, newest first."""
        q = (
            sa.select(job_runs)
            .where((job_runs.c.region == region) & (job_runs.c.job_name == job_name))
            .order_by(job_runs.c.started.desc(), job_runs.c.run_id.desc())
        )
        return [_run(r) for r in conn.execute(q)]

    @staticmethod
    def runs_in_states(
        conn: sa.Connection, states: tuple[str, ...], region: str | None = None
    ) -> list[JobRunRow]:
        """Runs whose state is one of ``states`` (every region unless told)."""
        q = sa.select(job_runs).where(job_runs.c.state.in_(states))
        if region is not None:
            q = q.where(job_runs.c.region == region)
        return [_run(r) for r in conn.execute(q.order_by(job_runs.c.started))]

    @staticmethod
    def count_active(
        conn: sa.Connection, region: str, job_name: str, states: tuple[str, ...]
    ) -> int:
        """How many runs of a job are in one of ``states``."""
        q = sa.select(sa.func.count()).where(
            (job_runs.c.region == region)
            & (job_runs.c.job_name == job_name)
            & (job_runs.c.state.in_(states))
        )
        return int(conn.execute(q).scalar() or 0)

    @staticmethod
    def put_run(conn: sa.Connection, row: JobRunRow) -> None:
        """Insert or replace a job run."""
        conn.execute(
            sa.delete(job_runs).where(
                (job_runs.c.region == row.region) & (job_runs.c.run_id == row.run_id)
            )
        )
        conn.execute(
            sa.insert(job_runs).values(
                region=row.region,
                run_id=row.run_id,
                job_name=row.job_name,
                state=row.state,
                started=row.started,
                workflow_run_id=row.workflow_run_id,
                body=_dump(row.body),
            )
        )

    @staticmethod
    def delete_runs(conn: sa.Connection, region: str, job_name: str) -> None:
        """Forget a job's runs (DeleteJob)."""
        conn.execute(
            sa.delete(job_runs).where(
                (job_runs.c.region == region) & (job_runs.c.job_name == job_name)
            )
        )

    # -- bookmarks --------------------------------------------------------------------------
    @staticmethod
    def get_bookmark(conn: sa.Connection, region: str, job_name: str) -> dict[str, Any] | None:
        """A job's bookmark document."""
        r = conn.execute(
            sa.select(bookmarks.c.body).where(
                (bookmarks.c.region == region) & (bookmarks.c.job_name == job_name)
            )
        ).first()
        return _load(r.body) if r else None

    @staticmethod
    def put_bookmark(conn: sa.Connection, region: str, job_name: str, body: dict[str, Any]) -> None:
        """Insert or replace a job's bookmark."""
        GlueJobsStore.delete_bookmark(conn, region, job_name)
        conn.execute(
            sa.insert(bookmarks).values(region=region, job_name=job_name, body=_dump(body))
        )

    @staticmethod
    def delete_bookmark(conn: sa.Connection, region: str, job_name: str) -> None:
        """Forget a job's bookmark."""
        conn.execute(
            sa.delete(bookmarks).where(
                (bookmarks.c.region == region) & (bookmarks.c.job_name == job_name)
            )
        )

    # -- workflows --------------------------------------------------------------------------
    @staticmethod
    def get_workflow(conn: sa.Connection, region: str, name: str) -> dict[str, Any] | None:
        """A workflow's document."""
        r = conn.execute(
            sa.select(workflows.c.body).where(
                (workflows.c.region == region) & (workflows.c.name == name)
            )
        ).first()
        return _load(r.body) if r else None

    @staticmethod
    def list_workflows(conn: sa.Connection, region: str) -> list[dict[str, Any]]:
        """Every workflow of a region, by name."""
        q = (
            sa.select(workflows.c.body)
            .where(workflows.c.region == region)
            .order_by(workflows.c.name)
        )
        return [_load(r.body) for r in conn.execute(q)]

    @staticmethod
    def put_workflow(
        conn: sa.Connection, region: str, name: str, body: dict[str, Any], created: float
    ) -> None:
        """Insert or replace a workflow."""
        GlueJobsStore.delete_workflow(conn, region, name)
        conn.execute(
            sa.insert(workflows).values(region=region, name=name, created=created, body=_dump(body))
        )

    @staticmethod
    def delete_workflow(conn: sa.Connection, region: str, name: str) -> bool:
        """Delete a workflow; True if it existed."""
        res = conn.execute(
            sa.delete(workflows).where((workflows.c.region == region) & (workflows.c.name == name))
        )
        return bool(res.rowcount)

    # -- triggers ---------------------------------------------------------------------------
    @staticmethod
    def get_trigger(conn: sa.Connection, region: str, name: str) -> TriggerRow | None:
        """A trigger by name."""
        r = conn.execute(
            sa.select(triggers).where((triggers.c.region == region) & (triggers.c.name == name))
        ).first()
        return _trigger(r) if r else None

    @staticmethod
    def list_triggers(
        conn: sa.Connection, region: str, workflow: str | None = None
    ) -> list[TriggerRow]:
        """Triggers of a region (or of one workflow), in creation order."""
        q = sa.select(triggers).where(triggers.c.region == region)
        if workflow is not None:
            q = q.where(triggers.c.workflow == workflow)
        return [_trigger(r) for r in conn.execute(q.order_by(triggers.c.created, triggers.c.name))]

    @staticmethod
    def put_trigger(conn: sa.Connection, row: TriggerRow) -> None:
        """Insert or replace a trigger."""
        GlueJobsStore.delete_trigger(conn, row.region, row.name)
        conn.execute(
            sa.insert(triggers).values(
                region=row.region,
                name=row.name,
                workflow=row.workflow,
                state=row.state,
                created=row.created,
                next_fire=row.next_fire,
                batch=_dump(row.batch) if row.batch else None,
                batch_deadline=row.batch_deadline,
                body=_dump(row.body),
            )
        )

    @staticmethod
    def delete_trigger(conn: sa.Connection, region: str, name: str) -> bool:
        """Delete a trigger; True if it existed."""
        res = conn.execute(
            sa.delete(triggers).where((triggers.c.region == region) & (triggers.c.name == name))
        )
        return bool(res.rowcount)

    @staticmethod
    def due_triggers(conn: sa.Connection, now: float) -> list[TriggerRow]:
        """Triggers whose schedule or batch window is due by ``now``."""
        q = sa.select(triggers).where(
            ((triggers.c.next_fire.is_not(None)) & (triggers.c.next_fire <= now))
            | ((triggers.c.batch_deadline.is_not(None)) & (triggers.c.batch_deadline <= now))
        )
        return [_trigger(r) for r in conn.execute(q)]

    @staticmethod
    def next_deadline(conn: sa.Connection) -> float | None:
        """The earliest schedule or batch deadline of any trigger."""
        a = conn.execute(sa.select(sa.func.min(triggers.c.next_fire))).scalar()
        b = conn.execute(sa.select(sa.func.min(triggers.c.batch_deadline))).scalar()
        found = [float(v) for v in (a, b) if v is not None]
        return min(found) if found else None

    # -- workflow runs ----------------------------------------------------------------------
    @staticmethod
    def get_workflow_run(conn: sa.Connection, region: str, run_id: str) -> WorkflowRunRow | None:
        """A workflow run by id."""
        r = conn.execute(
            sa.select(workflow_runs).where(
                (workflow_runs.c.region == region) & (workflow_runs.c.run_id == run_id)
            )
        ).first()
        return _wrun(r) if r else None

    @staticmethod
    def list_workflow_runs(conn: sa.Connection, region: str, workflow: str) -> list[WorkflowRunRow]:
        """A workflow's runs, newest first."""
        q = (
            sa.select(workflow_runs)
            .where((workflow_runs.c.region == region) & (workflow_runs.c.workflow == workflow))
            .order_by(workflow_runs.c.started.desc(), workflow_runs.c.run_id.desc())
        )
        return [_wrun(r) for r in conn.execute(q)]

    @staticmethod
    def workflow_runs_in(conn: sa.Connection, statuses: tuple[str, ...]) -> list[WorkflowRunRow]:
        """Runs (every region) whose status is one of ``statuses``."""
        q = sa.select(workflow_runs).where(workflow_runs.c.status.in_(statuses))
        return [_wrun(r) for r in conn.execute(q.order_by(workflow_runs.c.started))]

    @staticmethod
    def put_workflow_run(conn: sa.Connection, row: WorkflowRunRow) -> None:
        """Insert or replace a workflow run."""
        conn.execute(
            sa.delete(workflow_runs).where(
                (workflow_runs.c.region == row.region) & (workflow_runs.c.run_id == row.run_id)
            )
        )
        conn.execute(
            sa.insert(workflow_runs).values(
                region=row.region,
                run_id=row.run_id,
                workflow=row.workflow,
                status=row.status,
                started=row.started,
                body=_dump(row.body),
            )
        )

    @staticmethod
    def delete_workflow_runs(conn: sa.Connection, region: str, workflow: str) -> None:
        """Forget a workflow's runs (DeleteWorkflow)."""
        conn.execute(
            sa.delete(workflow_runs).where(
                (workflow_runs.c.region == region) & (workflow_runs.c.workflow == workflow)
            )
        )
