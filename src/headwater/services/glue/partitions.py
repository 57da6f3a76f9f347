"""Partition operations: create, get (with Expression and segments), update, delete, batches."""

from __future__ import annotations

from typing import Any

from headwater.services.base import RequestContext
from headwater.services.errors import ServiceError
from headwater.services.glue import errors
from headwater.services.glue._core import page
from headwater.services.glue.catalog import CatalogOperations
from headwater.services.glue.expression import ExpressionError, compile_expression
from headwater.store.glue_catalog import GlueCatalogStore as S

__all__ = ["PartitionOperations"]


class PartitionOperations(CatalogOperations):
    """CreatePartition ... BatchDeletePartition."""

    def _require_table(self, conn: Any, ctx: RequestContext, db: str, name: str) -> dict[str, Any]:
        if S.get_database(conn, ctx.region, db) is None:
            raise errors.database_not_found(db)
        table = S.get_table(conn, ctx.region, db, name)
        if table is None:
            raise errors.table_not_found(name)
        return table

    def create_partition(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """CreatePartition."""
        with self.env.store.transaction() as conn:
            self.writer(conn, ctx).add_partitions(
                params["DatabaseName"], params["TableName"], [params["PartitionInput"]]
            )
        return {}

    def batch_create_partition(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """BatchCreatePartition: the ones that fail are reported in Errors."""
        with self.env.store.transaction() as conn:
            failures = self.writer(conn, ctx).add_partitions(
                params["DatabaseName"],
                params["TableName"],
                params["PartitionInputList"],
                collect_errors=True,
            )
        return {"Errors": failures}

    def get_partition(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """GetPartition."""
        db, name = self._name(params["DatabaseName"]), self._name(params["TableName"])
        with self.env.store.read() as conn:
            self._require_table(conn, ctx, db, name)
            found = S.get_partition(conn, ctx.region, db, name, params["PartitionValues"])
        if found is None:
            raise errors.partition_not_found()
        return {"Partition": found}

    def get_partitions(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """GetPartitions: Expression over the partition keys, Segment, pagination."""
        db, name = self._name(params["DatabaseName"]), self._name(params["TableName"])
        with self.env.store.read() as conn:
            table = self._require_table(conn, ctx, db, name)
            found = S.list_partitions(conn, ctx.region, db, name)
        keys = [
            (str(k["Name"]), str(k.get("Type") or "string"))
            for k in table.get("PartitionKeys") or []
        ]
        try:
            selected = compile_expression(str(params.get("Expression") or ""), keys)
        except ExpressionError as exc:
            raise errors.invalid_input(str(exc)) from None
        found = [p for p in found if selected.matches(p["Values"])]
        segment = params.get("Segment")
        if segment:
            total, number = int(segment["TotalSegments"]), int(segment["SegmentNumber"])
            if not 0 <= number < total:
                raise errors.invalid_input("SegmentNumber must be less than TotalSegments")
            found = found[number::total]
        if params.get("ExcludeColumnSchema"):
            found = [_without_columns(p) for p in found]
        chunk, nxt = page(found, params, default=1000)
        out: dict[str, Any] = {"Partitions": chunk}
        if nxt:
            out["NextToken"] = nxt
        return out

    def batch_get_partition(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """BatchGetPartition: missing values are simply absent, as in Glue."""
        db, name = self._name(params["DatabaseName"]), self._name(params["TableName"])
        with self.env.store.read() as conn:
            self._require_table(conn, ctx, db, name)
            found = [
                S.get_partition(conn, ctx.region, db, name, item["Values"])
                for item in params["PartitionsToGet"]
            ]
        return {"Partitions": [p for p in found if p is not None], "UnprocessedKeys": []}

    def update_partition(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """UpdatePartition."""
        with self.env.store.transaction() as conn:
            self.writer(conn, ctx).update_partition(
                params["DatabaseName"],
                params["TableName"],
                params["PartitionValueList"],
                params["PartitionInput"],
            )
        return {}

    def batch_update_partition(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """BatchUpdatePartition."""
        failures = []
        with self.env.store.transaction() as conn:
            writer = self.writer(conn, ctx)
            writer.require_table(params["DatabaseName"], params["TableName"])
            for entry in params["Entries"]:
                try:
                    writer.update_partition(
                        params["DatabaseName"],
                        params["TableName"],
                        entry["PartitionValueList"],
                        entry["PartitionInput"],
                    )
                except ServiceError as err:
                    failures.append(
                        {
                            "PartitionValueList": entry["PartitionValueList"],
                            "ErrorDetail": {"ErrorCode": err.code, "ErrorMessage": err.message},
                        }
                    )
        return {"Errors": failures}

    def delete_partition(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """DeletePartition."""
        with self.env.store.transaction() as conn:
            self.writer(conn, ctx).delete_partitions(
                params["DatabaseName"], params["TableName"], [params["PartitionValues"]]
            )
        return {}

    def batch_delete_partition(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """BatchDeletePartition: missing ones are reported in Errors."""
        with self.env.store.transaction() as conn:
            failures = self.writer(conn, ctx).delete_partitions(
                params["DatabaseName"],
                params["TableName"],
                [item["Values"] for item in params["PartitionsToDelete"]],
                collect_errors=True,
            )
        return {"Errors": failures}


def _without_columns(partition: dict[str, Any]) -> dict[str, Any]:
    out = dict(partition)
    sd = dict(out.get("StorageDescriptor") or {})
    sd.pop("Columns", None)
    out["StorageDescriptor"] = sd
    return out
