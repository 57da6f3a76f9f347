"""TagResource, UntagResource and GetTags for every taggable Glue resource.

Which resource kinds exist is a small registry: each operation family registers a check for
its kind (``database``, ``table``, ``crawler``, ``connection``; a jobs family would add
``job``, ``workflow``, ``trigger``) with :func:`register_taggable`. Kinds nobody registered are
tagged without an existence check.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa

from headwater.services.base import RequestContext
from headwater.services.glue import errors
from headwater.services.glue._core import GlueCore
from headwater.store.glue_catalog import GlueCatalogStore as S

__all__ = ["TagOperations", "register_taggable"]

Exists = Callable[[sa.Connection, str, list[str]], bool]

_TAGGABLE: dict[str, Exists] = {}


def register_taggable(kind: str, exists: Exists) -> None:
    """Tell the tag operations how to check that a resource of ``kind`` exists.

    ``exists(conn, region, parts)`` gets the ARN's resource path split on ``/`` (without
    the kind): ``["db"]`` for a database, ``["db", "table"]`` for a table.
    """
    _TAGGABLE[kind] = exists


register_taggable("database", lambda c, r, p: S.get_database(c, r, p[0].lower()) is not None)
register_taggable(
    "table",
    lambda c, r, p: len(p) == 2 and S.get_table(c, r, p[0].lower(), p[1].lower()) is not None,
)
register_taggable("crawler", lambda c, r, p: S.get_crawler(c, r, p[0]) is not None)
register_taggable("connection", lambda c, r, p: S.get_connection(c, r, p[0]) is not None)


def _parse(arn: str) -> tuple[str, str, list[str]]:
    parts = arn.split(":", 5)
    if len(parts) != 6 or parts[0] != "arn" or parts[2] != "glue" or "/" not in parts[5]:
        raise errors.invalid_input(f"Invalid ARN {arn}")
    kind, _, rest = parts[5].partition("/")
    return parts[3], kind, rest.split("/")


class TagOperations(GlueCore):
    """Tags on any Glue resource ARN."""

    def _check(self, conn: sa.Connection, arn: str) -> None:
        region, kind, path = _parse(arn)
        exists = _TAGGABLE.get(kind)
        if exists is not None and not exists(conn, region, path):
            raise errors.entity_not_found(f"Resource {arn} not found")

    def tag_resource(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """TagResource."""
        arn = params["ResourceArn"]
        with self.env.store.transaction() as conn:
            self._check(conn, arn)
            tags = S.get_tags(conn, arn)
            tags.update(self._tags_in(params, "TagsToAdd"))
            S.put_tags(conn, arn, tags)
        return {}

    def untag_resource(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """UntagResource."""
        arn = params["ResourceArn"]
        with self.env.store.transaction() as conn:
            self._check(conn, arn)
            tags = S.get_tags(conn, arn)
            for key in params["TagsToRemove"]:
                tags.pop(key, None)
            S.put_tags(conn, arn, tags)
        return {}

    def get_tags(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """GetTags."""
        arn = params["ResourceArn"]
        with self.env.store.read() as conn:
            self._check(conn, arn)
            return {"Tags": S.get_tags(conn, arn)}
