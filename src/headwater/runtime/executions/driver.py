"""The execution driver: feeds events to the pure interpreter, persists, carries out commands.

Every execution is an actor: events for it queue up and one worker thread at a time drains the
queue, applying :func:`headwater.asl.advance` to each event. The steps of one drain are written
in ONE store transaction (history events, the new interpreter state, timers, task rows) before
any command is carried out, so a crash never loses or doubles a transition: after a restart
:meth:`ExecutionDriver.resume` reloads every RUNNING execution, re-arms its timers with their
stored deadlines and hands its open tasks back to the task handler (at-least-once, as AWS).

EXPRESS executions (``Run.durable`` false) take the same path without the store: their history
stays in memory.

Tasks, item reads and result writes are carried out by a :class:`CommandHandler` the service
layer provides; it answers with :meth:`ExecutionDriver.submit`.
"""

from __future__ import annotations

import json
import logging
import threading
from collections import deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Protocol

import sqlalchemy as sa

import headwater.asl as asl
from headwater.runtime.clock import Clock
from headwater.runtime.executions.timers import TimerSet
from headwater.runtime.loop import BackgroundLoop
from headwater.store import Store
from headwater.store.states import StatesStore, TaskPhase, TaskRow, TransitionWrite

__all__ = ["CommandHandler", "ExecutionDriver", "Run"]

log = logging.getLogger("headwater.stepfunctions")

_ENCODER = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False)


def dumps(value: Any) -> str:
    """Compact JSON, as Step Functions prints payloads."""
    return _ENCODER.encode(value)


@dataclass(slots=True, eq=False, kw_only=True)
class Run:
    """One live execution: its compiled machine, interpreter state and event queue.

    ``meta`` belongs to the service layer (machine ARN, mock test case, parent task...).
    """

    arn: str
    machine: asl.CompiledMachine
    state: dict[str, Any]
    durable: bool
    meta: dict[str, Any] = field(default_factory=dict)
    history: list[dict[str, Any]] | None = None
    queue: deque[tuple[asl.Event, threading.Event | None]] = field(default_factory=deque)
    busy: bool = False
    done: threading.Event = field(default_factory=threading.Event)
    generation: int = 0
    task_seq: int = 0
    armed: bool = False  # whether a timer was ever armed here (its end must cancel them)
    stopped: float | None = None  # when it ended, as recorded with its end

    @property
    def status(self) -> str:
        """RUNNING, SUCCEEDED, FAILED, TIMED_OUT or ABORTED."""
        return str(self.state["status"])


class CommandHandler(Protocol):
    """What the service layer does for the driver (every method may be called from any thread)."""

    def invoke(self, run: Run, cmd: asl.InvokeTask, phase: str, submitted: Any) -> None:
        """Carry out a task; ``phase`` is SCHEDULED for a new one, else where a resumed one was."""

    def cancel(self, run: Run, token: str) -> None:
        """The task's result is no longer wanted."""

    def read_items(self, run: Run, cmd: asl.ReadItems) -> None:
        """Read a distributed Map's items and answer with ItemsRead or TaskFailed."""

    def write_results(self, run: Run, cmd: asl.WriteResults) -> None:
        """Write a distributed Map's results."""

    def finished(self, run: Run) -> None:
        """The execution ended (its end is committed)."""

    def is_activity(self, resource: str) -> bool:
        """Whether ``resource`` is an activity ARN (its tasks wait in a queue)."""


_TASK_EVENT_PHASE: dict[type, str] = {
    asl.TaskStarted: TaskPhase.STARTED,
    asl.TaskSubmitted: TaskPhase.SUBMITTED,
    asl.TaskSucceeded: TaskPhase.DONE,
    asl.TaskFailed: TaskPhase.DONE,
}


