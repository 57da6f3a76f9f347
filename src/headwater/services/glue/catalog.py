"""Data Catalog operations: databases, tables and table versions.

Names are lower-cased on the way in, as Glue stores them, so ``raw_Customers`` and
``raw_customers`` are one table. Every write goes through :class:`CatalogWriter` inside one
transaction; reads take a snapshot.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa

from headwater.services.base import RequestContext
from headwater.services.glue import errors
from headwater.services.glue._core import GlueCore, page
from headwater.services.glue.writes import CatalogWriter
from headwater.store.glue_catalog import GlueCatalogStore as S

__all__ = ["CatalogOperations", "table_pattern"]


def table_pattern(expression: str | None) -> re.Pattern[str] | None:
    """GetTables' ``Expression``: Hive's pattern (``*`` any text, ``|`` alternatives)."""
    if not expression:
        return None
    alternatives = []
    for part in expression.split("|"):
        # A trailing ".*" is already a regex; a lone "*" is the Hive wildcard.
        text = re.sub(r"(?<!\.)\*", ".*", part.strip())
        alternatives.append(text)
    try:
        return re.compile("|".join(f"(?:{a})" for a in alternatives), re.IGNORECASE)
    except re.error as exc:
        raise errors.invalid_input(f"Invalid Expression {expression!r}: {exc}") from None


def _sort_key(field: str) -> Callable[[dict[str, Any]], str]:
    """SearchTables' ``SortCriteria`` key: a table member, else a table parameter."""

    def key(table: dict[str, Any]) -> str:
        return str(table.get(field, (table.get("Parameters") or {}).get(field, "")))

    return key


