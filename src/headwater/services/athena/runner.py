"""Running queries: a durable queue in the store, worker threads, DuckDB, results in the lake.

StartQueryExecution stores a QUEUED row; a :class:`~headwater.runtime.workers.dispatch.
Dispatcher` claims QUEUED rows (marking them RUNNING in the same transaction) and runs each on
one of a few worker threads through the region's :class:`~headwater.query.Engine`. A finished
statement's data files (CTAS, INSERT, UNLOAD) are registered with the S3 service, its catalog
changes applied in one transaction, its result objects (``<id>.csv`` + ``.csv.metadata``,
``<id>.txt``, ...) put through S3, and its final state recorded; listeners (Step Functions'
``.sync``, events) hear about it after that commit.

StopQueryExecution interrupts the DuckDB cursor. A server stop interrupts running queries
without recording them; the next start marks them FAILED (QUEUED ones simply run then).
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import duckdb

from headwater.lake.keys import natural_path
from headwater.query import Engine, QueryCancelledError, QueryError, QueryResult
from headwater.runtime.workers.dispatch import Dispatcher
from headwater.services.athena._core import StoreCatalog, parse_s3
from headwater.services.athena.results import ResultView
from headwater.services.athena.utility import run_utility
from headwater.services.athena.writes import register_written
from headwater.services.base import Environment, RequestContext
from headwater.services.errors import ServiceError
from headwater.services.glue.writes import CatalogWriter
from headwater.store.athena import AthenaStore as A
from headwater.store.athena import QueryRow

__all__ = ["INTERRUPTED", "QueryRunner"]

log = logging.getLogger("headwater.athena")

INTERRUPTED = "Query was interrupted by a restart of Headwater before it finished; start it again"
_WRITES = ("CREATE_TABLE_AS_SELECT", "INSERT", "UNLOAD")
_CACHE = 32
_CONTENT_TYPES = {"csv": "text/csv", "txt": "text/plain"}

Listener = Callable[[dict[str, Any]], None]


def _ms(seconds: float) -> int:
    return max(0, round(seconds * 1000))


class QueryRunner:
    """Claims, runs, cancels and records query executions."""

    def __init__(self, env: Environment, *, parallel: int = 4) -> None:
        self.env = env
        self.dispatcher: Dispatcher[QueryRow] = Dispatcher(
            "athena-queries", env.clock, self._claim, self._run, parallel=parallel
        )
        self._lock = threading.Lock()
        self._engines: dict[str, Engine] = {}
        self._cursors: dict[str, duckdb.DuckDBPyConnection] = {}
        self._cancelled: set[str] = set()
        self._results: OrderedDict[str, ResultView] = OrderedDict()
        self._listeners: dict[str, list[Listener]] = {}
        self._global: list[Listener] = []
        self._stopping = False
        self._local = threading.local()
        self._writers = ThreadPoolExecutor(max_workers=parallel, thread_name_prefix="athena-write")

    # -- lifecycle ------------------------------------------------------------------------
    def start(self) -> int:
        """Fail queries a stop interrupted, then serve the queue; returns how many failed."""
        self._stopping = False
        failed = 0
        now = self.env.clock.now()
        ended: list[dict[str, Any]] = []
        with self.env.store.transaction() as conn:
            for row in A.unfinished_queries(conn):
                if row.state != "RUNNING":
                    continue
                body = row.body
                body["Status"].update(
                    State="FAILED",
                    StateChangeReason=INTERRUPTED,
                    CompletionDateTime=int(now * 1000) / 1000,
                    AthenaError={
                        "ErrorCategory": 1,
                        "ErrorType": 401,
                        "Retryable": True,
                        "ErrorMessage": INTERRUPTED,
                    },
                )
                A.update_query(conn, row.id, "FAILED", body)
                ended.append(dict(body))
                failed += 1
            # Step Functions may already watch these (its .sync tasks resume first)
            self.env.store.after_commit(conn, lambda: self._notify_all(ended))
        self.dispatcher.start()
        self.dispatcher.nudge()
        return failed

    def stop(self) -> None:
        """Interrupt running queries (left RUNNING for the next start) and stop the queue."""
        self._stopping = True
        self._interrupt_all()
        self.dispatcher.stop()
        self._writers.shutdown(wait=True)
        with self._lock:
            engines, self._engines = list(self._engines.values()), {}
        for engine in engines:
            engine.close()

    def reset(self) -> None:
        """Drop everything held in memory (the store is wiped by the caller)."""
        self._stopping = True
        self._interrupt_all()
        self.dispatcher.wait_idle(10.0)
        with self._lock:
            self._results.clear()
            self._listeners.clear()
            self._cancelled.clear()
        # The engines stay: they hold no catalog state, and their caches are keyed by file
        # and modification time.
        self._stopping = False

    def _interrupt_all(self) -> None:
        with self._lock:
            running = list(self._cursors)
        for qid in running:
            self._interrupt(qid)

    def _interrupt(self, query_id: str) -> None:
        """Interrupt the query's cursor until its run ends.

        DuckDB drops an interrupt that arrives between two statements of one run (binding the
        tables, then the query itself), so a single call is not enough.
        """

        def keep_interrupting() -> None:
            deadline = time.monotonic() + 60.0
            while time.monotonic() < deadline:
                with self._lock:
                    cursor = self._cursors.get(query_id)
                    wanted = query_id in self._cancelled or self._stopping
                if cursor is None or not wanted:
                    return
                try:
                    cursor.interrupt()
                except duckdb.Error:
                    return  # the engine closed it: the run is ending
                time.sleep(0.02)

        threading.Thread(
            target=keep_interrupting, name=f"athena-stop-{query_id[:8]}", daemon=True
        ).start()

    # -- engines, the lake ----------------------------------------------------------------
    def engine(self, region: str) -> Engine:
        """The engine over ``region``'s catalog."""
        with self._lock:
            engine = self._engines.get(region)
            if engine is None:
                engine = Engine(StoreCatalog(self.env.store, region), path_for=self.path_for)
                self._engines[region] = engine
            return engine

    def s3(self) -> Any:
        """The S3 service (its in-process API)."""
        registry = self.env.registry
        s3 = registry.get("s3") if registry is not None else None
        if s3 is None:
            raise ServiceError(
                "InternalServerException", "the S3 service is not running", status=500
            )
        return s3

    def path_for(self, location: str) -> str:
        """The lake folder or file of an ``s3://`` location (nothing outside the lake)."""
        if not location.startswith(("s3://", "s3a://", "s3n://")):
            raise QueryError(
                f"Invalid location {location!r}: only s3:// locations are supported",
                error_name="HIVE_INVALID_METADATA",
                error_type=1100,
            )
        bucket, key = location.split("://", 1)[1].partition("/")[::2]
        key = key.strip("/")
        if not bucket or "/" in bucket or bucket in (".", "..") or (key and not natural_path(key)):
            raise QueryError(
                f"Invalid location {location!r}",
                error_name="HIVE_INVALID_METADATA",
                error_type=1100,
            )
        seen: set[str] | None = getattr(self._local, "locations", None)
        if seen is not None:
            seen.add(f"s3://{bucket}/{key}")
        base = self.env.lake_dir / bucket
        return str(base / key if key else base)

    # -- listeners ------------------------------------------------------------------------
    def watch(self, query_id: str, listener: Listener) -> Callable[[], None]:
        """Call ``listener`` with the QueryExecution once the query has ended."""
        with self._lock:
            self._listeners.setdefault(query_id, []).append(listener)

        def unsubscribe() -> None:
            with self._lock:
                found = self._listeners.get(query_id, [])
                if listener in found:
                    found.remove(listener)

        return unsubscribe

    def on_any_change(self, listener: Listener) -> None:
        """Call ``listener`` with the QueryExecution after every state change."""
        self._global.append(listener)

    def notify(self, execution: dict[str, Any]) -> None:
        """Tell listeners about a state change (after its commit)."""
        state = execution["Status"]["State"]
        done: list[Listener] = []
        if state in ("SUCCEEDED", "FAILED", "CANCELLED"):
            with self._lock:
                done = self._listeners.pop(execution["QueryExecutionId"], [])
        for listener in [*self._global, *done]:
            try:
                listener(execution)
            except Exception:
                log.exception("an Athena query listener failed")

    def _notify_all(self, executions: list[dict[str, Any]]) -> None:
        for execution in executions:
            self.notify(execution)

    # -- cancelling -----------------------------------------------------------------------
    def cancel(self, query_id: str) -> None:
        """Interrupt a running query (it ends CANCELLED)."""
        with self._lock:
            self._cancelled.add(query_id)
        self._interrupt(query_id)

    def _on_cursor(self, query_id: str) -> Callable[[duckdb.DuckDBPyConnection], None]:
        def remember(cursor: duckdb.DuckDBPyConnection) -> None:
            with self._lock:
                self._cursors[query_id] = cursor
                cancelled = query_id in self._cancelled
            if cancelled or self._stopping:
                raise QueryCancelledError()

        return remember

    # -- results --------------------------------------------------------------------------
    def cached(self, query_id: str) -> ResultView | None:
        """The result of a recent query, if still held in memory."""
        with self._lock:
            found = self._results.get(query_id)
            if found is not None:
                self._results.move_to_end(query_id)
            return found

    def keep(self, query_id: str, result: ResultView) -> None:
        """Hold a result in memory for GetQueryResults."""
        with self._lock:
            self._results[query_id] = result
            while len(self._results) > _CACHE:
                self._results.popitem(last=False)

    # -- the queue ------------------------------------------------------------------------
    def _claim(self, now: float, limit: int) -> tuple[Sequence[QueryRow], float | None]:
        if self._stopping:
            return [], None
        claimed: list[QueryRow] = []
        with self.env.store.transaction() as conn:
            for row in A.queued_queries(conn, limit):
                body = row.body
                body["Status"]["State"] = "RUNNING"
                body["_started"] = time.time()
                A.update_query(conn, row.id, "RUNNING", body)
                claimed.append(
                    QueryRow(
                        id=row.id,
                        region=row.region,
                        workgroup=row.workgroup,
                        state="RUNNING",
                        submitted=row.submitted,
                        client_token=row.client_token,
                        body=body,
                    )
                )
            views = [dict(r.body) for r in claimed]
            self.env.store.after_commit(conn, lambda: self._notify_all(views))
        return claimed, None

    def _run(self, row: QueryRow) -> None:
        qid, body = row.id, row.body
        ctx = RequestContext(
            request_id=str(uuid.uuid4()),
            region=row.region,
            account_id=str(body.get("_account") or self.env.account_id),
            service="athena",
            operation="StartQueryExecution",
            user_agent="athena.amazonaws.com",
        )
        output = str(body["_output"])
        started = time.time()
        timings: dict[str, float] = {"started": started}
        self._local.locations = set()
        try:
            self.s3().head_bucket(ctx, {"Bucket": parse_s3(output)[0]})
            context = body.get("QueryExecutionContext") or {}
            if body.get("_utility"):
                result = run_utility(self.env, row, dict(body["_utility"]))
            else:
                result = self.engine(row.region).execute(
                    str(body["_sql"]),
                    database=context.get("Database"),
                    catalog=context.get("Catalog"),
                    query_id=qid,
                    parameters=list(body.get("_parameters") or ()),
                    ctas_location=f"{output}tables/{qid}/",
                    on_cursor=self._on_cursor(qid),
                )
            timings["engine_done"] = time.time()
            with self._lock:
                if qid in self._cancelled:
                    raise QueryCancelledError()
            written: set[str] = set(self._local.locations)
            if result.substatement_type in _WRITES:
                register_written(self.env, self.s3(), ctx, written)
            if result.changes:
                with self.env.store.transaction() as conn:
                    writer = CatalogWriter(
                        conn, region=row.region, account_id=ctx.account_id, now=self.env.clock.now()
                    )
                    writer.apply(result.changes)
            location, out_bytes = self._write_results(ctx, qid, output, result)
        except QueryCancelledError:
            if self._stopping:
                return  # a server stop: the next start reports it as interrupted
            self._finish(qid, "CANCELLED", timings, reason="Query cancelled by user")
            return
        except QueryError as exc:
            self._finish(qid, "FAILED", timings, reason=exc.reason, error=exc.athena_error())
            return
        except ServiceError as err:
            message = err.message
            if err.code == "NoSuchBucket":
                message = f"Unable to verify/create output bucket {parse_s3(output)[0]}"
            error = {
                "ErrorCategory": 2,
                "ErrorType": 1000,
                "Retryable": False,
                "ErrorMessage": message,
            }
            self._finish(qid, "FAILED", timings, reason=message, error=error)
            return
        except Exception as exc:
            log.exception("query %s failed inside Headwater", qid)
            message = f"GENERIC_INTERNAL_ERROR: {exc}"
            error = {
                "ErrorCategory": 1,
                "ErrorType": 200,
                "Retryable": True,
                "ErrorMessage": message,
            }
            self._finish(qid, "FAILED", timings, reason=message, error=error)
            return
        finally:
            self._local.locations = None
            with self._lock:
                self._cursors.pop(qid, None)
                self._cancelled.discard(qid)
        self.keep(qid, ResultView.of(result))
        self._finish(
            qid, "SUCCEEDED", timings, result=result, location=location, out_bytes=out_bytes
        )

    def _write_results(
        self, ctx: RequestContext, qid: str, output: str, result: QueryResult
    ) -> tuple[str, int]:
        bucket, prefix = parse_s3(output)
        s3 = self.s3()
        name = result.output_name(qid)
        meta = result.metadata_file(qid)
        # the companion is written beside the result object, on a writer thread of its own
        pending: Future[Any] | None = None
        if meta is not None:
            pending = self._writers.submit(
                s3.put_bytes, bucket, f"{prefix}{name}.metadata", meta, ctx=ctx
            )
        data = result.result_file()
        size = 0
        try:
            if data is not None:
                s3.put_bytes(
                    bucket,
                    prefix + name,
                    data,
                    content_type=_CONTENT_TYPES.get(
                        result.output.value, "application/octet-stream"
                    ),
                    ctx=ctx,
                )
                size = len(data)
        finally:
            if pending is not None:
                pending.result()
        return f"{output}{name}", size

    def _finish(
        self,
        qid: str,
        state: str,
        timings: dict[str, float],
        *,
        reason: str | None = None,
        error: dict[str, Any] | None = None,
        result: QueryResult | None = None,
        location: str | None = None,
        out_bytes: int = 0,
    ) -> None:
        end = time.time()
        with self.env.store.transaction() as conn:
            row = A.get_query(conn, qid)
            if row is None or row.state not in ("QUEUED", "RUNNING"):
                return  # wiped by a reset, or already ended
            body = row.body
            status = body["Status"]
            status["State"] = state
            status["CompletionDateTime"] = self._stamp()
            if reason:
                status["StateChangeReason"] = reason
            if error:
                status["AthenaError"] = error
            submitted = float(body.get("_submitted_wall") or timings["started"])
            started = float(body.get("_started") or timings["started"])
            engine_done = timings.get("engine_done", end)
            stats = {
                "EngineExecutionTimeInMillis": _ms(engine_done - timings["started"]),
                "DataScannedInBytes": result.data_scanned_bytes if result else 0,
                "TotalExecutionTimeInMillis": _ms(end - submitted),
                "QueryQueueTimeInMillis": _ms(started - submitted),
                "ServicePreProcessingTimeInMillis": 0,
                "QueryPlanningTimeInMillis": 0,
                "ServiceProcessingTimeInMillis": _ms(end - engine_done),
                "ResultReuseInformation": {"ReusedPreviousResult": False},
            }
            body["Statistics"] = stats
            if result is not None:
                body["StatementType"] = result.statement_type.value
                body["SubstatementType"] = result.substatement_type
                if location:
                    body["ResultConfiguration"]["OutputLocation"] = location
                body["_result"] = {
                    "columns": result.column_info(),
                    "header": result.has_header_row,
                    "output": result.output.value,
                    "update_count": result.update_count if result.update_type else None,
                    "rows": len(result.rows),
                    "bytes": out_bytes,
                }
            A.update_query(conn, qid, state, body)
            view = dict(body)
            self.env.store.after_commit(conn, lambda: self.notify(view))

    def _stamp(self) -> float:
        return int(self.env.clock.now() * 1000) / 1000
