"""The JSON classifiers: built-in (JSON documents and JSON Lines) and custom ``JsonPath`` ones.

Records are read from the head of the object: one JSON value after another (JSON Lines, or
concatenated/pretty-printed objects). Each record's top-level keys become columns, lower-cased,
in order of first appearance; values type as ``boolean``, ``int`` (``bigint`` past 32 bits),
``double``, ``string``, ``struct<...>`` and ``array<...>``; nulls do not vote. A file that is one
top-level array gets the single column ``array`` of ``array<...>``, as Glue does, unless a
custom classifier's ``JsonPath`` (``$[*]``) selects its elements as records.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from headwater.catalog.classifiers.base import FileFormat, FileSchema, JsonClassifierSpec
from headwater.catalog.classifiers.csv_classifier import decode_text
from headwater.catalog.compression import Compression
from headwater.catalog.hive_types import HiveType, format_type, merge_types
from headwater.catalog.model import CSV_INPUT_FORMAT, CSV_OUTPUT_FORMAT, OPENX_JSON_SERDE, Column
from headwater.catalog.sampling import ObjectSample

__all__ = ["MAX_NESTING", "NestingTooDeep", "classify_json", "json_value_type"]

_DECODER = json.JSONDecoder()
_WS = " \t\r\n"
_INT32 = (-(2**31), 2**31 - 1)
_VOID = HiveType(name="void")


MAX_NESTING = 100


class NestingTooDeep(ValueError):
    """A JSON value nests deeper than :data:`MAX_NESTING` levels (no sane Hive type)."""


def json_value_type(value: Any, depth: int = 0) -> HiveType:
    """The Hive type of one JSON value (``void`` for null).

    Raises:
        NestingTooDeep: arrays and objects nest past :data:`MAX_NESTING` levels.
    """
    if depth > MAX_NESTING:
        raise NestingTooDeep(f"JSON nests deeper than {MAX_NESTING} levels")
    if value is None:
        return _VOID
    if isinstance(value, bool):
        return HiveType(name="boolean")
    if isinstance(value, int):
        return HiveType(name="int" if _INT32[0] <= value <= _INT32[1] else "bigint")
    if isinstance(value, float):
        return HiveType(name="double")
    if isinstance(value, str):
        return HiveType(name="string")
    if isinstance(value, list):
        element = _VOID
        for item in value:
            element = merge_types(element, json_value_type(item, depth + 1))
        return HiveType(name="array", children=(element,))
    if isinstance(value, dict):
        return HiveType(
            name="struct",
            fields=tuple((str(k), json_value_type(v, depth + 1)) for k, v in value.items()),
        )
    return HiveType(name="string")


def _finalize(t: HiveType) -> HiveType:
    """Replace ``void`` (only nulls seen) by ``string`` everywhere."""
    if t.name == "void":
        return HiveType(name="string")
    if t.children:
        return HiveType(name=t.name, children=tuple(_finalize(c) for c in t.children))
    if t.fields:
        return HiveType(name=t.name, fields=tuple((n, _finalize(f)) for n, f in t.fields))
    return t


def _values(text: str, complete: bool) -> Iterator[Any]:
    """Successive JSON values in ``text``; stops quietly at a cut-off tail."""
    pos = 0
    length = len(text)
    while True:
        while pos < length and text[pos] in _WS:
            pos += 1
        if pos >= length:
            return
        try:
            value, pos = _DECODER.raw_decode(text, pos)
        except json.JSONDecodeError:
            if complete or pos == 0:
                raise
            return
        yield value


def _array_elements(text: str, complete: bool) -> Iterator[Any]:
    """Elements of a top-level array, tolerating a truncated array."""
    pos = text.index("[") + 1
    length = len(text)
    while True:
        while pos < length and text[pos] in _WS + ",":
            pos += 1
        if pos >= length or text[pos] == "]":
            return
        try:
            value, pos = _DECODER.raw_decode(text, pos)
        except json.JSONDecodeError:
            if complete:
                raise
            return
        yield value


def _select(document: Any, path: str) -> list[Any]:
    """Apply the subset of JsonPath Glue classifiers use: ``$``, ``$.a.b``, ``[*]``, ``[n]``."""
    path = path.strip()
    if not path.startswith("$"):
        return []
    current = [document]
    rest = path[1:]
    while rest:
        if rest.startswith("[*]"):
            current = [item for c in current if isinstance(c, list) for item in c]
            rest = rest[3:]
        elif rest.startswith("["):
            end = rest.index("]")
            token = rest[1:end].strip("'\"")
            rest = rest[end + 1 :]
            if token.isdigit():
                idx = int(token)
                current = [c[idx] for c in current if isinstance(c, list) and idx < len(c)]
            else:
                current = [c[token] for c in current if isinstance(c, dict) and token in c]
        elif rest.startswith("."):
            rest = rest[1:]
            end = min((i for i in (rest.find("."), rest.find("[")) if i >= 0), default=len(rest))
            token, rest = rest[:end], rest[end:]
            if token == "*":
                current = [v for c in current if isinstance(c, dict) for v in c.values()]
            else:
                current = [c[token] for c in current if isinstance(c, dict) and token in c]
        else:
            return []
    return current


def classify_json(sample: ObjectSample, spec: JsonClassifierSpec | None) -> FileSchema | None:
    """Classify ``sample`` as JSON (``spec`` None: built-in rules)."""
    complete = sample.text_complete
    text = decode_text(sample.text, complete)
    if text is None:
        return None
    stripped = text.lstrip(_WS)
    if not stripped or stripped[0] not in "{[":
        return None
    records: list[Any] = []
    consumed = 0
    try:
        if spec is not None:
            for value in _values(text, complete):
                records.extend(_select(value, spec.json_path))
        elif stripped[0] == "[":
            elements = list(_array_elements(text, complete))
            element = _VOID
            for item in elements:
                element = merge_types(element, json_value_type(item))
            columns = (
                Column(
                    name="array",
                    type=format_type(_finalize(HiveType(name="array", children=(element,)))),
                ),
            )
            return _schema(
                sample,
                columns,
                ("array",),
                1 if complete else max(1, len(elements)),
                len(text.encode("utf-8")),
                "json",
            )
        else:
            for value in _values(text, complete):
                records.append(value)
    except json.JSONDecodeError:
        return None
    rows = [r for r in records if isinstance(r, dict)]
    if not rows:
        return None
    consumed = len(text.encode("utf-8"))
    merged: dict[str, HiveType] = {}
    order: list[str] = []
    paths: dict[str, str] = {}
    for row in rows:
        for key, value in row.items():
            name = str(key).lower()
            t = json_value_type(value)
            if name in merged:
                merged[name] = merge_types(merged[name], t)
            else:
                merged[name] = t
                order.append(name)
                paths[name] = str(key)
    table_columns = tuple(Column(name=n, type=format_type(_finalize(merged[n]))) for n in order)
    if complete:
        count = len(rows)
        content = consumed
    else:
        ratio = len(sample.text) / max(1, len(sample.head))
        content = int(sample.size * ratio)
        count = int(content / max(1, consumed) * len(rows))
    return _schema(
        sample,
        table_columns,
        tuple(sorted(paths.values())),
        count,
        content,
        spec.name if spec else "json",
    )


def _schema(
    sample: ObjectSample,
    columns: tuple[Column, ...],
    paths: tuple[str, ...],
    count: int,
    content: int,
    classifier: str,
) -> FileSchema:
    fmt = FileFormat(
        classification="json",
        compression=sample.compression,
        input_format=CSV_INPUT_FORMAT,
        output_format=CSV_OUTPUT_FORMAT,
        serde_library=OPENX_JSON_SERDE,
        serde_parameters=(("paths", ",".join(paths)),),
        parameters=(
            ("classification", "json"),
            ("compressionType", str(sample.compression)),
            ("typeOfData", "file"),
        ),
        compressed=sample.compression is not Compression.NONE,
    )
    return FileSchema(
        format=fmt,
        columns=columns,
        record_count=count,
        uncompressed_bytes=content,
        classifier=classifier,
        json_paths=paths,
    )
