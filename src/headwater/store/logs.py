"""Port for CloudWatch Logs: log groups, streams and their events."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from headwater.store.schema import Migration, create_tables, metadata, register

__all__ = ["LogEventRow", "LogGroupRow", "LogStreamRow", "LogsStore"]

groups = sa.Table(
    "logs_groups",
    metadata,
    sa.Column("name", sa.String(512), primary_key=True),
    sa.Column("created", sa.BigInteger, nullable=False),  # epoch milliseconds, as the API speaks
    sa.Column("retention_days", sa.Integer, nullable=True),
    sa.Column("kms_key_id", sa.String(256), nullable=True),
    sa.Column("log_class", sa.String(32), nullable=False),
    sa.Column("tags", sa.Text, nullable=False),
)
streams = sa.Table(
    "logs_streams",
    metadata,
    sa.Column("group_name", sa.String(512), primary_key=True),
    sa.Column("name", sa.String(512), primary_key=True),
    sa.Column("created", sa.BigInteger, nullable=False),
    sa.Column("first_event", sa.BigInteger, nullable=True),
    sa.Column("last_event", sa.BigInteger, nullable=True),
    sa.Column("last_ingestion", sa.BigInteger, nullable=True),
    sa.Column("stored_bytes", sa.BigInteger, nullable=False),
    sa.Column("sequence", sa.Integer, nullable=False),
)
events = sa.Table(
    "logs_events",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("group_name", sa.String(512), nullable=False),
    sa.Column("stream_name", sa.String(512), nullable=False),
    sa.Column("timestamp", sa.BigInteger, nullable=False),
    sa.Column("ingestion_time", sa.BigInteger, nullable=False),
    sa.Column("message", sa.Text, nullable=False),
    sa.Index("ix_logs_events_group_time", "group_name", "timestamp", "id"),
    sa.Index("ix_logs_events_stream_time", "group_name", "stream_name", "timestamp", "id"),
)

register(
    Migration(
        component="logs",
        version=1,
        description="log groups, streams, events",
        apply=create_tables(groups, streams, events),
    )
)


@dataclass(frozen=True, slots=True, kw_only=True)
class LogGroupRow:
    """A log group."""

    name: str
    created: int
    retention_days: int | None
    kms_key_id: str | None
    log_class: str
    tags: dict[str, str]
    stored_bytes: int = 0


@dataclass(frozen=True, slots=True, kw_only=True)
class LogStreamRow:
    """A log stream."""

    group_name: str
    name: str
    created: int
    first_event: int | None
    last_event: int | None
    last_ingestion: int | None
    stored_bytes: int
    sequence: int


@dataclass(frozen=True, slots=True, kw_only=True)
class LogEventRow:
    """One stored log event; ``id`` orders events that share a timestamp."""

    id: int
    group_name: str
    stream_name: str
    timestamp: int
    ingestion_time: int
    message: str


def _group(r: Any, stored: int = 0) -> LogGroupRow:
    return LogGroupRow(
        name=r.name,
        created=r.created,
        retention_days=r.retention_days,
        kms_key_id=r.kms_key_id,
        log_class=r.log_class,
        tags=json.loads(r.tags),
        stored_bytes=stored,
    )


def _stream(r: Any) -> LogStreamRow:
    return LogStreamRow(
        group_name=r.group_name,
        name=r.name,
        created=r.created,
        first_event=r.first_event,
        last_event=r.last_event,
        last_ingestion=r.last_ingestion,
        stored_bytes=r.stored_bytes,
        sequence=r.sequence,
    )


def _event(r: Any) -> LogEventRow:
    return LogEventRow(
        id=r.id,
        group_name=r.group_name,
        stream_name=r.stream_name,
        timestamp=r.timestamp,
        ingestion_time=r.ingestion_time,
        message=r.message,
    )


class LogsStore:
    """Reads and writes log rows on a connection from :class:`~headwater.store.Store`."""

    @staticmethod
    def get_group(conn: sa.Connection, name: str) -> LogGroupRow | None:
        """Return the group called ``name``."""
        row = conn.execute(sa.select(groups).where(groups.c.name == name)).first()
        return _group(row) if row else None

    @staticmethod
    def list_groups(conn: sa.Connection, prefix: str = "") -> list[LogGroupRow]:
        """Return groups whose name starts with ``prefix``, by name, with their stored bytes."""
        query = sa.select(groups).order_by(groups.c.name)
        if prefix:
            query = query.where(groups.c.name.startswith(prefix, autoescape=True))
        sizes = dict(
            conn.execute(
                sa.select(streams.c.group_name, sa.func.sum(streams.c.stored_bytes)).group_by(
                    streams.c.group_name
                )
            ).all()
        )
        return [_group(r, int(sizes.get(r.name) or 0)) for r in conn.execute(query)]

    @staticmethod
    def create_group(
        conn: sa.Connection,
        name: str,
        *,
        created: int,
        kms_key_id: str | None = None,
        log_class: str = "STANDARD",
        tags: dict[str, str] | None = None,
    ) -> None:
        """Insert a group (the caller checked the name is free)."""
        conn.execute(
            sa.insert(groups).values(
                name=name,
                created=created,
                retention_days=None,
                kms_key_id=kms_key_id,
                log_class=log_class,
                tags=json.dumps(tags or {}),
            )
        )

    @staticmethod
    def update_group(conn: sa.Connection, name: str, **values: Any) -> None:
        """Update ``retention_days``, ``tags`` or ``kms_key_id`` of a group."""
        if "tags" in values:
            values["tags"] = json.dumps(values["tags"])
        conn.execute(sa.update(groups).where(groups.c.name == name).values(**values))

    @staticmethod
    def delete_group(conn: sa.Connection, name: str) -> None:
        """Delete a group with all its streams and events."""
        conn.execute(sa.delete(events).where(events.c.group_name == name))
        conn.execute(sa.delete(streams).where(streams.c.group_name == name))
        conn.execute(sa.delete(groups).where(groups.c.name == name))

    @staticmethod
    def get_stream(conn: sa.Connection, group: str, name: str) -> LogStreamRow | None:
        """Return a stream of a group."""
        row = conn.execute(
            sa.select(streams).where((streams.c.group_name == group) & (streams.c.name == name))
        ).first()
        return _stream(row) if row else None

    @staticmethod
    def list_streams(conn: sa.Connection, group: str, prefix: str = "") -> list[LogStreamRow]:
        """Return a group's streams whose name starts with ``prefix``, by name."""
        query = sa.select(streams).where(streams.c.group_name == group).order_by(streams.c.name)
        if prefix:
            query = query.where(streams.c.name.startswith(prefix, autoescape=True))
        return [_stream(r) for r in conn.execute(query)]

    @staticmethod
    def create_stream(conn: sa.Connection, group: str, name: str, *, created: int) -> None:
        """Insert a stream (the caller checked the group exists and the name is free)."""
        conn.execute(
            sa.insert(streams).values(
                group_name=group,
                name=name,
                created=created,
                first_event=None,
                last_event=None,
                last_ingestion=None,
                stored_bytes=0,
                sequence=0,
            )
        )

    @staticmethod
    def delete_stream(conn: sa.Connection, group: str, name: str) -> None:
        """Delete a stream and its events."""
        conn.execute(
            sa.delete(events).where((events.c.group_name == group) & (events.c.stream_name == name))
        )
        conn.execute(
            sa.delete(streams).where((streams.c.group_name == group) & (streams.c.name == name))
        )

    @staticmethod
    def append(
        conn: sa.Connection,
        group: str,
        stream: str,
        batch: Sequence[tuple[int, str]],
        *,
        ingestion_time: int,
        create: bool = False,
        monotonic: bool = False,
    ) -> int:
        """Append ``(timestamp ms, message)`` events to a stream; return its new sequence.

        With ``create`` the group and stream are made if missing (as the Lambda platform does);
        with ``monotonic`` no event is stamped before the stream's last one, so that a stream
        written by one process reads in the order it was written even when the clock stands
        still (a virtual clock) or steps back.
        """
        if create:
            if LogsStore.get_group(conn, group) is None:
                LogsStore.create_group(conn, group, created=ingestion_time)
            if LogsStore.get_stream(conn, group, stream) is None:
                LogsStore.create_stream(conn, group, stream, created=ingestion_time)
        current = LogsStore.get_stream(conn, group, stream)
        if current is None:
            raise KeyError(stream)
        if monotonic:
            floor = current.last_event or 0
            stamped: list[tuple[int, str]] = []
            for ts, msg in batch:
                floor = max(floor, ts)
                stamped.append((floor, msg))
            batch = stamped
        if batch:
            conn.execute(
                sa.insert(events),
                [
                    {
                        "group_name": group,
                        "stream_name": stream,
                        "timestamp": ts,
                        "ingestion_time": ingestion_time,
                        "message": msg,
                    }
                    for ts, msg in batch
                ],
            )
        stamps = [ts for ts, _ in batch]
        first = min(
            [*stamps, *([current.first_event] if current.first_event else [])], default=None
        )
        last = max([*stamps, *([current.last_event] if current.last_event else [])], default=None)
        size = sum(len(m.encode("utf-8")) + 26 for _, m in batch)
        conn.execute(
            sa.update(streams)
            .where((streams.c.group_name == group) & (streams.c.name == stream))
            .values(
                first_event=first,
                last_event=last,
                last_ingestion=ingestion_time if batch else current.last_ingestion,
                stored_bytes=current.stored_bytes + size,
                sequence=current.sequence + 1,
            )
        )
        return current.sequence + 1

    @staticmethod
    def query_events(
        conn: sa.Connection,
        group: str,
        *,
        streams_in: Sequence[str] | None = None,
        stream_prefix: str = "",
        start: int | None = None,
        end: int | None = None,
        after: tuple[int, int] | None = None,
        before: tuple[int, int] | None = None,
        descending: bool = False,
        limit: int = 10000,
    ) -> list[LogEventRow]:
        """Return events of a group in (timestamp, id) order, filtered by stream and time.

        ``after``/``before`` are exclusive (timestamp, id) cursors; ``end`` is exclusive and
        ``start`` inclusive, as the Logs API defines them.
        """
        query = sa.select(events).where(events.c.group_name == group)
        if streams_in is not None:
            query = query.where(events.c.stream_name.in_(list(streams_in)))
        if stream_prefix:
            query = query.where(events.c.stream_name.startswith(stream_prefix, autoescape=True))
        if start is not None:
            query = query.where(events.c.timestamp >= start)
        if end is not None:
            query = query.where(events.c.timestamp < end)
        if after is not None:
            query = query.where(sa.tuple_(events.c.timestamp, events.c.id) > sa.tuple_(*after))
        if before is not None:
            query = query.where(sa.tuple_(events.c.timestamp, events.c.id) < sa.tuple_(*before))
        if descending:
            query = query.order_by(events.c.timestamp.desc(), events.c.id.desc())
        else:
            query = query.order_by(events.c.timestamp, events.c.id)
        return [_event(r) for r in conn.execute(query.limit(limit))]
