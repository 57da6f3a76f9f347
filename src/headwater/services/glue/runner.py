"""A crawl, for real: list the targets, sample objects, infer, apply the result in one go.

:class:`CrawlRunner` runs each crawl in a worker thread (never on an event loop): it lists
every S3 target (one query of the S3 store's object rows; ListObjectsV2 when S3 keeps no lake
folder), reads samples with ranged reads of the lake files, reads JDBC metadata through
SQLAlchemy, and hands both to the pure crawler (:func:`headwater.catalog.crawl_s3` /
:func:`~headwater.catalog.crawl_jdbc`). The result is applied in ONE transaction together
with the crawler's move to STOPPING; a second one moves it to READY with its ``LastCrawl``.
Then the crawl log goes to CloudWatch Logs (``/aws-glue/crawlers``, stream = crawler name), a
"Glue Crawler State Change" event to the default bus, and a :class:`CrawlCompletion` to
every listener.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from headwater.catalog import (
    CatalogError,
    CrawlResult,
    CrawlSpec,
    Partition,
    S3Object,
    Table,
    crawl_jdbc,
    crawl_s3,
    partition_from_wire,
    table_from_wire,
)
from headwater.services.errors import ServiceError
from headwater.services.glue.jdbc import JdbcUnavailable, open_connection_tables
from headwater.services.glue.writes import CatalogWriter
from headwater.store import s3 as s3_port
from headwater.store.glue_catalog import CrawlerRow, CrawlRow
from headwater.store.glue_catalog import GlueCatalogStore as S

if TYPE_CHECKING:
    from headwater.services.glue.crawlers import CrawlerOperations

__all__ = ["LOG_GROUP", "CrawlCancelled", "CrawlCompletion", "CrawlJob", "CrawlRunner"]

log = logging.getLogger("headwater.glue")

LOG_GROUP = "/aws-glue/crawlers"


class CrawlCancelled(Exception):
    """StopCrawler (or DeleteCrawler) ended the crawl before its result was applied."""


@dataclass(frozen=True, slots=True, kw_only=True)
class CrawlJob:
    """One crawl to run: who, which crawl id, and the crawler's definition at start."""

    region: str
    account_id: str
    crawler_name: str
    crawl_id: str
    started: float
    definition: dict[str, Any]


@dataclass(frozen=True, slots=True, kw_only=True)
class CrawlCompletion:
    """A finished crawl, as completion listeners receive it.

    ``status`` is LastCrawl's: ``SUCCEEDED``, ``FAILED`` or ``CANCELLED``.
    """

    region: str
    account_id: str
    crawler_name: str
    crawl_id: str
    status: str
    error_message: str | None
    started: float
    ended: float
    tables_created: int = 0
    tables_updated: int = 0
    tables_deleted: int = 0
    partitions_created: int = 0
    partitions_updated: int = 0
    partitions_deleted: int = 0


Listener = Callable[[CrawlCompletion], None]


def _role_principal(account: str, role: str | None) -> str | None:
    if not role:
        return None
    name = role.rsplit("/", 1)[-1]
    return f"arn:aws:sts::{account}:assumed-role/{name}/AWS-Crawler"


