"""Crawler operations: definitions, StartCrawler / StopCrawler, metrics, history, schedules.

A crawler is READY, RUNNING (already when StartCrawler returns), STOPPING (its result is in
the catalog, or StopCrawler asked it to end), then READY again with ``LastCrawl``. The crawl
itself is :class:`~headwater.services.glue.runner.CrawlRunner`'s. Other services start crawls
with :meth:`CrawlerOperations.start_crawl` and learn that they ended through
:meth:`CrawlerOperations.add_completion_listener` (see ``docs/catalog.md``).
"""

from __future__ import annotations

import json
import logging
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from headwater.catalog import CatalogError, CrawlSpec
from headwater.events import EventsError, compile_schedule
from headwater.services.base import Environment, RequestContext
from headwater.services.glue import errors
from headwater.services.glue._core import page
from headwater.services.glue.classifiers import ClassifierOperations
from headwater.services.glue.connections import ConnectionOperations
from headwater.services.glue.runner import (
    LOG_GROUP,
    CrawlCompletion,
    CrawlJob,
    CrawlRunner,
    Listener,
    finish_crawl,
    new_crawl_id,
)
from headwater.store.glue_catalog import CrawlerRow, CrawlRow
from headwater.store.glue_catalog import GlueCatalogStore as S

__all__ = ["CrawlerOperations"]

log = logging.getLogger("headwater.glue")

_TARGET_KINDS = (
    "S3Targets",
    "JdbcTargets",
    "MongoDBTargets",
    "DynamoDBTargets",
    "CatalogTargets",
    "DeltaTargets",
    "IcebergTargets",
    "HudiTargets",
)
_DEFINITION_MEMBERS = (
    "Role",
    "DatabaseName",
    "Description",
    "Targets",
    "Classifiers",
    "TablePrefix",
    "SchemaChangePolicy",
    "RecrawlPolicy",
    "LineageConfiguration",
    "LakeFormationConfiguration",
    "Configuration",
    "CrawlerSecurityConfiguration",
)


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _normalise(params: dict[str, Any], base: dict[str, Any] | None = None) -> dict[str, Any]:
    """The stored definition: the request's members over ``base``, with Glue's defaults."""
    out = dict(base or {})
    out["Name"] = params.get("Name", out.get("Name"))
    for member in _DEFINITION_MEMBERS:
        if params.get(member) is not None:
            out[member] = params[member]
    targets = dict(out.get("Targets") or {})
    for kind in _TARGET_KINDS:
        targets.setdefault(kind, [])
    for kind in ("S3Targets", "JdbcTargets"):
        # GetCrawler shows every S3 and JDBC target with its (possibly empty) Exclusions.
        targets[kind] = [
            {**t, "Exclusions": list(t.get("Exclusions") or [])} if isinstance(t, dict) else t
            for t in targets[kind]
        ]
    out["Targets"] = targets
    out.setdefault("Classifiers", [])
    out["RecrawlPolicy"] = {
        "RecrawlBehavior": "CRAWL_EVERYTHING",
        **(out.get("RecrawlPolicy") or {}),
    }
    # An incremental crawler only logs schema changes: LOG is its default (and only) policy.
    incremental = out["RecrawlPolicy"].get("RecrawlBehavior") == "CRAWL_NEW_FOLDERS_ONLY"
    policy = dict(out.get("SchemaChangePolicy") or {})
    policy.setdefault("UpdateBehavior", "LOG" if incremental else "UPDATE_IN_DATABASE")
    policy.setdefault("DeleteBehavior", "LOG" if incremental else "DEPRECATE_IN_DATABASE")
    out["SchemaChangePolicy"] = policy
    out["LineageConfiguration"] = {
        "CrawlerLineageSettings": "DISABLE",
        **(out.get("LineageConfiguration") or {}),
    }
    out["LakeFormationConfiguration"] = {
        "UseLakeFormationCredentials": False,
        "AccountId": "",
        **(out.get("LakeFormationConfiguration") or {}),
    }
    if "Schedule" in params:
        out["Schedule"] = params.get("Schedule") or None
    return out


