"""Data catalogs (only ``AwsDataCatalog``: the Glue Data Catalog), databases, table metadata."""

from __future__ import annotations

import re
from typing import Any

from headwater.query import table_metadata
from headwater.services.athena import errors
from headwater.services.athena._core import CATALOG, AthenaCore, page
from headwater.services.base import RequestContext
from headwater.store.glue_catalog import GlueCatalogStore as G

__all__ = ["CatalogOperations"]


def _database(db: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"Name": db["Name"], "Parameters": dict(db.get("Parameters") or {})}
    if db.get("Description"):
        out["Description"] = db["Description"]
    return out


def _pattern(expression: str | None) -> re.Pattern[str] | None:
    if not expression:
        return None
    parts = [re.sub(r"(?<!\.)\*", ".*", p.strip()) for p in expression.split("|")]
    try:
        return re.compile("|".join(f"(?:{p})" for p in parts), re.IGNORECASE)
    except re.error as exc:
        raise errors.invalid_request(f"Invalid Expression {expression!r}: {exc}") from None


class CatalogOperations(AthenaCore):
    """GetDataCatalog, ListDataCatalogs, GetDatabase, ListDatabases, table metadata."""

    def _catalog_param(self, params: dict[str, Any], member: str = "CatalogName") -> None:
        name = str(params.get(member) or CATALOG)
        if name.lower() != CATALOG.lower():
            raise errors.metadata_error(f"Catalog {name} does not exist")

    def get_data_catalog(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """GetDataCatalog."""
        name = str(params["Name"])
        if name.lower() != CATALOG.lower():
            raise errors.invalid_request(f"Catalog {name} was not found")
        return {
            "DataCatalog": {
                "Name": CATALOG,
                "Description": "AWS Glue Data Catalog",
                "Type": "GLUE",
                "Parameters": {"catalog-id": ctx.account_id},
                "Status": "CREATE_COMPLETE",
            }
        }

    def list_data_catalogs(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """ListDataCatalogs."""
        return {
            "DataCatalogsSummary": [
                {"CatalogName": CATALOG, "Type": "GLUE", "Status": "CREATE_COMPLETE"}
            ]
        }

    def list_databases(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """ListDatabases."""
        self._catalog_param(params)
        with self.env.store.read() as conn:
            found = [_database(d) for d in G.list_databases(conn, ctx.region)]
        chunk, nxt = page(found, params)
        out: dict[str, Any] = {"DatabaseList": chunk}
        if nxt:
            out["NextToken"] = nxt
        return out

    def get_database(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """GetDatabase."""
        self._catalog_param(params)
        name = str(params["DatabaseName"]).lower()
        with self.env.store.read() as conn:
            found = G.get_database(conn, ctx.region, name)
        if found is None:
            raise errors.metadata_error(f"Database {name} not found.")
        return {"Database": _database(found)}

    def list_table_metadata(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """ListTableMetadata (Expression filters the names)."""
        self._catalog_param(params)
        db = str(params["DatabaseName"]).lower()
        pattern = _pattern(params.get("Expression"))
        with self.env.store.read() as conn:
            self.require_database_exists(conn, ctx.region, db)
            tables = G.list_tables(conn, ctx.region, db)
        if pattern is not None:
            tables = [t for t in tables if pattern.fullmatch(str(t["Name"]))]
        chunk, nxt = page([table_metadata(t) for t in tables], params)
        out: dict[str, Any] = {"TableMetadataList": chunk}
        if nxt:
            out["NextToken"] = nxt
        return out

    def get_table_metadata(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """GetTableMetadata."""
        self._catalog_param(params)
        db = str(params["DatabaseName"]).lower()
        name = str(params["TableName"]).lower()
        with self.env.store.read() as conn:
            self.require_database_exists(conn, ctx.region, db)
            table = G.get_table(conn, ctx.region, db, name)
        if table is None:
            raise errors.metadata_error(f"Table {name} not found in database {db}.")
        return {"TableMetadata": table_metadata(table)}