class CrawlRunner:
    """Runs crawls in worker threads and tells listeners when they end."""

    def __init__(self, service: CrawlerOperations, *, workers: int = 4) -> None:
        self.service = service
        self.env = service.env
        self._workers = workers
        self._pool: ThreadPoolExecutor | None = None
        self._lock = threading.Lock()
        self._cancel: dict[str, threading.Event] = {}
        self._listeners: list[Listener] = []

    # -- listeners --------------------------------------------------------------------------
    def add_listener(self, callback: Listener) -> Callable[[], None]:
        """Call ``callback`` after every crawl ends; returns a function that unsubscribes."""
        with self._lock:
            self._listeners.append(callback)

        def remove() -> None:
            with self._lock:
                if callback in self._listeners:
                    self._listeners.remove(callback)

        return remove

    def _notify(self, done: CrawlCompletion) -> None:
        with self._lock:
            listeners = list(self._listeners)
        for callback in listeners:
            try:
                callback(done)
            except Exception:  # a listener's bug must not break the crawler
                log.exception("crawl completion listener %r failed", callback)

    # -- running ----------------------------------------------------------------------------
    def submit(self, job: CrawlJob) -> None:
        """Run ``job`` in a worker thread."""
        with self._lock:
            self._cancel[job.crawl_id] = threading.Event()
            if self._pool is None:
                self._pool = ThreadPoolExecutor(self._workers, thread_name_prefix="glue-crawl")
            pool = self._pool
        pool.submit(self.run, job)

    def cancel(self, crawl_id: str) -> None:
        """Ask a running crawl to stop at its next step."""
        with self._lock:
            flag = self._cancel.get(crawl_id)
        if flag is not None:
            flag.set()

    def shutdown(self) -> None:
        """Cancel running crawls and stop the workers."""
        with self._lock:
            for flag in self._cancel.values():
                flag.set()
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)

    def _check(self, job: CrawlJob) -> None:
        with self._lock:
            flag = self._cancel.get(job.crawl_id)
        if flag is not None and flag.is_set():
            raise CrawlCancelled()

    def run(self, job: CrawlJob) -> None:
        """The whole crawl; never raises (a failure is the crawl's FAILED state)."""
        lines: list[tuple[float, str]] = []

        def say(text: str) -> None:
            lines.append((self.env.clock.now(), f"[{job.crawl_id}] {text}"))

        say(f"BENCHMARK : Running Start Crawl for Crawler {job.crawler_name}")
        results: list[CrawlResult] = []
        status, error = "SUCCEEDED", None
        try:
            spec = self._spec(job)
            say(
                "INFO : Crawler configured with SchemaChangePolicy "
                f"{{UpdateBehavior: {spec.update_behavior}, "
                f"DeleteBehavior: {spec.delete_behavior}}}"
            )
            if spec.targets:
                results.append(self._crawl_s3(job, spec))
            if spec.jdbc_targets:
                results.extend(self._crawl_jdbc(job, spec))
            self._check(job)
            for result in results:
                for line in result.log:
                    say(line)
            say(
                f"BENCHMARK : Classification complete, writing results to database "
                f"{spec.database_name}"
            )
            self._apply(job, spec, results)
            say("BENCHMARK : Finished writing to Catalog")
        except CrawlCancelled:
            status, error = "CANCELLED", None
            results = []
            say("INFO : Crawl cancelled by StopCrawler")
        except (ServiceError, CatalogError, JdbcUnavailable, OSError) as exc:
            status = "FAILED"
            error = exc.message if isinstance(exc, ServiceError) else str(exc)
            results = []
            say(f"ERROR : Internal Service Exception: {error}")
        except Exception as exc:  # a bug of ours: the crawl fails, the message says so
            log.exception("crawl %s of %s crashed", job.crawl_id, job.crawler_name)
            status, error, results = "FAILED", f"Internal Service Exception: {exc}", []
            say(f"ERROR : {error}")
        say("BENCHMARK : Crawler has finished running and is in state READY")
        done = self._finish(job, status, error, results)
        with self._lock:
            self._cancel.pop(job.crawl_id, None)
        self._write_log(job, lines)
        if done is not None:
            self.service.emit_state_change(done)
            self._notify(done)

    def _spec(self, job: CrawlJob) -> CrawlSpec:
        names = [str(n) for n in job.definition.get("Classifiers") or []]
        custom = self.service.classifier_dicts(job.region, names)
        try:
            return CrawlSpec.from_wire(job.definition, custom)
        except CatalogError as exc:
            raise ServiceError("InvalidInputException", str(exc)) from None

    def _existing(
        self, job: CrawlJob, database: str
    ) -> tuple[list[Table], dict[str, list[Partition]]]:
        with self.env.store.read() as conn:
            tables = S.list_tables(conn, job.region, database)
            parts = {
                str(t["Name"]): S.list_partitions(conn, job.region, database, str(t["Name"]))
                for t in tables
                if t.get("PartitionKeys")
            }
        return (
            [table_from_wire(t) for t in tables],
            {k: [partition_from_wire(p) for p in v] for k, v in parts.items()},
        )

    def _crawl_s3(self, job: CrawlJob, spec: CrawlSpec) -> CrawlResult:
        s3: Any = self.env.registry.get("s3") if self.env.registry else None
        if s3 is None:
            raise ServiceError("InvalidInputException", "S3 is not enabled on this server")
        listings: dict[str, list[S3Object]] = {}
        storage: dict[tuple[str, str], str] = {}
        for target in spec.targets:
            self._check(job)
            try:
                objects = self._list(s3, target.bucket, target.prefix, storage)
            except ServiceError as err:
                raise ServiceError(
                    "InvalidInputException",
                    f"The S3 location {target.path} is not valid: {err.message}",
                ) from None
            listings[target.path] = objects

        def read(bucket: str, key: str, offset: int, length: int) -> bytes:
            self._check(job)
            where = storage.get((bucket, key))
            path = s3.lake.path(bucket, where) if where else s3.local_path(bucket, key)
            with open(path, "rb") as handle:
                if offset:
                    handle.seek(offset)
                data: bytes = handle.read(length)
            return data

        tables, parts = self._existing(job, spec.database_name)
        return crawl_s3(spec, listings, read, existing_tables=tables, existing_partitions=parts)

    def _list(
        self, s3: Any, bucket: str, prefix: str, storage: dict[tuple[str, str], str]
    ) -> list[S3Object]:
        """Every object under ``prefix`` (key and size); where its bytes are kept.

        S3's ListObjectsV2 builds the whole wire shape of every object (about 0.1 ms each), so
        a crawl of 10,000 objects would spend a second listing. The crawl reads the S3
        store's object rows instead (the columns it needs, in one query) when the S3 service
        keeps its objects in the lake folder; otherwise it pages through ListObjectsV2.
        """
        lake = getattr(s3, "lake", None)
        if lake is None or not hasattr(lake, "path"):
            return self._list_v2(s3, bucket, prefix)
        table = s3_port.s3_objects
        query = sa.select(table.c.key, table.c.size, table.c.storage).where(
            table.c.bucket == bucket
        )
        if prefix:
            query = query.where(table.c.key >= prefix)
            upper = s3_port.successor(prefix)
            if upper is not None:
                query = query.where(table.c.key < upper)
        with self.env.store.read() as conn:
            if s3_port.get_bucket(conn, bucket) is None:
                raise ServiceError("NoSuchBucket", "The specified bucket does not exist")
            rows = conn.execute(query.order_by(table.c.key)).all()
        objects = []
        for key, size, where in rows:
            if not where.endswith("/"):
                storage[(bucket, key)] = where
            # The crawl needs keys and sizes only (times and ETags play no part in it).
            objects.append(S3Object(key=key, size=int(size)))
        return objects

    def _list_v2(self, s3: Any, bucket: str, prefix: str) -> list[S3Object]:
        ctx = s3.internal_context("ListObjectsV2")
        objects: list[S3Object] = []
        params: dict[str, Any] = {"Bucket": bucket, "Prefix": prefix}
        while True:
            page = s3.list_objects_v2(ctx, params)
            for c in page.get("Contents") or []:
                objects.append(
                    S3Object(
                        key=c["Key"],
                        size=int(c["Size"]),
                        last_modified=c.get("LastModified"),
                        etag=str(c.get("ETag", "")).strip('"'),
                    )
                )
            token = page.get("NextContinuationToken")
            if not token:
                return objects
            params = {**params, "ContinuationToken": token}

    def _crawl_jdbc(self, job: CrawlJob, spec: CrawlSpec) -> list[CrawlResult]:
        results = []
        by_connection: dict[str, list[Any]] = {}
        for target in spec.jdbc_targets:
            by_connection.setdefault(target.connection_name, []).append(target)
        for name, targets in by_connection.items():
            self._check(job)
            connection = self.service.connection(job.region, name)
            if connection is None:
                raise ServiceError("EntityNotFoundException", f"Connection {name} not found.")
            props = connection.get("ConnectionProperties") or {}
            source, found = open_connection_tables(props)
            tables, _ = self._existing(job, spec.database_name)
            sub = replace(spec, targets=(), jdbc_targets=tuple(targets))
            results.append(
                crawl_jdbc(
                    sub, source.engine, {t.path: found for t in targets}, existing_tables=tables
                )
            )
        return results

    # -- applying ---------------------------------------------------------------------------
    def _current(self, conn: Any, job: CrawlJob) -> CrawlerRow:
        row = S.get_crawler(conn, job.region, job.crawler_name)
        if row is None or row.crawl_id != job.crawl_id:
            raise CrawlCancelled()
        return row

    def _apply(self, job: CrawlJob, spec: CrawlSpec, results: list[CrawlResult]) -> None:
        now = self.service.now()
        with self.env.store.transaction() as conn:
            row = self._current(conn, job)
            if row.state != "RUNNING":
                raise CrawlCancelled()
            self._check(job)
            writer = CatalogWriter(conn, region=job.region, account_id=job.account_id, now=now)
            writer.create_database({"Name": spec.database_name}, if_missing=True)
            creator = _role_principal(job.account_id, job.definition.get("Role"))
            db = spec.database_name
            for result in results:
                for table in result.tables_to_create:
                    if S.get_table(conn, job.region, db, table.name) is None:
                        writer.create_table(db, table, created_by=creator)
                    else:
                        writer.update_table(db, table)
                for table in result.tables_to_update:
                    writer.update_table(db, table)
                for name in result.tables_to_delete:
                    writer.delete_table(db, name)
                for name, parts in result.partitions_to_create.items():
                    writer.add_partitions(db, name, parts, replace_existing=True)
                for name, parts in result.partitions_to_update.items():
                    for part in parts:
                        writer.update_partition(db, name, part.values, part)
                for name, values in result.partitions_to_delete.items():
                    writer.delete_partitions(db, name, values, collect_errors=True)
            S.put_crawler(conn, replace(row, state="STOPPING", updated=row.updated))
            S.put_crawl(
                conn,
                CrawlRow(
                    crawl_id=job.crawl_id,
                    region=job.region,
                    crawler=job.crawler_name,
                    state="RUNNING",
                    started=job.started,
                    ended=None,
                    error=None,
                    summary={"applied": True},
                ),
            )

    def _finish(
        self, job: CrawlJob, status: str, error: str | None, results: list[CrawlResult]
    ) -> CrawlCompletion | None:
        counts = {
            "tables_created": sum(r.metrics.tables_created for r in results),
            "tables_updated": sum(r.metrics.tables_updated for r in results),
            "tables_deleted": sum(r.metrics.tables_deleted for r in results),
            "partitions_created": sum(r.metrics.partitions_created for r in results),
            "partitions_updated": sum(r.metrics.partitions_updated for r in results),
            "partitions_deleted": sum(r.metrics.partitions_deleted for r in results),
        }
        ended = self.service.now()
        with self.env.store.transaction() as conn:
            row = S.get_crawler(conn, job.region, job.crawler_name)
            if row is None or row.crawl_id != job.crawl_id:
                return None  # deleted while running: nothing left to record
            finish_crawl(conn, row, job.crawl_id, job.started, ended, status, error, counts)
        return CrawlCompletion(
            region=job.region,
            account_id=job.account_id,
            crawler_name=job.crawler_name,
            crawl_id=job.crawl_id,
            status=status,
            error_message=error,
            started=job.started,
            ended=ended,
            **counts,
        )

    def _write_log(self, job: CrawlJob, lines: list[tuple[float, str]]) -> None:
        logs: Any = self.env.registry.get("logs") if self.env.registry else None
        if logs is None or not hasattr(logs, "append"):
            return
        try:
            logs.append(LOG_GROUP, job.crawler_name, lines)
        except Exception:  # logging must never change the crawl's outcome
            log.exception("cannot write the crawl log of %s", job.crawler_name)


