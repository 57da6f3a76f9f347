"""What every Glue operation family shares: the clock, names, ARNs, pagination, tags."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, ClassVar, TypeVar

from headwater.services.base import RequestContext, Service
from headwater.services.glue import errors
from headwater.services.paging import Pages

__all__ = ["GlueCore", "page"]

T = TypeVar("T")

_PAGES = Pages("hwg1:", lambda: errors.invalid_input("Invalid pagination token"))


def page(
    items: Sequence[T], params: dict[str, Any], *, default: int = 100, limit: int = 1000
) -> tuple[list[T], str | None]:
    """One page of ``items`` by ``NextToken`` / ``MaxResults``; returns it and the next token."""
    return _PAGES.page(items, params, default=default, limit=limit)


class GlueCore(Service):
    """Base of the Glue service's operation families."""

    service_name: ClassVar[str] = "glue"

    def _now(self) -> float:
        """The clock's time cut to milliseconds (what Glue timestamps carry)."""
        return int(self.env.clock.now() * 1000) / 1000

    @staticmethod
    def _name(value: Any) -> str:
        """A database or table name as Glue keeps it: lower case."""
        return str(value or "").lower()

    def _arn(self, ctx: RequestContext, kind: str, name: str) -> str:
        """``arn:aws:glue:<region>:<account>:<kind>/<name>``."""
        return f"arn:aws:glue:{ctx.region}:{ctx.account_id}:{kind}/{name}"

    def _catalog_arn(self, ctx: RequestContext) -> str:
        return f"arn:aws:glue:{ctx.region}:{ctx.account_id}:catalog"

    @staticmethod
    def _tags_in(params: dict[str, Any], member: str = "Tags") -> dict[str, str]:
        raw = params.get(member) or {}
        if not isinstance(raw, dict):
            raise errors.invalid_input(f"{member} must be a map")
        return {str(k): str(v) for k, v in raw.items()}

    @staticmethod
    def _copy(value: Any) -> Any:
        """A deep copy of a JSON-like value (request members are kept as given)."""
        return json.loads(json.dumps(value, default=str))
