"""What the Glue ETL operation families share: the job runner, the workflow engine, hooks.

``JobOperations``, ``WorkflowOperations`` and ``TriggerOperations`` all derive from
:class:`EtlCore`; the machinery behind them (one :class:`JobRunner`, one workflow engine, one
trigger scheduler) is made on first use and shared, so the three can be composed into
``GlueService`` in any order next to the catalog's operation classes. ``start`` / ``stop`` /
``reset`` call ``super()`` so every family's hooks run.

Python API for other services (documented in docs/glue-jobs.md):

* ``add_job_run_listener(callback) -> unsubscribe``: ``callback(JobRunEvent)`` after every
  committed end of a job run (``event.final`` says whether a retry follows);
* ``watch_job_run(region, run_id, callback) -> unsubscribe``: ``callback(JobRunEvent)`` once,
  when the run's retry chain has ended (at once if it already has);
* ``start_job_run_internal(region, job_name, ...)`` and ``job_run(region, run_id)``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from headwater.glue import JobRunState
from headwater.services.glue._core import GlueCore
from headwater.services.glue.jobs_model import job_run_out
from headwater.services.glue.jobs_runner import JobRunEvent, JobRunListener, JobRunner
from headwater.store.glue_jobs import GlueJobsStore as S

if TYPE_CHECKING:
    from headwater.services.glue.workflow_engine import WorkflowEngine
    from headwater.services.glue.workflow_scheduler import TriggerScheduler

__all__ = ["EtlCore", "EtlMachinery"]


class EtlMachinery:
    """The runner, the workflow engine and the trigger scheduler of one Glue service."""

    def __init__(self, service: EtlCore) -> None:
        from headwater.services.glue.workflow_engine import WorkflowEngine
        from headwater.services.glue.workflow_scheduler import TriggerScheduler

        self.runner = JobRunner(service.env)
        self.engine: WorkflowEngine = WorkflowEngine(service, self.runner)
        self.scheduler: TriggerScheduler = TriggerScheduler(service, self.engine)
        self.runner.add_listener(self.engine.on_job_run)
        self.started = False

    def start(self) -> None:
        """Recover and resume (idempotent)."""
        if self.started:
            return
        self.started = True
        self.runner.start()
        self.engine.recover()
        self.scheduler.start()

    def stop(self) -> None:
        """Stop running work."""
        if not self.started:
            return
        self.started = False
        self.scheduler.stop()
        self.runner.stop()

    def reset(self) -> None:
        """Forget in-memory state (the store is wiped by the caller)."""
        self.runner.reset()
        self.scheduler.wake()


_MACHINERY_LOCK = threading.Lock()


class EtlCore(GlueCore):
    """Base of the job, workflow and trigger operation families."""

    @property
    def etl(self) -> EtlMachinery:
        """The shared machinery (made on first use)."""
        found = self.__dict__.get("_etl_machinery")
        if found is None:
            with _MACHINERY_LOCK:
                found = self.__dict__.get("_etl_machinery")
                if found is None:
                    found = EtlMachinery(self)
                    self.__dict__["_etl_machinery"] = found
        return found  # type: ignore[no-any-return]

    # -- lifecycle (cooperative: every family's hooks run once) --------------------------------
    def start(self) -> None:
        """Start the catalog's hooks, then resume jobs, workflow runs and schedules."""
        super().start()
        self.etl.start()

    def stop(self) -> None:
        """Stop schedules and running jobs, then the catalog's hooks."""
        self.etl.stop()
        super().stop()

    def reset(self) -> None:
        """Kill running jobs; let the catalog forget its caches too."""
        self.etl.reset()
        parent = getattr(super(), "reset", None)
        if callable(parent):
            parent()

    # -- Python API -----------------------------------------------------------------------------
    def add_job_run_listener(self, listener: JobRunListener) -> Callable[[], None]:
        """Call ``listener(JobRunEvent)`` after every committed end of a job run."""
        return self.etl.runner.add_listener(listener)

    def job_run(self, region: str, run_id: str) -> dict[str, Any] | None:
        """The ``JobRun`` shape of a run, or None."""
        with self.env.store.read() as conn:
            row = S.get_run(conn, region, run_id)
        return job_run_out(row.body) if row is not None else None

    def watch_job_run(
        self, region: str, run_id: str, callback: Callable[[JobRunEvent], None]
    ) -> Callable[[], None]:
        """Call ``callback`` once when the run (and its retries) has ended.

        ``callback`` gets the final attempt's event: its ``state`` is SUCCEEDED, FAILED,
        TIMEOUT or STOPPED. If the chain has already ended, it is called at once.
        """
        fired = threading.Event()
        chain = {run_id}

        def listener(event: JobRunEvent) -> None:
            if event.region != region or event.run_id not in chain:
                return
            if event.retry_id:
                chain.add(event.retry_id)
            if event.final and not fired.is_set():
                fired.set()
                callback(event)

        unsubscribe = self.add_job_run_listener(listener)
        self._catch_up(region, run_id, chain, fired, callback)
        return unsubscribe

    def _catch_up(
        self,
        region: str,
        run_id: str,
        chain: set[str],
        fired: threading.Event,
        callback: Callable[[JobRunEvent], None],
    ) -> None:
        # Follow the retry chain in the store: the run may have ended before we subscribed.
        current = run_id
        while True:
            with self.env.store.read() as conn:
                row = S.get_run(conn, region, current)
                nxt = None
                if row is not None:
                    for candidate in S.list_runs(conn, region, row.job_name):
                        if candidate.body.get("PreviousRunId") == current:
                            nxt = candidate
                            break
            if row is None:
                return
            chain.add(current)
            if nxt is not None:
                current = nxt.run_id
                continue
            if JobRunState(row.state).terminal and not fired.is_set():
                fired.set()
                hw = row.body.get("_hw") or {}
                callback(
                    JobRunEvent(
                        region=region,
                        run=job_run_out(row.body),
                        final=True,
                        workflow=tuple(hw["workflow"]) if hw.get("workflow") else None,  # type: ignore[arg-type]
                        action_index=hw.get("action"),
                        chain_start=str(hw.get("chainStart") or run_id),
                    )
                )
            return
