"""What every Athena operation family shares: clock, pagination, work groups, the catalog view."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar, TypeVar

import sqlalchemy as sa

from headwater.services.athena import errors
from headwater.services.base import RequestContext, Service
from headwater.services.errors import ServiceError
from headwater.services.paging import Pages
from headwater.store import Store
from headwater.store.athena import AthenaStore as A
from headwater.store.glue_catalog import GlueCatalogStore as G

__all__ = [
    "CATALOG",
    "ENGINE_VERSION",
    "PRIMARY",
    "AthenaCore",
    "StoreCatalog",
    "page",
    "parse_s3",
]

T = TypeVar("T")

CATALOG = "AwsDataCatalog"
PRIMARY = "primary"
ENGINE_VERSION = {
    "SelectedEngineVersion": "AUTO",
    "EffectiveEngineVersion": "Athena engine version 3",
}
_PAGES = Pages("hwa1:", lambda: errors.invalid_request("The NextToken is not valid"))
decode_token = _PAGES.offset
next_token = _PAGES.next_token


def page(
    items: Sequence[T], params: Mapping[str, Any], *, default: int = 50, limit: int = 50
) -> tuple[list[T], str | None]:
    """One page of ``items`` by ``NextToken`` / ``MaxResults``."""
    return _PAGES.page(items, params, default=default, limit=limit)


def parse_s3(uri: str) -> tuple[str, str]:
    """``(bucket, key)`` of an ``s3://`` URI (InvalidRequestException otherwise)."""
    if not uri.startswith(("s3://", "s3a://", "s3n://")):
        raise errors.invalid_request(f"Invalid S3 location: {uri}. It must start with s3://")
    rest = uri.split("://", 1)[1]
    bucket, _, key = rest.partition("/")
    if not bucket:
        raise errors.invalid_request(f"Invalid S3 location: {uri}")
    return bucket, key


class StoreCatalog:
    """The query engine's :class:`~headwater.query.CatalogResolver` over the Glue catalog port."""

    def __init__(self, store: Store, region: str) -> None:
        self.store = store
        self.region = region

    def get_table(self, database: str, name: str) -> dict[str, Any] | None:
        """GetTable's ``Table``, or None."""
        with self.store.read() as conn:
            return G.get_table(conn, self.region, database.lower(), name.lower())

    def get_partitions(self, database: str, name: str) -> list[dict[str, Any]]:
        """Every ``Partition`` of the table."""
        with self.store.read() as conn:
            return G.list_partitions(conn, self.region, database.lower(), name.lower())

    def list_databases(self) -> list[str]:
        """The database names."""
        with self.store.read() as conn:
            return [str(d["Name"]) for d in G.list_databases(conn, self.region)]

    def list_tables(self, database: str) -> list[dict[str, Any]]:
        """The ``Table`` dicts of a database."""
        with self.store.read() as conn:
            return G.list_tables(conn, self.region, database.lower())


class AthenaCore(Service):
    """Base of the Athena service's operation families."""

    service_name: ClassVar[str] = "athena"

    def _now(self) -> float:
        """The clock's time cut to milliseconds (what Athena timestamps carry)."""
        return int(self.env.clock.now() * 1000) / 1000

    def _arn(self, ctx: RequestContext, kind: str, name: str) -> str:
        return f"arn:aws:athena:{ctx.region}:{ctx.account_id}:{kind}/{name}"

    def _primary(self) -> dict[str, Any]:
        return {
            "Name": PRIMARY,
            "State": "ENABLED",
            "Configuration": {
                "EnforceWorkGroupConfiguration": False,
                "PublishCloudWatchMetricsEnabled": False,
                "RequesterPaysEnabled": False,
                "EngineVersion": dict(ENGINE_VERSION),
                "EnableMinimumEncryptionConfiguration": False,
            },
            "CreationTime": self._now(),
        }

    def workgroup(
        self, conn: sa.Connection, region: str, name: str | None, *, create: bool = False
    ) -> dict[str, Any]:
        """The work group's body (``primary`` always exists), or InvalidRequestException.

        With ``create`` (a write transaction) the primary work group is stored on first use.
        """
        wanted = name or PRIMARY
        found = A.get_workgroup(conn, region, wanted)
        if found is not None:
            return found
        if wanted == PRIMARY:
            body = self._primary()
            if create:
                A.put_workgroup(conn, region, PRIMARY, body)
            return body
        raise errors.invalid_request(f"WorkGroup {wanted} is not found.")

    def require_database_exists(self, conn: sa.Connection, region: str, name: str) -> None:
        """MetadataException unless the Glue database exists."""
        if G.get_database(conn, region, name.lower()) is None:
            raise errors.metadata_error(f"Database {name} not found.")

    @staticmethod
    def check_catalog(name: str | None) -> None:
        """Only the Glue Data Catalog exists."""
        if name and name.lower() != CATALOG.lower():
            raise errors.invalid_request(f"Catalog {name} does not exist.")

    @staticmethod
    def wrap(err: ServiceError) -> ServiceError:
        """A store or Glue error as Athena reports it."""
        return errors.invalid_request(err.message)
