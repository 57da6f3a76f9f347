"""The trigger clock: SCHEDULED triggers fire on their cron, EVENT batches on their window.

Next fire times and batch deadlines are columns of the trigger rows; one loop on the
background thread sleeps until the earliest (on the injected clock, so a virtual clock makes
them instant in tests), fires what is due in one transaction per trigger, and sleeps again.
A schedule missed while the server was down fires once, then continues from now.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import replace
from typing import TYPE_CHECKING

from headwater.events import EventsError, compile_schedule
from headwater.glue import BatchingDef, PendingBatch, TriggerState, TriggerType, due
from headwater.glue.errors import InvalidDefinitionError
from headwater.runtime.loop import Signal, wait_first
from headwater.services.events.shapes import next_fire_time
from headwater.services.glue.workflow_engine import stored_trigger
from headwater.store.glue_jobs import GlueJobsStore as S
from headwater.store.glue_jobs import TriggerRow

if TYPE_CHECKING:
    from headwater.services.glue.jobs_core import EtlCore
    from headwater.services.glue.workflow_engine import WorkflowEngine

__all__ = ["TriggerScheduler", "check_schedule", "next_schedule_fire"]

log = logging.getLogger("headwater.glue")


def check_schedule(expression: str) -> None:
    """Validate a Glue ``cron(...)`` schedule (Glue takes EventBridge's cron, not rate)."""
    if not expression.startswith("cron("):
        raise InvalidDefinitionError(
            f"Schedule {expression} is not valid: use a cron() expression", location="Schedule"
        )
    try:
        compile_schedule(expression)
    except EventsError:
        raise InvalidDefinitionError(
            f"Schedule {expression} is not a valid cron expression", location="Schedule"
        ) from None


def next_schedule_fire(expression: str, now: float) -> float | None:
    """When a cron schedule fires next after ``now``."""
    return next_fire_time(compile_schedule(expression), now, now)


class TriggerScheduler:
    """Fires due schedules and batch windows."""

    def __init__(self, service: EtlCore, engine: WorkflowEngine) -> None:
        self.service = service
        self.env = service.env
        self.engine = engine
        self._signal: Signal | None = None

    def start(self) -> None:
        """Start the loop on the background thread."""
        bg = self.env.background
        if bg is None:
            return
        self._signal = Signal(bg)
        bg.spawn(self._run, "glue-trigger-scheduler")

    def stop(self) -> None:
        """The loop is cancelled with the background loop."""
        self._signal = None

    def wake(self) -> None:
        """Deadlines changed: look again."""
        if self._signal is not None:
            self._signal.set()

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        signal = self._signal
        assert signal is not None
        while True:
            try:
                await loop.run_in_executor(None, self.fire_due)
                nxt = await loop.run_in_executor(None, self._next)
            except Exception:
                log.exception("the Glue trigger scheduler failed; retrying")
                nxt = self.env.clock.now() + 1.0
            if nxt is None:
                await signal.wait(None)
            else:
                await wait_first(signal.wait(None), self.env.clock.sleep_until_fire(nxt))

    def _next(self) -> float | None:
        with self.env.store.read() as conn:
            return S.next_deadline(conn)

    def fire_due(self) -> None:
        """Fire every schedule and batch window due now."""
        now = self.env.clock.now()
        with self.env.store.read() as conn:
            rows = S.due_triggers(conn, now)
        for row in rows:
            try:
                self._fire(row.region, row.name, now)
            except Exception:
                log.exception("trigger %s could not fire", row.name)

    def _fire(self, region: str, name: str, now: float) -> None:
        with self.env.store.transaction() as conn:
            row = S.get_trigger(conn, region, name)
            if row is None:
                return
            account = str(row.body.get("_account") or self.env.account_id)
            trig = stored_trigger(row.body)
            if row.next_fire is not None and row.next_fire <= now:
                row = self._fire_schedule(conn, row, account, now)
            if row.batch_deadline is not None and row.batch_deadline <= now:
                cfg = trig.batching or BatchingDef(size=1)
                pending, fired = due(cfg, PendingBatch.from_json(row.batch), now)
                row = replace(row, batch=pending.to_json(), batch_deadline=None)
                if fired is not None and row.workflow:
                    try:
                        self.engine.start_workflow_run(
                            conn,
                            region=region,
                            account=account,
                            workflow=row.workflow,
                            trigger=row.name,
                            batch=fired,
                        )
                    except Exception as exc:
                        log.warning("EVENT trigger %s could not start a run: %s", name, exc)
            S.put_trigger(conn, row)

    def _fire_schedule(self, conn: object, row: TriggerRow, account: str, now: float) -> TriggerRow:
        trig = stored_trigger(row.body)
        if row.state == TriggerState.ACTIVATED.value and trig.type is TriggerType.SCHEDULED:
            try:
                if row.workflow:
                    self.engine.start_workflow_run(
                        conn,
                        region=row.region,
                        account=account,
                        workflow=row.workflow,
                        trigger=row.name,
                    )
                else:
                    self.engine.fire_standalone(conn, row.region, account, trig)
            except Exception as exc:
                log.warning("SCHEDULED trigger %s could not fire: %s", row.name, exc)
        nxt = None
        if row.state == TriggerState.ACTIVATED.value and trig.schedule:
            nxt = next_schedule_fire(trig.schedule, now)
        return replace(row, next_fire=nxt)
