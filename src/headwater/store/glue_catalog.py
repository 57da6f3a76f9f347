"""Port for the Glue Data Catalog: databases, tables, partitions, crawlers, and the rest.

Also crawl history, table versions, classifiers, connections and tags. Catalog objects are
kept as Glue's PascalCase wire dicts in JSON bodies (schema version ``v`` 1, timestamps as
epoch seconds), keyed by region and lower-case names, so that the service layer maps them
with :mod:`headwater.catalog.wire` and the query engine reads them as they are.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from headwater.store import documents as docs
from headwater.store.schema import Migration, create_tables, metadata, register

__all__ = ["ClassifierRow", "CrawlRow", "CrawlerRow", "GlueCatalogStore", "values_key"]

_SCHEMA = 1

databases = sa.Table(
    "glue_databases",
    metadata,
    sa.Column("region", sa.String(32), primary_key=True),
    sa.Column("name", sa.String(255), primary_key=True),
    sa.Column("body", sa.Text, nullable=False),
)
tables = sa.Table(
    "glue_tables",
    metadata,
    sa.Column("region", sa.String(32), primary_key=True),
    sa.Column("database", sa.String(255), primary_key=True),
    sa.Column("name", sa.String(255), primary_key=True),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("body", sa.Text, nullable=False),
)
table_versions = sa.Table(
    "glue_table_versions",
    metadata,
    sa.Column("region", sa.String(32), primary_key=True),
    sa.Column("database", sa.String(255), primary_key=True),
    sa.Column("name", sa.String(255), primary_key=True),
    sa.Column("version", sa.Integer, primary_key=True),
    sa.Column("body", sa.Text, nullable=False),
)
partitions = sa.Table(
    "glue_partitions",
    metadata,
    sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("region", sa.String(32), nullable=False),
    sa.Column("database", sa.String(255), nullable=False),
    sa.Column("table_name", sa.String(255), nullable=False),
    sa.Column("values_key", sa.Text, nullable=False),
    sa.Column("body", sa.Text, nullable=False),
    sa.Index(
        "ix_glue_partitions_key", "region", "database", "table_name", "values_key", unique=True
    ),
)
crawlers = sa.Table(
    "glue_crawlers",
    metadata,
    sa.Column("region", sa.String(32), primary_key=True),
    sa.Column("name", sa.String(255), primary_key=True),
    sa.Column("definition", sa.Text, nullable=False),
    sa.Column("state", sa.String(16), nullable=False),
    sa.Column("crawl_id", sa.String(64), nullable=True),
    sa.Column("crawl_started", sa.Float, nullable=True),
    sa.Column("last_crawl", sa.Text, nullable=True),
    sa.Column("metrics", sa.Text, nullable=True),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("created", sa.Float, nullable=False),
    sa.Column("updated", sa.Float, nullable=False),
    sa.Column("next_fire", sa.Float, nullable=True, index=True),
)
crawls = sa.Table(
    "glue_crawls",
    metadata,
    sa.Column("crawl_id", sa.String(64), primary_key=True),
    sa.Column("region", sa.String(32), nullable=False),
    sa.Column("crawler", sa.String(255), nullable=False),
    sa.Column("state", sa.String(16), nullable=False),
    sa.Column("started", sa.Float, nullable=False),
    sa.Column("ended", sa.Float, nullable=True),
    sa.Column("error", sa.Text, nullable=True),
    sa.Column("summary", sa.Text, nullable=True),
    sa.Index("ix_glue_crawls_crawler", "region", "crawler", "started"),
)
classifiers = sa.Table(
    "glue_classifiers",
    metadata,
    sa.Column("region", sa.String(32), primary_key=True),
    sa.Column("name", sa.String(255), primary_key=True),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("body", sa.Text, nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("created", sa.Float, nullable=False),
    sa.Column("updated", sa.Float, nullable=False),
)
connections = sa.Table(
    "glue_connections",
    metadata,
    sa.Column("region", sa.String(32), primary_key=True),
    sa.Column("name", sa.String(255), primary_key=True),
    sa.Column("body", sa.Text, nullable=False),
)
tags = sa.Table(
    "glue_tags",
    metadata,
    sa.Column("arn", sa.String(1024), primary_key=True),
    sa.Column("tags", sa.Text, nullable=False),
)

register(
    Migration(
        component="glue_catalog",
        version=1,
        description="databases, tables, versions, partitions, crawlers, crawls, classifiers, "
        "connections, tags",
        apply=create_tables(
            databases,
            tables,
            table_versions,
            partitions,
            crawlers,
            crawls,
            classifiers,
            connections,
            tags,
        ),
    )
)


def _default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.timestamp()
    raise TypeError(f"cannot store {type(value).__name__} in the catalog")


def _dump(body: dict[str, Any]) -> str:
    return json.dumps({"v": _SCHEMA, **body}, default=_default, separators=(",", ":"))


def _load(text: str) -> dict[str, Any]:
    body: dict[str, Any] = json.loads(text)
    body.pop("v", None)
    return body


def values_key(values: Sequence[str]) -> str:
    """The stored key of a partition's values (an exact, order-preserving encoding)."""
    return json.dumps([str(v) for v in values], separators=(",", ":"))


