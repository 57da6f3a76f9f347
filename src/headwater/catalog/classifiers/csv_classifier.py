"""The CSV classifiers: Glue's built-in one and custom ``CsvClassifier`` definitions.

Built-in rules (Glue's "Built-in CSV classifier"): the delimiter is the first of comma, pipe,
tab, semicolon and Ctrl-A that splits the sample into a consistent number of columns; the data
needs at least two columns and two rows. The first row is a header when every cell of it reads
as a string, each but the last is under 150 characters and a valid column name, and at least
one column of the data below types as something other than string. Otherwise the columns are
``col0``, ``col1``, .... Quoted fields make the table use the OpenCSVSerde; plain ones the
LazySimpleSerDe. A UTF-8 byte-order mark is dropped and CRLF line ends are read like LF.
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter

from headwater.catalog.classifiers.base import (
    ContainsHeader,
    CsvClassifierSpec,
    CsvSerde,
    FileFormat,
    FileSchema,
)
from headwater.catalog.classifiers.values import ValueKind, column_type, value_kind
from headwater.catalog.compression import Compression
from headwater.catalog.model import (
    CSV_INPUT_FORMAT,
    CSV_OUTPUT_FORMAT,
    LAZY_SIMPLE_SERDE,
    OPEN_CSV_SERDE,
    Column,
)
from headwater.catalog.sampling import ObjectSample

__all__ = ["BUILTIN_DELIMITERS", "classify_csv", "decode_text"]

BUILTIN_DELIMITERS = (",", "|", "\t", ";", "\x01")
_TYPE_ROWS = 5000
_HEADER_CELL_MAX = 150
_BAD_NAME = re.compile(r"[\x00-\x1f\x7f]")
_BOM = "\ufeff"


def decode_text(data: bytes, complete: bool) -> str | None:
    """UTF-8 text of a sample without its BOM; ``None`` when it is not text."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        # A sample may end inside a multi-byte character; anything else is binary.
        if complete or exc.start < len(data) - 4:
            return None
        text = data[: exc.start].decode("utf-8", errors="strict")
    if "\x00" in text:
        return None
    return text[1:] if text.startswith(_BOM) else text


def _complete_records(text: str, complete: bool) -> str:
    if complete:
        return text
    cut = max(text.rfind("\n"), text.rfind("\r"))
    return text[: cut + 1] if cut >= 0 else ""


def _parse(text: str, delimiter: str, quote: str) -> list[list[str]]:
    reader = csv.reader(
        io.StringIO(text, newline=""),
        delimiter=delimiter,
        quotechar=quote,
        doublequote=True,
        strict=False,
    )
    try:
        return [row for row in reader if row]
    except csv.Error:
        return []


def _modal_width(rows: list[list[str]]) -> tuple[int, float]:
    if not rows:
        return 0, 0.0
    counts = Counter(len(r) for r in rows)
    width, hits = counts.most_common(1)[0]
    return width, hits / len(rows)


def _quoted(text: str, delimiter: str, quote: str) -> bool:
    for line in text.splitlines()[:200]:
        if line.startswith(quote) or (delimiter + quote) in line:
            return True
    return False


