"""The durable outbox: change records written in the same transaction as the change.

A producer (S3 writing object metadata, say) calls :func:`append` with the connection of its
own transaction, so the record exists exactly when the change does. Consumers (the EventBridge
dispatcher, CloudTrail) read forward from their own cursor with :func:`read_after` and move it
with :func:`advance`; a restart resumes from the stored cursor and loses nothing.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from headwater.store.schema import Migration, create_tables, metadata, register

__all__ = [
    "OutboxRecord",
    "advance",
    "append",
    "cursor",
    "last_id",
    "listen",
    "read_after",
    "unlisten",
]

SCHEMA_VERSION = 1  # the version of the record payloads ("v"), not of the tables

outbox = sa.Table(
    "outbox",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("topic", sa.String(64), nullable=False, index=True),
    sa.Column("created_at", sa.Float, nullable=False),
    sa.Column("payload", sa.Text, nullable=False),
    # Ids are never reused, not even after a reset empties the table: a consumer that still
    # holds a cursor from before the reset then skips nothing new.
    sqlite_autoincrement=True,
)

outbox_cursors = sa.Table(
    "outbox_cursors",
    metadata,
    sa.Column("consumer", sa.String(128), primary_key=True),
    sa.Column("last_id", sa.Integer, nullable=False),
)


def _never_reuse_ids(conn: sa.Connection) -> None:
    """Rebuild a SQLite outbox made before ids were AUTOINCREMENT (other engines never reuse)."""
    if conn.dialect.name != "sqlite":
        return
    found = conn.exec_driver_sql(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'outbox'"
    ).scalar()
    if found is None or "AUTOINCREMENT" in str(found).upper():
        return
    conn.exec_driver_sql("ALTER TABLE outbox RENAME TO outbox_v1")
    conn.exec_driver_sql("DROP INDEX IF EXISTS ix_outbox_topic")
    outbox.create(conn)
    conn.exec_driver_sql(
        "INSERT INTO outbox (id, topic, created_at, payload) "
        "SELECT id, topic, created_at, payload FROM outbox_v1"
    )
    conn.exec_driver_sql("DROP TABLE outbox_v1")


register(
    Migration(
        component="outbox",
        version=1,
        description="outbox and consumer cursors",
        apply=create_tables(outbox, outbox_cursors),
    )
)
register(
    Migration(
        component="outbox",
        version=2,
        description="outbox ids are never reused (AUTOINCREMENT)",
        apply=_never_reuse_ids,
    )
)


@dataclass(frozen=True, slots=True, kw_only=True)
class OutboxRecord:
    """One change record."""

    id: int
    topic: str
    created_at: float
    payload: dict[str, Any]


_listeners: dict[str, list[Callable[[], None]]] = {}


def listen(topic: str, callback: Callable[[], None]) -> None:
    """Call ``callback`` after each commit that appended records of ``topic``.

    Consumers use it to wake up instead of polling; the cursor stays the source of truth.
    """
    _listeners.setdefault(topic, []).append(callback)


def unlisten(topic: str, callback: Callable[[], None]) -> None:
    """Stop calling ``callback``."""
    if callback in _listeners.get(topic, []):
        _listeners[topic].remove(callback)


@dataclass(frozen=True, slots=True)
class _Notify:
    """An after-commit hook waking the listeners of one topic (equal per topic)."""

    topic: str

    def __call__(self) -> None:
        for callback in list(_listeners.get(self.topic, [])):
            callback()


def append(conn: sa.Connection, topic: str, payload: dict[str, Any], *, at: float) -> int:
    """Write a record in the caller's transaction and return its id."""
    body = json.dumps({"v": SCHEMA_VERSION, **payload}, separators=(",", ":"))
    if _listeners.get(topic):
        hooks = conn.info.setdefault("after_commit", [])
        hook = _Notify(topic)
        if hook not in hooks:
            hooks.append(hook)
    result = conn.execute(sa.insert(outbox).values(topic=topic, created_at=at, payload=body))
    pk = result.inserted_primary_key
    return int(pk[0]) if pk else 0


def read_after(
    conn: sa.Connection, after_id: int, *, topics: tuple[str, ...] | None = None, limit: int = 500
) -> list[OutboxRecord]:
    """Return up to ``limit`` records with id greater than ``after_id``, oldest first."""
    query = sa.select(outbox).where(outbox.c.id > after_id).order_by(outbox.c.id).limit(limit)
    if topics:
        query = query.where(outbox.c.topic.in_(topics))
    return [
        OutboxRecord(id=r.id, topic=r.topic, created_at=r.created_at, payload=json.loads(r.payload))
        for r in conn.execute(query)
    ]


def last_id(conn: sa.Connection) -> int:
    """Return the id of the newest record (0 if there is none)."""
    return int(conn.execute(sa.select(sa.func.max(outbox.c.id))).scalar() or 0)


def cursor(conn: sa.Connection, consumer: str) -> int:
    """Return the id of the last record ``consumer`` has handled (0 if none)."""
    row = conn.execute(
        sa.select(outbox_cursors.c.last_id).where(outbox_cursors.c.consumer == consumer)
    ).first()
    return int(row[0]) if row else 0


def advance(conn: sa.Connection, consumer: str, last_id: int) -> None:
    """Record that ``consumer`` has handled every record up to ``last_id``."""
    updated = conn.execute(
        sa.update(outbox_cursors)
        .where(outbox_cursors.c.consumer == consumer)
        .values(last_id=last_id)
    )
    if updated.rowcount == 0:
        conn.execute(sa.insert(outbox_cursors).values(consumer=consumer, last_id=last_id))
