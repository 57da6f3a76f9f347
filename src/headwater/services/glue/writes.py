"""Catalog writes on an open transaction, shared by the Glue API, crawlers and Athena DDL.

Every function takes a store connection inside :meth:`Store.transaction`, so a caller that
makes several changes (a crawl's result, an Athena statement's :data:`CatalogChange` list)
commits them together or not at all. They validate as Glue does and raise Glue's errors.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from headwater.catalog import (
    CatalogError,
    Database,
    Partition,
    Table,
    database_from_wire,
    database_to_wire,
    partition_from_wire,
    partition_to_wire,
    table_from_wire,
    table_to_wire,
)
from headwater.query import (
    AddPartitions,
    CatalogChange,
    CreateDatabase,
    CreateTable,
    DropDatabase,
    DropPartitions,
    DropTable,
)
from headwater.services.errors import ServiceError
from headwater.services.glue import errors
from headwater.store.glue_catalog import GlueCatalogStore as S

__all__ = [
    "CatalogWriter",
    "to_datetime",
]


def to_datetime(ts: float) -> datetime:
    """Epoch seconds as an aware UTC datetime (what the catalog model carries)."""
    return datetime.fromtimestamp(ts, tz=UTC)


def _invalid(exc: CatalogError) -> ServiceError:
    return errors.invalid_input(str(exc))


class CatalogWriter:
    """Catalog changes on one connection, for one region and account, at one instant.

    Args:
        conn: a connection inside a write transaction.
        region: the catalog's region.
        account_id: the catalog id (the account).
        now: epoch seconds stamped on what is created or updated.
    """

    def __init__(self, conn: sa.Connection, *, region: str, account_id: str, now: float) -> None:
        self.conn = conn
        self.region = region
        self.account_id = account_id
        self.now = now

    # -- databases --------------------------------------------------------------------------
    def require_database(self, name: str) -> dict[str, Any]:
        """The database dict, or EntityNotFoundException."""
        found = S.get_database(self.conn, self.region, name.lower())
        if found is None:
            raise errors.database_not_found(name.lower())
        return found

    def create_database(self, data: Mapping[str, Any], *, if_missing: bool = False) -> bool:
        """CreateDatabase from a ``DatabaseInput``; False when it existed and ``if_missing``."""
        try:
            db = database_from_wire(data)
        except CatalogError as exc:
            raise _invalid(exc) from None
        if S.get_database(self.conn, self.region, db.name) is not None:
            if if_missing:
                return False
            raise errors.already_exists("Database already exists.")
        stored = Database(
            name=db.name,
            description=db.description,
            location_uri=db.location_uri,
            parameters=db.parameters,
            create_time=to_datetime(self.now),
            create_table_default_permissions=db.create_table_default_permissions
            or (
                {
                    "Principal": {"DataLakePrincipalIdentifier": "IAM_ALLOWED_PRINCIPALS"},
                    "Permissions": ["ALL"],
                },
            ),
            target_database=db.target_database,
            catalog_id=self.account_id,
        )
        S.put_database(self.conn, self.region, database_to_wire(stored))
        return True

    def update_database(self, name: str, data: Mapping[str, Any]) -> None:
        """UpdateDatabase: the input replaces the definition; the name cannot change."""
        old = self.require_database(name)
        try:
            db = database_from_wire(data)
        except CatalogError as exc:
            raise _invalid(exc) from None
        if db.name != name.lower():
            raise errors.invalid_input("Database name cannot be changed")
        body = database_to_wire(
            Database(
                name=db.name,
                description=db.description,
                location_uri=db.location_uri,
                parameters=db.parameters,
                create_time=to_datetime(float(old.get("CreateTime") or self.now)),
                create_table_default_permissions=db.create_table_default_permissions
                or tuple(old.get("CreateTableDefaultPermissions") or ()),
                target_database=db.target_database,
                catalog_id=self.account_id,
            )
        )
        S.put_database(self.conn, self.region, body)

    def delete_database(self, name: str) -> None:
        """DeleteDatabase, with its tables and partitions."""
        self.require_database(name)
        S.delete_database(self.conn, self.region, name.lower())

    # -- tables -----------------------------------------------------------------------------
    def _table(self, data: Mapping[str, Any], database: str) -> Table:
        try:
            return table_from_wire(data, database_name=database)
        except CatalogError as exc:
            raise _invalid(exc) from None
        except (TypeError, ValueError) as exc:
            raise errors.invalid_input(f"TableInput: {exc}") from None

    def create_table(
        self,
        database: str,
        data: Mapping[str, Any] | Table,
        *,
        created_by: str | None = None,
        partitions: Sequence[Mapping[str, Any] | Partition] = (),
    ) -> dict[str, Any]:
        """CreateTable from a ``TableInput`` (or a model table); returns the stored dict."""
        db = database.lower()
        self.require_database(db)
        table = data if isinstance(data, Table) else self._table(data, db)
        if S.get_table(self.conn, self.region, db, table.name) is not None:
            raise errors.already_exists("Table already exists.")
        if not table.name:
            raise errors.invalid_input("Table name is required")
        version = S.max_table_version(self.conn, self.region, db, table.name) + 1
        stamp = to_datetime(self.now)
        stored = table.with_changes(
            database_name=db,
            create_time=stamp,
            update_time=stamp,
            created_by=created_by,
            catalog_id=self.account_id,
            version_id=str(version),
        )
        body = table_to_wire(stored)
        S.put_table(self.conn, self.region, db, body, version)
        if partitions:
            self.add_partitions(db, table.name, partitions)
        return body

    def update_table(
        self,
        database: str,
        data: Mapping[str, Any] | Table,
        *,
        skip_archive: bool = False,
        expected_version: str | None = None,
    ) -> dict[str, Any]:
        """UpdateTable: a new version of the table (kept in its history unless skipped)."""
        db = database.lower()
        self.require_database(db)
        table = data if isinstance(data, Table) else self._table(data, db)
        old = S.get_table(self.conn, self.region, db, table.name)
        if old is None:
            raise errors.table_not_found(table.name)
        if expected_version is not None and str(old.get("VersionId")) != str(expected_version):
            raise ServiceError(
                "ConcurrentModificationException",
                f"Update table failed due to concurrent modifications: expected version "
                f"{expected_version}, found {old.get('VersionId')}",
            )
        version = S.max_table_version(self.conn, self.region, db, table.name) + 1
        stored = table.with_changes(
            database_name=db,
            create_time=to_datetime(float(old.get("CreateTime") or self.now)),
            update_time=to_datetime(self.now),
            created_by=old.get("CreatedBy"),
            catalog_id=self.account_id,
            version_id=str(version),
        )
        body = table_to_wire(stored)
        S.put_table(self.conn, self.region, db, body, version, archive=not skip_archive)
        return body

    def delete_table(self, database: str, name: str) -> None:
        """DeleteTable (a table or a view) with its partitions and versions."""
        db = database.lower()
        self.require_database(db)
        if not S.delete_table(self.conn, self.region, db, name.lower()):
            raise errors.table_not_found(name.lower())

    def require_table(self, database: str, name: str) -> dict[str, Any]:
        """The table dict, or EntityNotFoundException (database first)."""
        db = database.lower()
        self.require_database(db)
        found = S.get_table(self.conn, self.region, db, name.lower())
        if found is None:
            raise errors.table_not_found(name.lower())
        return found

    # -- partitions -------------------------------------------------------------------------
    def _partition(
        self, table: Mapping[str, Any], data: Mapping[str, Any] | Partition
    ) -> Partition:
        db, name = str(table["DatabaseName"]), str(table["Name"])
        if isinstance(data, Partition):
            part = data
        else:
            try:
                part = partition_from_wire(data, database_name=db, table_name=name)
            except CatalogError as exc:
                raise _invalid(exc) from None
        keys = table.get("PartitionKeys") or []
        if len(part.values) != len(keys):
            raise errors.invalid_input(
                "The number of partition keys do not match the number of partition values"
            )
        return part

    def _stored_partition(self, table: Mapping[str, Any], part: Partition) -> dict[str, Any]:
        stamp = part.creation_time or to_datetime(self.now)
        return partition_to_wire(
            replace(
                part,
                database_name=str(table["DatabaseName"]),
                table_name=str(table["Name"]),
                creation_time=stamp,
                catalog_id=self.account_id,
            )
        )

    def add_partitions(
        self,
        database: str,
        table_name: str,
        items: Iterable[Mapping[str, Any] | Partition],
        *,
        collect_errors: bool = False,
        replace_existing: bool = False,
    ) -> list[dict[str, Any]]:
        """CreatePartition / BatchCreatePartition.

        With ``collect_errors`` the ones that fail come back as ``PartitionError`` dicts
        (BatchCreatePartition's ``Errors``) instead of raising; ``replace_existing`` updates
        partitions that exist (what a crawler's update and Athena's MSCK need).
        """
        table = self.require_table(database, table_name)
        db, name = str(table["DatabaseName"]), str(table["Name"])
        known = S.partition_keys(self.conn, self.region, db, name)
        fresh: list[dict[str, Any]] = []
        failures: list[dict[str, Any]] = []
        seen: set[tuple[str, ...]] = set()
        for item in items:
            try:
                part = self._partition(table, item)
                if part.values in known or part.values in seen:
                    if replace_existing and part.values in known:
                        self.update_partition(db, name, part.values, part)
                        continue
                    raise errors.already_exists("Partition already exists.")
            except ServiceError as err:
                if not collect_errors:
                    raise
                values = list(item.values) if isinstance(item, Partition) else item.get("Values")
                failures.append(
                    {
                        "PartitionValues": list(values or []),
                        "ErrorDetail": {"ErrorCode": err.code, "ErrorMessage": err.message},
                    }
                )
                continue
            seen.add(part.values)
            fresh.append(self._stored_partition(table, part))
        S.insert_partitions(self.conn, self.region, db, name, fresh)
        return failures

    def update_partition(
        self,
        database: str,
        table_name: str,
        values: Sequence[str],
        data: Mapping[str, Any] | Partition,
    ) -> None:
        """UpdatePartition: replace the partition with ``values`` (its values may change)."""
        table = self.require_table(database, table_name)
        db, name = str(table["DatabaseName"]), str(table["Name"])
        old = S.get_partition(self.conn, self.region, db, name, values)
        if old is None:
            raise errors.partition_not_found()
        part = self._partition(table, data)
        if tuple(part.values) != tuple(values) and (
            S.get_partition(self.conn, self.region, db, name, part.values) is not None
        ):
            raise errors.already_exists("Partition already exists.")
        created = old.get("CreationTime")
        part = replace(part, creation_time=to_datetime(float(created)) if created else None)
        S.replace_partition(
            self.conn, self.region, db, name, values, self._stored_partition(table, part)
        )

    def delete_partitions(
        self,
        database: str,
        table_name: str,
        values_list: Iterable[Sequence[str]],
        *,
        collect_errors: bool = False,
    ) -> list[dict[str, Any]]:
        """DeletePartition / BatchDeletePartition (``collect_errors``: report missing ones)."""
        table = self.require_table(database, table_name)
        db, name = str(table["DatabaseName"]), str(table["Name"])
        failures: list[dict[str, Any]] = []
        for values in values_list:
            if S.delete_partition(self.conn, self.region, db, name, values):
                continue
            err = errors.partition_not_found()
            if not collect_errors:
                raise err
            failures.append(
                {
                    "PartitionValues": list(values),
                    "ErrorDetail": {"ErrorCode": err.code, "ErrorMessage": err.message},
                }
            )
        return failures

    # -- Athena's DDL outcomes --------------------------------------------------------------
    def apply(self, changes: Iterable[CatalogChange], *, created_by: str | None = None) -> None:
        """Carry out the query engine's catalog changes, in order."""
        for change in changes:
            if isinstance(change, CreateDatabase):
                self.create_database(change.database, if_missing=False)
            elif isinstance(change, DropDatabase):
                db = change.name.lower()
                if not change.cascade and S.count_tables(self.conn, self.region, db):
                    raise errors.invalid_input(f"Database {db} is not empty")
                self.delete_database(db)
            elif isinstance(change, CreateTable):
                name = str(change.table.get("Name", "")).lower()
                exists = S.get_table(self.conn, self.region, change.database.lower(), name)
                if exists is not None and change.replace:
                    self.update_table(change.database, change.table)
                else:
                    self.create_table(change.database, change.table, created_by=created_by)
            elif isinstance(change, DropTable):
                self.delete_table(change.database, change.name)
            elif isinstance(change, AddPartitions):
                self.add_partitions(
                    change.database, change.table, change.partitions, replace_existing=True
                )
            elif isinstance(change, DropPartitions):
                self.delete_partitions(
                    change.database, change.table, change.values, collect_errors=True
                )
            else:  # pragma: no cover - the engine's change set is closed
                raise TypeError(f"unknown catalog change {change!r}")
