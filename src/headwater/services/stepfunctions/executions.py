"""Executions: start (standard, express, sync), describe, stop, list, history, redrive, map runs."""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa

import headwater.asl as asl
from headwater.runtime.executions import Run
from headwater.services.base import RequestContext
from headwater.services.errors import ServiceError
from headwater.services.stepfunctions import arns, errors
from headwater.services.stepfunctions.core import (
    StepFunctionsCore,
    Target,
    describe_row,
    express_description,
)
from headwater.services.stepfunctions.shapes import (
    decode_token,
    encode_token,
    history_page,
    page,
)
from headwater.store.errors import ConflictError
from headwater.store.states import ExecutionRow, StatesStore

__all__ = ["ExecutionsApi"]

SYNC_TIMEOUT = 300.0  # real seconds StartSyncExecution waits (AWS: 5 minutes of execution)
_STATUSES = ("RUNNING", "SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED", "PENDING_REDRIVE")


class ExecutionsApi(StepFunctionsCore):
    """Execution operations."""

    # -- starting --------------------------------------------------------------------------
    def _input(self, params: dict[str, Any]) -> tuple[str, Any]:
        text = params.get("input")
        if text is None:
            text = "{}"
        try:
            return text, asl.check_execution_input(text)
        except asl.ExecutionInputError as exc:
            raise errors.invalid_input(str(exc)) from exc

    def _mock_case(self, target: Target) -> dict[str, str] | None:
        if target.test_case is None:
            return None
        case = self.mocks.test_case(target.machine.name, target.test_case) if self.mocks else None
        if case is None:
            raise errors.validation(
                f"Test case '{target.test_case}' is not defined for state machine "
                f"'{target.machine.name}' in the mock config"
            )
        return case

    def _new_run(
        self,
        ctx: RequestContext,
        target: Target,
        arn: str,
        name: str,
        text: str,
        input_: Any,
        *,
        sync: bool = False,
    ) -> tuple[Run, asl.Step]:
        machine = target.machine
        compiled = self.cached_machine(target.definition_hash, machine.type)
        if compiled is None:
            with self.env.store.read() as conn:
                compiled = self.compiled(conn, target.definition_hash, machine.type)
        now = self.now()
        info = asl.ExecutionInfo(
            execution_arn=arn,
            name=name,
            state_machine_arn=machine.arn,
            state_machine_name=machine.name,
            role_arn=target.role_arn,
            region=ctx.region,
            account=ctx.account_id,
            machine_type=machine.type,
            redrive_count=None if sync else 0,
            state_machine_version_arn=target.version_arn,
            state_machine_alias_arn=target.alias_arn,
        )
        step = asl.start_execution(compiled, info, input_, time=now, seed=self.seed())
        meta: dict[str, Any] = {
            "region": ctx.region,
            "account": ctx.account_id,
            "machineArn": machine.arn,
            "name": name,
            "input": text,
            "started": now,
        }
        for key, value in (
            ("versionArn", target.version_arn),
            ("aliasArn", target.alias_arn),
            ("testCase", target.test_case),
            ("mockCase", self._mock_case(target)),
        ):
            if value is not None:
                meta[key] = value
        run = Run(
            arn=arn,
            machine=compiled,
            state=step.state,
            durable=machine.type == "STANDARD",
            meta=meta,
            history=None if machine.type == "STANDARD" else [],
        )
        return run, step

    def start_execution(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """StartExecution: durable before it answers; idempotent for a running same-name run."""
        text, input_ = self._input(params)
        with self.env.store.read() as conn:
            target = self.resolve_target(conn, params["stateMachineArn"])
        machine = target.machine
        name = arns.check_name(params.get("name") or str(uuid.uuid4()))
        if machine.type == "EXPRESS":
            arn = arns.express_execution_arn(
                ctx.region, ctx.account_id, machine.name, name, str(uuid.uuid4())
            )
            run, step = self._new_run(ctx, target, arn, name, text, input_)
            self.keep_express(run)
            self.driver.launch(run, step)
            return {"executionArn": arn, "startDate": run.meta["started"]}
        arn = arns.execution_arn(ctx.region, ctx.account_id, machine.name, name)
        if self.driver.get(arn) is not None or params.get("name"):
            # A chosen name may be taken: answer as AWS does without starting anything.
            with self.env.store.read() as conn:
                existing = StatesStore.get_execution(conn, arn)
            if existing is not None:
                return self._same_name(existing, text)
        run, step, row = self._standard_run(ctx, params, target, arn, name, text, input_)
        try:
            self.driver.launch(
                run, step, lambda conn: StatesStore.insert_execution(conn, row, None)
            )
        except ConflictError:
            with self.env.store.read() as conn:
                existing = StatesStore.get_execution(conn, arn)
            if existing is None:
                raise
            return self._same_name(existing, text)
        return {"executionArn": arn, "startDate": row.started}

    def _standard_run(
        self,
        ctx: RequestContext,
        params: dict[str, Any],
        target: Target,
        arn: str,
        name: str,
        text: str,
        input_: Any,
    ) -> tuple[Run, asl.Step, ExecutionRow]:
        """A new STANDARD execution: its live run, first step and execution row."""
        machine = target.machine
        run, step = self._new_run(ctx, target, arn, name, text, input_)
        if params.get("traceHeader"):
            run.meta["traceHeader"] = params["traceHeader"]
        row = ExecutionRow(
            arn=arn,
            machine_arn=machine.arn,
            name=name,
            type=machine.type,
            status="RUNNING",
            input=text,
            output=None,
            error=None,
            cause=None,
            started=run.meta["started"],
            stopped=None,
            definition_hash=target.definition_hash,
            role_arn=target.role_arn,
            meta={k: v for k, v in run.meta.items() if k not in ("input",)},
        )
        return run, step, row

    def start_executions(
        self, requests: list[tuple[RequestContext, dict[str, Any]]]
    ) -> list[dict[str, Any] | ServiceError]:
        """StartExecution for many requests (EventBridge delivering a batch of events).

        Each answer is what :meth:`start_execution` answers or raises. New STANDARD
        executions start in ONE store transaction; anything else (EXPRESS, a name that is
        live or repeated in the batch) goes through :meth:`start_execution` one by one, and
        so does the whole batch if the shared transaction finds a name already taken.
        """
        answers: list[dict[str, Any] | ServiceError | None] = [None] * len(requests)
        resolved: list[tuple[int, Target, str, Any]] = []
        with self.env.store.read() as conn:
            for i, (_ctx, params) in enumerate(requests):
                try:
                    text, input_ = self._input(params)
                    resolved.append(
                        (i, self.resolve_target(conn, params["stateMachineArn"]), text, input_)
                    )
                except ServiceError as err:
                    answers[i] = err
        batch: list[tuple[int, Run, asl.Step, ExecutionRow]] = []
        alone: list[int] = []
        seen: set[str] = set()
        for i, target, text, input_ in resolved:
            ctx, params = requests[i]
            try:
                name = arns.check_name(params.get("name") or str(uuid.uuid4()))
            except ServiceError as err:
                answers[i] = err
                continue
            arn = arns.execution_arn(ctx.region, ctx.account_id, target.machine.name, name)
            if target.machine.type != "STANDARD" or arn in seen or self.driver.get(arn):
                alone.append(i)
                continue
            seen.add(arn)
            try:
                run, step, row = self._standard_run(ctx, params, target, arn, name, text, input_)
            except ServiceError as err:
                answers[i] = err
                continue
            batch.append((i, run, step, row))
        if batch:
            rows = [row for _, _, _, row in batch]

            def write(conn: Any) -> None:
                StatesStore.insert_executions(conn, [(row, None) for row in rows])

            try:
                self.driver.launch_many([(run, step) for _, run, step, _ in batch], write)
                for i, _, _, row in batch:
                    answers[i] = {"executionArn": row.arn, "startDate": row.started}
            except (ConflictError, sa.exc.IntegrityError):
                alone.extend(i for i, _, _, _ in batch)  # one by one, each finds its own
        for i in sorted(alone):
            try:
                answers[i] = self.start_execution(*requests[i])
            except ServiceError as err:
                answers[i] = err
        return [a if a is not None else errors.validation("not started") for a in answers]

    def _same_name(self, existing: ExecutionRow, text: str) -> dict[str, Any]:
        # AWS: same name and input while RUNNING answers as the first call did; otherwise refuse.
        if existing.status == "RUNNING" and existing.input == text:
            return {"executionArn": existing.arn, "startDate": existing.started}
        raise errors.execution_exists(existing.arn)

    def start_sync_execution(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """StartSyncExecution (EXPRESS only): run to the end, answer with the result."""
        text, input_ = self._input(params)
        with self.env.store.read() as conn:
            target = self.resolve_target(conn, params["stateMachineArn"])
        if target.machine.type != "EXPRESS":
            raise errors.type_not_supported(
                "This operation is not supported by this type of state machine"
            )
        name = arns.check_name(params.get("name") or str(uuid.uuid4()))
        arn = arns.express_execution_arn(
            ctx.region, ctx.account_id, target.machine.name, name, str(uuid.uuid4())
        )
        run, step = self._new_run(ctx, target, arn, name, text, input_, sync=True)
        self.keep_express(run)
        self.driver.launch(run, step)
        if not run.done.wait(SYNC_TIMEOUT):
            self.driver.submit(
                arn,
                asl.StopExecution(
                    error="States.Timeout", cause="StartSyncExecution timed out", time=self.now()
                ),
            )
            run.done.wait(10)
        described = express_description(run)
        out: dict[str, Any] = {
            k: v
            for k, v in described.items()
            if k
            in (
                "executionArn",
                "stateMachineArn",
                "name",
                "startDate",
                "stopDate",
                "status",
                "error",
                "cause",
                "input",
                "inputDetails",
                "output",
                "outputDetails",
            )
        }
        if out["status"] == "ABORTED":
            out["status"] = "TIMED_OUT"
        elapsed = max(0.0, float(out.get("stopDate", out["startDate"])) - out["startDate"])
        out["billingDetails"] = {
            "billedMemoryUsedInMB": 64,
            "billedDurationInMilliseconds": max(100, int(elapsed * 1000)),
        }
        if params.get("traceHeader"):
            out["traceHeader"] = params["traceHeader"]
        return out

    # -- reading ---------------------------------------------------------------------------
    def _row(self, arn: str) -> ExecutionRow:
        arns.parse(arn, "execution", "express")
        with self.env.store.read() as conn:
            row = StatesStore.get_execution(conn, arn)
        if row is None:
            raise errors.execution_missing(arn)
        return row

    def describe_execution(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """DescribeExecution (EXPRESS executions while they are remembered in memory)."""
        arn = params["executionArn"]
        parsed = arns.parse(arn, "execution", "express")
        if parsed.kind == "express":
            run = self.express_run(arn)
            if run is None:
                raise errors.execution_missing(arn)
            return express_description(run)
        return describe_row(self._row(arn))

    def describe_state_machine_for_execution(
        self, ctx: RequestContext, params: dict[str, Any]
    ) -> dict[str, Any]:
        """DescribeStateMachineForExecution: the definition the execution runs."""
        arn = params["executionArn"]
        parsed = arns.parse(arn, "execution", "express")
        if parsed.kind == "express":
            run = self.express_run(arn)
            if run is None:
                raise errors.execution_missing(arn)
            machine_arn = run.meta["machineArn"]
            with self.env.store.read() as conn:
                machine = StatesStore.get_machine(conn, machine_arn)
                text = StatesStore.definition(conn, machine.definition_hash) if machine else None
            if machine is None or text is None:
                raise errors.machine_missing(machine_arn)
            return {
                "stateMachineArn": machine_arn,
                "name": machine.name,
                "definition": text,
                "roleArn": machine.role_arn,
                "updateDate": machine.updated,
                "revisionId": machine.revision_id,
            }
        row = self._row(arn)
        with self.env.store.read() as conn:
            text = StatesStore.definition(conn, row.definition_hash) or ""
            machine = StatesStore.get_machine(conn, row.machine_arn)
        out: dict[str, Any] = {
            "stateMachineArn": row.machine_arn,
            "name": arns.parse(row.machine_arn).name,
            "definition": text,
            "roleArn": row.role_arn,
            "updateDate": machine.updated if machine else row.started,
            "loggingConfiguration": (machine.config.get("logging") if machine else None)
            or {"level": "OFF", "includeExecutionData": False},
            "tracingConfiguration": (machine.config.get("tracing") if machine else None)
            or {"enabled": False},
        }
        if machine is not None:
            out["revisionId"] = machine.revision_id
        return out

    def list_executions(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """ListExecutions of a machine (or of a version / alias), newest first."""
        arn = params.get("stateMachineArn")
        if params.get("mapRunArn"):
            return {"executions": []}  # Map Run children run inside their parent here
        if not arn:
            raise errors.validation("Must provide a StateMachine ARN or MapRun ARN")
        parsed = arns.parse(arn, "stateMachine")
        status = params.get("statusFilter")
        if status is not None and status not in _STATUSES:
            raise errors.validation(f"Invalid status filter: {status}")
        with self.env.store.read() as conn:
            machine = StatesStore.get_machine(conn, parsed.machine)
            if machine is None:
                raise errors.machine_missing(arn)
            if machine.type == "EXPRESS":
                raise errors.type_not_supported(
                    "This operation is not supported by this type of state machine"
                )
            start = int(decode_token(params.get("nextToken")).get("o", 0))
            size = int(params.get("maxResults") or 100) or 100
            rows = StatesStore.list_executions(
                conn,
                parsed.machine,
                status=None if status == "PENDING_REDRIVE" else status,
                version_or_alias=arn if parsed.rest else None,
                offset=start,
                limit=size + 1,
            )
        redrive = params.get("redriveFilter")
        if redrive == "REDRIVEN":
            rows = [r for r in rows if r.redrive_count > 0]
        elif redrive == "NOT_REDRIVEN":
            rows = [r for r in rows if r.redrive_count == 0]
        items = []
        for r in rows[:size]:
            item: dict[str, Any] = {
                "executionArn": r.arn,
                "stateMachineArn": r.machine_arn,
                "name": r.name,
                "status": r.status,
                "startDate": r.started,
            }
            if r.stopped is not None:
                item["stopDate"] = r.stopped
            if r.meta.get("versionArn"):
                item["stateMachineVersionArn"] = r.meta["versionArn"]
            if r.meta.get("aliasArn"):
                item["stateMachineAliasArn"] = r.meta["aliasArn"]
            if r.redrive_count:
                item["redriveCount"] = r.redrive_count
                item["redriveDate"] = r.redrive_date
            items.append(item)
        out: dict[str, Any] = {"executions": items}
        if len(rows) > size:
            out["nextToken"] = encode_token({"o": start + size})
        return out

    def get_execution_history(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """GetExecutionHistory: AWS's events, ids and links; reverseOrder; pagination."""
        arn = params["executionArn"]
        parsed = arns.parse(arn, "execution", "express")
        reverse = bool(params.get("reverseOrder"))
        size = int(params.get("maxResults") or 100) or 100
        after = decode_token(params.get("nextToken")).get("after")
        include = params.get("includeExecutionData", True) is not False
        if parsed.kind == "express":
            run = self.express_run(arn)
            if run is None:
                raise errors.execution_missing(arn)
            events = list(run.history or [])
            if reverse:
                events.reverse()
            if after is not None:
                events = [e for e in events if (e["id"] < after if reverse else e["id"] > after)]
            chunk = events[: size + 1]
        else:
            self._row(arn)
            with self.env.store.read() as conn:
                chunk = StatesStore.history(conn, arn, reverse=reverse, after=after, limit=size + 1)
        out: dict[str, Any] = {"events": history_page(chunk[:size], include)}
        if len(chunk) > size:
            out["nextToken"] = encode_token({"after": chunk[size - 1]["id"]})
        return out

    # -- stopping and redriving ------------------------------------------------------------
    def stop_execution(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """StopExecution: the ExecutionAborted transition is recorded before the answer."""
        arn = params["executionArn"]
        parsed = arns.parse(arn, "execution", "express")
        run = self.driver.get(arn)
        if run is None:
            if parsed.kind == "express":
                found = self.express_run(arn)
                if found is None:
                    raise errors.execution_missing(arn)
                return {"stopDate": express_description(found).get("stopDate", self.now())}
            row = self._row(arn)
            if row.status != "RUNNING":
                return {"stopDate": row.stopped or self.now()}
            raise ServiceError(
                "InternalFailure", f"execution {arn} is not running in this server", status=500
            )
        now = self.now()
        self.driver.submit(
            arn, asl.StopExecution(error=params.get("error"), cause=params.get("cause"), time=now)
        )
        run.done.wait(30)
        return {"stopDate": now}

    def redrive_execution(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """RedriveExecution: restart a FAILED / TIMED_OUT / ABORTED execution where it ended."""
        arn = params["executionArn"]
        parsed = arns.parse(arn, "execution", "express")
        if parsed.kind == "express":
            raise errors.not_redrivable(
                f"Execution is of type EXPRESS and cannot be redriven: '{arn}'"
            )
        row = self._row(arn)
        if row.status not in ("FAILED", "TIMED_OUT", "ABORTED"):
            raise errors.not_redrivable(f"Execution is {row.status} and cannot be redriven")
        with self.env.store.read() as conn:
            state_text = StatesStore.execution_state(conn, arn)
            compiled = self.compiled(conn, row.definition_hash, row.type)
        if state_text is None:
            raise errors.not_redrivable("Execution cannot be redriven")
        import json

        now = self.now()
        try:
            step = asl.redrive_execution(compiled, json.loads(state_text), time=now)
        except asl.InterpreterError as exc:
            raise errors.not_redrivable(str(exc)) from exc
        run = Run(arn=arn, machine=compiled, state=step.state, durable=True, meta=dict(row.meta))
        count = row.redrive_count + 1

        def write(conn: Any) -> None:
            StatesStore.update_execution(
                conn,
                arn,
                status="RUNNING",
                output=None,
                error=None,
                cause=None,
                stopped=None,
                redrive_count=count,
                redrive_date=now,
            )

        self.driver.launch(run, step, write)
        return {"redriveDate": now}

    # -- map runs --------------------------------------------------------------------------
    def _map_run(self, arn: str) -> dict[str, Any]:
        parsed = arns.parse(arn, "mapRun")
        with self.env.store.read() as conn:
            body = StatesStore.get_map_run(conn, arn)
        if body is None:
            for run in self.driver.live():
                body = (run.meta.get("mapRuns") or {}).get(arn)
                if body:
                    break
        if body is None:
            raise errors.resource_missing(parsed.arn)
        return body

    def describe_map_run(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """DescribeMapRun."""
        body = self._map_run(params["mapRunArn"])
        counts = body.get("itemCounts") or {}
        out: dict[str, Any] = {
            "mapRunArn": body["mapRunArn"],
            "executionArn": body["executionArn"],
            "status": body["status"],
            "startDate": body.get("startDate", body.get("stopDate")),
            "maxConcurrency": body.get("maxConcurrency", 0),
            "toleratedFailurePercentage": body.get("toleratedFailurePercentage") or 0.0,
            "toleratedFailureCount": body.get("toleratedFailureCount") or 0,
            "itemCounts": counts,
            "executionCounts": counts,
            "redriveCount": 0,
        }
        if body.get("stopDate") is not None and body["status"] != "RUNNING":
            out["stopDate"] = body["stopDate"]
        return out

    def list_map_runs(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """ListMapRuns of an execution."""
        arn = params["executionArn"]
        self._row(arn)
        with self.env.store.read() as conn:
            found = StatesStore.list_map_runs(conn, arn)
        items = [
            {
                "executionArn": b["executionArn"],
                "mapRunArn": b["mapRunArn"],
                "stateMachineArn": b["mapRunArn"].replace(":mapRun:", ":stateMachine:", 1),
                "startDate": b.get("startDate", b.get("stopDate")),
                **({"stopDate": b["stopDate"]} if b.get("stopDate") else {}),
            }
            for b in found
        ]
        chunk, token = page(items, params)
        out: dict[str, Any] = {"mapRuns": chunk}
        if token:
            out["nextToken"] = token
        return out