def finish_crawl(
    conn: Any,
    row: CrawlerRow,
    crawl_id: str,
    started: float,
    ended: float,
    status: str,
    error: str | None,
    counts: dict[str, int],
) -> None:
    """Record a crawl's end: LastCrawl, metrics, history, state READY."""
    history_state = {"SUCCEEDED": "COMPLETED", "FAILED": "FAILED", "CANCELLED": "STOPPED"}[status]
    summary = {
        "TABLE": {
            "ADD": {"Count": counts.get("tables_created", 0)},
            "UPDATE": {"Count": counts.get("tables_updated", 0)},
            "DELETE": {"Count": counts.get("tables_deleted", 0)},
        },
        "PARTITION": {
            "ADD": {"Count": counts.get("partitions_created", 0)},
            "UPDATE": {"Count": counts.get("partitions_updated", 0)},
            "DELETE": {"Count": counts.get("partitions_deleted", 0)},
        },
    }
    S.put_crawl(
        conn,
        CrawlRow(
            crawl_id=crawl_id,
            region=row.region,
            crawler=row.name,
            state=history_state,
            started=started,
            ended=ended,
            error=error,
            summary=summary,
        ),
    )
    durations = sorted(
        (c.ended or c.started) - c.started
        for c in S.list_crawls(conn, row.region, row.name)
        if c.ended is not None
    )
    median = 0.0
    if durations:
        mid = len(durations) // 2
        median = durations[mid] if len(durations) % 2 else (durations[mid - 1] + durations[mid]) / 2
    last: dict[str, Any] = {
        "Status": status,
        "LogGroup": LOG_GROUP,
        "LogStream": row.name,
        "MessagePrefix": crawl_id,
        "StartTime": started,
    }
    if error:
        last["ErrorMessage"] = error
    metrics = dict(row.metrics)
    metrics.update(
        {
            "LastRuntimeSeconds": round(ended - started, 3),
            "MedianRuntimeSeconds": round(median, 3),
        }
    )
    if status == "SUCCEEDED":
        metrics.update(
            {
                "TablesCreated": counts.get("tables_created", 0),
                "TablesUpdated": counts.get("tables_updated", 0),
                "TablesDeleted": counts.get("tables_deleted", 0),
            }
        )
    S.put_crawler(
        conn,
        replace(
            row,
            state="READY",
            crawl_id=None,
            crawl_started=None,
            last_crawl=last,
            metrics=metrics,
        ),
    )


def new_crawl_id() -> str:
    """A crawl id (Glue's are UUIDs)."""
    return str(uuid.uuid4())