@dataclass(frozen=True, slots=True, kw_only=True)
class CrawlerRow:
    """A crawler: its definition (the CreateCrawler request, normalised) and run state."""

    region: str
    name: str
    definition: dict[str, Any]
    state: str
    crawl_id: str | None
    crawl_started: float | None
    last_crawl: dict[str, Any] | None
    metrics: dict[str, Any]
    version: int
    created: float
    updated: float
    next_fire: float | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class CrawlRow:
    """One run of a crawler (ListCrawls, median runtime)."""

    crawl_id: str
    region: str
    crawler: str
    state: str
    started: float
    ended: float | None
    error: str | None
    summary: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True, kw_only=True)
class ClassifierRow:
    """A custom classifier: ``kind`` is the union member (``CsvClassifier``, ...)."""

    region: str
    name: str
    kind: str
    body: dict[str, Any]
    version: int
    created: float
    updated: float


def _crawler(r: Any) -> CrawlerRow:
    return CrawlerRow(
        region=r.region,
        name=r.name,
        definition=_load(r.definition),
        state=r.state,
        crawl_id=r.crawl_id,
        crawl_started=r.crawl_started,
        last_crawl=_load(r.last_crawl) if r.last_crawl else None,
        metrics=_load(r.metrics) if r.metrics else {},
        version=r.version,
        created=r.created,
        updated=r.updated,
        next_fire=r.next_fire,
    )


def _crawl(r: Any) -> CrawlRow:
    return CrawlRow(
        crawl_id=r.crawl_id,
        region=r.region,
        crawler=r.crawler,
        state=r.state,
        started=r.started,
        ended=r.ended,
        error=r.error,
        summary=_load(r.summary) if r.summary else {},
    )


def _classifier(r: Any) -> ClassifierRow:
    return ClassifierRow(
        region=r.region,
        name=r.name,
        kind=r.kind,
        body=_load(r.body),
        version=r.version,
        created=r.created,
        updated=r.updated,
    )


def _table_key(region: str, database: str, name: str) -> Any:
    return (tables.c.region == region) & (tables.c.database == database) & (tables.c.name == name)


def _part_key(region: str, database: str, table: str) -> Any:
    return (
        (partitions.c.region == region)
        & (partitions.c.database == database)
        & (partitions.c.table_name == table)
    )