class ExecutionDriver:
    """Runs executions on worker threads, with timers on the background loop."""

    def __init__(
        self,
        *,
        store: Store,
        clock: Clock,
        background: BackgroundLoop,
        handler: CommandHandler,
        workers: int = 8,
    ) -> None:
        self.store = store
        self.clock = clock
        self.handler = handler
        self.timers = TimerSet(background, clock, self._timer_fired)
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="sfn-driver")
        self._commits = _GroupCommit(store, lambda: self._generation)
        self._lock = threading.Lock()
        self._runs: dict[str, Run] = {}
        self._generation = 0
        self._stopped = False

    # -- lifecycle -------------------------------------------------------------------------
    def stop(self) -> None:
        """Stop taking work; wait for the transitions being written."""
        with self._lock:
            self._stopped = True
        self.timers.clear()
        self._pool.shutdown(wait=True, cancel_futures=True)

    def reset(self) -> None:
        """Forget every live execution (the store is being wiped)."""
        with self._lock:
            self._generation += 1
            self._runs.clear()
        self.timers.clear()

    def get(self, arn: str) -> Run | None:
        """The live execution ``arn``, if it is running here."""
        return self._runs.get(arn)

    def live(self) -> list[Run]:
        """Every live execution."""
        with self._lock:
            return list(self._runs.values())

    # -- starting --------------------------------------------------------------------------
    def launch(
        self,
        run: Run,
        step: asl.Step,
        write: Callable[[sa.Connection], None] | None = None,
    ) -> None:
        """Record a new (or redriven) execution's first step and carry it out.

        For a durable run ``write`` adds the service's own rows (the execution row) to the same
        transaction. Returns once the step is committed; raises what the store raised.
        """
        self.launch_many([(run, step)], write)

    def launch_many(
        self,
        runs: list[tuple[Run, asl.Step]],
        write: Callable[[sa.Connection], None] | None = None,
    ) -> None:
        """:meth:`launch` several new executions, their first steps in ONE transaction.

        ``write`` adds the service's rows for all of them. Either every first step is
        committed or none is (and none is left live here); then each is carried out.
        """
        for run, step in runs:
            run.state = step.state
            run.busy = True  # events that arrive before the first step is carried out wait
        with self._lock:
            for run, _ in runs:
                run.generation = self._generation
                self._runs[run.arn] = run
        try:
            durable = [(run, step) for run, step in runs if run.durable]
            if durable:
                with self.store.transaction() as conn:
                    if write is not None:
                        write(conn)
                    StatesStore.write_transitions(
                        conn, [self._collect(run, [(None, step)]) for run, step in durable]
                    )
            for run, step in runs:
                if not run.durable and run.history is not None:
                    run.history.extend(step.history_events)
        except BaseException:
            with self._lock:
                for run, _ in runs:
                    if self._runs.get(run.arn) is run:
                        del self._runs[run.arn]
            raise
        failure: BaseException | None = None
        for run, step in runs:
            try:  # every committed run is carried out, whatever another one raises
                self._perform(run, [(None, step)])
                if run.status == "RUNNING":
                    self._pool.submit(self._drain, run)
                else:
                    self._drain(run)  # it ended in its first step: release what waits, no hop
            except BaseException as exc:
                failure = failure or exc
        if failure is not None:
            raise failure

    def resume(self, load: Callable[[Any, str], tuple[asl.CompiledMachine, dict[str, Any]]]) -> int:
        """Reload every RUNNING execution from the store; return how many.

        ``load(row, state_text)`` returns the compiled machine and the service's ``meta``.
        """
        with self.store.read() as conn:
            rows = StatesStore.running_executions(conn)
        count = 0
        for row, state_text in rows:
            try:
                machine, meta = load(row, state_text)
            except Exception:
                log.exception("cannot resume execution %s", row.arn)
                continue
            state = json.loads(state_text)
            run = Run(arn=row.arn, machine=machine, state=state, durable=True, meta=meta)
            with self.store.read() as conn:
                pending = StatesStore.timers_of(conn, row.arn)
                open_tasks = StatesStore.open_tasks(conn, row.arn)
            run.task_seq = max((t.seq for t in open_tasks), default=0)
            with self._lock:
                run.generation = self._generation
                self._runs[run.arn] = run
            run.armed = bool(pending)
            for timer_id, deadline in pending:
                self.timers.arm(row.arn, timer_id, deadline)
            for task in open_tasks:
                self._resume_task(run, task)
            count += 1
        return count

    def _resume_task(self, run: Run, task: TaskRow) -> None:
        if task.phase == TaskPhase.QUEUED:
            return  # an activity task: GetActivityTask will hand it out
        if task.phase == TaskPhase.STARTED and task.activity_arn:
            return  # a worker has it; it answers with SendTask*
        cmd = asl.InvokeTask(
            token=task.token,
            resource=task.resource,
            parameters=task.parameters,
            state_name=task.state_name,
            attempt=task.attempt,
        )
        self.handler.invoke(run, cmd, task.phase, task.submitted)

    # -- events ----------------------------------------------------------------------------
    def submit(self, arn: str, event: asl.Event, *, notify: threading.Event | None = None) -> bool:
        """Queue ``event`` for execution ``arn``; False when it is not running here.

        ``notify`` is set once the event's transition is committed (or the event was ignored).
        """
        with self._lock:
            if self._stopped:
                return False
            run = self._runs.get(arn)
            if run is None:
                return False
            run.queue.append((event, notify))
            if run.busy:
                return True
            run.busy = True
        try:
            self._pool.submit(self._drain, run)
        except RuntimeError:  # shutting down
            return False
        return True

    def _timer_fired(self, arn: str, timer_id: str, when: float) -> None:
        self.submit(arn, asl.TimerFired(timer_id=timer_id, time=when))

    def _drain(self, run: Run) -> None:
        while True:
            with self._lock:
                gone = self._stopped or run.generation != self._generation
                if gone or not run.queue or run.status != "RUNNING":
                    run.busy = False
                    if gone or run.status != "RUNNING":
                        _notify_all(run.queue)
                        run.queue.clear()
                    return
                queued = list(run.queue)
                run.queue.clear()
            try:
                alive = self._apply(run, [event for event, _ in queued])
            finally:
                self._notify_after_timers(queued)
            if not alive:
                return

    def _notify_after_timers(self, queued: list[tuple[asl.Event, threading.Event | None]]) -> None:
        """Wake the API calls waiting on ``queued`` once the timers they armed are pending.

        A caller that moves a virtual clock right after SendTaskHeartbeat must find the new
        heartbeat deadline there, not only the older ones.
        """
        if not any(notify is not None for _, notify in queued):
            return
        try:
            self.timers.after_armed(lambda: _notify_all(queued))
        except RuntimeError:  # the loop is gone: nothing more will be armed
            _notify_all(queued)

    def _apply(self, run: Run, events: list[asl.Event]) -> bool:
        """Advance through ``events``, record them in one transaction, carry them out."""
        batch: list[tuple[asl.Event | None, asl.Step]] = []
        for event in events:
            if run.status != "RUNNING":
                break
            try:
                step = asl.advance(run.machine, run.state, event, in_place=True)
            except asl.InterpreterError as exc:
                log.debug("%s: event %s ignored: %s", run.arn, type(event).__name__, exc)
                continue
            except Exception:
                log.exception("%s: the interpreter failed on %s", run.arn, event)
                self._drop(run)
                return False
            run.state = step.state
            batch.append((event, step))
        if not batch:
            return True
        try:
            if run.durable:
                if not self._commits.commit(self._collect(run, batch), run.generation):
                    self._drop(run)
                    return False
            elif run.history is not None:
                for _, step in batch:
                    run.history.extend(step.history_events)
        except Exception:
            log.exception("%s: cannot record a transition; it resumes on restart", run.arn)
            self._drop(run)
            return False
        self._perform(run, batch)
        return True

    def _drop(self, run: Run) -> None:
        with self._lock:
            if self._runs.get(run.arn) is run:
                del self._runs[run.arn]
            run.busy = False
        self.timers.cancel_execution(run.arn)

    # -- persistence -----------------------------------------------------------------------
    def _collect(self, run: Run, batch: list[tuple[asl.Event | None, asl.Step]]) -> TransitionWrite:
        """What a batch of transitions writes: history, state, timers, task rows."""
        arn = run.arn
        now = self.clock.now()
        status = run.status
        out = TransitionWrite(arn=arn, state=dumps(run.state), status=status)
        added: dict[str, float] = {}
        removed: set[str] = set()
        for event, step in batch:
            if isinstance(event, asl.TimerFired):
                if event.timer_id in added:
                    del added[event.timer_id]
                else:
                    removed.add(event.timer_id)
            elif event is not None:
                phase = _TASK_EVENT_PHASE.get(type(event))
                token = getattr(event, "token", None)
                if phase is not None and token is not None:
                    submitted = event.output if isinstance(event, asl.TaskSubmitted) else None
                    out.phases.append((token, phase, submitted))
            for cmd in step.commands:
                if isinstance(cmd, asl.EmitHistoryEvents):
                    out.history.extend(cmd.events)
                elif isinstance(cmd, asl.StartTimer):
                    added[cmd.timer_id] = cmd.deadline
                    removed.discard(cmd.timer_id)
                elif isinstance(cmd, asl.CancelTimer):
                    if cmd.timer_id in added:
                        del added[cmd.timer_id]
                    else:
                        removed.add(cmd.timer_id)
                elif isinstance(cmd, asl.InvokeTask):
                    run.task_seq += 1
                    activity = self.handler.is_activity(cmd.resource)
                    out.tasks.append(
                        TaskRow(
                            token=cmd.token,
                            execution_arn=arn,
                            resource=cmd.resource,
                            state_name=cmd.state_name,
                            attempt=cmd.attempt,
                            parameters=cmd.parameters,
                            phase=TaskPhase.QUEUED if activity else TaskPhase.SCHEDULED,
                            activity_arn=cmd.resource if activity else None,
                            submitted=None,
                            created=now,
                            seq=run.task_seq,
                        )
                    )
                elif isinstance(cmd, asl.CancelTask):
                    out.phases.append((cmd.token, TaskPhase.CANCELLED, None))
                elif isinstance(cmd, asl.MapRunUpdated):
                    out.map_runs.append((cmd.map_run_arn, _map_run_body(run, cmd)))
        out.timers_added = sorted(added.items())
        out.timers_removed = sorted(removed)
        if status != "RUNNING":
            outcome = asl.execution_status(run.state)
            out.ended = {
                "output": dumps(outcome["output"]) if status == "SUCCEEDED" else None,
                "error": outcome["error"],
                "cause": outcome["cause"],
                "stopped": _end_time(out.history, now),
            }
            run.stopped = out.ended["stopped"]
        return out

    # -- commands --------------------------------------------------------------------------
    def _perform(self, run: Run, batch: list[tuple[asl.Event | None, asl.Step]]) -> None:
        handler = self.handler
        for _, step in batch:
            for cmd in step.commands:
                if isinstance(cmd, asl.StartTimer):
                    run.armed = True
                    self.timers.arm(run.arn, cmd.timer_id, cmd.deadline)
                elif isinstance(cmd, asl.CancelTimer):
                    self.timers.cancel(run.arn, cmd.timer_id)
                elif isinstance(cmd, asl.InvokeTask):
                    handler.invoke(run, cmd, TaskPhase.SCHEDULED, None)
                elif isinstance(cmd, asl.CancelTask):
                    handler.cancel(run, cmd.token)
                elif isinstance(cmd, asl.ReadItems):
                    handler.read_items(run, cmd)
                elif isinstance(cmd, asl.WriteResults):
                    handler.write_results(run, cmd)
                elif isinstance(cmd, asl.MapRunUpdated) and not run.durable:
                    runs = run.meta.setdefault("mapRuns", {})
                    runs[cmd.map_run_arn] = {
                        **runs.get(cmd.map_run_arn, {}),
                        **_map_run_body(run, cmd),
                    }
        if run.status != "RUNNING":
            with self._lock:
                if self._runs.get(run.arn) is run:
                    del self._runs[run.arn]
            if run.armed:  # a hop to the loop thread: skipped for runs that never waited
                self.timers.cancel_execution(run.arn)
            run.done.set()
            try:
                handler.finished(run)
            except Exception:
                log.exception("%s: end-of-execution hook failed", run.arn)


