"""Task tokens (SendTaskSuccess / Failure / Heartbeat) and activities (GetActivityTask)."""

from __future__ import annotations

import json
import threading
import time
import uuid
from typing import Any

import headwater.asl as asl
from headwater.runtime.executions import dumps
from headwater.services.base import RequestContext
from headwater.services.errors import ServiceError
from headwater.services.stepfunctions import arns, errors
from headwater.services.stepfunctions.core import StepFunctionsCore
from headwater.services.stepfunctions.shapes import page, tags_in
from headwater.store.states import ActivityRow, StatesStore, TaskPhase, TaskRow

__all__ = ["TasksApi"]

LONG_POLL = 60.0  # real seconds GetActivityTask waits, as AWS
_COMMIT_WAIT = 30.0


def _check_token(token: Any) -> str:
    if not isinstance(token, str):
        raise errors.invalid_token()
    try:
        uuid.UUID(token)
    except ValueError as exc:
        raise errors.invalid_token() from exc
    return token


class TasksApi(StepFunctionsCore):
    """Callbacks and activities."""

    # -- task tokens -----------------------------------------------------------------------
    def _open_task(self, token: Any) -> TaskRow:
        token = _check_token(token)
        with self.env.store.read() as conn:
            task = StatesStore.get_task(conn, token)
        if task is None:
            raise errors.task_missing()
        if task.phase not in TaskPhase.OPEN:
            raise errors.task_timed_out()
        return task

    def _answer(self, task: TaskRow, event: asl.Event) -> None:
        if task.phase == TaskPhase.QUEUED:
            # Answered before any worker took it: it counts as started now.
            self.driver.submit(
                task.execution_arn, asl.TaskStarted(token=task.token, time=self.now())
            )
        done = threading.Event()
        if not self.driver.submit(task.execution_arn, event, notify=done):
            raise errors.task_timed_out()
        done.wait(_COMMIT_WAIT)

    def send_task_success(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """SendTaskSuccess: the task's result (JSON text)."""
        task = self._open_task(params.get("taskToken"))
        try:
            output = json.loads(params.get("output") or "")
        except ValueError as exc:
            raise ServiceError(
                "InvalidOutput", "Invalid State Machine Execution Output: 'Invalid output.'"
            ) from exc
        self._answer(task, asl.TaskSucceeded(token=task.token, output=output, time=self.now()))
        return {}

    def send_task_failure(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """SendTaskFailure."""
        task = self._open_task(params.get("taskToken"))
        self._answer(
            task,
            asl.TaskFailed(
                token=task.token,
                error=params.get("error"),
                cause=params.get("cause"),
                time=self.now(),
            ),
        )
        return {}

    def send_task_heartbeat(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """SendTaskHeartbeat: restarts the task's heartbeat timer."""
        task = self._open_task(params.get("taskToken"))
        done = threading.Event()
        if not self.driver.submit(
            task.execution_arn, asl.TaskHeartbeat(token=task.token, time=self.now()), notify=done
        ):
            raise errors.task_timed_out()
        done.wait(_COMMIT_WAIT)
        return {}

    # -- activities ------------------------------------------------------------------------
    def create_activity(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """CreateActivity (idempotent by name)."""
        name = arns.check_name(str(params.get("name") or ""))
        arn = arns.activity_arn(ctx.region, ctx.account_id, name)
        now = self.now()
        with self.env.store.transaction() as conn:
            existing = StatesStore.get_activity(conn, arn)
            if existing is not None:
                return {"activityArn": arn, "creationDate": existing.created}
            StatesStore.put_activity(
                conn,
                ActivityRow(
                    arn=arn,
                    region=ctx.region,
                    name=name,
                    created=now,
                    config={
                        "encryption": params.get("encryptionConfiguration")
                        or {"type": "AWS_OWNED_KEY"}
                    },
                    tags=tags_in(params.get("tags")),
                ),
            )
        return {"activityArn": arn, "creationDate": now}

    def _activity(self, arn: str) -> ActivityRow:
        arns.parse(arn, "activity")
        with self.env.store.read() as conn:
            found = StatesStore.get_activity(conn, arn)
        if found is None:
            raise errors.activity_missing(arn)
        return found

    def describe_activity(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """DescribeActivity."""
        found = self._activity(params["activityArn"])
        return {
            "activityArn": found.arn,
            "name": found.name,
            "creationDate": found.created,
            "encryptionConfiguration": found.config.get("encryption") or {"type": "AWS_OWNED_KEY"},
        }

    def list_activities(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """ListActivities."""
        with self.env.store.read() as conn:
            found = StatesStore.list_activities(conn, ctx.region)
        items = [{"activityArn": a.arn, "name": a.name, "creationDate": a.created} for a in found]
        chunk, token = page(items, params)
        out: dict[str, Any] = {"activities": chunk}
        if token:
            out["nextToken"] = token
        return out

    def delete_activity(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """DeleteActivity."""
        arn = params["activityArn"]
        arns.parse(arn, "activity")
        with self.env.store.transaction() as conn:
            StatesStore.delete_activity(conn, arn)
        return {}

    def get_activity_task(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """GetActivityTask: long-polls up to 60 s for a queued task of the activity."""
        arn = params["activityArn"]
        self._activity(arn)
        worker = params.get("workerName")
        deadline = time.monotonic() + LONG_POLL
        while True:
            with self.env.store.transaction() as conn:
                task = StatesStore.claim_activity_task(conn, arn)
            if task is not None:
                self.driver.submit(
                    task.execution_arn,
                    asl.TaskStarted(token=task.token, worker_name=worker, time=self.now()),
                )
                return {"taskToken": task.token, "input": dumps(task.parameters)}
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return {}
            with self.activity_ready:
                self.activity_ready.wait(min(remaining, 1.0))

    def fail_missing_activity(self, task_token: str, execution_arn: str, resource: str) -> None:
        """A task for an activity that does not exist fails the state with States.Runtime."""
        self.driver.submit(
            execution_arn,
            asl.TaskFailed(
                token=task_token,
                error="States.Runtime",
                cause=f"The activity {resource} does not exist.",
                time=self.now(),
            ),
        )
