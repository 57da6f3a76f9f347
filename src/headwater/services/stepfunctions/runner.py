"""The task runner: carries out InvokeTask and item reads for the driver, in worker threads.

It is the :class:`~headwater.runtime.executions.CommandHandler` of the Step Functions
service. Each task goes to the integration registered for its Resource (or to its mocked
response when the execution runs a mock test case); the outcome is fed back to the driver
as TaskStarted / TaskSubmitted / TaskSucceeded / TaskFailed events. ``.sync`` tasks wait
through the sync waiter of their service; activity tasks wait in the store for
GetActivityTask.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

import headwater.asl as asl
from headwater.runtime.executions import Run
from headwater.services.base import RequestContext
from headwater.services.errors import ServiceError
from headwater.services.stepfunctions.integrations import (
    Failed,
    IntegrationContext,
    Outcome,
    Pattern,
    Submitted,
    Succeeded,
    TaskCall,
    find_integration,
    find_sync_waiter,
    split_resource,
)
from headwater.services.stepfunctions.integrations.calls import call_operation, sdk_failure
from headwater.store.states import TaskPhase

if TYPE_CHECKING:
    from headwater.services.stepfunctions.core import StepFunctionsCore

__all__ = ["TaskRunner", "is_activity"]

log = logging.getLogger("headwater.stepfunctions")


def is_activity(resource: str) -> bool:
    """Whether a Task Resource is an activity ARN."""
    parts = resource.split(":")
    return len(parts) >= 7 and parts[2] == "states" and parts[5] == "activity"


class TaskRunner:
    """Runs task invocations on its own thread pool (Lambda calls may take minutes)."""

    def __init__(self, service: StepFunctionsCore, workers: int = 32) -> None:
        self.service = service
        self.env = service.env
        self.pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="sfn-task")
        self._lock = threading.Lock()
        self._watches: dict[str, Callable[[], None]] = {}

    def stop(self) -> None:
        """Stop taking tasks; stop watching .sync jobs."""
        with self._lock:
            watches = list(self._watches.values())
            self._watches.clear()
        for unsubscribe in watches:
            unsubscribe()
        self.pool.shutdown(wait=False, cancel_futures=True)

    # -- CommandHandler --------------------------------------------------------------------
    def is_activity(self, resource: str) -> bool:
        """Activity tasks wait in a queue instead of being invoked."""
        return is_activity(resource)

    def invoke(self, run: Run, cmd: asl.InvokeTask, phase: str, submitted: Any) -> None:
        """Carry out a task (a new one, or one that was in flight before a restart)."""
        if is_activity(cmd.resource):
            self.service.activity_task_queued(run, cmd)
            return
        # Shutting down: the task is re-invoked when the server comes back.
        with contextlib.suppress(RuntimeError):
            self.pool.submit(self._run_task, run, cmd, phase, submitted)

    def cancel(self, run: Run, token: str) -> None:
        """Stop watching a .sync job whose result is no longer wanted."""
        with self._lock:
            unsubscribe = self._watches.pop(token, None)
        if unsubscribe is not None:
            unsubscribe()

    def read_items(self, run: Run, cmd: asl.ReadItems) -> None:
        """A distributed Map's ItemReader: S3 GetObject or ListObjectsV2."""
        with contextlib.suppress(RuntimeError):
            self.pool.submit(self._read_items, run, cmd)

    def write_results(self, run: Run, cmd: asl.WriteResults) -> None:
        """A distributed Map's ResultWriter: manifest and results into S3."""
        with contextlib.suppress(RuntimeError):
            self.pool.submit(self._write_results, run, cmd)

    def finished(self, run: Run) -> None:
        """The execution ended: tell whoever waits for it."""
        self.service.execution_ended(run)

    # -- tasks -----------------------------------------------------------------------------
    def _context(self, run: Run, operation: str) -> IntegrationContext:
        ctx = RequestContext(
            request_id=str(uuid.uuid4()),
            region=run.meta.get("region", self.env.default_region),
            account_id=run.meta.get("account", self.env.account_id),
            service="stepfunctions",
            operation=operation,
            user_agent="states.amazonaws.com",
        )
        return IntegrationContext(env=self.env, ctx=ctx, service=self.service)

    def _call(self, run: Run, cmd: asl.InvokeTask) -> TaskCall:
        base, pattern = split_resource(cmd.resource)
        return TaskCall(
            resource=cmd.resource,
            base=base,
            pattern=pattern,
            parameters=cmd.parameters,
            token=cmd.token,
            state_name=cmd.state_name,
            attempt=cmd.attempt,
            execution_arn=run.arn,
            region=run.meta.get("region", self.env.default_region),
            account=run.meta.get("account", self.env.account_id),
            credentials=cmd.credentials,
        )

    def _now(self) -> float:
        return self.env.clock.now()

    def _submit(self, run: Run, event: asl.Event) -> None:
        self.service.driver.submit(run.arn, event)

    def _run_task(self, run: Run, cmd: asl.InvokeTask, phase: str, submitted: Any) -> None:
        call = self._call(run, cmd)
        ictx = self._context(run, "InvokeTask")
        if phase == TaskPhase.SUBMITTED:
            # Resumed after a restart: the request was made; only the wait remains.
            if call.pattern in (Pattern.SYNC, Pattern.SYNC2):
                self._watch(run, ictx, call, submitted)
            return
        if phase == TaskPhase.SCHEDULED:
            self._submit(run, asl.TaskStarted(token=cmd.token, time=self._now()))
        mocked = self._mocked(run, call)
        if mocked is not None:
            outcome: Outcome = mocked
        else:
            integration = find_integration(call.base)
            if integration is None:
                outcome = Failed(
                    error="States.Runtime",
                    cause=f"Headwater has no integration for the resource '{call.resource}'",
                )
            else:
                try:
                    outcome = integration(ictx, call)
                except Exception as exc:  # a bug in an integration: fail the task, say why
                    log.exception("%s: task %s crashed", run.arn, call.resource)
                    outcome = Failed(
                        error="States.TaskFailed", cause=f"{type(exc).__name__}: {exc}"
                    )
        self._deliver(run, ictx, call, outcome)

    def _deliver(
        self, run: Run, ictx: IntegrationContext, call: TaskCall, outcome: Outcome
    ) -> None:
        now = self._now()
        if isinstance(outcome, Succeeded):
            self._submit(run, asl.TaskSucceeded(token=call.token, output=outcome.output, time=now))
        elif isinstance(outcome, Failed):
            self._submit(
                run,
                asl.TaskFailed(
                    token=call.token, error=outcome.error, cause=outcome.cause, time=now
                ),
            )
        else:
            self._submit(run, asl.TaskSubmitted(token=call.token, output=outcome.output, time=now))
            if call.pattern in (Pattern.SYNC, Pattern.SYNC2):
                self._watch(run, ictx, call, outcome.output)

    def _watch(self, run: Run, ictx: IntegrationContext, call: TaskCall, submitted: Any) -> None:
        service, action = call.service_action
        waiter = find_sync_waiter(f"{service}:{action}")
        if waiter is None:
            self._deliver(
                run,
                ictx,
                call,
                Failed(
                    error="States.Runtime",
                    cause=f"Headwater cannot wait for '{call.resource}': no service registered "
                    f"a completion hook for {service}:{action}",
                ),
            )
            return
        fired = threading.Event()

        def done(outcome: Outcome) -> None:
            if fired.is_set():
                return
            fired.set()
            with self._lock:
                self._watches.pop(call.token, None)
            if isinstance(outcome, Submitted):
                outcome = Succeeded(output=outcome.output)
            self._deliver(run, ictx, call, outcome)

        unsubscribe = waiter(ictx, call, submitted, done)
        if unsubscribe is not None and not fired.is_set():
            with self._lock:
                self._watches[call.token] = unsubscribe

    def _mocked(self, run: Run, call: TaskCall) -> Outcome | None:
        case: dict[str, str] | None = run.meta.get("mockCase")
        mocks = self.service.mocks
        if not case or mocks is None or call.state_name not in case:
            return None
        with self._lock:
            counts: dict[str, int] = run.meta.setdefault("mockCalls", {})
            invocation = counts.get(call.state_name, 0)
            counts[call.state_name] = invocation + 1
        return mocks.answer(case[call.state_name], invocation)

    # -- distributed Map -------------------------------------------------------------------
    def _read_items(self, run: Run, cmd: asl.ReadItems) -> None:
        ictx = self._context(run, "ReadItems")
        params = cmd.parameters if isinstance(cmd.parameters, dict) else {}
        now = self._now
        try:
            if cmd.resource.endswith("listObjectsV2"):
                objects: list[Any] = []
                query = dict(params)
                while True:
                    out, _ = call_operation(ictx, "s3", "ListObjectsV2", query)
                    objects.extend(out.get("Contents") or [])
                    token = out.get("NextContinuationToken")
                    if not out.get("IsTruncated") or not token:
                        break
                    query["ContinuationToken"] = token
                event: asl.Event = asl.ItemsRead(token=cmd.token, objects=objects, time=now())
            else:
                out, _ = call_operation(ictx, "s3", "GetObject", params)
                event = asl.ItemsRead(token=cmd.token, body=str(out.get("Body") or ""), time=now())
        except ServiceError as err:
            failure = sdk_failure("S3", err, ictx.ctx.request_id)
            event = asl.TaskFailed(
                token=cmd.token, error="States.ItemReaderFailed", cause=failure.cause, time=now()
            )
        self._submit(run, event)

    def _write_results(self, run: Run, cmd: asl.WriteResults) -> None:
        ictx = self._context(run, "WriteResults")
        params = cmd.parameters if isinstance(cmd.parameters, dict) else {}
        bucket = params.get("Bucket")
        if not bucket:
            return
        prefix = cmd.key_prefix
        from headwater.runtime.executions import dumps

        try:
            results_key = f"{prefix}SUCCEEDED_0.json"
            call_operation(
                ictx,
                "s3",
                "PutObject",
                {"Bucket": bucket, "Key": results_key, "Body": dumps(cmd.results)},
            )
            manifest = {
                "DestinationBucket": bucket,
                "MapRunArn": cmd.map_run_arn,
                "ResultFiles": {
                    "FAILED": [],
                    "PENDING": [],
                    "SUCCEEDED": [{"Key": results_key, "Size": len(dumps(cmd.results))}],
                },
            }
            call_operation(
                ictx,
                "s3",
                "PutObject",
                {"Bucket": bucket, "Key": f"{prefix}manifest.json", "Body": dumps(manifest)},
            )
        except ServiceError as err:
            log.warning("%s: cannot write the Map results to s3://%s: %s", run.arn, bucket, err)
