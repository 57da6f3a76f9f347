"""``arn:aws:states:::glue:startJobRun.sync``: Step Functions waits for a job run, unpolled.

The request part (StartJobRun) is Step Functions' optimized call; this module registers the
``.sync`` waiter for ``glue:startJobRun``: it subscribes to the run through the Glue service's
``watch_job_run`` and completes the task when the run's retry chain has ended. SUCCEEDED gives
the GetJobRun description (PascalCase, timestamps in epoch milliseconds) as the task output;
FAILED, TIMEOUT or STOPPED fail the task with ``States.TaskFailed`` and that description, as
JSON, for the cause.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from headwater.services.glue.jobs_runner import JobRunEvent

__all__ = ["job_run_output", "register", "watch_job_run"]

_TIMESTAMPS = ("StartedOn", "LastModifiedOn", "CompletedOn")


def job_run_output(run: dict[str, Any]) -> dict[str, Any]:
    """The job run as a ``.sync`` task returns it (epoch-millisecond timestamps)."""
    out = dict(run)
    for key in _TIMESTAMPS:
        if isinstance(out.get(key), int | float):
            out[key] = round(float(out[key]) * 1000)
    return out


def watch_job_run(
    ictx: Any, call: Any, submitted: Any, done: Callable[[Any], None]
) -> Callable[[], None] | None:
    """The SyncWaiter of ``glue:startJobRun``."""
    from headwater.services.stepfunctions.integrations.registry import Failed, Succeeded

    run_id = (submitted or {}).get("JobRunId") if isinstance(submitted, dict) else None
    registry = ictx.env.registry
    glue = registry.get("glue") if registry is not None else None
    if not run_id or glue is None or not hasattr(glue, "watch_job_run"):
        done(Failed(error="States.Runtime", cause="the submitted Glue job run cannot be watched"))
        return None

    def ended(event: JobRunEvent) -> None:
        output = job_run_output(event.run)
        if event.state == "SUCCEEDED":
            done(Succeeded(output=output))
        else:
            done(Failed(error="States.TaskFailed", cause=json.dumps(output, default=str)))

    region = getattr(call, "region", None) or ictx.ctx.region
    unsubscribe: Callable[[], None] = glue.watch_job_run(region, run_id, ended)
    return unsubscribe


def register() -> None:
    """Register the waiter with Step Functions (when that service is installed)."""
    try:
        from headwater.services.stepfunctions.integrations.registry import register_sync_waiter
    except ImportError:  # pragma: no cover - Step Functions is part of Headwater
        return
    register_sync_waiter("glue:startJobRun", watch_job_run)


register()
