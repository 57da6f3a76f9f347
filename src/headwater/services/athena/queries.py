"""Query executions: StartQueryExecution ... GetQueryResults, StopQueryExecution, listings."""

from __future__ import annotations

import re
import time
import uuid
from typing import Any

from headwater.query import QuerySyntaxError, StatementType, statement_kind
from headwater.query.statements import strip_comments
from headwater.services.athena import errors
from headwater.services.athena._core import (
    ENGINE_VERSION,
    PRIMARY,
    AthenaCore,
    decode_token,
    next_token,
    parse_s3,
)
from headwater.services.athena.results import ResultView, parse_athena_csv, parse_txt
from headwater.services.athena.runner import QueryRunner
from headwater.services.athena.utility import parse_utility
from headwater.services.base import RequestContext
from headwater.services.errors import ServiceError
from headwater.store.athena import AthenaStore as A
from headwater.store.athena import QueryRow

__all__ = ["QueryOperations", "public_execution", "split_arguments"]

_NO_OUTPUT = (
    "No output location provided. An output location is required either through the Workgroup "
    "result configuration setting or as an API input."
)
_EXECUTE = re.compile(
    r"^EXECUTE\s+(?P<name>[A-Za-z_][\w]*)(?:\s+USING\s+(?P<using>.+))?$", re.IGNORECASE | re.DOTALL
)
_ENDED = ("SUCCEEDED", "FAILED", "CANCELLED")


def public_execution(body: dict[str, Any]) -> dict[str, Any]:
    """The ``QueryExecution`` of a stored body (private ``_`` members left out)."""
    return {k: v for k, v in body.items() if not k.startswith("_")}


def split_arguments(text: str) -> list[str]:
    """``EXECUTE ... USING a, 'b,c', f(1, 2)``: the top-level comma-separated values."""
    out: list[str] = []
    depth, start, i, quote = 0, 0, 0, ""
    while i < len(text):
        char = text[i]
        if quote:
            if char == quote:
                if i + 1 < len(text) and text[i + 1] == quote:
                    i += 1
                else:
                    quote = ""
        elif char in "'\"":
            quote = char
        elif char in "([":
            depth += 1
        elif char in ")]":
            depth -= 1
        elif char == "," and depth == 0:
            out.append(text[start:i].strip())
            start = i + 1
        i += 1
    tail = text[start:].strip()
    if tail:
        out.append(tail)
    return out


def _predicted_name(kind: tuple[StatementType, str], qid: str) -> str:
    statement, sub = kind
    if sub == "CREATE_TABLE_AS_SELECT":
        return f"tables/{qid}"
    if sub in ("INSERT", "UNLOAD"):
        return qid
    if statement is StatementType.DML:
        return f"{qid}.csv"
    return f"{qid}.txt"