class CrawlerOperations(ClassifierOperations, ConnectionOperations):
    """CreateCrawler ... ListCrawls, StartCrawlerSchedule / StopCrawlerSchedule."""

    def __init__(self, env: Environment) -> None:
        super().__init__(env)
        self.runner = CrawlRunner(self)

    def now(self) -> float:
        """The clock's time (milliseconds), for the runner."""
        return self._now()

    # -- Python API for other services -------------------------------------------------------
    def add_completion_listener(self, callback: Listener) -> Any:
        """Call ``callback(CrawlCompletion)`` after every crawl ends (in a worker thread).

        Returns a function that removes the listener. Keep callbacks short: hand the work to
        your own loop or queue.
        """
        return self.runner.add_listener(callback)

    def start_crawl(self, region: str, name: str, *, account_id: str | None = None) -> str:
        """Start a crawl as StartCrawler does; returns its crawl id.

        Raises:
            ServiceError: EntityNotFoundException, CrawlerRunningException.
        """
        account = account_id or self.env.account_id
        now = self._now()
        with self.env.store.transaction() as conn:
            row = S.get_crawler(conn, region, name)
            if row is None:
                raise errors.crawler_not_found(name, entry=False)
            if row.state != "READY":
                raise errors.crawler_running(name)
            crawl_id = new_crawl_id()
            # Two crawls of one crawler never share a start time (ListCrawls orders by it),
            # also on a clock that does not move.
            latest = S.latest_crawl_start(conn, region, name)
            if latest is not None and now <= latest:
                now = round(latest + 0.001, 3)
            S.put_crawler(conn, replace(row, state="RUNNING", crawl_id=crawl_id, crawl_started=now))
            S.put_crawl(
                conn,
                CrawlRow(
                    crawl_id=crawl_id,
                    region=region,
                    crawler=name,
                    state="RUNNING",
                    started=now,
                    ended=None,
                    error=None,
                ),
            )
        job = CrawlJob(
            region=region,
            account_id=account,
            crawler_name=name,
            crawl_id=crawl_id,
            started=now,
            definition=row.definition,
        )
        self._emit_crawler_event(
            region,
            account,
            {
                "accountId": account,
                "crawlerName": name,
                "startTime": _iso(now),
                "state": "Started",
                "message": "Crawler Started",
            },
            now,
        )
        self.runner.submit(job)
        return crawl_id

    def crawl_status(self, region: str, crawl_id: str) -> dict[str, Any] | None:
        """What the store knows of a crawl, also after a restart.

        ``{"CrawlerName", "State", "StartTime", "EndTime", "ErrorMessage"}``; State is
        RUNNING, COMPLETED, FAILED or STOPPED.
        """
        with self.env.store.read() as conn:
            for row in S.list_crawlers(conn, region):
                for crawl in S.list_crawls(conn, region, row.name):
                    if crawl.crawl_id == crawl_id:
                        return {
                            "CrawlerName": crawl.crawler,
                            "State": crawl.state,
                            "StartTime": crawl.started,
                            "EndTime": crawl.ended,
                            "ErrorMessage": crawl.error,
                        }
        return None

    # -- events -----------------------------------------------------------------------------
    def _emit_crawler_event(
        self, region: str, account: str, detail: dict[str, Any], at: float
    ) -> None:
        events: Any = self.env.registry.get("events") if self.env.registry else None
        if events is None or not hasattr(events, "ingest_event"):
            return
        import uuid

        event = {
            "version": "0",
            "id": str(uuid.uuid4()),
            "detail-type": "Glue Crawler State Change",
            "source": "aws.glue",
            "account": account,
            "time": _iso(at),
            "region": region,
            "resources": [],
            "detail": detail,
        }
        try:
            events.ingest_event(event, region=region, bus="default")
        except Exception:  # events are best effort in AWS too
            log.exception("cannot emit the crawler state change of %s", detail.get("crawlerName"))

    def emit_state_change(self, done: CrawlCompletion) -> None:
        """The Succeeded / Failed event of a finished crawl (none for a cancelled one)."""
        link = (
            f"https://console.aws.amazon.com/cloudwatch/home?region={done.region}"
            f"#logEventViewer:group={LOG_GROUP};stream={done.crawler_name}"
        )
        if done.status == "SUCCEEDED":
            detail = {
                "tablesCreated": str(done.tables_created),
                "warningMessage": "N/A",
                "partitionsUpdated": str(done.partitions_updated),
                "tablesUpdated": str(done.tables_updated),
                "message": "Crawler Succeeded",
                "partitionsDeleted": str(done.partitions_deleted),
                "accountId": done.account_id,
                "runningTime (sec)": str(int(done.ended - done.started)),
                "tablesDeleted": str(done.tables_deleted),
                "crawlerName": done.crawler_name,
                "completionDate": _iso(done.ended),
                "state": "Succeeded",
                "partitionsCreated": str(done.partitions_created),
                "cloudWatchLogLink": link,
            }
        elif done.status == "FAILED":
            detail = {
                "crawlerName": done.crawler_name,
                "errorMessage": done.error_message or "",
                "accountId": done.account_id,
                "cloudWatchLogLink": link,
                "state": "Failed",
                "message": "Crawler Failed",
            }
        else:
            return
        self._emit_crawler_event(done.region, done.account_id, detail, done.ended)

    # -- definitions ------------------------------------------------------------------------
    def _validate_crawler(self, ctx: RequestContext, definition: dict[str, Any]) -> None:
        targets = definition.get("Targets") or {}
        if not any(targets.get(kind) for kind in _TARGET_KINDS):
            raise errors.invalid_input("Crawler must have at least one target")
        recrawl = (definition.get("RecrawlPolicy") or {}).get("RecrawlBehavior")
        policy = definition.get("SchemaChangePolicy") or {}
        if recrawl == "CRAWL_NEW_FOLDERS_ONLY" and (
            policy.get("UpdateBehavior") != "LOG" or policy.get("DeleteBehavior") != "LOG"
        ):
            raise errors.invalid_input(
                'The SchemaChangePolicy for "Crawl new folders only" Amazon S3 target can '
                "have only LOG DeleteBehavior value and LOG UpdateBehavior value."
            )
        names = [str(n) for n in definition.get("Classifiers") or []]
        found = self.classifier_dicts(ctx.region, names)
        known = {next(iter(c.values()))["Name"] for c in found}
        missing = [n for n in names if n not in known]
        if missing:
            raise errors.invalid_input(f"Classifier {missing[0]} does not exist")
        try:
            CrawlSpec.from_wire(definition, found)
        except CatalogError as exc:
            raise errors.invalid_input(str(exc)) from None
        except (TypeError, ValueError) as exc:
            raise errors.invalid_input(str(exc)) from None
        schedule = definition.get("Schedule")
        if schedule:
            self._compile_schedule(str(schedule))

    @staticmethod
    def _compile_schedule(expression: str) -> Any:
        if not expression.startswith("cron("):
            raise errors.invalid_input(f"Invalid schedule expression: {expression}")
        try:
            return compile_schedule(expression)
        except EventsError:
            raise errors.invalid_input(f"Invalid schedule expression: {expression}") from None

    def _crawler_next_fire(
        self, definition: dict[str, Any], state: str, now: float
    ) -> float | None:
        schedule = definition.get("Schedule")
        if not schedule or state != "SCHEDULED":
            return None
        nxt = self._compile_schedule(str(schedule)).next_fire_after(now)
        return None if nxt is None else float(nxt)

    def _crawler_out(self, row: CrawlerRow) -> dict[str, Any]:
        d = row.definition
        out: dict[str, Any] = {
            "Name": row.name,
            "Targets": d.get("Targets") or {},
            "Classifiers": d.get("Classifiers") or [],
            "RecrawlPolicy": d.get("RecrawlPolicy"),
            "SchemaChangePolicy": d.get("SchemaChangePolicy"),
            "LineageConfiguration": d.get("LineageConfiguration"),
            "State": row.state,
            "CrawlElapsedTime": max(0, int((self._now() - row.crawl_started) * 1000))
            if row.crawl_started is not None
            else 0,
            "CreationTime": row.created,
            "LastUpdated": row.updated,
            "Version": row.version,
            "LakeFormationConfiguration": d.get("LakeFormationConfiguration"),
        }
        for member in (
            "Role",
            "DatabaseName",
            "Description",
            "TablePrefix",
            "Configuration",
            "CrawlerSecurityConfiguration",
        ):
            if d.get(member) is not None:
                out[member] = d[member]
        if d.get("Schedule"):
            out["Schedule"] = {
                "ScheduleExpression": d["Schedule"],
                "State": d.get("ScheduleState", "SCHEDULED"),
            }
        if row.last_crawl:
            out["LastCrawl"] = row.last_crawl
        return out

    def create_crawler(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """CreateCrawler: validated (globs, configuration JSON, classifiers, cron) now."""
        definition = _normalise(params)
        if definition.get("Schedule"):
            definition["ScheduleState"] = "SCHEDULED"
        self._validate_crawler(ctx, definition)
        name = str(params["Name"])
        now = self._now()
        tags = self._tags_in(params)
        with self.env.store.transaction() as conn:
            if S.get_crawler(conn, ctx.region, name) is not None:
                raise errors.already_exists(f"{name} already exists")
            S.put_crawler(
                conn,
                CrawlerRow(
                    region=ctx.region,
                    name=name,
                    definition=definition,
                    state="READY",
                    crawl_id=None,
                    crawl_started=None,
                    last_crawl=None,
                    metrics={},
                    version=1,
                    created=now,
                    updated=now,
                    next_fire=self._crawler_next_fire(definition, "SCHEDULED", now),
                ),
            )
            if tags:
                S.put_tags(conn, self._arn(ctx, "crawler", name), tags)
        self.schedule_changed()
        return {}

    def _crawler(self, ctx: RequestContext, name: str) -> CrawlerRow:
        with self.env.store.read() as conn:
            row = S.get_crawler(conn, ctx.region, name)
        if row is None:
            raise errors.crawler_not_found(name)
        return row

    def get_crawler(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """GetCrawler."""
        return {"Crawler": self._crawler_out(self._crawler(ctx, params["Name"]))}

    def get_crawlers(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """GetCrawlers."""
        with self.env.store.read() as conn:
            rows = S.list_crawlers(conn, ctx.region)
        chunk, nxt = page(rows, params)
        out: dict[str, Any] = {"Crawlers": [self._crawler_out(r) for r in chunk]}
        if nxt:
            out["NextToken"] = nxt
        return out

    def batch_get_crawlers(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """BatchGetCrawlers."""
        found, missing = [], []
        with self.env.store.read() as conn:
            for name in params["CrawlerNames"]:
                row = S.get_crawler(conn, ctx.region, name)
                if row is None:
                    missing.append(name)
                else:
                    found.append(self._crawler_out(row))
        return {"Crawlers": found, "CrawlersNotFound": missing}

    def list_crawlers(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """ListCrawlers (Tags filter)."""
        wanted = self._tags_in(params)
        with self.env.store.read() as conn:
            rows = S.list_crawlers(conn, ctx.region)
            if wanted:
                rows = [
                    r
                    for r in rows
                    if wanted.items() <= S.get_tags(conn, self._arn(ctx, "crawler", r.name)).items()
                ]
        chunk, nxt = page([r.name for r in rows], params)
        out: dict[str, Any] = {"CrawlerNames": chunk}
        if nxt:
            out["NextToken"] = nxt
        return out

    def update_crawler(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """UpdateCrawler: given members replace the stored ones (not while running)."""
        name = params["Name"]
        with self.env.store.transaction() as conn:
            row = S.get_crawler(conn, ctx.region, name)
            if row is None:
                raise errors.crawler_not_found(name)
            if row.state != "READY":
                raise errors.crawler_running(name)
            definition = _normalise(params, row.definition)
            if "Schedule" in params:
                if definition.get("Schedule"):
                    definition["ScheduleState"] = "SCHEDULED"
                else:
                    definition.pop("ScheduleState", None)
            self._validate_crawler(ctx, definition)
            now = self._now()
            state = str(definition.get("ScheduleState", "NOT_SCHEDULED"))
            S.put_crawler(
                conn,
                replace(
                    row,
                    definition=definition,
                    version=row.version + 1,
                    updated=now,
                    next_fire=self._crawler_next_fire(definition, state, now),
                ),
            )
        self.schedule_changed()
        return {}

    def delete_crawler(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """DeleteCrawler (refused while running, as Glue does)."""
        name = params["Name"]
        with self.env.store.transaction() as conn:
            row = S.get_crawler(conn, ctx.region, name)
            if row is None:
                raise errors.crawler_not_found(name)
            if row.state != "READY":
                raise errors.crawler_running(name)
            S.delete_crawler(conn, ctx.region, name)
            S.put_tags(conn, self._arn(ctx, "crawler", name), {})
        self.schedule_changed()
        return {}

    # -- running ----------------------------------------------------------------------------
    def start_crawler(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """StartCrawler: the crawler is RUNNING when this returns."""
        self.start_crawl(ctx.region, params["Name"], account_id=ctx.account_id)
        return {}

    def stop_crawler(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """StopCrawler: a running crawl ends CANCELLED without changing the catalog."""
        name = params["Name"]
        with self.env.store.transaction() as conn:
            row = S.get_crawler(conn, ctx.region, name)
            if row is None:
                raise errors.crawler_not_found(name, entry=False)
            if row.state == "READY":
                raise errors.crawler_not_running(name)
            if row.state == "STOPPING":
                raise errors.crawler_stopping(name)
            S.put_crawler(conn, replace(row, state="STOPPING"))
            crawl_id = row.crawl_id
        if crawl_id:
            self.runner.cancel(crawl_id)
        return {}

    def get_crawler_metrics(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """GetCrawlerMetrics."""
        names = params.get("CrawlerNameList")
        with self.env.store.read() as conn:
            rows = S.list_crawlers(conn, ctx.region)
        if names:
            rows = [r for r in rows if r.name in set(names)]
        chunk, nxt = page(rows, params)
        metrics = []
        for row in chunk:
            m = row.metrics
            metrics.append(
                {
                    "CrawlerName": row.name,
                    "TimeLeftSeconds": 0.0,
                    "StillEstimating": row.state == "RUNNING",
                    "LastRuntimeSeconds": float(m.get("LastRuntimeSeconds", 0.0)),
                    "MedianRuntimeSeconds": float(m.get("MedianRuntimeSeconds", 0.0)),
                    "TablesCreated": int(m.get("TablesCreated", 0)),
                    "TablesUpdated": int(m.get("TablesUpdated", 0)),
                    "TablesDeleted": int(m.get("TablesDeleted", 0)),
                }
            )
        out: dict[str, Any] = {"CrawlerMetricsList": metrics}
        if nxt:
            out["NextToken"] = nxt
        return out

    def list_crawls(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """ListCrawls (Filters on STATE / CRAWL_ID / START_TIME / END_TIME, EQ and friends)."""
        name = params["CrawlerName"]
        with self.env.store.read() as conn:
            if S.get_crawler(conn, ctx.region, name) is None:
                raise errors.crawler_not_found(name)
            found = S.list_crawls(conn, ctx.region, name)
        items = []
        for c in found:
            item: dict[str, Any] = {
                "CrawlId": c.crawl_id,
                "State": c.state,
                "StartTime": c.started,
                "LogGroup": LOG_GROUP,
                "LogStream": name,
                "MessagePrefix": c.crawl_id,
                "DPUHour": 0.0,
            }
            if c.ended is not None:
                item["EndTime"] = c.ended
            if c.error:
                item["ErrorMessage"] = c.error
            summary = {k: v for k, v in c.summary.items() if k != "applied"}
            if summary:
                item["Summary"] = json.dumps(summary)
            items.append(item)
        for flt in params.get("Filters") or []:
            items = [i for i in items if _crawl_filter(i, flt)]
        chunk, nxt = page(items, params, default=20)
        out: dict[str, Any] = {"Crawls": chunk}
        if nxt:
            out["NextToken"] = nxt
        return out

    # -- schedules --------------------------------------------------------------------------
    def _set_schedule_state(self, ctx: RequestContext, name: str, want: str) -> None:
        with self.env.store.transaction() as conn:
            row = S.get_crawler(conn, ctx.region, name)
            if row is None:
                raise errors.crawler_not_found(name)
            if not row.definition.get("Schedule"):
                raise errors.no_schedule(name)
            state = row.definition.get("ScheduleState", "SCHEDULED")
            if state == want:
                raise (
                    errors.scheduler_running(name)
                    if want == "SCHEDULED"
                    else errors.scheduler_not_running(name)
                )
            definition = {**row.definition, "ScheduleState": want}
            S.put_crawler(
                conn,
                replace(
                    row,
                    definition=definition,
                    next_fire=self._crawler_next_fire(definition, want, self._now()),
                ),
            )
        self.schedule_changed()

    def start_crawler_schedule(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """StartCrawlerSchedule."""
        self._set_schedule_state(ctx, params["CrawlerName"], "SCHEDULED")
        return {}

    def stop_crawler_schedule(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """StopCrawlerSchedule."""
        self._set_schedule_state(ctx, params["CrawlerName"], "NOT_SCHEDULED")
        return {}

    def update_crawler_schedule(
        self, ctx: RequestContext, params: dict[str, Any]
    ) -> dict[str, Any]:
        """UpdateCrawlerSchedule."""
        name = params["CrawlerName"]
        expression = params.get("Schedule")
        if expression:
            self._compile_schedule(str(expression))
        with self.env.store.transaction() as conn:
            row = S.get_crawler(conn, ctx.region, name)
            if row is None:
                raise errors.crawler_not_found(name)
            definition = {**row.definition, "Schedule": expression or None}
            state = str(definition.get("ScheduleState") or "SCHEDULED")
            definition["ScheduleState"] = state
            S.put_crawler(
                conn,
                replace(
                    row,
                    definition=definition,
                    version=row.version + 1,
                    updated=self._now(),
                    next_fire=self._crawler_next_fire(definition, state, self._now()),
                ),
            )
        self.schedule_changed()
        return {}

    def schedule_changed(self) -> None:
        """Wake the schedule loop (overridden by the service, which owns the loop)."""

    # -- restart ----------------------------------------------------------------------------
    def recover_crawls(self) -> int:
        """Finish crawls a previous process left RUNNING or STOPPING; returns how many.

        A crawl whose result was applied ends SUCCEEDED; one stopped by StopCrawler ends
        CANCELLED; any other FAILED ("interrupted by a restart"), its catalog untouched.
        """
        recovered = 0
        now = self._now()
        with self.env.store.transaction() as conn:
            for row in S.list_crawlers(conn):
                if row.state == "READY" or row.crawl_id is None:
                    continue
                crawl = next(
                    (
                        c
                        for c in S.list_crawls(conn, row.region, row.name)
                        if c.crawl_id == row.crawl_id
                    ),
                    None,
                )
                started = row.crawl_started or now
                if crawl is not None and crawl.summary.get("applied"):
                    status, error = "SUCCEEDED", None
                elif row.state == "STOPPING":
                    status, error = "CANCELLED", None
                else:
                    status = "FAILED"
                    error = "The crawl was interrupted by a restart of Headwater"
                finish_crawl(conn, row, row.crawl_id, started, now, status, error, {})
                recovered += 1
        return recovered


def _crawl_filter(item: dict[str, Any], flt: dict[str, Any]) -> bool:
    field = {
        "CRAWL_ID": "CrawlId",
        "STATE": "State",
        "START_TIME": "StartTime",
        "END_TIME": "EndTime",
        "DPU_HOUR": "DPUHour",
    }.get(str(flt.get("FieldName")))
    if field is None:
        return True
    have = item.get(field)
    want: Any = flt.get("FieldValue")
    if have is None:
        return False
    if isinstance(have, float):
        try:
            want = float(want)
        except (TypeError, ValueError):
            try:
                stamp = datetime.fromisoformat(str(want).replace("Z", "+00:00"))
            except ValueError:
                raise errors.invalid_input(
                    f"Invalid FieldValue {want!r} for {flt.get('FieldName')}: expected a "
                    "timestamp (ISO 8601 or epoch seconds)"
                ) from None
            if stamp.tzinfo is None:
                stamp = stamp.replace(tzinfo=UTC)
            want = stamp.timestamp()
    op = flt.get("FilterOperator", "EQ")
    return bool(
        {
            "EQ": have == want,
            "NE": have != want,
            "GT": have > want,
            "GE": have >= want,
            "LT": have < want,
            "LE": have <= want,
        }.get(str(op), have == want)
    )
