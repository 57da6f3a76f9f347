"""Rows that keep a resource as a JSON ``body`` under a few key columns, and tag rows.

Many ports store a resource the same way: key columns (``region``, ``name``, a work group...)
and the wire fields as JSON text in ``body``. These helpers read and write such rows given the
table and the key as ``{column: value}``; the port keeps its own JSON encoding (``dump`` /
``load``), so its schema version stays its own. Tag tables (``arn``, ``tags`` JSON) share
:func:`get_tags` and :func:`put_tags`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

import sqlalchemy as sa

__all__ = ["delete_rows", "get_body", "get_tags", "list_bodies", "put_body", "put_tags", "where"]

Load = Callable[[str], dict[str, Any]]


def where(table: sa.Table, key: Mapping[str, Any]) -> sa.ColumnElement[bool]:
    """``col1 = v1 AND col2 = v2 ...`` for ``key``."""
    return sa.and_(*(table.c[name] == value for name, value in key.items()))


def get_body(
    conn: sa.Connection, table: sa.Table, key: Mapping[str, Any], load: Load
) -> dict[str, Any] | None:
    """The body of the row at ``key``, or None."""
    row = conn.execute(sa.select(table.c.body).where(where(table, key))).first()
    return load(row.body) if row else None


def list_bodies(
    conn: sa.Connection,
    table: sa.Table,
    key: Mapping[str, Any],
    load: Load,
    *,
    order_by: str = "name",
) -> list[dict[str, Any]]:
    """The bodies of every row matching ``key`` (a partial key), ordered by ``order_by``."""
    rows = conn.execute(
        sa.select(table.c.body).where(where(table, key)).order_by(table.c[order_by])
    )
    return [load(r.body) for r in rows]


def put_body(conn: sa.Connection, table: sa.Table, key: Mapping[str, Any], body: str) -> None:
    """Insert or replace the row at ``key`` with the encoded ``body``."""
    delete_rows(conn, table, key)
    conn.execute(sa.insert(table).values(**key, body=body))


def delete_rows(conn: sa.Connection, table: sa.Table, key: Mapping[str, Any]) -> bool:
    """Delete the rows matching ``key``; True if there were any."""
    return bool(conn.execute(sa.delete(table).where(where(table, key))).rowcount)


def get_tags(conn: sa.Connection, table: sa.Table, arn: str) -> dict[str, str]:
    """The tags of a resource ARN in a tag table."""
    row = conn.execute(sa.select(table.c.tags).where(table.c.arn == arn)).first()
    return dict(json.loads(row.tags)) if row else {}


def put_tags(conn: sa.Connection, table: sa.Table, arn: str, values: Mapping[str, str]) -> None:
    """Replace the tags of a resource ARN (none: forget the row)."""
    conn.execute(sa.delete(table).where(table.c.arn == arn))
    if values:
        conn.execute(sa.insert(table).values(arn=arn, tags=json.dumps(dict(values))))