class QueryOperations(AthenaCore):
    """StartQueryExecution, GetQueryExecution(s), GetQueryResults, StopQueryExecution, ..."""

    runner: QueryRunner

    # -- helpers ----------------------------------------------------------------------------
    def _query(self, ctx: RequestContext, qid: str) -> QueryRow:
        with self.env.store.read() as conn:
            row = A.get_query(conn, qid)
        if row is None or row.region != ctx.region:
            raise errors.invalid_request(f"QueryExecution {qid} was not found")
        return row

    def _resolve_execute(
        self, conn: Any, region: str, workgroup: str, sql: str, parameters: list[str]
    ) -> tuple[str, list[str]]:
        """``EXECUTE stmt [USING ...]``: the prepared statement's text and its values."""
        match = _EXECUTE.match(strip_comments(sql))
        if match is None:
            return sql, parameters
        name = match.group("name")
        found = A.get_prepared(conn, region, workgroup, name.lower())
        if found is None:
            raise errors.invalid_request(
                f"Prepared statement {name} was not found in workGroup {workgroup}."
            )
        using = match.group("using")
        values = split_arguments(using) if using else parameters
        return str(found["QueryStatement"]), values

    def _output_location(self, workgroup: dict[str, Any], params: dict[str, Any]) -> str:
        config = workgroup.get("Configuration") or {}
        own = (config.get("ResultConfiguration") or {}).get("OutputLocation")
        asked = (params.get("ResultConfiguration") or {}).get("OutputLocation")
        # An enforced work group's own location wins; one without a location takes the
        # request's (enforcement covers the settings the work group has).
        location = own if config.get("EnforceWorkGroupConfiguration") and own else (asked or own)
        if not location:
            raise errors.invalid_request(_NO_OUTPUT)
        parse_s3(location)
        text = str(location)
        return text if text.endswith("/") else text + "/"

    # -- operations -------------------------------------------------------------------------
    def start_query_execution(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """StartQueryExecution: validate, record QUEUED, wake the runner."""
        sql = str(params["QueryString"])
        wg_name = str(params.get("WorkGroup") or PRIMARY)
        token = params.get("ClientRequestToken")
        given = [str(p) for p in params.get("ExecutionParameters") or ()]
        context = dict(params.get("QueryExecutionContext") or {})
        self.check_catalog(context.get("Catalog"))
        with self.env.store.read() as conn:
            workgroup = self.workgroup(conn, ctx.region, wg_name)
            if token:
                existing = A.query_by_token(conn, ctx.region, str(token))
                if existing is not None:
                    if existing.body.get("Query") != sql:
                        raise errors.invalid_request(
                            "The ClientRequestToken was already used by a query with other "
                            "parameters"
                        )
                    return {"QueryExecutionId": existing.id}
            if workgroup.get("State") == "DISABLED":
                raise errors.invalid_request(f"WorkGroup {wg_name} is disabled.")
            output = self._output_location(workgroup, params)
            run_sql, values = self._resolve_execute(conn, ctx.region, wg_name, sql, given)
        utility = parse_utility(run_sql)
        try:
            if utility is None:
                self.runner.engine(ctx.region).validate(run_sql, values)
            elif utility.get("sql"):
                markers = ["NULL"] * str(utility["sql"]).count("?")
                self.runner.engine(ctx.region).validate(str(utility["sql"]), markers)
        except QuerySyntaxError as exc:
            raise errors.invalid_request(exc.message, "MALFORMED_QUERY") from None
        qid = str(uuid.uuid4())
        kind = statement_kind(run_sql)
        if utility is not None:
            kind = (StatementType.DDL, str(utility["kind"]))
        body: dict[str, Any] = {
            "QueryExecutionId": qid,
            "Query": sql,
            "StatementType": kind[0].value,
            "ResultConfiguration": {"OutputLocation": output + _predicted_name(kind, qid)},
            "ResultReuseConfiguration": {"ResultReuseByAgeConfiguration": {"Enabled": False}},
            "QueryExecutionContext": context,
            "Status": {"State": "QUEUED", "SubmissionDateTime": self._now()},
            "Statistics": {
                "EngineExecutionTimeInMillis": 0,
                "DataScannedInBytes": 0,
                "TotalExecutionTimeInMillis": 0,
                "QueryQueueTimeInMillis": 0,
                "ResultReuseInformation": {"ReusedPreviousResult": False},
            },
            "WorkGroup": wg_name,
            "EngineVersion": dict(ENGINE_VERSION),
            "SubstatementType": kind[1],
            "_output": output,
            "_sql": run_sql,
            "_parameters": values,
            "_submitted_wall": time.time(),
            "_account": ctx.account_id,
            "_region": ctx.region,
        }
        if utility is not None:
            body["_utility"] = utility
        if given:
            body["ExecutionParameters"] = given
        row = QueryRow(
            id=qid,
            region=ctx.region,
            workgroup=wg_name,
            state="QUEUED",
            submitted=self._now(),
            client_token=str(token) if token else None,
            body=body,
        )
        with self.env.store.transaction() as conn:
            self.workgroup(conn, ctx.region, wg_name, create=True)
            A.insert_query(conn, row)
            view = dict(body)
            self.env.store.after_commit(conn, lambda: self.runner.notify(view))
            self.env.store.after_commit(conn, self.runner.dispatcher.nudge)
        return {"QueryExecutionId": qid}

    def get_query_execution(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """GetQueryExecution."""
        row = self._query(ctx, str(params["QueryExecutionId"]))
        return {"QueryExecution": public_execution(row.body)}

    def batch_get_query_execution(
        self, ctx: RequestContext, params: dict[str, Any]
    ) -> dict[str, Any]:
        """BatchGetQueryExecution: the ones found, the unknown ids as unprocessed."""
        found: list[dict[str, Any]] = []
        missing: list[dict[str, Any]] = []
        with self.env.store.read() as conn:
            for qid in params["QueryExecutionIds"]:
                row = A.get_query(conn, str(qid))
                if row is None or row.region != ctx.region:
                    missing.append(
                        {
                            "QueryExecutionId": qid,
                            "ErrorCode": "INVALID_INPUT",
                            "ErrorMessage": f"QueryExecution {qid} was not found",
                        }
                    )
                else:
                    found.append(public_execution(row.body))
        return {"QueryExecutions": found, "UnprocessedQueryExecutionIds": missing}

    def list_query_executions(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """ListQueryExecutions: a work group's query ids, newest first."""
        wg_name = str(params.get("WorkGroup") or PRIMARY)
        with self.env.store.read() as conn:
            self.workgroup(conn, ctx.region, wg_name)
            ids = A.list_query_ids(conn, ctx.region, wg_name)
        start = decode_token(params.get("NextToken"))
        size = int(params.get("MaxResults") or 50) or 50
        out: dict[str, Any] = {"QueryExecutionIds": ids[start : start + size]}
        token = next_token(start + size, len(ids))
        if token:
            out["NextToken"] = token
        return out

    def stop_query_execution(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """StopQueryExecution: a QUEUED query ends at once, a RUNNING one is interrupted."""
        qid = str(params["QueryExecutionId"])
        self._query(ctx, qid)
        with self.env.store.transaction() as conn:
            row = A.get_query(conn, qid)
            assert row is not None
            if row.state == "QUEUED":
                body = row.body
                body["Status"].update(
                    State="CANCELLED",
                    StateChangeReason="Query cancelled by user",
                    CompletionDateTime=self._now(),
                )
                A.update_query(conn, qid, "CANCELLED", body)
                view = dict(body)
                self.env.store.after_commit(conn, lambda: self.runner.notify(view))
            elif row.state == "RUNNING":
                self.env.store.after_commit(conn, lambda: self.runner.cancel(qid))
        return {}

    def _result_view(self, row: QueryRow) -> ResultView:
        cached = self.runner.cached(row.id)
        if cached is not None:
            return cached
        meta = row.body.get("_result") or {}
        location = str(row.body["ResultConfiguration"]["OutputLocation"])
        columns = list(meta.get("columns") or [])
        output = str(meta.get("output") or "txt")
        rows: list[list[str | None]] = []
        if output in ("csv", "txt"):
            bucket, key = parse_s3(location)
            try:
                text = self.runner.s3().get_bytes(bucket, key).decode("utf-8")
            except ServiceError:
                raise errors.invalid_request(
                    f"The result object {location} of query {row.id} cannot be read"
                ) from None
            rows = parse_athena_csv(text) if output == "csv" else parse_txt(text)
        header: tuple[str, ...] | None = None
        if meta.get("header") and rows:
            header = tuple(v or "" for v in rows[0])
            rows = rows[1:]
        view = ResultView(
            column_info=columns,
            header=header,
            rows=[tuple(r) for r in rows],
            update_count=int(meta.get("update_count") or 0),
        )
        self.runner.keep(row.id, view)
        return view

    def get_query_results(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """GetQueryResults: the header row first for a SELECT, then pages of rows."""
        row = self._query(ctx, str(params["QueryExecutionId"]))
        if row.state in ("QUEUED", "RUNNING"):
            raise errors.invalid_request(f"Query has not yet finished. Current state: {row.state}")
        if row.state != "SUCCEEDED":
            raise errors.invalid_request(
                f"Query did not finish successfully. Final query state: {row.state}"
            )
        view = self._result_view(row)
        start = decode_token(params.get("NextToken"))
        size = int(params.get("MaxResults") or 1000)
        out: dict[str, Any] = {
            "UpdateCount": view.update_count,
            "ResultSet": {
                "Rows": view.page(start, size),
                "ResultSetMetadata": {"ColumnInfo": view.column_info},
            },
        }
        token = next_token(start + size, view.total)
        if token:
            out["NextToken"] = token
        return out

    def get_query_runtime_statistics(
        self, ctx: RequestContext, params: dict[str, Any]
    ) -> dict[str, Any]:
        """GetQueryRuntimeStatistics: the timeline and row counts."""
        row = self._query(ctx, str(params["QueryExecutionId"]))
        stats = row.body.get("Statistics") or {}
        timeline = {
            k: int(stats.get(k) or 0)
            for k in (
                "QueryQueueTimeInMillis",
                "ServicePreProcessingTimeInMillis",
                "QueryPlanningTimeInMillis",
                "EngineExecutionTimeInMillis",
                "ServiceProcessingTimeInMillis",
                "TotalExecutionTimeInMillis",
            )
        }
        out: dict[str, Any] = {"Timeline": timeline}
        if row.state in _ENDED:
            meta = row.body.get("_result") or {}
            out["Rows"] = {
                "InputBytes": int(stats.get("DataScannedInBytes") or 0),
                "OutputBytes": int(meta.get("bytes") or 0),
                "OutputRows": int(meta.get("rows") or 0),
            }
        return {"QueryRuntimeStatistics": out}