class GlueCatalogStore:
    """Reads and writes catalog rows on a connection from :class:`~headwater.store.Store`."""

    # -- databases --------------------------------------------------------------------------
    @staticmethod
    def get_database(conn: sa.Connection, region: str, name: str) -> dict[str, Any] | None:
        """The ``Database`` dict, or None."""
        row = conn.execute(
            sa.select(databases.c.body).where(
                (databases.c.region == region) & (databases.c.name == name)
            )
        ).first()
        return _load(row.body) if row else None

    @staticmethod
    def list_databases(conn: sa.Connection, region: str) -> list[dict[str, Any]]:
        """Every ``Database`` dict of a region, by name."""
        rows = conn.execute(
            sa.select(databases.c.body)
            .where(databases.c.region == region)
            .order_by(databases.c.name)
        )
        return [_load(r.body) for r in rows]

    @staticmethod
    def put_database(conn: sa.Connection, region: str, body: dict[str, Any]) -> None:
        """Insert or replace a database."""
        name = body["Name"]
        conn.execute(
            sa.delete(databases).where((databases.c.region == region) & (databases.c.name == name))
        )
        conn.execute(sa.insert(databases).values(region=region, name=name, body=_dump(body)))

    @staticmethod
    def delete_database(conn: sa.Connection, region: str, name: str) -> None:
        """Delete a database with its tables, table versions and partitions."""
        for table in (tables, table_versions):
            conn.execute(
                sa.delete(table).where((table.c.region == region) & (table.c.database == name))
            )
        conn.execute(
            sa.delete(partitions).where(
                (partitions.c.region == region) & (partitions.c.database == name)
            )
        )
        conn.execute(
            sa.delete(databases).where((databases.c.region == region) & (databases.c.name == name))
        )

    # -- tables -----------------------------------------------------------------------------
    @staticmethod
    def get_table(
        conn: sa.Connection, region: str, database: str, name: str
    ) -> dict[str, Any] | None:
        """The current ``Table`` dict, or None."""
        row = conn.execute(sa.select(tables.c.body).where(_table_key(region, database, name)))
        found = row.first()
        return _load(found.body) if found else None

    @staticmethod
    def table_version(conn: sa.Connection, region: str, database: str, name: str) -> int | None:
        """The current version number of a table, or None."""
        row = conn.execute(
            sa.select(tables.c.version).where(_table_key(region, database, name))
        ).first()
        return int(row.version) if row else None

    @staticmethod
    def list_tables(conn: sa.Connection, region: str, database: str) -> list[dict[str, Any]]:
        """Every current ``Table`` dict of a database, by name."""
        rows = conn.execute(
            sa.select(tables.c.body)
            .where((tables.c.region == region) & (tables.c.database == database))
            .order_by(tables.c.name)
        )
        return [_load(r.body) for r in rows]

    @staticmethod
    def count_tables(conn: sa.Connection, region: str, database: str) -> int:
        """How many tables a database holds."""
        return int(
            conn.execute(
                sa.select(sa.func.count())
                .select_from(tables)
                .where((tables.c.region == region) & (tables.c.database == database))
            ).scalar_one()
        )

    @staticmethod
    def put_table(
        conn: sa.Connection,
        region: str,
        database: str,
        body: dict[str, Any],
        version: int,
        *,
        archive: bool = True,
    ) -> None:
        """Store ``body`` as version ``version`` of the table, the current one.

        With ``archive`` the previous version stays in the history; without it, it is dropped.
        """
        name = body["Name"]
        text = _dump(body)
        previous = GlueCatalogStore.table_version(conn, region, database, name)
        conn.execute(sa.delete(tables).where(_table_key(region, database, name)))
        conn.execute(
            sa.insert(tables).values(
                region=region, database=database, name=name, version=version, body=text
            )
        )
        if not archive and previous is not None:
            GlueCatalogStore.delete_table_version(conn, region, database, name, previous)
        conn.execute(
            sa.insert(table_versions).values(
                region=region, database=database, name=name, version=version, body=text
            )
        )

    @staticmethod
    def table_versions(
        conn: sa.Connection, region: str, database: str, name: str
    ) -> list[tuple[int, dict[str, Any]]]:
        """``(version, Table dict)`` of every kept version, newest first."""
        rows = conn.execute(
            sa.select(table_versions.c.version, table_versions.c.body)
            .where(
                (table_versions.c.region == region)
                & (table_versions.c.database == database)
                & (table_versions.c.name == name)
            )
            .order_by(table_versions.c.version.desc())
        )
        return [(int(r.version), _load(r.body)) for r in rows]

    @staticmethod
    def max_table_version(conn: sa.Connection, region: str, database: str, name: str) -> int:
        """The highest version number ever kept for the table (-1 when none)."""
        value = conn.execute(
            sa.select(sa.func.max(table_versions.c.version)).where(
                (table_versions.c.region == region)
                & (table_versions.c.database == database)
                & (table_versions.c.name == name)
            )
        ).scalar()
        return -1 if value is None else int(value)

    @staticmethod
    def delete_table_version(
        conn: sa.Connection, region: str, database: str, name: str, version: int
    ) -> bool:
        """Forget one archived version; True if it existed."""
        result = conn.execute(
            sa.delete(table_versions).where(
                (table_versions.c.region == region)
                & (table_versions.c.database == database)
                & (table_versions.c.name == name)
                & (table_versions.c.version == version)
            )
        )
        return bool(result.rowcount)

    @staticmethod
    def delete_table(conn: sa.Connection, region: str, database: str, name: str) -> bool:
        """Delete a table with its versions and partitions; True if it existed."""
        result = conn.execute(sa.delete(tables).where(_table_key(region, database, name)))
        conn.execute(
            sa.delete(table_versions).where(
                (table_versions.c.region == region)
                & (table_versions.c.database == database)
                & (table_versions.c.name == name)
            )
        )
        conn.execute(sa.delete(partitions).where(_part_key(region, database, name)))
        return bool(result.rowcount)

    # -- partitions -------------------------------------------------------------------------
    @staticmethod
    def get_partition(
        conn: sa.Connection, region: str, database: str, table: str, values: Sequence[str]
    ) -> dict[str, Any] | None:
        """One ``Partition`` dict, or None."""
        row = conn.execute(
            sa.select(partitions.c.body).where(
                _part_key(region, database, table) & (partitions.c.values_key == values_key(values))
            )
        ).first()
        return _load(row.body) if row else None

    @staticmethod
    def list_partitions(
        conn: sa.Connection, region: str, database: str, table: str
    ) -> list[dict[str, Any]]:
        """Every ``Partition`` dict of a table, in creation order."""
        rows = conn.execute(
            sa.select(partitions.c.body)
            .where(_part_key(region, database, table))
            .order_by(partitions.c.seq)
        )
        return [_load(r.body) for r in rows]

    @staticmethod
    def partition_keys(
        conn: sa.Connection, region: str, database: str, table: str
    ) -> set[tuple[str, ...]]:
        """The values of every partition of a table."""
        rows = conn.execute(
            sa.select(partitions.c.values_key).where(_part_key(region, database, table))
        )
        return {tuple(json.loads(r.values_key)) for r in rows}

    @staticmethod
    def insert_partitions(
        conn: sa.Connection,
        region: str,
        database: str,
        table: str,
        bodies: Iterable[dict[str, Any]],
    ) -> None:
        """Insert partitions (their values must be new)."""
        rows = [
            {
                "region": region,
                "database": database,
                "table_name": table,
                "values_key": values_key(b["Values"]),
                "body": _dump(b),
            }
            for b in bodies
        ]
        if rows:
            conn.execute(sa.insert(partitions), rows)

    @staticmethod
    def replace_partition(
        conn: sa.Connection,
        region: str,
        database: str,
        table: str,
        values: Sequence[str],
        body: dict[str, Any],
    ) -> bool:
        """Replace the partition with ``values`` by ``body`` (whose values may differ)."""
        result = conn.execute(
            sa.update(partitions)
            .where(
                _part_key(region, database, table) & (partitions.c.values_key == values_key(values))
            )
            .values(values_key=values_key(body["Values"]), body=_dump(body))
        )
        return bool(result.rowcount)

    @staticmethod
    def delete_partition(
        conn: sa.Connection, region: str, database: str, table: str, values: Sequence[str]
    ) -> bool:
        """Delete one partition; True if it existed."""
        result = conn.execute(
            sa.delete(partitions).where(
                _part_key(region, database, table) & (partitions.c.values_key == values_key(values))
            )
        )
        return bool(result.rowcount)

    # -- crawlers ---------------------------------------------------------------------------
    @staticmethod
    def get_crawler(conn: sa.Connection, region: str, name: str) -> CrawlerRow | None:
        """A crawler, or None."""
        row = conn.execute(
            sa.select(crawlers).where((crawlers.c.region == region) & (crawlers.c.name == name))
        ).first()
        return _crawler(row) if row else None

    @staticmethod
    def list_crawlers(conn: sa.Connection, region: str | None = None) -> list[CrawlerRow]:
        """Every crawler (of a region), by name."""
        query = sa.select(crawlers).order_by(crawlers.c.region, crawlers.c.name)
        if region is not None:
            query = query.where(crawlers.c.region == region)
        return [_crawler(r) for r in conn.execute(query)]

    @staticmethod
    def put_crawler(conn: sa.Connection, row: CrawlerRow) -> None:
        """Insert or replace a crawler."""
        conn.execute(
            sa.delete(crawlers).where(
                (crawlers.c.region == row.region) & (crawlers.c.name == row.name)
            )
        )
        conn.execute(
            sa.insert(crawlers).values(
                region=row.region,
                name=row.name,
                definition=_dump(row.definition),
                state=row.state,
                crawl_id=row.crawl_id,
                crawl_started=row.crawl_started,
                last_crawl=_dump(row.last_crawl) if row.last_crawl is not None else None,
                metrics=_dump(row.metrics),
                version=row.version,
                created=row.created,
                updated=row.updated,
                next_fire=row.next_fire,
            )
        )

    @staticmethod
    def delete_crawler(conn: sa.Connection, region: str, name: str) -> bool:
        """Delete a crawler and its crawl history; True if it existed."""
        result = conn.execute(
            sa.delete(crawlers).where((crawlers.c.region == region) & (crawlers.c.name == name))
        )
        conn.execute(
            sa.delete(crawls).where((crawls.c.region == region) & (crawls.c.crawler == name))
        )
        return bool(result.rowcount)

    @staticmethod
    def next_scheduled(conn: sa.Connection) -> float | None:
        """The earliest ``next_fire`` of any scheduled crawler."""
        value = conn.execute(sa.select(sa.func.min(crawlers.c.next_fire))).scalar()
        return None if value is None else float(value)

    @staticmethod
    def due_scheduled(conn: sa.Connection, now: float) -> list[CrawlerRow]:
        """Scheduled crawlers whose next fire time has come."""
        rows = conn.execute(
            sa.select(crawlers)
            .where(crawlers.c.next_fire.is_not(None) & (crawlers.c.next_fire <= now))
            .order_by(crawlers.c.next_fire)
        )
        return [_crawler(r) for r in rows]

    # -- crawl history ----------------------------------------------------------------------
    @staticmethod
    def put_crawl(conn: sa.Connection, row: CrawlRow) -> None:
        """Insert or replace one crawl's record."""
        conn.execute(sa.delete(crawls).where(crawls.c.crawl_id == row.crawl_id))
        conn.execute(
            sa.insert(crawls).values(
                crawl_id=row.crawl_id,
                region=row.region,
                crawler=row.crawler,
                state=row.state,
                started=row.started,
                ended=row.ended,
                error=row.error,
                summary=_dump(row.summary),
            )
        )

    @staticmethod
    def latest_crawl_start(conn: sa.Connection, region: str, crawler: str) -> float | None:
        """When the crawler's most recent crawl started (None: never crawled)."""
        value = conn.execute(
            sa.select(sa.func.max(crawls.c.started)).where(
                (crawls.c.region == region) & (crawls.c.crawler == crawler)
            )
        ).scalar()
        return None if value is None else float(value)

    @staticmethod
    def list_crawls(conn: sa.Connection, region: str, crawler: str) -> list[CrawlRow]:
        """A crawler's crawls, newest first."""
        rows = conn.execute(
            sa.select(crawls)
            .where((crawls.c.region == region) & (crawls.c.crawler == crawler))
            .order_by(crawls.c.started.desc(), crawls.c.crawl_id)
        )
        return [_crawl(r) for r in rows]

    # -- classifiers ------------------------------------------------------------------------
    @staticmethod
    def get_classifier(conn: sa.Connection, region: str, name: str) -> ClassifierRow | None:
        """A classifier, or None."""
        row = conn.execute(
            sa.select(classifiers).where(
                (classifiers.c.region == region) & (classifiers.c.name == name)
            )
        ).first()
        return _classifier(row) if row else None

    @staticmethod
    def list_classifiers(conn: sa.Connection, region: str) -> list[ClassifierRow]:
        """Every classifier of a region, by name."""
        rows = conn.execute(
            sa.select(classifiers)
            .where(classifiers.c.region == region)
            .order_by(classifiers.c.name)
        )
        return [_classifier(r) for r in rows]

    @staticmethod
    def put_classifier(conn: sa.Connection, row: ClassifierRow) -> None:
        """Insert or replace a classifier."""
        conn.execute(
            sa.delete(classifiers).where(
                (classifiers.c.region == row.region) & (classifiers.c.name == row.name)
            )
        )
        conn.execute(
            sa.insert(classifiers).values(
                region=row.region,
                name=row.name,
                kind=row.kind,
                body=_dump(row.body),
                version=row.version,
                created=row.created,
                updated=row.updated,
            )
        )

    @staticmethod
    def delete_classifier(conn: sa.Connection, region: str, name: str) -> bool:
        """Delete a classifier; True if it existed."""
        result = conn.execute(
            sa.delete(classifiers).where(
                (classifiers.c.region == region) & (classifiers.c.name == name)
            )
        )
        return bool(result.rowcount)

    # -- connections ------------------------------------------------------------------------
    @staticmethod
    def get_connection(conn: sa.Connection, region: str, name: str) -> dict[str, Any] | None:
        """A ``Connection`` dict, or None."""
        return docs.get_body(conn, connections, {"region": region, "name": name}, _load)

    @staticmethod
    def list_connections(conn: sa.Connection, region: str) -> list[dict[str, Any]]:
        """Every ``Connection`` dict of a region, by name."""
        return docs.list_bodies(conn, connections, {"region": region}, _load)

    @staticmethod
    def put_connection(conn: sa.Connection, region: str, body: dict[str, Any]) -> None:
        """Insert or replace a connection."""
        docs.put_body(conn, connections, {"region": region, "name": body["Name"]}, _dump(body))

    @staticmethod
    def delete_connection(conn: sa.Connection, region: str, name: str) -> bool:
        """Delete a connection; True if it existed."""
        return docs.delete_rows(conn, connections, {"region": region, "name": name})

    # -- tags -------------------------------------------------------------------------------
    @staticmethod
    def get_tags(conn: sa.Connection, arn: str) -> dict[str, str]:
        """The tags of a resource ARN."""
        return docs.get_tags(conn, tags, arn)

    @staticmethod
    def put_tags(conn: sa.Connection, arn: str, values: dict[str, str]) -> None:
        """Replace the tags of a resource ARN (none: forget the row)."""
        docs.put_tags(conn, tags, arn, values)
