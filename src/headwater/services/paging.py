"""Offset pagination behind opaque ``NextToken`` strings, for services that page lists.

A :class:`Pages` names its token prefix (so one service's token is refused by another) and the
error a token that is not its own raises, worded as that service words it.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

from headwater.services.errors import ServiceError

__all__ = ["Pages"]

T = TypeVar("T")


class Pages:
    """Encodes list offsets as ``NextToken`` values and cuts pages."""

    def __init__(self, prefix: str, bad_token: Callable[[], ServiceError]) -> None:
        self.prefix = prefix
        self.bad_token = bad_token

    def token(self, offset: int) -> str:
        """The token standing for ``offset``."""
        return base64.urlsafe_b64encode(f"{self.prefix}{offset}".encode()).decode()

    def offset(self, token: str | None) -> int:
        """The offset a token stands for (0 without one); ``bad_token()`` when it is not ours."""
        if not token:
            return 0
        try:
            text = base64.urlsafe_b64decode(token.encode()).decode()
        except (binascii.Error, UnicodeDecodeError, ValueError):
            text = ""
        rest = text[len(self.prefix) :]
        if not text.startswith(self.prefix) or not rest.isdigit():
            raise self.bad_token()
        return int(rest)

    def next_token(self, offset: int, total: int) -> str | None:
        """The token for ``offset``, or None past the end."""
        return self.token(offset) if offset < total else None

    def page(
        self, items: Sequence[T], params: Mapping[str, Any], *, default: int, limit: int
    ) -> tuple[list[T], str | None]:
        """One page of ``items`` by ``NextToken`` / ``MaxResults``, and the next token."""
        start = self.offset(params.get("NextToken"))
        size = max(1, min(int(params.get("MaxResults") or default), limit))
        return list(items[start : start + size]), self.next_token(start + size, len(items))
