"""The Glue service: every operation family mixed into one class, plus start-up and schedules."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import replace
from typing import ClassVar

from headwater.runtime.loop import Signal, wait_first
from headwater.services.base import Environment
from headwater.services.errors import ServiceError
from headwater.services.glue.crawlers import CrawlerOperations
from headwater.services.glue.jobs import JobOperations
from headwater.services.glue.partitions import PartitionOperations
from headwater.services.glue.tags import TagOperations
from headwater.services.glue.triggers import TriggerOperations
from headwater.services.glue.workflows import WorkflowOperations
from headwater.store.glue_catalog import GlueCatalogStore as S

__all__ = ["GlueService"]

log = logging.getLogger("headwater.glue")


class GlueService(
    PartitionOperations,
    CrawlerOperations,
    TagOperations,
    JobOperations,
    WorkflowOperations,
    TriggerOperations,
):
    """AWS Glue: the Data Catalog, classifiers, connections and crawlers.

    Operations are botocore's snake_case names taking ``(ctx, params)``. Python API for other
    services: :meth:`start_crawl`, :meth:`add_completion_listener`, :meth:`crawl_status`,
    :meth:`connection`, :meth:`classifier_dicts` and :class:`~headwater.services.glue.writes.
    CatalogWriter` for catalog changes inside your own transaction.
    """

    service_name: ClassVar[str] = "glue"

    def __init__(self, env: Environment) -> None:
        super().__init__(env)
        self._crawler_signal: Signal | None = None

    def start(self) -> None:
        """Finish crawls interrupted by the last stop; run scheduled crawlers on the clock."""
        recovered = self.recover_crawls()
        if recovered:
            log.warning("%d crawl(s) interrupted by the last stop were closed", recovered)
        bg = self.env.background
        if bg is not None:
            self._crawler_signal = Signal(bg)
            bg.spawn(self._schedules, "glue-crawler-schedules")
        super().start()  # jobs, workflow runs, trigger schedules (jobs_core.EtlCore)

    def stop(self) -> None:
        """Cancel running crawls (a restart reports them as interrupted)."""
        super().stop()
        self.runner.shutdown()

    def reset(self) -> None:
        """Nothing is kept in memory but running crawls; the store is wiped by the caller."""
        super().reset()
        self.schedule_changed()

    def schedule_changed(self) -> None:
        """A crawler schedule was created, changed or removed."""
        if self._crawler_signal is not None:
            self._crawler_signal.set()

    async def _schedules(self) -> None:
        loop = asyncio.get_running_loop()
        clock = self.env.clock
        assert self._crawler_signal is not None
        while True:
            nxt = await loop.run_in_executor(None, self._fire_due)
            if nxt is None:
                await self._crawler_signal.wait(None)
            else:
                await wait_first(self._crawler_signal.wait(None), clock.sleep_until_fire(nxt))

    def _fire_due(self) -> float | None:
        """Start every crawler whose cron time has come; return the next fire time."""
        now = self.env.clock.now()
        with self.env.store.transaction() as conn:
            due = S.due_scheduled(conn, now)
            for row in due:
                state = str(row.definition.get("ScheduleState", "SCHEDULED"))
                S.put_crawler(
                    conn,
                    replace(row, next_fire=self._crawler_next_fire(row.definition, state, now)),
                )
        for row in due:
            if row.state != "READY":
                continue  # Glue skips a scheduled run while the crawler is still running
            try:
                self.start_crawl(row.region, row.name)
            except ServiceError as err:
                log.info("scheduled crawl of %s not started: %s", row.name, err.message)
        with self.env.store.read() as conn:
            return S.next_scheduled(conn)