@dataclass(slots=True, eq=False)
class _Pending:
    write: TransitionWrite
    generation: int
    done: threading.Event = field(default_factory=threading.Event)
    ok: bool = False
    lead: bool = False


class _GroupCommit:
    """Writes the transitions of concurrently draining executions in shared transactions.

    A caller that finds nobody writing becomes the writer: it commits everything queued so far
    in one transaction (one statement per kind of row), then hands the writer role to the
    oldest caller queued meanwhile, so no caller waits for more than one foreign commit. Each
    caller carries out its commands only after its write is committed: the
    one-transition-one-transaction rule holds per execution, and SQLite pays one commit for
    many transitions under load.
    """

    def __init__(self, store: Store, generation: Callable[[], int]) -> None:
        self._store = store
        self._generation = generation
        self._lock = threading.Lock()
        self._queue: list[_Pending] = []
        self._writing = False

    def commit(self, write: TransitionWrite, generation: int) -> bool:
        """Record ``write``; return whether it was committed."""
        item = _Pending(write=write, generation=generation)
        with self._lock:
            self._queue.append(item)
            if not self._writing:
                self._writing = True
                item.lead = True
        if not item.lead:
            item.done.wait()  # set when committed, or when handed the writer role
        if item.lead:
            with self._lock:
                items, self._queue = self._queue, []
            self._flush(items)
            with self._lock:
                if self._queue:
                    successor = self._queue[0]
                    successor.lead = True
                    successor.done.set()
                else:
                    self._writing = False
        return item.ok

    def _flush(self, items: list[_Pending]) -> None:
        current = self._generation()
        live = [i for i in items if i.generation == current]
        try:
            if live:
                with self._store.transaction() as conn:
                    StatesStore.write_transitions(conn, [i.write for i in live])
            for i in live:
                i.ok = True
        except Exception:
            if len(live) > 1:  # find the write at fault: the others must not fail with it
                for i in live:
                    try:
                        with self._store.transaction() as conn:
                            StatesStore.write_transitions(conn, [i.write])
                        i.ok = True
                    except Exception:
                        log.exception("%s: cannot record a transition", i.write.arn)
            else:
                log.exception("cannot record a transition")
        finally:
            for i in items:
                i.lead = False
                i.done.set()


def _notify_all(queued: Any) -> None:
    for _, notify in queued:
        if notify is not None:
            notify.set()


def _end_time(history: list[dict[str, Any]], now: float) -> float:
    for event in reversed(history):
        if event["type"].startswith("Execution"):
            return float(event["timestamp"])
    return now


def _map_run_body(run: Run, cmd: asl.MapRunUpdated) -> dict[str, Any]:
    return {
        "mapRunArn": cmd.map_run_arn,
        "executionArn": run.arn,
        "stateName": cmd.state_name,
        "status": cmd.status,
        "maxConcurrency": cmd.max_concurrency,
        "toleratedFailureCount": cmd.tolerated_failure_count,
        "toleratedFailurePercentage": cmd.tolerated_failure_percentage,
        "itemCounts": cmd.item_counts,
        "startDate" if cmd.status == "RUNNING" else "stopDate": cmd.time,
    }
