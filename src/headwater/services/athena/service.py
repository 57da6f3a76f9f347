"""The Athena service: every operation family mixed into one class, plus start-up and stop."""

from __future__ import annotations

import logging
from typing import ClassVar

from headwater.services.athena.catalogs import CatalogOperations
from headwater.services.athena.events import StateChangeEvents
from headwater.services.athena.queries import QueryOperations
from headwater.services.athena.runner import QueryRunner
from headwater.services.athena.saved import SavedQueryOperations
from headwater.services.athena.workgroups import WorkGroupOperations
from headwater.services.base import Environment

__all__ = ["AthenaService"]

log = logging.getLogger("headwater.athena")


class AthenaService(QueryOperations, WorkGroupOperations, SavedQueryOperations, CatalogOperations):
    """Amazon Athena over DuckDB and the Glue Data Catalog.

    Python API for other services: ``runner.watch(query_id, listener)`` calls ``listener`` with
    the ``QueryExecution`` once the query has ended (Step Functions' ``.sync``), and
    ``runner.on_any_change(listener)`` after every state change.
    """

    service_name: ClassVar[str] = "athena"

    def __init__(self, env: Environment) -> None:
        super().__init__(env)
        parallel = int(env.extras.get("athena.workers", 4))
        self.runner = QueryRunner(env, parallel=parallel)
        self.events = StateChangeEvents(env)
        self.runner.on_any_change(self.events)

    def start(self) -> None:
        """Fail queries the last stop interrupted; run the queue."""
        failed = self.runner.start()
        if failed:
            log.warning("%d Athena quer(ies) interrupted by the last stop were failed", failed)

    def stop(self) -> None:
        """Interrupt running queries and stop the workers."""
        self.runner.stop()
        self.events.stop()

    def reset(self) -> None:
        """Cancel in-flight queries and drop held results; the store is wiped by the caller."""
        self.runner.reset()
        self.events.reset()
