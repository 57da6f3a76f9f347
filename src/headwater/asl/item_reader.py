"""Distributed Map data: ItemReader parsing, ItemBatcher grouping, ResultWriter details.

The runtime fetches what ItemReader names (an S3 object's text, or an S3 listing) and hands it
back with :class:`~headwater.asl.protocol.ItemsRead`; turning it into items is pure and lives
here, with AWS's failure causes (``States.ItemReaderFailed``).
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from headwater.asl.errors import StatesError, StatesFailure
from headwater.asl.model import ItemReaderSpec
from headwater.asl.values import dumps

__all__ = ["CSV_DELIMITERS", "INPUT_TYPES", "batch_items", "parse_items"]

INPUT_TYPES = ("JSON", "JSONL", "CSV", "MANIFEST")
CSV_DELIMITERS = {"COMMA": ",", "PIPE": "|", "SEMICOLON": ";", "SPACE": " ", "TAB": "\t"}


def _fail(cause: str) -> StatesFailure:
    return StatesFailure(StatesError.ITEM_READER_FAILED, cause)


def _csv_rows(spec: ItemReaderSpec, body: str) -> list[dict[str, str]]:
    rows = list(csv.reader(io.StringIO(body), delimiter=spec.csv_delimiter))
    if spec.csv_header_location == "GIVEN":
        headers = list(spec.csv_headers)
    else:
        if not rows:
            return []
        headers, rows = rows[0], rows[1:]
    if len(set(headers)) != len(headers):
        raise _fail("CSV headers cannot contain duplicates.")
    out: list[dict[str, str]] = []
    for row in rows:
        if not row:
            continue
        if len(row) > len(headers):
            raise _fail("CSV file contains a row with more fields than headers.")
        out.append({h: row[i] if i < len(row) else "" for i, h in enumerate(headers)})
    return out


def parse_items(
    spec: ItemReaderSpec,
    *,
    body: str | None = None,
    objects: list[Any] | None = None,
    max_items: int | None = None,
) -> list[Any]:
    """Turn what the runtime read into the Map's items (raises States.ItemReaderFailed)."""
    if objects is not None:
        items: list[Any] = list(objects)
    else:
        text = body or ""
        kind = spec.input_type or "JSON"
        if kind == "JSON":
            try:
                value = json.loads(text)
            except json.JSONDecodeError as exc:
                raise _fail("The item reader could not parse the JSON content.") from exc
            if not isinstance(value, list):
                raise _fail("Attempting to map over non-iterable node.")
            items = value
        elif kind == "JSONL":
            try:
                items = [json.loads(line) for line in text.splitlines() if line.strip()]
            except json.JSONDecodeError as exc:
                raise _fail("The item reader could not parse a JSON Lines record.") from exc
        elif kind == "CSV":
            items = _csv_rows(spec, text)
        else:
            raise _fail(f"The item reader input type {kind} is not supported here.")
    if max_items is not None and max_items > 0:
        items = items[:max_items]
    return items


def batch_items(
    items: list[Any], *, max_items: int | None, max_bytes: int | None, batch_input: Any = None
) -> list[dict[str, Any]]:
    """Group items as ItemBatcher does: ``{"BatchInput"?: ..., "Items": [...]}`` per batch."""
    batches: list[list[Any]] = []
    current: list[Any] = []
    size = 0
    for item in items:
        item_size = len(dumps(item).encode("utf-8"))
        full = (max_items is not None and len(current) >= max_items) or (
            max_bytes is not None and current and size + item_size > max_bytes
        )
        if full:
            batches.append(current)
            current, size = [], 0
        current.append(item)
        size += item_size
    if current:
        batches.append(current)
    out: list[dict[str, Any]] = []
    for batch in batches:
        entry: dict[str, Any] = {}
        if batch_input is not None:
            entry["BatchInput"] = batch_input
        entry["Items"] = batch
        out.append(entry)
    return out
