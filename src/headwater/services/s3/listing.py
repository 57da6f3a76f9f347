"""Listings: ListObjects and ListObjectsV2 (prefix, delimiter, pagination, URL encoding).

Keys come back in UTF-8 byte order straight from the store's index. With a delimiter, every
key that rolls up into a common prefix ``P`` is skipped with one range jump (to the first key
after all keys starting with ``P``), so a folder of a million files costs one query, not a
million rows.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

import sqlalchemy as sa

from headwater.services.base import RequestContext
from headwater.services.s3 import errors
from headwater.services.s3._core import S3Core
from headwater.services.s3._values import encode_if
from headwater.store import s3 as port
from headwater.store.s3 import ObjectRecord

__all__ = ["ListingOperations", "walk"]

_MAX_KEYS = 1000
_TOKEN_PREFIX = "hw1:"

Entry = ObjectRecord | str  # an object, or a common prefix


def walk(
    conn: sa.Connection,
    bucket: str,
    *,
    prefix: str,
    delimiter: str,
    after: str | None,
    skip_prefixes_upto: str | None,
    limit: int,
) -> tuple[list[Entry], bool]:
    """Return up to ``limit`` entries after ``after``, and whether more follow.

    A common prefix that sorts at or before ``skip_prefixes_upto`` is not returned again
    (it was the last entry of the previous page, or the marker lies inside it).
    """
    entries: list[Entry] = []
    cursor_after, cursor_start = after, None
    while len(entries) <= limit:
        want = min(_MAX_KEYS, limit + 1 - len(entries))
        batch = port.list_objects(
            conn, bucket, prefix=prefix, after=cursor_after, start=cursor_start, limit=want
        )
        jumped = False
        for obj in batch:
            if delimiter:
                cut = obj.key.find(delimiter, len(prefix))
                if cut >= 0:
                    common = obj.key[: cut + len(delimiter)]
                    if skip_prefixes_upto is None or common > skip_prefixes_upto:
                        entries.append(common)
                    nxt = port.successor(common)
                    if nxt is None:
                        return entries[:limit], len(entries) > limit
                    cursor_after, cursor_start = None, nxt
                    jumped = True
                    break
            entries.append(obj)
            cursor_after, cursor_start = obj.key, None
            if len(entries) > limit:
                break
        if not jumped and len(batch) < want:
            break
    return entries[:limit], len(entries) > limit


def _max_keys(params: dict[str, Any]) -> int:
    value = params.get("MaxKeys")
    if value is None:
        return _MAX_KEYS
    number = int(value)
    if number < 0:
        raise errors.invalid_argument(
            "Argument maxKeys must be an integer between 0 and 2147483647", "maxKeys", value
        )
    return min(number, _MAX_KEYS)


def _encoding(params: dict[str, Any]) -> str | None:
    value = params.get("EncodingType")
    if value in (None, ""):
        return None
    if value != "url":
        raise errors.invalid_argument(
            "Invalid Encoding Method specified in Request", "encoding-type", value
        )
    return "url"


def _token(last: Entry) -> str:
    name = last if isinstance(last, str) else last.key
    return base64.urlsafe_b64encode((_TOKEN_PREFIX + name).encode()).decode()


def _untoken(token: str) -> str:
    try:
        text = base64.urlsafe_b64decode(token.encode()).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        text = ""
    if not text.startswith(_TOKEN_PREFIX):
        raise errors.invalid_argument(
            "The continuation token provided is incorrect", "continuation-token", token
        )
    return text[len(_TOKEN_PREFIX) :]


class ListingOperations(S3Core):
    """ListObjects and ListObjectsV2."""

    def _page(
        self, params: dict[str, Any], *, after: str | None, skip_upto: str | None
    ) -> tuple[list[Entry], bool, int]:
        bucket = str(params["Bucket"])
        limit = _max_keys(params)
        with self.env.store.read() as conn:
            self._bucket(conn, bucket)
            entries, truncated = walk(
                conn,
                bucket,
                prefix=str(params.get("Prefix") or ""),
                delimiter=str(params.get("Delimiter") or ""),
                after=after,
                skip_prefixes_upto=skip_upto,
                limit=limit,
            )
        return entries, truncated, limit

    def _split(self, entries: list[Entry], *, owner: bool, encoding: str | None) -> dict[str, Any]:
        out: dict[str, Any] = {}
        contents = [
            self._content_entry(e, owner=owner, encoding=encoding, encode=encode_if)
            for e in entries
            if not isinstance(e, str)
        ]
        prefixes = [{"Prefix": encode_if(e, encoding)} for e in entries if isinstance(e, str)]
        if contents:
            out["Contents"] = contents
        if prefixes:
            out["CommonPrefixes"] = prefixes
        return out

    def list_objects_v2(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """ListObjectsV2: ContinuationToken, StartAfter, FetchOwner, KeyCount."""
        encoding = _encoding(params)
        token = params.get("ContinuationToken")
        start_after = params.get("StartAfter") or None
        if token is not None:
            if token == "":
                raise errors.invalid_argument(
                    "The continuation token provided is incorrect", "continuation-token", token
                )
            last = _untoken(str(token))
            entries, truncated, limit = self._page(params, after=last, skip_upto=last)
        else:
            entries, truncated, limit = self._page(params, after=start_after, skip_upto=None)
        out: dict[str, Any] = {
            "Name": params["Bucket"],
            "Prefix": encode_if(str(params.get("Prefix") or ""), encoding),
            "MaxKeys": limit,
            "KeyCount": len(entries),
            "IsTruncated": truncated,
        }
        if params.get("Delimiter"):
            out["Delimiter"] = encode_if(str(params["Delimiter"]), encoding)
        if encoding:
            out["EncodingType"] = encoding
        if token is not None:
            out["ContinuationToken"] = token
        if start_after:
            out["StartAfter"] = encode_if(str(start_after), encoding)
        if truncated and entries:
            out["NextContinuationToken"] = _token(entries[-1])
        out.update(self._split(entries, owner=bool(params.get("FetchOwner")), encoding=encoding))
        return out

    def list_objects(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """ListObjects (v1): Marker, and NextMarker when a delimiter is given."""
        encoding = _encoding(params)
        marker = params.get("Marker") or None
        entries, truncated, limit = self._page(params, after=marker, skip_upto=marker)
        out: dict[str, Any] = {
            "Name": params["Bucket"],
            "Prefix": encode_if(str(params.get("Prefix") or ""), encoding),
            "Marker": encode_if(str(marker or ""), encoding),
            "MaxKeys": limit,
            "IsTruncated": truncated,
        }
        if params.get("Delimiter"):
            out["Delimiter"] = encode_if(str(params["Delimiter"]), encoding)
            if truncated and entries:
                last = entries[-1]
                out["NextMarker"] = encode_if(last if isinstance(last, str) else last.key, encoding)
        if encoding:
            out["EncodingType"] = encoding
        out.update(self._split(entries, owner=True, encoding=encoding))
        return out