class CatalogOperations(GlueCore):
    """CreateDatabase ... DeleteDatabase, CreateTable ... GetTableVersions, SearchTables."""

    def writer(self, conn: sa.Connection, ctx: RequestContext) -> CatalogWriter:
        """A catalog writer on ``conn`` for the caller's region."""
        return CatalogWriter(conn, region=ctx.region, account_id=ctx.account_id, now=self._now())

    # -- databases --------------------------------------------------------------------------
    def create_database(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """CreateDatabase."""
        tags = self._tags_in(params)
        with self.env.store.transaction() as conn:
            self.writer(conn, ctx).create_database(params["DatabaseInput"])
            if tags:
                name = self._name(params["DatabaseInput"].get("Name"))
                S.put_tags(conn, self._arn(ctx, "database", name), tags)
        return {}

    def get_database(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """GetDatabase."""
        name = self._name(params["Name"])
        with self.env.store.read() as conn:
            found = S.get_database(conn, ctx.region, name)
        if found is None:
            raise errors.database_not_found(name)
        return {"Database": found}

    def get_databases(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """GetDatabases (NextToken / MaxResults)."""
        with self.env.store.read() as conn:
            found = S.list_databases(conn, ctx.region)
        chunk, nxt = page(found, params)
        out: dict[str, Any] = {"DatabaseList": chunk}
        if nxt:
            out["NextToken"] = nxt
        return out

    def update_database(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """UpdateDatabase."""
        with self.env.store.transaction() as conn:
            self.writer(conn, ctx).update_database(
                self._name(params["Name"]), params["DatabaseInput"]
            )
        return {}

    def delete_database(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """DeleteDatabase: its tables, views and partitions go with it."""
        name = self._name(params["Name"])
        with self.env.store.transaction() as conn:
            self.writer(conn, ctx).delete_database(name)
            S.put_tags(conn, self._arn(ctx, "database", name), {})
        return {}

    # -- tables -----------------------------------------------------------------------------
    def create_table(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """CreateTable."""
        with self.env.store.transaction() as conn:
            self.writer(conn, ctx).create_table(params["DatabaseName"], params["TableInput"])
        return {}

    def get_table(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """GetTable."""
        db, name = self._name(params["DatabaseName"]), self._name(params["Name"])
        with self.env.store.read() as conn:
            if S.get_database(conn, ctx.region, db) is None:
                raise errors.database_not_found(db)
            found = S.get_table(conn, ctx.region, db, name)
        if found is None:
            raise errors.table_not_found(name)
        return {"Table": found}

    def get_tables(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """GetTables (Expression, NextToken / MaxResults)."""
        db = self._name(params["DatabaseName"])
        pattern = table_pattern(params.get("Expression"))
        with self.env.store.read() as conn:
            if S.get_database(conn, ctx.region, db) is None:
                raise errors.database_not_found(db)
            found = S.list_tables(conn, ctx.region, db)
        if pattern is not None:
            found = [t for t in found if pattern.fullmatch(str(t["Name"]))]
        chunk, nxt = page(found, params)
        out: dict[str, Any] = {"TableList": chunk}
        if nxt:
            out["NextToken"] = nxt
        return out

    def update_table(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """UpdateTable: a new version (GetTableVersions) unless SkipArchive."""
        with self.env.store.transaction() as conn:
            self.writer(conn, ctx).update_table(
                params["DatabaseName"],
                params["TableInput"],
                skip_archive=bool(params.get("SkipArchive")),
                expected_version=params.get("VersionId"),
            )
        return {}

    def delete_table(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """DeleteTable."""
        with self.env.store.transaction() as conn:
            self.writer(conn, ctx).delete_table(params["DatabaseName"], params["Name"])
        return {}

    def batch_delete_table(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """BatchDeleteTable: the missing ones are reported in Errors."""
        db = self._name(params["DatabaseName"])
        failures: list[dict[str, Any]] = []
        with self.env.store.transaction() as conn:
            writer = self.writer(conn, ctx)
            writer.require_database(db)
            for name in params["TablesToDelete"]:
                if not S.delete_table(conn, ctx.region, db, self._name(name)):
                    err = errors.table_not_found(self._name(name))
                    failures.append(
                        {
                            "TableName": name,
                            "ErrorDetail": {"ErrorCode": err.code, "ErrorMessage": err.message},
                        }
                    )
        return {"Errors": failures}

    # -- versions ---------------------------------------------------------------------------
    def _versions(self, ctx: RequestContext, params: dict[str, Any]) -> list[dict[str, Any]]:
        db, name = self._name(params["DatabaseName"]), self._name(params["TableName"])
        with self.env.store.read() as conn:
            if S.get_database(conn, ctx.region, db) is None:
                raise errors.database_not_found(db)
            if S.get_table(conn, ctx.region, db, name) is None:
                raise errors.table_not_found(name)
            kept = S.table_versions(conn, ctx.region, db, name)
        return [{"Table": body, "VersionId": str(v)} for v, body in kept]

    def get_table_versions(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """GetTableVersions: newest first."""
        chunk, nxt = page(self._versions(ctx, params), params)
        out: dict[str, Any] = {"TableVersions": chunk}
        if nxt:
            out["NextToken"] = nxt
        return out

    def get_table_version(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """GetTableVersion (the current one without VersionId)."""
        versions = self._versions(ctx, params)
        wanted = params.get("VersionId")
        if wanted is None:
            return {"TableVersion": versions[0]}
        for item in versions:
            if item["VersionId"] == str(wanted):
                return {"TableVersion": item}
        raise errors.entity_not_found(f"Version {wanted} of table not found.")

    def delete_table_version(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """DeleteTableVersion (of an archived version)."""
        failures = self._delete_versions(ctx, params, [params["VersionId"]])
        if failures:
            raise errors.entity_not_found(failures[0]["ErrorDetail"]["ErrorMessage"])
        return {}

    def batch_delete_table_version(
        self, ctx: RequestContext, params: dict[str, Any]
    ) -> dict[str, Any]:
        """BatchDeleteTableVersion."""
        return {"Errors": self._delete_versions(ctx, params, params["VersionIds"])}

    def _delete_versions(
        self, ctx: RequestContext, params: dict[str, Any], ids: list[str]
    ) -> list[dict[str, Any]]:
        db, name = self._name(params["DatabaseName"]), self._name(params["TableName"])
        failures = []
        with self.env.store.transaction() as conn:
            self.writer(conn, ctx).require_table(db, name)
            current = S.table_version(conn, ctx.region, db, name)
            for vid in ids:
                ok = vid.isdigit() and int(vid) != current
                if ok:
                    ok = S.delete_table_version(conn, ctx.region, db, name, int(vid))
                if not ok:
                    failures.append(
                        {
                            "TableName": name,
                            "VersionId": vid,
                            "ErrorDetail": {
                                "ErrorCode": "EntityNotFoundException",
                                "ErrorMessage": f"Version {vid} of table {name} not found.",
                            },
                        }
                    )
        return failures

    # -- search -----------------------------------------------------------------------------
    def search_tables(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """SearchTables: SearchText over names, descriptions, parameters; Filters, SortCriteria."""
        text = str(params.get("SearchText") or "").lower()
        filters = params.get("Filters") or []
        with self.env.store.read() as conn:
            found = [
                t
                for db in S.list_databases(conn, ctx.region)
                for t in S.list_tables(conn, ctx.region, str(db["Name"]))
            ]

        def hit(table: dict[str, Any]) -> bool:
            if text:
                hay = " ".join(
                    [
                        str(table.get("Name", "")),
                        str(table.get("Description", "")),
                        " ".join(f"{k} {v}" for k, v in (table.get("Parameters") or {}).items()),
                        " ".join(
                            str(c.get("Name", ""))
                            for c in (table.get("StorageDescriptor") or {}).get("Columns") or []
                        ),
                    ]
                ).lower()
                if text not in hay:
                    return False
            for f in filters:
                key, value = f.get("Key"), str(f.get("Value", ""))
                comparator = f.get("Comparator", "EQUALS")
                have = table.get(key) if key in table else (table.get("Parameters") or {}).get(key)
                if have is None:
                    return False
                have_s = str(have)
                ok = {
                    "EQUALS": have_s == value,
                    "GREATER_THAN": have_s > value,
                    "LESS_THAN": have_s < value,
                    "GREATER_THAN_EQUALS": have_s >= value,
                    "LESS_THAN_EQUALS": have_s <= value,
                }.get(str(comparator), have_s == value)
                if not ok:
                    return False
            return True

        selected = [t for t in found if hit(t)]
        for criterion in reversed(params.get("SortCriteria") or []):
            selected.sort(
                key=_sort_key(str(criterion.get("FieldName") or "Name")),
                reverse=str(criterion.get("Sort") or "ASC") == "DESC",
            )
        chunk, nxt = page(selected, params)
        out: dict[str, Any] = {"TableList": chunk}
        if nxt:
            out["NextToken"] = nxt
        return out
