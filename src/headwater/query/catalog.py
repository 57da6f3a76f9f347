"""The engine's view of the Data Catalog: a resolver it reads, changes it asks for.

The engine never writes the catalog. It reads Glue wire dicts (GetTable's ``Table``,
GetPartitions' ``Partition``) through a :class:`CatalogResolver` and returns DDL outcomes as
:data:`CatalogChange` values the Glue/Athena service applies in order (in one transaction).
:class:`MemoryCatalog` is a dict-backed resolver that also applies changes, for tests and as a
reference for the service's own adapter.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

__all__ = [
    "AddPartitions",
    "CatalogChange",
    "CatalogResolver",
    "CreateDatabase",
    "CreateTable",
    "DropDatabase",
    "DropPartitions",
    "DropTable",
    "MemoryCatalog",
]

Wire = Mapping[str, Any]


class CatalogResolver(Protocol):
    """Read access to the catalog, in Glue's wire shapes; names are lower case."""

    def get_table(self, database: str, name: str) -> Wire | None:
        """GetTable's ``Table`` dict, or ``None`` when there is no such table or view."""
        ...

    def get_partitions(self, database: str, name: str) -> Sequence[Wire]:
        """Every ``Partition`` dict of the table (empty for an unpartitioned table)."""
        ...

    def list_databases(self) -> Sequence[str]:
        """The database names."""
        ...

    def list_tables(self, database: str) -> Sequence[Wire]:
        """The ``Table`` dicts of a database."""
        ...


@dataclass(frozen=True, slots=True, kw_only=True)
class CreateDatabase:
    """CreateDatabase with this ``DatabaseInput``."""

    database: dict[str, Any]


@dataclass(frozen=True, slots=True, kw_only=True)
class DropDatabase:
    """DeleteDatabase (``cascade``: its tables too)."""

    name: str
    cascade: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class CreateTable:
    """CreateTable with this ``TableInput`` (``replace``: UpdateTable when it exists)."""

    database: str
    table: dict[str, Any]
    replace: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class DropTable:
    """DeleteTable (a table or a view)."""

    database: str
    name: str


@dataclass(frozen=True, slots=True, kw_only=True)
class AddPartitions:
    """BatchCreatePartition with these ``PartitionInput`` dicts."""

    database: str
    table: str
    partitions: tuple[dict[str, Any], ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class DropPartitions:
    """BatchDeletePartition of these partition values."""

    database: str
    table: str
    values: tuple[tuple[str, ...], ...]


CatalogChange = (
    CreateDatabase | DropDatabase | CreateTable | DropTable | AddPartitions | DropPartitions
)


@dataclass
class MemoryCatalog:
    """A catalog held in dicts: ``databases[db][table] = Table dict``."""

    databases: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    partitions: dict[tuple[str, str], list[dict[str, Any]]] = field(default_factory=dict)

    def add_database(self, name: str) -> None:
        """Create an empty database."""
        self.databases.setdefault(name.lower(), {})

    def put_table(self, database: str, table: Mapping[str, Any]) -> None:
        """Store a ``Table`` / ``TableInput`` dict (its name lower-cased)."""
        data = copy.deepcopy(dict(table))
        data["Name"] = str(data["Name"]).lower()
        data["DatabaseName"] = database.lower()
        self.databases.setdefault(database.lower(), {})[data["Name"]] = data

    def put_partitions(self, database: str, table: str, parts: Iterable[Mapping[str, Any]]) -> None:
        """Add ``Partition`` dicts (same values replace)."""
        key = (database.lower(), table.lower())
        existing = {tuple(p["Values"]): p for p in self.partitions.get(key, [])}
        for p in parts:
            existing[tuple(p["Values"])] = copy.deepcopy(dict(p))
        self.partitions[key] = list(existing.values())

    def get_table(self, database: str, name: str) -> Wire | None:
        """See :class:`CatalogResolver`."""
        return self.databases.get(database.lower(), {}).get(name.lower())

    def get_partitions(self, database: str, name: str) -> Sequence[Wire]:
        """See :class:`CatalogResolver`."""
        return self.partitions.get((database.lower(), name.lower()), [])

    def list_databases(self) -> Sequence[str]:
        """See :class:`CatalogResolver`."""
        return sorted(self.databases)

    def list_tables(self, database: str) -> Sequence[Wire]:
        """See :class:`CatalogResolver`."""
        return list(self.databases.get(database.lower(), {}).values())

    def apply(self, changes: Iterable[CatalogChange]) -> None:
        """Carry out the engine's changes."""
        for change in changes:
            if isinstance(change, CreateDatabase):
                self.add_database(change.database["Name"])
            elif isinstance(change, DropDatabase):
                self.databases.pop(change.name, None)
                for key in [k for k in self.partitions if k[0] == change.name]:
                    del self.partitions[key]
            elif isinstance(change, CreateTable):
                self.put_table(change.database, change.table)
            elif isinstance(change, DropTable):
                self.databases.get(change.database, {}).pop(change.name, None)
                self.partitions.pop((change.database, change.name), None)
            elif isinstance(change, AddPartitions):
                self.put_partitions(change.database, change.table, change.partitions)
            elif isinstance(change, DropPartitions):
                key = (change.database, change.table)
                gone = set(change.values)
                self.partitions[key] = [
                    p for p in self.partitions.get(key, []) if tuple(p["Values"]) not in gone
                ]
