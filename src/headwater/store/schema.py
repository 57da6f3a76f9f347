"""The shared table metadata and the per-component, versioned migrations.

Each port module declares its tables on :data:`metadata` and registers its migrations with
:func:`register`. Versions count per component (``"s3"``, ``"outbox"``, ...), so two ports
never compete for a number; ``schema_migrations`` records what each database has applied.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa

__all__ = ["Migration", "create_tables", "metadata", "migrations", "register"]

metadata = sa.MetaData()

schema_migrations = sa.Table(
    "schema_migrations",
    metadata,
    sa.Column("component", sa.String(64), primary_key=True),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("applied_at", sa.Float, nullable=False),
)


@dataclass(frozen=True, slots=True, kw_only=True)
class Migration:
    """One schema step of one component, applied inside a transaction."""

    component: str
    version: int
    description: str
    apply: Callable[[sa.Connection], None]


_migrations: list[Migration] = []


def register(migration: Migration) -> None:
    """Add a migration; versions of a component must be registered in order, from 1."""
    same = [m.version for m in _migrations if m.component == migration.component]
    if migration.version in same:
        raise ValueError(f"duplicate migration {migration.component} v{migration.version}")
    _migrations.append(migration)


def migrations() -> list[Migration]:
    """Return every registered migration, ordered by component then version."""
    return sorted(_migrations, key=lambda m: (m.component, m.version))


def create_tables(*tables: sa.Table) -> Callable[[sa.Connection], None]:
    """Return a migration step that creates ``tables`` (and their indexes)."""

    def apply(conn: sa.Connection) -> None:
        for table in tables:
            table.create(conn, checkfirst=True)

    return apply
