"""Job runs for real: STARTING -> RUNNING -> SUCCEEDED / FAILED / TIMEOUT / STOPPED, durably.

A run row is written STARTING in the StartJobRun transaction; after the commit its execution
is spawned on the background loop. The execution marks it RUNNING, downloads the script from
its S3 location through the S3 service, hands it to a warm worker process with ``sys.argv`` as
Glue builds it and ``AWS_ENDPOINT_URL`` pointing at this Headwater, streams the worker's stdout
and stderr to CloudWatch Logs (``/aws-glue/jobs/output`` and ``/aws-glue/jobs/error``, one
stream per run id), and waits for the worker, the run's Timeout on the injected clock, or a
stop request, whichever comes first. The final state, the bookmark the script committed and a
retry run (``<id>_attempt_<n>``, while MaxRetries allows) are written in one transaction; then
the "Glue Job State Change" event goes to EventBridge and the listeners are told.

On start, runs left STARTING are launched again; runs left RUNNING by a server that stopped
end FAILED (and are retried as their job allows), STOPPING ones end STOPPED.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import secrets
import shutil
import threading
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from headwater.glue import Bookmark, JobRunState, bookmark_option, merge_arguments, script_argv
from headwater.glue.bookmarks import commit as commit_bookmark
from headwater.glue.errors import GlueError
from headwater.runtime.gluejobs import JobLaunch, JobOutcome, JobProcess, JobWorkerPool
from headwater.runtime.loop import wait_first
from headwater.services.errors import ServiceError
from headwater.services.events.shapes import envelope, iso
from headwater.services.glue import jobs_errors as errors
from headwater.services.glue.jobs_model import ACTIVE_STATES, job_run_out, script_location
from headwater.store import Store
from headwater.store.glue_jobs import GlueJobsStore as S
from headwater.store.glue_jobs import JobRunRow

if TYPE_CHECKING:
    from headwater.services.base import Environment

__all__ = ["JobRunEvent", "JobRunListener", "JobRunner", "new_run_id"]

log = logging.getLogger("headwater.glue")

LOG_GROUP = "/aws-glue/jobs"
OUTPUT_GROUP = "/aws-glue/jobs/output"
ERROR_GROUP = "/aws-glue/jobs/error"
INTERRUPTED = "Job run was interrupted: the Headwater server stopped while it was running"
_EVENT_TEXT = {
    JobRunState.SUCCEEDED.value: ("INFO", "Job run succeeded"),
    JobRunState.TIMEOUT.value: ("WARN", "Job run timed out"),
    JobRunState.STOPPED.value: ("INFO", "Job run stopped"),
}


def new_run_id() -> str:
    """A job run id as Glue makes them: ``jr_`` and 64 hex digits."""
    return "jr_" + secrets.token_hex(32)


def _timers_fire_at_once(clock: object) -> bool:
    """True on a ``--time-scale 0`` clock, where every timer fires as soon as it is armed.

    A run's Timeout races real work (the script's wall time is not scaled); armed on such a
    clock it would end every run TIMEOUT before its script starts. There it is not armed.
    """
    return getattr(clock, "scale", None) == 0


@dataclass(frozen=True, slots=True, kw_only=True)
class JobRunEvent:
    """A job run changed state (what listeners receive).

    ``run`` is the ``JobRun`` shape. ``final`` is true when nothing follows for this run's
    chain: it ended and no retry was started; a failed attempt that is retried comes with
    ``retry_id`` (the next attempt's run id) and ``final`` false.
    """

    region: str
    run: dict[str, Any]
    final: bool
    workflow: tuple[str, str] | None = None
    action_index: int | None = None
    retry_id: str | None = None
    chain_start: str = ""

    @property
    def state(self) -> str:
        """The run's state."""
        return str(self.run.get("JobRunState"))

    @property
    def run_id(self) -> str:
        """The run's id."""
        return str(self.run.get("Id"))


JobRunListener = Callable[[JobRunEvent], None]


@dataclass(slots=True)
class _Live:
    """A run being executed in this process."""

    loop: asyncio.AbstractEventLoop | None = None
    stop: asyncio.Event | None = None
    stop_requested: bool = False
    shutdown: bool = False  # killed because the server stops: recovered on the next start
    process: JobProcess | None = None


@dataclass(slots=True)
class _Result:
    state: str
    message: str | None = None
    outcome: JobOutcome | None = None
    ran: bool = True
    extra: dict[str, Any] = field(default_factory=dict)


class JobRunner:
    """Creates, executes, stops and recovers job runs."""

    def __init__(self, env: Environment) -> None:
        self.env = env
        self.pool = JobWorkerPool(warm=int(env.extras.get("glue.warm_workers", 1)))
        self._lock = threading.RLock()
        self._live: dict[str, _Live] = {}
        self._listeners: list[JobRunListener] = []
        self._running = False

    # -- listeners ------------------------------------------------------------------------------
    def add_listener(self, listener: JobRunListener) -> Callable[[], None]:
        """Call ``listener`` after every committed end of a job run; returns an unsubscribe."""
        with self._lock:
            self._listeners.append(listener)

        def remove() -> None:
            with self._lock, contextlib.suppress(ValueError):
                self._listeners.remove(listener)

        return remove

    def _notify(self, event: JobRunEvent) -> None:
        with self._lock:
            listeners = list(self._listeners)
        for listener in listeners:
            try:
                listener(event)
            except Exception:  # one listener's bug must not stop the others
                log.exception("job run listener failed for %s", event.run_id)

    # -- lifecycle ----------------------------------------------------------------------------
    def start(self) -> None:
        """Warm the pool and recover the runs a previous server left unfinished."""
        self._running = True
        self.pool.reopen()
        self.pool.prewarm()
        self.recover()

    def stop(self) -> None:
        """Kill what runs (it is recovered as interrupted on the next start) and the pool."""
        self._running = False
        self._kill_all(shutdown=True)
        self.pool.close()

    def reset(self) -> None:
        """Kill what runs (the caller wipes the store)."""
        self._kill_all()

    def _kill_all(self, *, shutdown: bool = False) -> None:
        with self._lock:
            live = list(self._live.values())
        for item in live:
            item.shutdown = item.shutdown or shutdown
            if item.process is not None:
                item.process.kill()

    def recover(self) -> None:
        """Resume STARTING runs; end the RUNNING / STOPPING ones a stopped server left."""
        with self.env.store.read() as conn:
            rows = S.runs_in_states(conn, ACTIVE_STATES)
        for row in rows:
            if row.state == JobRunState.STARTING.value:
                self.launch(row.region, row.run_id)
            elif row.state == JobRunState.STOPPING.value:
                self._finish(row.region, row.run_id, _Result(state=JobRunState.STOPPED.value))
            else:
                self._finish(
                    row.region,
                    row.run_id,
                    _Result(state=JobRunState.FAILED.value, message=INTERRUPTED),
                )

    # -- creating -----------------------------------------------------------------------------
    def new_run(
        self,
        conn: Any,
        *,
        region: str,
        account: str,
        job: dict[str, Any],
        arguments: dict[str, str] | None,
        now: float,
        trigger: str | None = None,
        workflow: tuple[str, str] | None = None,
        action_index: int | None = None,
        timeout: int | None = None,
        overrides: dict[str, Any] | None = None,
        predecessors: list[dict[str, str]] | None = None,
        run_id: str | None = None,
        previous_run_id: str | None = None,
    ) -> JobRunRow:
        """Insert a STARTING run of ``job`` on ``conn`` (launch it after the commit).

        Raises:
            ServiceError: ConcurrentRunsExceededException when the job is at its
                MaxConcurrentRuns; InvalidInputException for a bad bookmark option.
        """
        name = job["Name"]
        limit = int((job.get("ExecutionProperty") or {}).get("MaxConcurrentRuns", 1))
        if S.count_active(conn, region, name, ACTIVE_STATES) >= limit:
            raise errors.concurrent_runs("job", name)
        given = {str(k): str(v) for k, v in (arguments or {}).items()}
        merged = merge_arguments(
            job.get("DefaultArguments"), given, job.get("NonOverridableArguments")
        )
        try:
            bookmark_option(merged)
        except GlueError as err:
            raise errors.from_definition(err) from err
        rid = run_id or new_run_id()
        over = overrides or {}
        body: dict[str, Any] = {"Id": rid, "Attempt": 0}
        if previous_run_id:
            body["PreviousRunId"] = previous_run_id
        if trigger:
            body["TriggerName"] = trigger
        body.update(
            {
                "JobName": name,
                "JobMode": job.get("JobMode", "SCRIPT"),
                "StartedOn": now,
                "LastModifiedOn": now,
                "JobRunState": JobRunState.STARTING.value,
                "Arguments": given,
                "PredecessorRuns": list(predecessors or []),
            }
        )
        for key in ("AllocatedCapacity", "MaxCapacity", "WorkerType", "NumberOfWorkers"):
            value = over.get(key, job.get(key))
            if value is not None:
                body[key] = value
        body["Timeout"] = int(timeout or over.get("Timeout") or job.get("Timeout") or 2880)
        for key in ("SecurityConfiguration", "NotificationProperty", "ExecutionClass"):
            value = over.get(key, job.get(key))
            if value is not None:
                body[key] = value
        body["LogGroupName"] = LOG_GROUP
        if job.get("GlueVersion"):
            body["GlueVersion"] = job["GlueVersion"]
        body["_hw"] = {
            "account": account,
            "job": job,
            "arguments": merged,
            "workflow": list(workflow) if workflow else None,
            "action": action_index,
            "chainStart": rid,
        }
        row = JobRunRow(
            region=region,
            run_id=rid,
            job_name=name,
            state=JobRunState.STARTING.value,
            started=now,
            workflow_run_id=workflow[1] if workflow else None,
            body=body,
        )
        S.put_run(conn, row)
        Store.after_commit(conn, lambda: self.launch(region, rid))
        return row

    def launch(self, region: str, run_id: str) -> None:
        """Execute a STARTING run on the background loop."""
        bg = self.env.background
        if bg is None or not self._running:
            return
        bg.spawn(lambda: self._execute(region, run_id), f"glue-job-run-{run_id[:16]}")

    # -- stopping -----------------------------------------------------------------------------
    def request_stop(self, region: str, run_id: str) -> str | None:
        """Ask a run to stop; returns None when accepted, else why not."""
        with self.env.store.transaction() as conn:
            row = S.get_run(conn, region, run_id)
            if row is None:
                return "not found"
            if row.state not in (
                JobRunState.STARTING.value,
                JobRunState.RUNNING.value,
                JobRunState.WAITING.value,
            ):
                return row.state
            body = dict(row.body)
            body["JobRunState"] = JobRunState.STOPPING.value
            body["LastModifiedOn"] = self._now()
            S.put_run(conn, _with(row, body, JobRunState.STOPPING.value))
        with self._lock:
            live = self._live.get(run_id)
        if live is not None:
            live.stop_requested = True
            if live.loop is not None and live.stop is not None:
                live.loop.call_soon_threadsafe(live.stop.set)
        return None

    # -- executing ----------------------------------------------------------------------------
    def _now(self) -> float:
        return int(self.env.clock.now() * 1000) / 1000

    async def _execute(self, region: str, run_id: str) -> None:
        loop = asyncio.get_running_loop()
        live = _Live(loop=loop, stop=asyncio.Event())
        with self._lock:
            if run_id in self._live:
                return  # already executing (a recovery raced a launch)
            self._live[run_id] = live
        try:
            row = await loop.run_in_executor(None, self._begin, region, run_id)
            if row is None:
                return
            try:
                result = await self._drive(row, live)
            except asyncio.CancelledError:
                if live.process is not None:
                    live.process.kill()
                raise
            except Exception as exc:
                log.exception("job run %s crashed", run_id)
                result = _Result(state=JobRunState.FAILED.value, message=f"InternalError: {exc}")
            if live.shutdown or not self._running:
                return  # the row stays RUNNING: the next start ends it as interrupted
            await loop.run_in_executor(None, self._finish, region, run_id, result)
        finally:
            with self._lock:
                self._live.pop(run_id, None)

    def _begin(self, region: str, run_id: str) -> JobRunRow | None:
        """STARTING -> RUNNING (a run stopped before it began ends STOPPED here)."""
        with self.env.store.transaction() as conn:
            row = S.get_run(conn, region, run_id)
            if row is None:
                return None
            if row.state == JobRunState.STOPPING.value:
                stop = True
            elif row.state != JobRunState.STARTING.value:
                return None
            else:
                stop = False
                body = dict(row.body)
                body["JobRunState"] = JobRunState.RUNNING.value
                body["LastModifiedOn"] = self._now()
                row = _with(row, body, JobRunState.RUNNING.value)
                S.put_run(conn, row)
        if stop:
            self._finish(region, run_id, _Result(state=JobRunState.STOPPED.value, ran=False))
            return None
        return row

    def _workdir(self, run_id: str) -> Path:
        return self.env.data_dir / "glue" / "runs" / run_id

    def _fetch_script(self, row: JobRunRow, workdir: Path) -> Path:
        job = row.body["_hw"]["job"]
        location = script_location(job)
        if not location:
            raise _ScriptError("Error downloading script: the job has no Command.ScriptLocation")
        rest = location.split("://", 1)[1]
        bucket, _, key = rest.partition("/")
        registry = self.env.registry
        s3 = registry.get("s3") if registry is not None else None
        if s3 is None:
            raise _ScriptError("Error downloading script: the S3 service is not running")
        # The key's last part names the file, made safe: it must stay inside the run folder.
        name = re.sub(r"[^A-Za-z0-9._-]", "_", key.rsplit("/", 1)[-1]).lstrip(".") or "script.py"
        target = workdir / name
        workdir.mkdir(parents=True, exist_ok=True)
        try:
            s3.copy_out(bucket, key, target)  # type: ignore[attr-defined]
        except ServiceError as err:
            raise _ScriptError(
                "Error downloading script: fatal error: An error occurred (404) when calling the "
                f'HeadObject operation: Key "{key}" does not exist'
                if err.code in ("NoSuchKey", "NoSuchBucket", "NotFound")
                else f"Error downloading script: {err.code}: {err.message}"
            ) from err
        return target

    def _fetch_extra(self, merged: dict[str, str], workdir: Path) -> tuple[str, ...]:
        """``--extra-py-files``: each S3 object (.py, .zip, .whl) is fetched for the import path."""
        spec = merged.get("--extra-py-files") or ""
        entries: list[str] = []
        folder = workdir / "extra-py-files"
        for item in (p.strip() for p in spec.split(",")):
            if not item:
                continue
            if not item.startswith(("s3://", "s3a://", "s3n://")):
                raise _ScriptError(f"--extra-py-files entry {item} is not an s3:// location")
            bucket, _, key = item.split("://", 1)[1].partition("/")
            name = re.sub(r"[^A-Za-z0-9._-]", "_", key.rsplit("/", 1)[-1]).lstrip(".") or "lib.py"
            folder.mkdir(parents=True, exist_ok=True)
            registry = self.env.registry
            s3 = registry.get("s3") if registry is not None else None
            try:
                s3.copy_out(bucket, key, folder / name)  # type: ignore[union-attr]
            except ServiceError as err:
                raise _ScriptError(f"Error downloading {item}: {err.code}: {err.message}") from err
            if name.endswith((".zip", ".whl", ".egg")):
                entries.append(str(folder / name))
            elif str(folder) not in entries:
                entries.append(str(folder))
        return tuple(entries)

    def _launch_spec(self, row: JobRunRow, script: Path, workdir: Path) -> JobLaunch:
        hw = row.body["_hw"]
        merged: dict[str, str] = hw["arguments"]
        workflow = tuple(hw["workflow"]) if hw.get("workflow") else None
        argv = script_argv(
            str(script),
            job_name=row.job_name,
            run_id=row.run_id,
            arguments=merged,
            workflow=workflow,  # type: ignore[arg-type]
        )
        region = row.region
        env = {
            "AWS_ENDPOINT_URL": self.env.endpoint_url,
            "AWS_ACCESS_KEY_ID": "test",
            "AWS_SECRET_ACCESS_KEY": "test",
            "AWS_DEFAULT_REGION": region,
            "AWS_REGION": region,
            "GLUE_JOB_NAME": row.job_name,
            "GLUE_JOB_RUN_ID": row.run_id,
            "TMPDIR": str(workdir),
        }
        option = bookmark_option(merged)
        with self.env.store.read() as conn:
            stored = S.get_bookmark(conn, region, row.job_name)
        mark = Bookmark.from_json(row.job_name, stored)
        return JobLaunch(
            script=script,
            argv=argv,
            env=env,
            workdir=workdir,
            bookmark=dict(mark.contexts),
            bookmark_option=option,
            python_path=self._fetch_extra(merged, workdir),
        )

    async def _drive(self, row: JobRunRow, live: _Live) -> _Result:
        loop = asyncio.get_running_loop()
        workdir = self._workdir(row.run_id)
        try:
            script = await loop.run_in_executor(None, self._fetch_script, row, workdir)
        except _ScriptError as err:
            return _Result(state=JobRunState.FAILED.value, message=str(err))
        try:
            launch = await loop.run_in_executor(None, self._launch_spec, row, script, workdir)
        except _ScriptError as err:
            return _Result(state=JobRunState.FAILED.value, message=str(err))
        proc = await loop.run_in_executor(None, self.pool.acquire)
        live.process = proc
        if live.stop_requested:
            await loop.run_in_executor(None, proc.kill)
            return _Result(state=JobRunState.STOPPED.value)
        sink = _LogSink(self.env, row.run_id)
        proc.start(launch, sink)
        exited = asyncio.Event()

        def watch() -> None:
            proc.wait()
            with contextlib.suppress(RuntimeError):  # the loop is gone (shutdown)
                loop.call_soon_threadsafe(exited.set)

        threading.Thread(target=watch, name=f"glue-job-wait-{row.run_id[:12]}", daemon=True).start()
        deadline = float(row.body["StartedOn"]) + 60.0 * int(row.body.get("Timeout") or 2880)
        assert live.stop is not None
        waits: list[Coroutine[Any, Any, object]] = [exited.wait(), live.stop.wait()]
        if not _timers_fire_at_once(self.env.clock):
            waits.append(self.env.clock.sleep_until(deadline))
        try:
            await wait_first(*waits)
        finally:
            if not exited.is_set():
                await loop.run_in_executor(None, proc.kill)
                await exited.wait()
        sink.close()
        outcome = proc.outcome(launch)
        with contextlib.suppress(OSError):
            shutil.rmtree(workdir)
        if live.stop_requested:
            return _Result(state=JobRunState.STOPPED.value, outcome=outcome)
        if outcome.killed:
            return _Result(state=JobRunState.TIMEOUT.value, outcome=outcome)
        if outcome.ok:
            return _Result(state=JobRunState.SUCCEEDED.value, outcome=outcome)
        return _Result(state=JobRunState.FAILED.value, message=outcome.error, outcome=outcome)

    # -- finishing ----------------------------------------------------------------------------
    def _finish(self, region: str, run_id: str, result: _Result) -> None:
        """Write the final state (+ bookmark, + retry run) and, after commit, tell everyone."""
        now = self._now()
        events: list[JobRunEvent] = []
        with self.env.store.transaction() as conn:
            row = S.get_run(conn, region, run_id)
            if row is None or JobRunState(row.state).terminal:
                return
            body = dict(row.body)
            hw = dict(body["_hw"])
            body["JobRunState"] = result.state
            body["LastModifiedOn"] = now
            body["CompletedOn"] = now
            body["ExecutionTime"] = max(0, int(now - float(body["StartedOn"])))
            if result.message:
                body["ErrorMessage"] = result.message
            if result.outcome is not None and result.outcome.bookmark:
                self._commit_bookmark(conn, row, result.outcome.bookmark, now)
            S.put_run(conn, _with(row, body, result.state))
            retry_id = None
            job = hw["job"]
            attempt = int(body.get("Attempt", 0))
            if result.state == JobRunState.FAILED.value and attempt < int(
                job.get("MaxRetries") or 0
            ):
                retry_id = self._retry(conn, row, body, hw, now)
            workflow = tuple(hw["workflow"]) if hw.get("workflow") else None
            events.append(
                JobRunEvent(
                    region=region,
                    run=job_run_out(body),
                    final=retry_id is None,
                    workflow=workflow,  # type: ignore[arg-type]
                    action_index=hw.get("action"),
                    retry_id=retry_id,
                    chain_start=str(hw.get("chainStart") or run_id),
                )
            )
            account = str(hw.get("account") or self.env.account_id)
        for event in events:
            self._emit(event, account)
            self._notify(event)

    def _commit_bookmark(
        self, conn: Any, row: JobRunRow, committed: dict[str, Any], now: float
    ) -> None:
        mark = Bookmark.from_json(row.job_name, S.get_bookmark(conn, row.region, row.job_name))
        updates = {str(k): {str(p): str(e) for p, e in v.items()} for k, v in committed.items()}
        mark = commit_bookmark(
            mark,
            run_id=row.run_id,
            attempt=int(row.body.get("Attempt", 0)),
            updates=updates,
            now_ms=int(now * 1000),
        )
        S.put_bookmark(conn, row.region, row.job_name, mark.to_json())

    def _retry(
        self, conn: Any, row: JobRunRow, body: dict[str, Any], hw: dict[str, Any], now: float
    ) -> str:
        attempt = int(body.get("Attempt", 0)) + 1
        chain = str(hw.get("chainStart") or row.run_id)
        rid = f"{chain}_attempt_{attempt}"
        new = {
            k: v
            for k, v in body.items()
            if k not in ("CompletedOn", "ErrorMessage", "ExecutionTime", "DPUSeconds")
        }
        new.update(
            {
                "Id": rid,
                "Attempt": attempt,
                "PreviousRunId": row.run_id,
                "StartedOn": now,
                "LastModifiedOn": now,
                "JobRunState": JobRunState.STARTING.value,
            }
        )
        new["_hw"] = dict(hw)
        retry = JobRunRow(
            region=row.region,
            run_id=rid,
            job_name=row.job_name,
            state=JobRunState.STARTING.value,
            started=now,
            workflow_run_id=row.workflow_run_id,
            body=new,
        )
        S.put_run(conn, retry)
        Store.after_commit(conn, lambda: self.launch(row.region, rid))
        return rid

    def _emit(self, event: JobRunEvent, account: str) -> None:
        registry = self.env.registry
        events = registry.get("events") if registry is not None else None
        if events is None:
            return
        severity, message = _EVENT_TEXT.get(
            event.state, ("ERROR", event.run.get("ErrorMessage") or "Job run failed")
        )
        detail = {
            "jobName": event.run.get("JobName"),
            "severity": severity,
            "state": event.state,
            "jobRunId": event.run_id,
            "message": message,
        }
        body = envelope(
            source="aws.glue",
            detail_type="Glue Job State Change",
            detail=detail,
            account=account,
            region=event.region,
            time=iso(self.env.clock.now()),
            resources=[],
        )
        try:
            events.ingest_event(body, region=event.region, bus="default")  # type: ignore[attr-defined]
        except Exception:  # best effort, as AWS documents these events
            log.exception("cannot send the Glue Job State Change event of %s", event.run_id)


class _ScriptError(Exception):
    """The script could not be fetched: the run fails with this message."""


class _LogSink:
    """A worker's output, line by line, into CloudWatch Logs (when the logs service runs)."""

    def __init__(self, env: Environment, run_id: str) -> None:
        registry = env.registry
        self._logs = registry.get("logs") if registry is not None else None
        self._clock = env.clock
        self._run_id = run_id
        self._lock = threading.Lock()

    def __call__(self, stream: str, at: float, line: str) -> None:
        if self._logs is None or not hasattr(self._logs, "append_async"):
            return
        group = OUTPUT_GROUP if stream == "stdout" else ERROR_GROUP
        stamp = int(self._clock.now() * 1000)
        with self._lock:
            self._logs.append_async(group, self._run_id, [(stamp, line)])

    def close(self) -> None:
        """Nothing is buffered here (the logs service batches its writes)."""


def _with(row: JobRunRow, body: dict[str, Any], state: str) -> JobRunRow:
    return JobRunRow(
        region=row.region,
        run_id=row.run_id,
        job_name=row.job_name,
        state=state,
        started=row.started,
        workflow_run_id=row.workflow_run_id,
        body=body,
    )
