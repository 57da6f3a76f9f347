"""The Step Functions service class: every API operation, one durable execution driver."""

from __future__ import annotations

from typing import Any

import headwater.asl as asl
from headwater.runtime.executions import Run
from headwater.services.stepfunctions.executions import ExecutionsApi
from headwater.services.stepfunctions.machines import MachinesApi
from headwater.services.stepfunctions.tasks import TasksApi
from headwater.store.states import StatesStore

__all__ = ["StepFunctionsService"]


class StepFunctionsService(MachinesApi, ExecutionsApi, TasksApi):
    """AWS Step Functions: STANDARD executions durable in the store, EXPRESS in memory."""

    service_name = "stepfunctions"

    def activity_task_queued(self, run: Run, cmd: asl.InvokeTask) -> None:
        """A task for an activity is queued: fail it if the activity is gone, else wake pollers."""
        with self.env.store.read() as conn:
            exists = StatesStore.get_activity(conn, cmd.resource) is not None
        if not exists:
            self.fail_missing_activity(cmd.token, run.arn, cmd.resource)
            return
        super().activity_task_queued(run, cmd)

    # -- /_headwater/stepfunctions/<view> ----------------------------------------------------
    def internal_executions(self, query: dict[str, str]) -> dict[str, Any]:
        """Live executions and armed timers (for the console and tests)."""
        runs = self.driver.live()
        return {
            "running": [{"executionArn": r.arn, "durable": r.durable} for r in runs],
            "timers": self.driver.timers.count(),
        }
