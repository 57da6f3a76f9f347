"""Custom XML classifiers: every ``<RowTag>…</RowTag>`` element of a file is one record.

The record's attributes (``_name`` columns, as Glue's XML reader names them) and child
elements become columns in order of first appearance; a child with children of its own is a
``struct<…>``, one repeated within a record an ``array<…>``; text values type as CSV cells do
(``bigint``, ``double``, ``boolean``, ``date``, ``timestamp``, else ``string``). Glue's rule
holds: a self-closing row element (``<row a="1"/>``) is not a record. The table records the
row tag in its ``rowTag`` parameter and uses a Hive XML SerDe with one ``column.xpath.*``
property per column.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from headwater.catalog.classifiers.base import FileFormat, FileSchema
from headwater.catalog.classifiers.csv_classifier import decode_text
from headwater.catalog.classifiers.values import column_type
from headwater.catalog.compression import Compression
from headwater.catalog.hive_types import HiveType, format_type, merge_types, parse_type
from headwater.catalog.model import Column
from headwater.catalog.sampling import ObjectSample

__all__ = ["XML_INPUT_FORMAT", "XML_OUTPUT_FORMAT", "XML_SERDE", "classify_xml"]

XML_INPUT_FORMAT = "com.ibm.spss.hive.serde2.xml.XmlInputFormat"
XML_OUTPUT_FORMAT = "org.apache.hadoop.hive.ql.io.IgnoreKeyTextOutputFormat"
XML_SERDE = "com.ibm.spss.hive.serde2.xml.XmlSerDe"


def _merge(a: HiveType, b: HiveType) -> HiveType:
    """Widen two types of one element; repeated in one record makes it an array in all."""
    if (a.name == "array") != (b.name == "array"):
        a = a if a.name == "array" else HiveType(name="array", children=(a,))
        b = b if b.name == "array" else HiveType(name="array", children=(b,))
    return merge_types(a, b)


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _element_type(element: ET.Element) -> HiveType:
    children = list(element)
    if not children and not element.attrib:
        return parse_type(column_type([(element.text or "").strip()]))
    fields: dict[str, HiveType] = {}
    for key, value in element.attrib.items():
        fields[f"_{_local(key).lower()}"] = parse_type(column_type([value.strip()]))
    counts: dict[str, int] = {}
    for child in children:
        name = _local(child.tag).lower()
        counts[name] = counts.get(name, 0) + 1
        t = _element_type(child)
        fields[name] = _merge(fields[name], t) if name in fields else t
    for name, n in counts.items():
        if n > 1:
            fields[name] = HiveType(name="array", children=(fields[name],))
    return HiveType(name="struct", fields=tuple(fields.items()))


def classify_xml(sample: ObjectSample, row_tag: str, classification: str) -> FileSchema | None:
    """The schema of an XML object whose ``row_tag`` elements are its records."""
    text = decode_text(sample.text, sample.text_complete)
    if text is None or not text.lstrip().startswith("<") or not row_tag:
        return None
    opening = re.compile(rf"<{re.escape(row_tag)}(?=[\s>])[^>]*(?<!/)>")
    closing = f"</{row_tag}>"
    merged: dict[str, HiveType] = {}
    records = 0
    consumed = 0
    pos = 0
    while True:
        start = opening.search(text, pos)
        if start is None:
            break
        end = text.find(closing, start.end())
        if end < 0:
            break  # a record cut off by the end of the sample
        end += len(closing)
        try:
            element = ET.fromstring(text[start.start() : end])
        except ET.ParseError:
            return None
        record = _element_type(element)
        for name, t in record.fields:
            merged[name] = _merge(merged[name], t) if name in merged else t
        records += 1
        consumed = end
        pos = end
    if not records or not merged:
        return None
    columns = tuple(Column(name=n, type=format_type(t)) for n, t in merged.items())
    if sample.text_complete:
        count, content = records, len(text.encode("utf-8"))
    else:
        content = int(sample.size * len(sample.text) / max(1, len(sample.head)))
        count = int(content / max(1, consumed) * records)
    xpaths = tuple(
        (
            f"column.xpath.{c.name}",
            f"/{row_tag}/@{c.name[1:]}" if c.name.startswith("_") else f"/{row_tag}/{c.name}",
        )
        for c in columns
    )
    fmt = FileFormat(
        classification=classification,
        compression=sample.compression,
        input_format=XML_INPUT_FORMAT,
        output_format=XML_OUTPUT_FORMAT,
        serde_library=XML_SERDE,
        serde_parameters=xpaths,
        parameters=(
            ("classification", classification),
            ("compressionType", str(sample.compression)),
            ("rowTag", row_tag),
            ("typeOfData", "file"),
        ),
        compressed=sample.compression is not Compression.NONE,
    )
    return FileSchema(
        format=fmt,
        columns=columns,
        record_count=count,
        uncompressed_bytes=content,
        classifier=classification,
    )