def _dedupe(names: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out: list[str] = []
    for name in names:
        if name in seen:
            seen[name] += 1
            candidate = f"{name}_{seen[name]}"
            while candidate in seen:
                seen[name] += 1
                candidate = f"{name}_{seen[name]}"
            seen[candidate] = 0
            out.append(candidate)
        else:
            seen[name] = 0
            out.append(name)
    return out


def _column_name(raw: str, index: int) -> str:
    name = raw.strip().lstrip(_BOM).strip().lower()
    return name or f"col{index}"


def _header_like(row: list[str], width: int) -> bool:
    if len(row) != width:
        return False
    for i, cell in enumerate(row):
        last = i == len(row) - 1
        if cell == "":
            if not last:
                return False
            continue
        if value_kind(cell) != ValueKind.STRING:
            return False
        if not last and len(cell) >= _HEADER_CELL_MAX:
            return False
        if _BAD_NAME.search(cell) or not cell.strip():
            return False
    return True


def _types(
    rows: list[list[str]], width: int, trim: bool, allowed: frozenset[str] | None
) -> list[str]:
    sample = rows[:_TYPE_ROWS]
    if all(len(r) == width for r in sample):
        by_column = [list(cells) for cells in zip(*sample, strict=True)] or [[]] * width
    else:
        by_column = [[r[i] for r in sample if i < len(r)] for i in range(width)]
    types = []
    for cells in by_column:
        if trim:
            cells = [c.strip() for c in cells]
        types.append(column_type(cells, allowed))
    return types


def classify_csv(sample: ObjectSample, spec: CsvClassifierSpec | None) -> FileSchema | None:
    """Classify ``sample`` as CSV with the built-in rules (``spec`` None) or a custom classifier."""
    text = decode_text(sample.text, sample.text_complete)
    if text is None:
        return None
    body = _complete_records(text, sample.text_complete)
    if not body.strip():
        return None
    quote = spec.quote_symbol if spec else '"'
    candidates = (spec.delimiter,) if spec else BUILTIN_DELIMITERS
    min_width = 1 if spec and spec.allow_single_column else 2
    chosen: tuple[str, list[list[str]], int] | None = None
    for delimiter in candidates:
        rows = _parse(body, delimiter, quote)
        width, share = _modal_width(rows)
        if width >= min_width and share >= 0.9:
            chosen = (delimiter, rows, width)
            break
    if chosen is None:
        return None
    delimiter, rows, width = chosen
    min_rows = 1 if spec else 2
    if len(rows) < min_rows:
        return None
    trim = spec is not None and not spec.disable_value_trimming
    allowed = frozenset(spec.custom_datatypes) if spec and spec.custom_datatype_configured else None

    mode = spec.contains_header if spec else ContainsHeader.UNKNOWN
    below: list[str] | None = None
    if mode is ContainsHeader.PRESENT:
        has_header = True
    elif mode is ContainsHeader.ABSENT:
        has_header = False
    else:
        has_header = False
        if len(rows) >= 2 and _header_like(rows[0], width):
            below = _types(rows[1:], width, trim, allowed)
            has_header = any(t != "string" for t in below)
    data_rows = rows[1:] if has_header else rows
    if spec and spec.header:
        if len(spec.header) != width:
            return None
        names = [_column_name(h, i) for i, h in enumerate(spec.header)]
    elif has_header:
        names = [_column_name(rows[0][i] if i < len(rows[0]) else "", i) for i in range(width)]
    else:
        names = [f"col{i}" for i in range(width)]
    types = below if has_header and below is not None else _types(data_rows, width, trim, allowed)
    # A trailing delimiter makes an empty last column; Glue tolerates it and drops it.
    if width > 1 and all(len(r) < width or r[width - 1] == "" for r in data_rows):
        header_cell = rows[0][width - 1] if has_header and len(rows[0]) >= width else ""
        if header_cell == "" and not (spec and spec.header):
            names, types, width = names[:-1], types[:-1], width - 1
    names = _dedupe(names)

    quoted = _quoted(body, delimiter, quote)
    use_open_csv = (spec is not None and spec.serde is CsvSerde.OPEN_CSV) or (
        quoted and not (spec is not None and spec.serde is CsvSerde.LAZY_SIMPLE)
    )
    if use_open_csv:
        serde = OPEN_CSV_SERDE
        serde_params: tuple[tuple[str, str], ...] = (
            ("quoteChar", quote),
            ("separatorChar", delimiter),
        )
    else:
        serde = LAZY_SIMPLE_SERDE
        serde_params = (("field.delim", delimiter),)
    params: list[tuple[str, str]] = [
        ("areColumnsQuoted", "true" if quoted else "false"),
        ("classification", "csv"),
        ("columnsOrdered", "true"),
        ("compressionType", str(sample.compression)),
        ("delimiter", delimiter),
    ]
    if has_header:
        params.append(("skip.header.line.count", "1"))
    params.append(("typeOfData", "file"))

    records = len(data_rows)
    body_bytes = len(body.encode("utf-8"))
    if sample.text_complete:
        count, content = records, body_bytes
    else:
        ratio = len(sample.text) / max(1, len(sample.head))
        content = int(sample.size * ratio)
        count = int(content / max(1, body_bytes) * records) if records else 0
    fmt = FileFormat(
        classification="csv",
        compression=sample.compression,
        input_format=CSV_INPUT_FORMAT,
        output_format=CSV_OUTPUT_FORMAT,
        serde_library=serde,
        serde_parameters=serde_params,
        parameters=tuple(params),
        compressed=sample.compression is not Compression.NONE,
    )
    return FileSchema(
        format=fmt,
        columns=tuple(Column(name=n, type=t) for n, t in zip(names, types, strict=True)),
        record_count=count,
        uncompressed_bytes=content,
        classifier=spec.name if spec else "csv",
    )
