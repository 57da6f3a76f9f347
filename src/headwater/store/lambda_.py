"""Port for Lambda: functions, published versions, aliases, policies, the async-invoke queue.

Configurations are stored as versioned JSON documents (``{"v": 1, ...}``) that the service
layer maps to and from its domain objects; the columns beside them are the ones queries need.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from headwater.store.schema import Migration, create_tables, metadata, register

__all__ = [
    "AsyncInvocation",
    "AsyncState",
    "FunctionRow",
    "LambdaStore",
]

SCHEMA_VERSION = 1

functions = sa.Table(
    "lambda_functions",
    metadata,
    sa.Column("name", sa.String(64), primary_key=True),
    sa.Column("config", sa.Text, nullable=False),  # the $LATEST configuration
    sa.Column("tags", sa.Text, nullable=False),
    sa.Column("reserved_concurrency", sa.Integer, nullable=True),
    sa.Column("next_version", sa.Integer, nullable=False),
    sa.Column("created", sa.Float, nullable=False),
)
versions = sa.Table(
    "lambda_versions",
    metadata,
    sa.Column("name", sa.String(64), primary_key=True),
    sa.Column("version", sa.Integer, primary_key=True),
    sa.Column("config", sa.Text, nullable=False),
)
aliases = sa.Table(
    "lambda_aliases",
    metadata,
    sa.Column("name", sa.String(64), primary_key=True),
    sa.Column("alias", sa.String(128), primary_key=True),
    sa.Column("config", sa.Text, nullable=False),
)
policies = sa.Table(
    "lambda_policies",
    metadata,
    sa.Column("name", sa.String(64), primary_key=True),
    sa.Column("qualifier", sa.String(128), primary_key=True),  # "" for the unqualified function
    sa.Column("statements", sa.Text, nullable=False),
    sa.Column("revision_id", sa.String(64), nullable=False),
)
event_configs = sa.Table(
    "lambda_event_invoke_configs",
    metadata,
    sa.Column("name", sa.String(64), primary_key=True),
    sa.Column("qualifier", sa.String(128), primary_key=True),
    sa.Column("config", sa.Text, nullable=False),
)
layers = sa.Table(
    "lambda_layer_versions",
    metadata,
    sa.Column("name", sa.String(140), primary_key=True),
    sa.Column("version", sa.Integer, primary_key=True),
    sa.Column("config", sa.Text, nullable=False),
)
async_invocations = sa.Table(
    "lambda_async_invocations",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("request_id", sa.String(64), nullable=False),
    sa.Column("name", sa.String(64), nullable=False),
    sa.Column("qualifier", sa.String(128), nullable=False),
    sa.Column("payload", sa.Text, nullable=False),
    sa.Column("state", sa.String(16), nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False),
    sa.Column("due_at", sa.Float, nullable=False),
    sa.Column("created", sa.Float, nullable=False),
    sa.Column("last_error", sa.Text, nullable=True),
    sa.Index("ix_lambda_async_due", "state", "due_at"),
)

register(
    Migration(
        component="lambda",
        version=1,
        description="functions, versions, aliases, policies, invoke configs, layers, async queue",
        apply=create_tables(
            functions, versions, aliases, policies, event_configs, layers, async_invocations
        ),
    )
)


def _dump(doc: dict[str, Any]) -> str:
    return json.dumps({"v": SCHEMA_VERSION, **doc}, separators=(",", ":"), sort_keys=True)


def _load(text: str) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(text)
    doc.pop("v", None)
    return doc


@dataclass(frozen=True, slots=True, kw_only=True)
class FunctionRow:
    """A function: its $LATEST configuration and function-wide settings."""

    name: str
    config: dict[str, Any]
    tags: dict[str, str]
    reserved_concurrency: int | None
    next_version: int
    created: float


class AsyncState:
    """States of a queued asynchronous invocation."""

    PENDING = "pending"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


@dataclass(frozen=True, slots=True, kw_only=True)
class AsyncInvocation:
    """One queued ``InvocationType=Event`` request."""

    id: int
    request_id: str
    name: str
    qualifier: str
    payload: str
    state: str
    attempts: int
    due_at: float
    created: float
    last_error: str | None


def _function(r: Any) -> FunctionRow:
    return FunctionRow(
        name=r.name,
        config=_load(r.config),
        tags=json.loads(r.tags),
        reserved_concurrency=r.reserved_concurrency,
        next_version=r.next_version,
        created=r.created,
    )


def _async(r: Any) -> AsyncInvocation:
    return AsyncInvocation(
        id=r.id,
        request_id=r.request_id,
        name=r.name,
        qualifier=r.qualifier,
        payload=r.payload,
        state=r.state,
        attempts=r.attempts,
        due_at=r.due_at,
        created=r.created,
        last_error=r.last_error,
    )


class LambdaStore:
    """Reads and writes Lambda rows on a connection from :class:`~headwater.store.Store`."""

    # -- functions ---------------------------------------------------------------------------
    @staticmethod
    def get_function(conn: sa.Connection, name: str) -> FunctionRow | None:
        """Return the function called ``name``."""
        row = conn.execute(sa.select(functions).where(functions.c.name == name)).first()
        return _function(row) if row else None

    @staticmethod
    def list_functions(conn: sa.Connection) -> list[FunctionRow]:
        """Return every function, by name."""
        rows = conn.execute(sa.select(functions).order_by(functions.c.name))
        return [_function(r) for r in rows]

    @staticmethod
    def insert_function(conn: sa.Connection, row: FunctionRow) -> None:
        """Insert a new function (the caller checked that the name is free)."""
        conn.execute(
            sa.insert(functions).values(
                name=row.name,
                config=_dump(row.config),
                tags=json.dumps(row.tags),
                reserved_concurrency=row.reserved_concurrency,
                next_version=row.next_version,
                created=row.created,
            )
        )

    @staticmethod
    def update_function(conn: sa.Connection, name: str, **values: Any) -> None:
        """Update columns of a function: ``config``, ``tags``, ``reserved_concurrency``..."""
        if "config" in values:
            values["config"] = _dump(values["config"])
        if "tags" in values:
            values["tags"] = json.dumps(values["tags"])
        conn.execute(sa.update(functions).where(functions.c.name == name).values(**values))

    @staticmethod
    def delete_function(conn: sa.Connection, name: str) -> None:
        """Delete a function with its versions, aliases, policies and queued invocations."""
        for table in (versions, aliases, policies, event_configs):
            conn.execute(sa.delete(table).where(table.c.name == name))
        conn.execute(
            sa.delete(async_invocations).where(
                (async_invocations.c.name == name)
                & async_invocations.c.state.in_([AsyncState.PENDING, AsyncState.RUNNING])
            )
        )
        conn.execute(sa.delete(functions).where(functions.c.name == name))

    # -- versions ----------------------------------------------------------------------------
    @staticmethod
    def get_version(conn: sa.Connection, name: str, version: int) -> dict[str, Any] | None:
        """Return the configuration of a published version."""
        row = conn.execute(
            sa.select(versions.c.config).where(
                (versions.c.name == name) & (versions.c.version == version)
            )
        ).first()
        return _load(row[0]) if row else None

    @staticmethod
    def list_versions(conn: sa.Connection, name: str) -> list[dict[str, Any]]:
        """Return the configurations of every published version, oldest first."""
        rows = conn.execute(
            sa.select(versions.c.config).where(versions.c.name == name).order_by(versions.c.version)
        )
        return [_load(r[0]) for r in rows]

    @staticmethod
    def put_version(conn: sa.Connection, name: str, version: int, config: dict[str, Any]) -> None:
        """Insert a published version."""
        conn.execute(sa.insert(versions).values(name=name, version=version, config=_dump(config)))

    @staticmethod
    def delete_version(conn: sa.Connection, name: str, version: int) -> None:
        """Delete a published version and its policy."""
        conn.execute(
            sa.delete(versions).where((versions.c.name == name) & (versions.c.version == version))
        )
        for table in (policies, event_configs):
            conn.execute(
                sa.delete(table).where((table.c.name == name) & (table.c.qualifier == str(version)))
            )

    # -- aliases -----------------------------------------------------------------------------
    @staticmethod
    def get_alias(conn: sa.Connection, name: str, alias: str) -> dict[str, Any] | None:
        """Return an alias's configuration."""
        row = conn.execute(
            sa.select(aliases.c.config).where((aliases.c.name == name) & (aliases.c.alias == alias))
        ).first()
        return _load(row[0]) if row else None

    @staticmethod
    def list_aliases(conn: sa.Connection, name: str) -> list[dict[str, Any]]:
        """Return every alias of a function, by name."""
        rows = conn.execute(
            sa.select(aliases.c.config).where(aliases.c.name == name).order_by(aliases.c.alias)
        )
        return [_load(r[0]) for r in rows]

    @staticmethod
    def put_alias(conn: sa.Connection, name: str, alias: str, config: dict[str, Any]) -> None:
        """Insert or replace an alias."""
        conn.execute(
            sa.delete(aliases).where((aliases.c.name == name) & (aliases.c.alias == alias))
        )
        conn.execute(sa.insert(aliases).values(name=name, alias=alias, config=_dump(config)))

    @staticmethod
    def delete_alias(conn: sa.Connection, name: str, alias: str) -> bool:
        """Delete an alias (and its policy); return whether it existed."""
        res = conn.execute(
            sa.delete(aliases).where((aliases.c.name == name) & (aliases.c.alias == alias))
        )
        for table in (policies, event_configs):
            conn.execute(
                sa.delete(table).where((table.c.name == name) & (table.c.qualifier == alias))
            )
        return bool(res.rowcount)

    # -- resource policies -------------------------------------------------------------------
    @staticmethod
    def get_policy(
        conn: sa.Connection, name: str, qualifier: str
    ) -> tuple[list[dict[str, Any]], str] | None:
        """Return (statements, revision id) of a function's or qualifier's policy."""
        row = conn.execute(
            sa.select(policies.c.statements, policies.c.revision_id).where(
                (policies.c.name == name) & (policies.c.qualifier == qualifier)
            )
        ).first()
        return (json.loads(row[0]), row[1]) if row else None

    @staticmethod
    def put_policy(
        conn: sa.Connection,
        name: str,
        qualifier: str,
        statements: list[dict[str, Any]],
        revision_id: str,
    ) -> None:
        """Replace a policy's statements (an empty list deletes the policy)."""
        conn.execute(
            sa.delete(policies).where(
                (policies.c.name == name) & (policies.c.qualifier == qualifier)
            )
        )
        if statements:
            conn.execute(
                sa.insert(policies).values(
                    name=name,
                    qualifier=qualifier,
                    statements=json.dumps(statements),
                    revision_id=revision_id,
                )
            )

    # -- event invoke configs ----------------------------------------------------------------
    @staticmethod
    def get_event_config(conn: sa.Connection, name: str, qualifier: str) -> dict[str, Any] | None:
        """Return the async-invocation config of a function or qualifier."""
        row = conn.execute(
            sa.select(event_configs.c.config).where(
                (event_configs.c.name == name) & (event_configs.c.qualifier == qualifier)
            )
        ).first()
        return _load(row[0]) if row else None

    @staticmethod
    def list_event_configs(conn: sa.Connection, name: str) -> list[dict[str, Any]]:
        """Return every async-invocation config of a function."""
        rows = conn.execute(
            sa.select(event_configs.c.config)
            .where(event_configs.c.name == name)
            .order_by(event_configs.c.qualifier)
        )
        return [_load(r[0]) for r in rows]

    @staticmethod
    def put_event_config(
        conn: sa.Connection, name: str, qualifier: str, config: dict[str, Any] | None
    ) -> None:
        """Replace (or with None delete) an async-invocation config."""
        conn.execute(
            sa.delete(event_configs).where(
                (event_configs.c.name == name) & (event_configs.c.qualifier == qualifier)
            )
        )
        if config is not None:
            conn.execute(
                sa.insert(event_configs).values(
                    name=name, qualifier=qualifier, config=_dump(config)
                )
            )

    # -- layers ------------------------------------------------------------------------------
    @staticmethod
    def get_layer_version(conn: sa.Connection, name: str, version: int) -> dict[str, Any] | None:
        """Return a layer version's document."""
        row = conn.execute(
            sa.select(layers.c.config).where(
                (layers.c.name == name) & (layers.c.version == version)
            )
        ).first()
        return _load(row[0]) if row else None

    @staticmethod
    def list_layer_versions(conn: sa.Connection, name: str | None = None) -> list[dict[str, Any]]:
        """Return layer versions (of one layer, or all), by name then newest first."""
        query = sa.select(layers.c.config).order_by(layers.c.name, layers.c.version.desc())
        if name is not None:
            query = query.where(layers.c.name == name)
        return [_load(r[0]) for r in conn.execute(query)]

    @staticmethod
    def next_layer_version(conn: sa.Connection, name: str) -> int:
        """Return the number the next version of a layer gets (numbers are never reused)."""
        top = conn.execute(
            sa.select(sa.func.max(layers.c.version)).where(layers.c.name == name)
        ).scalar()
        return int(top or 0) + 1

    @staticmethod
    def put_layer_version(
        conn: sa.Connection, name: str, version: int, config: dict[str, Any]
    ) -> None:
        """Insert a layer version."""
        conn.execute(sa.insert(layers).values(name=name, version=version, config=_dump(config)))

    @staticmethod
    def delete_layer_version(conn: sa.Connection, name: str, version: int) -> None:
        """Delete a layer version."""
        conn.execute(
            sa.delete(layers).where((layers.c.name == name) & (layers.c.version == version))
        )

    # -- the async queue ---------------------------------------------------------------------
    @staticmethod
    def enqueue(
        conn: sa.Connection,
        *,
        request_id: str,
        name: str,
        qualifier: str,
        payload: str,
        at: float,
    ) -> int:
        """Queue an asynchronous invocation, due now; return its id."""
        res = conn.execute(
            sa.insert(async_invocations).values(
                request_id=request_id,
                name=name,
                qualifier=qualifier,
                payload=payload,
                state=AsyncState.PENDING,
                attempts=0,
                due_at=at,
                created=at,
                last_error=None,
            )
        )
        pk = res.inserted_primary_key
        return int(pk[0]) if pk else 0

    @staticmethod
    def claim_due(
        conn: sa.Connection, now: float, limit: int
    ) -> tuple[list[AsyncInvocation], float | None]:
        """Mark up to ``limit`` due invocations as running; return them and the next due time."""
        rows = conn.execute(
            sa.select(async_invocations)
            .where(
                (async_invocations.c.state == AsyncState.PENDING)
                & (async_invocations.c.due_at <= now)
            )
            .order_by(async_invocations.c.due_at, async_invocations.c.id)
            .limit(limit)
        ).all()
        items = [_async(r) for r in rows]
        if items:
            conn.execute(
                sa.update(async_invocations)
                .where(async_invocations.c.id.in_([i.id for i in items]))
                .values(state=AsyncState.RUNNING)
            )
        nxt = conn.execute(
            sa.select(sa.func.min(async_invocations.c.due_at)).where(
                (async_invocations.c.state == AsyncState.PENDING)
                & (async_invocations.c.due_at > now)
            )
        ).scalar()
        return items, (float(nxt) if nxt is not None else None)

    @staticmethod
    def finish(
        conn: sa.Connection,
        item_id: int,
        *,
        state: str,
        attempts: int,
        due_at: float | None = None,
        error: str | None = None,
    ) -> None:
        """Record an attempt's outcome: done (succeeded/failed) or pending again at ``due_at``."""
        values: dict[str, Any] = {"state": state, "attempts": attempts, "last_error": error}
        if due_at is not None:
            values["due_at"] = due_at
        conn.execute(
            sa.update(async_invocations).where(async_invocations.c.id == item_id).values(**values)
        )

    @staticmethod
    def get_async(conn: sa.Connection, request_id: str) -> AsyncInvocation | None:
        """Return a queued invocation by its request id."""
        row = conn.execute(
            sa.select(async_invocations).where(async_invocations.c.request_id == request_id)
        ).first()
        return _async(row) if row else None

    @staticmethod
    def requeue_running(conn: sa.Connection) -> int:
        """After a restart: put invocations that were running back in the queue."""
        res = conn.execute(
            sa.update(async_invocations)
            .where(async_invocations.c.state == AsyncState.RUNNING)
            .values(state=AsyncState.PENDING)
        )
        return int(res.rowcount or 0)
