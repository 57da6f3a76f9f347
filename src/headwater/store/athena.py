"""Port for Athena: query executions, work groups, named queries, prepared statements, tags.

Each row keeps Athena's wire fields in a JSON ``body`` (schema version ``v`` 1) beside the
columns the service filters and orders on (region, work group, state, submission time, the
idempotency token), so the service layer renders responses straight from the body.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from headwater.store import documents as docs
from headwater.store.schema import Migration, create_tables, metadata, register

__all__ = ["AthenaStore", "QueryRow"]

_SCHEMA = 1

queries = sa.Table(
    "athena_queries",
    metadata,
    sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("id", sa.String(64), nullable=False, unique=True),
    sa.Column("region", sa.String(32), nullable=False),
    sa.Column("workgroup", sa.String(128), nullable=False),
    sa.Column("state", sa.String(16), nullable=False),
    sa.Column("submitted", sa.Float, nullable=False),
    sa.Column("client_token", sa.String(128), nullable=True),
    sa.Column("body", sa.Text, nullable=False),
    sa.Index("ix_athena_queries_wg", "region", "workgroup", "seq"),
    sa.Index("ix_athena_queries_token", "region", "client_token"),
    sa.Index("ix_athena_queries_state", "state"),
)
workgroups = sa.Table(
    "athena_workgroups",
    metadata,
    sa.Column("region", sa.String(32), primary_key=True),
    sa.Column("name", sa.String(128), primary_key=True),
    sa.Column("body", sa.Text, nullable=False),
)
named_queries = sa.Table(
    "athena_named_queries",
    metadata,
    sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("id", sa.String(64), nullable=False, unique=True),
    sa.Column("region", sa.String(32), nullable=False),
    sa.Column("workgroup", sa.String(128), nullable=False),
    sa.Column("body", sa.Text, nullable=False),
)
prepared = sa.Table(
    "athena_prepared_statements",
    metadata,
    sa.Column("region", sa.String(32), primary_key=True),
    sa.Column("workgroup", sa.String(128), primary_key=True),
    sa.Column("name", sa.String(256), primary_key=True),
    sa.Column("body", sa.Text, nullable=False),
)
tags = sa.Table(
    "athena_tags",
    metadata,
    sa.Column("arn", sa.String(1024), primary_key=True),
    sa.Column("tags", sa.Text, nullable=False),
)

register(
    Migration(
        component="athena",
        version=1,
        description="query executions, work groups, named queries, prepared statements, tags",
        apply=create_tables(queries, workgroups, named_queries, prepared, tags),
    )
)


def _dump(body: dict[str, Any]) -> str:
    return json.dumps({"v": _SCHEMA, **body}, separators=(",", ":"), default=str)


def _load(text: str) -> dict[str, Any]:
    body: dict[str, Any] = json.loads(text)
    body.pop("v", None)
    return body


@dataclass(frozen=True, slots=True, kw_only=True)
class QueryRow:
    """One query execution: its indexed columns and the stored body."""

    id: str
    region: str
    workgroup: str
    state: str
    submitted: float
    client_token: str | None
    body: dict[str, Any]


def _query(r: Any) -> QueryRow:
    return QueryRow(
        id=r.id,
        region=r.region,
        workgroup=r.workgroup,
        state=r.state,
        submitted=float(r.submitted),
        client_token=r.client_token,
        body=_load(r.body),
    )


class AthenaStore:
    """Reads and writes Athena rows on a connection from :class:`~headwater.store.Store`."""

    # -- query executions -------------------------------------------------------------------
    @staticmethod
    def insert_query(conn: sa.Connection, row: QueryRow) -> None:
        """Record a new query execution."""
        conn.execute(
            sa.insert(queries).values(
                id=row.id,
                region=row.region,
                workgroup=row.workgroup,
                state=row.state,
                submitted=row.submitted,
                client_token=row.client_token,
                body=_dump(row.body),
            )
        )

    @staticmethod
    def update_query(conn: sa.Connection, query_id: str, state: str, body: dict[str, Any]) -> None:
        """Replace a query's state and body."""
        conn.execute(
            sa.update(queries).where(queries.c.id == query_id).values(state=state, body=_dump(body))
        )

    @staticmethod
    def get_query(conn: sa.Connection, query_id: str) -> QueryRow | None:
        """A query execution, or None."""
        row = conn.execute(sa.select(queries).where(queries.c.id == query_id)).first()
        return _query(row) if row else None

    @staticmethod
    def query_by_token(conn: sa.Connection, region: str, token: str) -> QueryRow | None:
        """The query started with this ClientRequestToken, if any."""
        row = conn.execute(
            sa.select(queries).where(
                (queries.c.region == region) & (queries.c.client_token == token)
            )
        ).first()
        return _query(row) if row else None

    @staticmethod
    def list_query_ids(conn: sa.Connection, region: str, workgroup: str) -> list[str]:
        """The ids of a work group's queries, newest first."""
        rows = conn.execute(
            sa.select(queries.c.id)
            .where((queries.c.region == region) & (queries.c.workgroup == workgroup))
            .order_by(queries.c.seq.desc())
        )
        return [str(r.id) for r in rows]

    @staticmethod
    def queued_queries(conn: sa.Connection, limit: int) -> list[QueryRow]:
        """Up to ``limit`` QUEUED queries, oldest first."""
        rows = conn.execute(
            sa.select(queries)
            .where(queries.c.state == "QUEUED")
            .order_by(queries.c.seq)
            .limit(limit)
        ).all()
        return [_query(r) for r in rows]

    @staticmethod
    def unfinished_queries(conn: sa.Connection) -> list[QueryRow]:
        """Every query still QUEUED or RUNNING."""
        rows = conn.execute(
            sa.select(queries).where(queries.c.state.in_(("QUEUED", "RUNNING")))
        ).all()
        return [_query(r) for r in rows]

    @staticmethod
    def delete_workgroup_queries(conn: sa.Connection, region: str, workgroup: str) -> None:
        """Forget a work group's query history (DeleteWorkGroup with RecursiveDeleteOption)."""
        docs.delete_rows(conn, queries, {"region": region, "workgroup": workgroup})

    # -- work groups ------------------------------------------------------------------------
    @staticmethod
    def get_workgroup(conn: sa.Connection, region: str, name: str) -> dict[str, Any] | None:
        """A work group's body, or None."""
        return docs.get_body(conn, workgroups, {"region": region, "name": name}, _load)

    @staticmethod
    def put_workgroup(conn: sa.Connection, region: str, name: str, body: dict[str, Any]) -> None:
        """Insert or replace a work group."""
        docs.put_body(conn, workgroups, {"region": region, "name": name}, _dump(body))

    @staticmethod
    def delete_workgroup(conn: sa.Connection, region: str, name: str) -> bool:
        """Delete a work group; True if it existed."""
        return docs.delete_rows(conn, workgroups, {"region": region, "name": name})

    @staticmethod
    def list_workgroups(conn: sa.Connection, region: str) -> list[dict[str, Any]]:
        """Every work group of a region, by name."""
        return docs.list_bodies(conn, workgroups, {"region": region}, _load)

    # -- named queries ----------------------------------------------------------------------
    @staticmethod
    def put_named_query(
        conn: sa.Connection, region: str, workgroup: str, query_id: str, body: dict[str, Any]
    ) -> None:
        """Insert or replace a named query."""
        text = _dump(body)
        result = conn.execute(
            sa.update(named_queries)
            .where(named_queries.c.id == query_id)
            .values(body=text, workgroup=workgroup)
        )
        if not result.rowcount:
            conn.execute(
                sa.insert(named_queries).values(
                    id=query_id, region=region, workgroup=workgroup, body=text
                )
            )

    @staticmethod
    def get_named_query(conn: sa.Connection, region: str, query_id: str) -> dict[str, Any] | None:
        """A named query's body, or None."""
        return docs.get_body(conn, named_queries, {"region": region, "id": query_id}, _load)

    @staticmethod
    def list_named_query_ids(conn: sa.Connection, region: str, workgroup: str) -> list[str]:
        """The ids of a work group's named queries, oldest first."""
        rows = conn.execute(
            sa.select(named_queries.c.id)
            .where((named_queries.c.region == region) & (named_queries.c.workgroup == workgroup))
            .order_by(named_queries.c.seq)
        )
        return [str(r.id) for r in rows]

    @staticmethod
    def delete_named_query(conn: sa.Connection, region: str, query_id: str) -> bool:
        """Delete a named query; True if it existed."""
        return docs.delete_rows(conn, named_queries, {"region": region, "id": query_id})

    @staticmethod
    def delete_workgroup_named_queries(conn: sa.Connection, region: str, workgroup: str) -> None:
        """Delete every named query of a work group."""
        docs.delete_rows(conn, named_queries, {"region": region, "workgroup": workgroup})

    # -- prepared statements ----------------------------------------------------------------
    @staticmethod
    def get_prepared(
        conn: sa.Connection, region: str, workgroup: str, name: str
    ) -> dict[str, Any] | None:
        """A prepared statement's body, or None."""
        key = {"region": region, "workgroup": workgroup, "name": name}
        return docs.get_body(conn, prepared, key, _load)

    @staticmethod
    def put_prepared(
        conn: sa.Connection, region: str, workgroup: str, name: str, body: dict[str, Any]
    ) -> None:
        """Insert or replace a prepared statement."""
        key = {"region": region, "workgroup": workgroup, "name": name}
        docs.put_body(conn, prepared, key, _dump(body))

    @staticmethod
    def delete_prepared(conn: sa.Connection, region: str, workgroup: str, name: str) -> bool:
        """Delete a prepared statement; True if it existed."""
        key = {"region": region, "workgroup": workgroup, "name": name}
        return docs.delete_rows(conn, prepared, key)

    @staticmethod
    def list_prepared(conn: sa.Connection, region: str, workgroup: str) -> list[dict[str, Any]]:
        """Every prepared statement of a work group, by name."""
        return docs.list_bodies(conn, prepared, {"region": region, "workgroup": workgroup}, _load)

    @staticmethod
    def delete_workgroup_prepared(conn: sa.Connection, region: str, workgroup: str) -> None:
        """Delete every prepared statement of a work group."""
        docs.delete_rows(conn, prepared, {"region": region, "workgroup": workgroup})

    # -- tags -------------------------------------------------------------------------------
    @staticmethod
    def get_tags(conn: sa.Connection, arn: str) -> dict[str, str]:
        """The tags of a resource."""
        return docs.get_tags(conn, tags, arn)

    @staticmethod
    def put_tags(conn: sa.Connection, arn: str, values: dict[str, str]) -> None:
        """Replace the tags of a resource (an empty map removes the row)."""
        docs.put_tags(conn, tags, arn, values)
