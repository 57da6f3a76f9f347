"""Glue job operations: CreateJob ... DeleteJob, StartJobRun, job runs, stops, bookmarks."""

from __future__ import annotations

from typing import Any

from headwater.glue import Bookmark
from headwater.glue.bookmarks import reset as reset_bookmark
from headwater.services.base import RequestContext
from headwater.services.glue import jobs_errors as errors
from headwater.services.glue import (
    jobs_sync,  # noqa: F401  (registers the .sync waiter)
    jobs_tags,
)
from headwater.services.glue._core import page
from headwater.services.glue.jobs_core import EtlCore
from headwater.services.glue.jobs_model import (
    job_from_create,
    job_from_update,
    job_out,
    job_run_out,
)
from headwater.store.glue_jobs import GlueJobsStore as S

__all__ = ["JobOperations"]

_RUN_OVERRIDES = (
    "AllocatedCapacity",
    "MaxCapacity",
    "WorkerType",
    "NumberOfWorkers",
    "SecurityConfiguration",
    "NotificationProperty",
    "ExecutionClass",
)


class JobOperations(EtlCore):
    """Jobs and job runs."""

    # -- jobs -------------------------------------------------------------------------------
    def create_job(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """CreateJob."""
        now = self._now()
        job = job_from_create(params, now)
        tags = self._tags_in(params)
        with self.env.store.transaction() as conn:
            if S.get_job(conn, ctx.region, job["Name"]) is not None:
                raise errors.already_exists(f"Job with name {job['Name']} already exists")
            S.put_job(conn, ctx.region, job["Name"], job, now)
            jobs_tags.put(conn, jobs_tags.arn(ctx.region, ctx.account_id, "job", job["Name"]), tags)
        return {"Name": job["Name"]}

    def _job(self, conn: Any, region: str, name: str) -> dict[str, Any]:
        job = S.get_job(conn, region, name)
        if job is None:
            raise errors.job_not_found(name)
        return job

    def get_job(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """GetJob."""
        with self.env.store.read() as conn:
            job = self._job(conn, ctx.region, params["JobName"])
        return {"Job": job_out(job)}

    def get_jobs(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """GetJobs."""
        with self.env.store.read() as conn:
            found = S.list_jobs(conn, ctx.region)
        chunk, nxt = page(found, params)
        out: dict[str, Any] = {"Jobs": [job_out(j) for j in chunk]}
        if nxt:
            out["NextToken"] = nxt
        return out

    def batch_get_jobs(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """BatchGetJobs."""
        found, missing = [], []
        with self.env.store.read() as conn:
            for name in params.get("JobNames") or []:
                job = S.get_job(conn, ctx.region, name)
                if job is None:
                    missing.append(name)
                else:
                    found.append(job_out(job))
        return {"Jobs": found, "JobsNotFound": missing}

    def list_jobs(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """ListJobs (Tags filter: every given tag must match)."""
        wanted = params.get("Tags") or {}
        with self.env.store.read() as conn:
            names = [
                j["Name"]
                for j in S.list_jobs(conn, ctx.region)
                if jobs_tags.matches(
                    conn, jobs_tags.arn(ctx.region, ctx.account_id, "job", j["Name"]), wanted
                )
            ]
        chunk, nxt = page(names, params)
        out: dict[str, Any] = {"JobNames": chunk}
        if nxt:
            out["NextToken"] = nxt
        return out

    def update_job(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """UpdateJob: the JobUpdate replaces the job's definition."""
        name = params["JobName"]
        now = self._now()
        with self.env.store.transaction() as conn:
            old = self._job(conn, ctx.region, name)
            job = job_from_update(old, params.get("JobUpdate") or {}, now)
            S.put_job(conn, ctx.region, name, job, float(old.get("CreatedOn", now)))
        return {"JobName": name}

    def delete_job(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """DeleteJob (no error when the job does not exist, as on AWS)."""
        name = params["JobName"]
        with self.env.store.transaction() as conn:
            if S.delete_job(conn, ctx.region, name):
                S.delete_bookmark(conn, ctx.region, name)
                jobs_tags.put(conn, jobs_tags.arn(ctx.region, ctx.account_id, "job", name), {})
        return {"JobName": name}

    # -- runs -------------------------------------------------------------------------------
    def start_job_run(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """StartJobRun: the run is stored STARTING and executed in a worker process."""
        overrides = {k: params[k] for k in _RUN_OVERRIDES if params.get(k) is not None}
        run_id = self.start_job_run_internal(
            ctx.region,
            params["JobName"],
            arguments=params.get("Arguments"),
            timeout=params.get("Timeout"),
            overrides=overrides,
            account=ctx.account_id,
            previous_run_id=params.get("JobRunId"),
        )
        return {"JobRunId": run_id}

    def start_job_run_internal(
        self,
        region: str,
        job_name: str,
        *,
        arguments: dict[str, str] | None = None,
        timeout: int | None = None,
        overrides: dict[str, Any] | None = None,
        account: str | None = None,
        trigger: str | None = None,
        workflow: tuple[str, str] | None = None,
        action_index: int | None = None,
        predecessors: list[dict[str, str]] | None = None,
        previous_run_id: str | None = None,
        conn: Any = None,
    ) -> str:
        """Start a job run (from the API, a trigger or a workflow); return its id.

        With ``conn`` the run is inserted in the caller's transaction (and launched after it
        commits).
        """
        if timeout is not None and (not isinstance(timeout, int) or timeout < 1):
            raise errors.invalid_input("Timeout must be at least 1 minute")

        def insert(c: Any) -> str:
            job = self._job(c, region, job_name)
            if previous_run_id:
                previous = S.get_run(c, region, previous_run_id)
                if previous is None or previous.job_name != job_name:
                    raise errors.job_run_not_found(job_name, previous_run_id)
            row = self.etl.runner.new_run(
                c,
                region=region,
                account=account or self.env.account_id,
                job=job,
                arguments=arguments,
                now=self._now(),
                trigger=trigger,
                workflow=workflow,
                action_index=action_index,
                timeout=timeout,
                overrides=overrides,
                predecessors=predecessors,
                previous_run_id=previous_run_id,
            )
            return row.run_id

        if conn is not None:
            return insert(conn)
        with self.env.store.transaction() as c:
            return insert(c)

    def get_job_run(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """GetJobRun."""
        name, run_id = params["JobName"], params["RunId"]
        with self.env.store.read() as conn:
            self._job(conn, ctx.region, name)
            row = S.get_run(conn, ctx.region, run_id)
        if row is None or row.job_name != name:
            raise errors.job_run_not_found(name, run_id)
        return {"JobRun": job_run_out(row.body)}

    def get_job_runs(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """GetJobRuns: newest first."""
        name = params["JobName"]
        with self.env.store.read() as conn:
            self._job(conn, ctx.region, name)
            rows = S.list_runs(conn, ctx.region, name)
        chunk, nxt = page(rows, params, default=100, limit=200)
        out: dict[str, Any] = {"JobRuns": [job_run_out(r.body) for r in chunk]}
        if nxt:
            out["NextToken"] = nxt
        return out

    def batch_stop_job_run(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """BatchStopJobRun: each running run goes STOPPING, then STOPPED."""
        name = params["JobName"]
        ok: list[dict[str, Any]] = []
        failed: list[dict[str, Any]] = []
        with self.env.store.read() as conn:
            self._job(conn, ctx.region, name)
        for run_id in params.get("JobRunIds") or []:
            with self.env.store.read() as conn:
                row = S.get_run(conn, ctx.region, run_id)
            why = "not found" if row is None or row.job_name != name else None
            if why is None:
                why = self.etl.runner.request_stop(ctx.region, run_id)
            if why is None:
                ok.append({"JobName": name, "JobRunId": run_id})
                continue
            message = (
                f"Job run {run_id} not found"
                if why == "not found"
                else f"Job Run cannot be stopped in current state: {why}"
            )
            code = "EntityNotFoundException" if why == "not found" else "InvalidInputException"
            failed.append(
                {
                    "JobName": name,
                    "JobRunId": run_id,
                    "ErrorDetail": {"ErrorCode": code, "ErrorMessage": message},
                }
            )
        return {"SuccessfulSubmissions": ok, "Errors": failed}

    # -- bookmarks --------------------------------------------------------------------------
    def get_job_bookmark(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """GetJobBookmark."""
        name = params["JobName"]
        with self.env.store.read() as conn:
            self._job(conn, ctx.region, name)
            stored = S.get_bookmark(conn, ctx.region, name)
        if stored is None:
            raise errors.entity_not_found(f"Continuation for job {name} not found")
        return {"JobBookmarkEntry": Bookmark.from_json(name, stored).to_wire()}

    def reset_job_bookmark(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """ResetJobBookmark: the next enabled run reads every file again."""
        name = params["JobName"]
        with self.env.store.transaction() as conn:
            self._job(conn, ctx.region, name)
            mark = reset_bookmark(Bookmark.from_json(name, S.get_bookmark(conn, ctx.region, name)))
            S.put_bookmark(conn, ctx.region, name, mark.to_json())
        return {"JobBookmarkEntry": mark.to_wire()}
