"""What a crawl produces: the catalog changes, metrics, skipped objects and log lines."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from headwater.catalog.crawler_config import CrawlSpec
from headwater.catalog.model import Partition, Table

__all__ = ["Built", "CrawlMetrics", "CrawlResult", "CrawlState", "SkippedObject"]


@dataclass(frozen=True, slots=True, kw_only=True)
class SkippedObject:
    """An object the crawl could not use, and why (logged, as Glue logs it)."""

    key: str
    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class CrawlMetrics:
    """Counts for GetCrawlerMetrics (TablesCreated/Updated/Deleted) and the crawl log."""

    tables_created: int = 0
    tables_updated: int = 0
    tables_deleted: int = 0
    partitions_created: int = 0
    partitions_updated: int = 0
    partitions_deleted: int = 0
    objects_listed: int = 0
    objects_read: int = 0


@dataclass(frozen=True, slots=True, kw_only=True)
class CrawlResult:
    """What a crawl decided; the Glue service applies it in one transaction.

    Partition mappings are keyed by table name. ``tables_to_update`` includes tables marked
    deprecated (``DEPRECATE_IN_DATABASE``), which also count as deleted in :attr:`metrics`.
    """

    database_name: str
    tables_to_create: tuple[Table, ...] = ()
    tables_to_update: tuple[Table, ...] = ()
    tables_to_delete: tuple[str, ...] = ()
    partitions_to_create: Mapping[str, tuple[Partition, ...]] = field(default_factory=dict)
    partitions_to_update: Mapping[str, tuple[Partition, ...]] = field(default_factory=dict)
    partitions_to_delete: Mapping[str, tuple[tuple[str, ...], ...]] = field(default_factory=dict)
    metrics: CrawlMetrics = field(default_factory=CrawlMetrics)
    skipped: tuple[SkippedObject, ...] = ()
    log: tuple[str, ...] = ()

    @property
    def tables(self) -> tuple[Table, ...]:
        """Every table the crawl produced or changed (created first)."""
        return self.tables_to_create + self.tables_to_update


@dataclass(slots=True)
class Built:
    """A table a crawl produced and its partitions."""

    table: Table
    partitions: list[Partition]


@dataclass(slots=True)
class CrawlState:
    """What a crawl accumulates: log lines, skipped objects, counts."""

    spec: CrawlSpec
    log: list[str] = field(default_factory=list)
    skipped: list[SkippedObject] = field(default_factory=list)
    listed: int = 0
    read: int = 0
