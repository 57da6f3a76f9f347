"""What every part of the Step Functions service shares: the driver, compiled machines, waiters."""

from __future__ import annotations

import contextlib
import hashlib
import logging
import random
import threading
import uuid
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

import headwater.asl as asl
from headwater.runtime.executions import ExecutionDriver, Run, dumps
from headwater.services.base import Environment, RequestContext, Service
from headwater.services.errors import ServiceError
from headwater.services.stepfunctions import arns, errors
from headwater.services.stepfunctions.mocks import MockConfig
from headwater.services.stepfunctions.runner import TaskRunner
from headwater.services.stepfunctions.shapes import redrive_status
from headwater.store.states import ExecutionRow, MachineRow, StatesStore

__all__ = ["EXPRESS_KEPT", "StepFunctionsCore", "Target"]

log = logging.getLogger("headwater.stepfunctions")

EXPRESS_KEPT = 1000  # finished EXPRESS executions kept in memory for Describe/GetExecutionHistory
_COMPILED_KEPT = 256


def definition_hash(text: str) -> str:
    """The key a definition text is stored under."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True, kw_only=True)
class Target:
    """What a StartExecution ARN resolves to: the machine, the version, the alias, the mocks."""

    machine: MachineRow
    definition_hash: str
    role_arn: str
    version_arn: str | None = None
    alias_arn: str | None = None
    test_case: str | None = None


class StepFunctionsCore(Service):
    """State shared by the API mixins."""

    service_name = "stepfunctions"

    def __init__(self, env: Environment) -> None:
        super().__init__(env)
        self.runner = TaskRunner(self)
        # One thread: status changes of an execution reach the bus in the order they happened.
        self._status_events = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sfn-status")
        # (region, description or execution ARN) of ended executions, in order
        self._status_queue: list[tuple[str, dict[str, Any] | str, float]] = []
        self._status_lock = threading.Lock()
        self._driver: ExecutionDriver | None = None
        self._lock = threading.RLock()
        self._compiled: OrderedDict[tuple[str, str], asl.CompiledMachine] = OrderedDict()
        self._machines: dict[str, MachineRow] = {}  # read-through cache for StartExecution
        self._express: OrderedDict[str, Run] = OrderedDict()
        self._subscribers: dict[str, list[Callable[[dict[str, Any]], None]]] = {}
        self.activity_ready = threading.Condition()
        self._rng = random.SystemRandom()
        path = env.extras.get("sfn_mock_config")
        self.mocks: MockConfig | None = MockConfig.from_env(path)

    # -- lifecycle -------------------------------------------------------------------------
    @property
    def driver(self) -> ExecutionDriver:
        """The execution driver (created when the service starts)."""
        if self._driver is None:
            self.start()
        assert self._driver is not None
        return self._driver

    def start(self) -> None:
        """Create the driver and resume every RUNNING execution from the store."""
        if self._driver is not None:
            return
        bg = self.env.background
        if bg is None:
            from headwater.runtime.loop import BackgroundLoop

            bg = self.env.background = BackgroundLoop()
            bg.start()
        self._driver = ExecutionDriver(
            store=self.env.store, clock=self.env.clock, background=bg, handler=self.runner
        )
        resumed = self._driver.resume(self._load_run)
        if resumed:
            log.info("resumed %d Step Functions execution(s)", resumed)

    def stop(self) -> None:
        """Stop the driver and the task runner."""
        if self._driver is not None:
            self._driver.stop()
        self.runner.stop()
        self._status_events.shutdown(wait=False)
        with self.activity_ready:
            self.activity_ready.notify_all()

    def reset(self) -> None:
        """Forget live executions and caches (the store is wiped by the caller)."""
        if self._driver is not None:
            self._driver.reset()
        with self._lock:
            self._express.clear()
            self._subscribers.clear()
            self._machines.clear()

    def now(self) -> float:
        """The injected clock's time."""
        return self.env.clock.now()

    def seed(self) -> int:
        """A fresh 63-bit seed for an execution's randomness."""
        return self._rng.getrandbits(63)

    # -- machines --------------------------------------------------------------------------
    def compile(self, text: str, machine_type: str) -> asl.CompiledMachine:
        """Compile a definition (cached by text and type); raise InvalidDefinition."""
        key = (definition_hash(text), machine_type)
        with self._lock:
            found = self._compiled.get(key)
            if found is not None:
                self._compiled.move_to_end(key)
                return found
        try:
            machine = asl.compile_definition(text, machine_type=machine_type)
        except asl.DefinitionError as exc:
            raise errors.invalid_definition(str(exc)) from exc
        with self._lock:
            self._compiled[key] = machine
            while len(self._compiled) > _COMPILED_KEPT:
                self._compiled.popitem(last=False)
        return machine

    def cached_machine(self, digest: str, machine_type: str) -> asl.CompiledMachine | None:
        """The compiled machine of a definition hash, if compiled already."""
        with self._lock:
            return self._compiled.get((digest, machine_type))

    def compiled(self, conn: sa.Connection, digest: str, machine_type: str) -> asl.CompiledMachine:
        """The compiled machine of a stored definition."""
        with self._lock:
            found = self._compiled.get((digest, machine_type))
        if found is not None:
            return found
        text = StatesStore.definition(conn, digest)
        if text is None:
            raise ServiceError("InternalFailure", f"definition {digest} is missing", status=500)
        return self.compile(text, machine_type)

    def _load_run(
        self, row: ExecutionRow, _state: str
    ) -> tuple[asl.CompiledMachine, dict[str, Any]]:
        with self.env.store.read() as conn:
            machine = self.compiled(conn, row.definition_hash, row.type)
        return machine, dict(row.meta)

    def resolve_target(self, conn: sa.Connection, arn: str) -> Target:
        """Resolve a StartExecution ARN: machine, version (``:N``), alias, ``#TestCase``."""
        base, _, case = arn.partition("#")
        parsed = arns.parse(base, "stateMachine")
        machine = self._machines.get(parsed.machine)
        if machine is None:
            machine = StatesStore.get_machine(conn, parsed.machine)
            if machine is None:
                raise errors.machine_missing(base)
            with self._lock:
                self._machines[machine.arn] = machine
        target = Target(
            machine=machine,
            definition_hash=machine.definition_hash,
            role_arn=machine.role_arn,
            test_case=case or None,
        )
        if not parsed.rest:
            return target
        qualifier = parsed.rest[0]
        if qualifier.isdigit():
            version = StatesStore.get_version(conn, base)
            if version is None:
                raise errors.machine_missing(base)
            return Target(
                machine=machine,
                definition_hash=version.definition_hash,
                role_arn=version.role_arn,
                version_arn=version.arn,
                test_case=target.test_case,
            )
        alias = StatesStore.get_alias(conn, base)
        if alias is None:
            raise errors.resource_missing(base)
        chosen = self._route(alias.routing)
        version = StatesStore.get_version(conn, chosen)
        if version is None:
            raise errors.machine_missing(chosen)
        return Target(
            machine=machine,
            definition_hash=version.definition_hash,
            role_arn=version.role_arn,
            version_arn=version.arn,
            alias_arn=alias.arn,
            test_case=target.test_case,
        )

    def forget_machine(self, conn: sa.Connection, arn: str) -> None:
        """A machine row changes in this transaction: drop it from the cache (now and after)."""
        with self._lock:
            self._machines.pop(arn, None)

        def drop() -> None:
            with self._lock:
                self._machines.pop(arn, None)

        self.env.store.after_commit(conn, drop)

    def _route(self, routing: list[dict[str, Any]]) -> str:
        total = sum(int(r.get("weight", 0)) for r in routing)
        pick = self._rng.uniform(0, total) if total else 0
        for entry in routing:
            pick -= int(entry.get("weight", 0))
            if pick <= 0:
                return str(entry["stateMachineVersionArn"])
        return str(routing[-1]["stateMachineVersionArn"])

    # -- EXPRESS executions kept in memory -------------------------------------------------
    def keep_express(self, run: Run) -> None:
        """Remember an EXPRESS execution (bounded)."""
        with self._lock:
            self._express[run.arn] = run
            while len(self._express) > EXPRESS_KEPT:
                self._express.popitem(last=False)

    def express_run(self, arn: str) -> Run | None:
        """An EXPRESS execution still remembered."""
        with self._lock:
            return self._express.get(arn)

    # -- the end of an execution -----------------------------------------------------------
    def describe_run(self, arn: str) -> dict[str, Any] | None:
        """DescribeExecution's answer for ``arn`` (None when unknown)."""
        run = self.express_run(arn)
        if run is not None:
            return express_description(run)
        with self.env.store.read() as conn:
            row = StatesStore.get_execution(conn, arn)
        return describe_row(row) if row is not None else None

    def on_execution_end(
        self, arn: str, callback: Callable[[dict[str, Any]], None]
    ) -> Callable[[], None]:
        """Call ``callback(describe)`` once ``arn`` has ended (at once if it has)."""
        with self._lock:
            self._subscribers.setdefault(arn, []).append(callback)
        described = self.describe_run(arn)
        if described is not None and described["status"] != "RUNNING":
            self._notify(arn, described)

        def unsubscribe() -> None:
            with self._lock:
                found = self._subscribers.get(arn)
                if found and callback in found:
                    found.remove(callback)

        return unsubscribe

    def _notify(self, arn: str, described: dict[str, Any]) -> None:
        with self._lock:
            callbacks = self._subscribers.pop(arn, [])
        for callback in callbacks:
            try:
                callback(described)
            except Exception:
                log.exception("%s: end-of-execution subscriber failed", arn)

    def execution_ended(self, run: Run) -> None:
        """The driver committed the end of ``run``."""
        if not run.durable:
            self.keep_express(run)
        with self._lock:
            waiting = run.arn in self._subscribers
        events = self._events_bus()
        if not waiting:
            if events is not None and run.durable:
                # Described from memory when it can be (it just ended here), else from the
                # store in the status thread, with the other ends queued meanwhile.
                region = run.meta.get("region", self.env.default_region)
                known = run.stopped is not None and "input" in run.meta
                self._queue_status(region, express_description(run) if known else run.arn)
            return
        described = self.describe_run(run.arn)
        if described is None:
            return
        self._notify(run.arn, described)
        if events is not None and run.durable:
            self.status_changed(described, run.meta.get("region", self.env.default_region))

    def _events_bus(self) -> Any:
        registry = self.env.registry
        return registry.get("events") if registry is not None else None

    def status_changed(self, described: dict[str, Any], region: str) -> None:
        """Put AWS's "Step Functions Execution Status Change" event on the default bus."""
        self._queue_status(region, described)

    def _queue_status(self, region: str, described: dict[str, Any] | str) -> None:
        """Queue a status change: a description, or the ARN of a stored execution."""
        events = self._events_bus()
        if events is None:
            return
        with self._status_lock:
            self._status_queue.append((region, described, self.now()))
            if len(self._status_queue) > 1:
                return  # a put is already queued; it takes this one too
        with contextlib.suppress(RuntimeError):
            self._status_events.submit(self._put_status_events, events)

    def _status_event(self, described: dict[str, Any], region: str, at: float) -> dict[str, Any]:
        account = arns.parse(described["executionArn"]).account
        detail = {
            "executionArn": described["executionArn"],
            "stateMachineArn": described["stateMachineArn"],
            "name": described["name"],
            "status": described["status"],
            "startDate": _millis(described.get("startDate")),
            "stopDate": _millis(described.get("stopDate")),
            "input": described.get("input"),
            "output": described.get("output"),
            "inputDetails": {"included": True},
            "outputDetails": {"included": True} if described.get("output") else None,
            "error": described.get("error"),
            "cause": described.get("cause"),
        }
        return {
            "version": "0",
            "id": str(uuid.uuid4()),
            "detail-type": "Step Functions Execution Status Change",
            "source": "aws.states",
            "account": account,
            "time": datetime.fromtimestamp(at, tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "region": region,
            "resources": [described["executionArn"]],
            "detail": detail,
        }

    def _put_status_events(self, events: Any) -> None:
        # Everything queued so far: described in one read, on the bus in one transaction
        # per region, in the order the executions ended.
        with self._status_lock:
            queued, self._status_queue = self._status_queue, []
        by_region: dict[str, list[dict[str, Any]]] = {}
        try:
            with self.env.store.read() as conn:
                for region, item, at in queued:
                    if isinstance(item, str):
                        row = StatesStore.get_execution(conn, item)
                        if row is None:
                            continue
                        item = describe_row(row)
                    by_region.setdefault(region, []).append(self._status_event(item, region, at))
        except Exception:
            log.exception("cannot describe %d ended execution(s)", len(queued))
            return
        put_many = getattr(events, "ingest_events", None)
        for region, batch in by_region.items():
            try:
                if put_many is not None:
                    put_many(batch, region=region, bus="default")
                else:
                    for event in batch:
                        events.ingest_event(event, region=region, bus="default")
            except Exception:
                log.exception("cannot put %d execution status change(s)", len(batch))

    def activity_task_queued(self, run: Run, cmd: asl.InvokeTask) -> None:
        """An activity task is waiting for a worker: wake GetActivityTask pollers."""
        with self.activity_ready:
            self.activity_ready.notify_all()

    def context(self, ctx: RequestContext) -> tuple[str, str]:
        """(region, account) of a request."""
        return ctx.region, ctx.account_id


def _millis(epoch: float | None) -> int | None:
    return None if epoch is None else round(epoch * 1000)


def describe_row(row: ExecutionRow) -> dict[str, Any]:
    """DescribeExecution for a stored execution."""
    out: dict[str, Any] = {
        "executionArn": row.arn,
        "stateMachineArn": row.machine_arn,
        "name": row.name,
        "status": row.status,
        "startDate": row.started,
        "input": row.input,
        "inputDetails": {"included": True},
    }
    if row.stopped is not None:
        out["stopDate"] = row.stopped
    if row.output is not None:
        out["output"] = row.output
        out["outputDetails"] = {"included": True}
    if row.error is not None:
        out["error"] = row.error
    if row.cause is not None:
        out["cause"] = row.cause
    meta = row.meta
    for key, member in (
        ("versionArn", "stateMachineVersionArn"),
        ("aliasArn", "stateMachineAliasArn"),
        ("traceHeader", "traceHeader"),
    ):
        if meta.get(key):
            out[member] = meta[key]
    out["redriveCount"] = row.redrive_count
    if row.redrive_date is not None:
        out["redriveDate"] = row.redrive_date
    status, reason = redrive_status(row.status, row.type)
    out["redriveStatus"] = status
    if reason:
        out["redriveStatusReason"] = reason
    return out


def express_description(run: Run) -> dict[str, Any]:
    """DescribeExecution for an EXPRESS execution kept in memory."""
    meta = run.meta
    outcome = asl.execution_status(run.state)
    out: dict[str, Any] = {
        "executionArn": run.arn,
        "stateMachineArn": meta["machineArn"],
        "name": meta["name"],
        "status": outcome["status"],
        "startDate": meta["started"],
        "input": meta["input"],
        "inputDetails": {"included": True},
    }
    if outcome["status"] != "RUNNING":
        out["stopDate"] = meta.get("stopped") or run.stopped or _stop_time(run)
    if outcome["status"] == "SUCCEEDED":
        out["output"] = dumps(outcome["output"])
        out["outputDetails"] = {"included": True}
    if outcome["error"] is not None:
        out["error"] = outcome["error"]
    if outcome["cause"] is not None:
        out["cause"] = outcome["cause"]
    for key, member in (
        ("versionArn", "stateMachineVersionArn"),
        ("aliasArn", "stateMachineAliasArn"),
    ):
        if meta.get(key):
            out[member] = meta[key]
    return out


def _stop_time(run: Run) -> float:
    for event in reversed(run.history or []):
        if event["type"].startswith("Execution"):
            stopped = float(event["timestamp"])
            run.meta["stopped"] = stopped
            return stopped
    return float(run.meta["started"])
