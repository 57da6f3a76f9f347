"""The self-describing formats: Parquet and ORC (footers, via pyarrow) and Avro (header).

Each reads only what the format needs (Parquet's footer at the end of the file, ORC's file
tail, Avro's header and block headers) through ranged reads, and takes the column types from
the file's own schema. Column names are lower-cased, as Glue catalogs them.
"""

from __future__ import annotations

import json
from typing import Any

from headwater.catalog.classifiers.base import FileFormat, FileSchema
from headwater.catalog.compression import Compression
from headwater.catalog.errors import ClassificationError
from headwater.catalog.model import (
    AVRO_INPUT_FORMAT,
    AVRO_OUTPUT_FORMAT,
    AVRO_SERDE,
    ORC_INPUT_FORMAT,
    ORC_OUTPUT_FORMAT,
    ORC_SERDE,
    PARQUET_INPUT_FORMAT,
    PARQUET_OUTPUT_FORMAT,
    PARQUET_SERDE,
    Column,
)
from headwater.catalog.sampling import ObjectSample

__all__ = ["arrow_type_to_hive", "classify_avro", "classify_orc", "classify_parquet"]

_AVRO_MAGIC = b"Obj\x01"
_AVRO_BLOCK_SCAN = 4096


def arrow_type_to_hive(t: Any) -> str:
    """The Hive type string for a pyarrow type."""
    import pyarrow as pa  # type: ignore[import-untyped]

    types = pa.types
    if types.is_dictionary(t):
        return arrow_type_to_hive(t.value_type)
    if types.is_boolean(t):
        return "boolean"
    if types.is_int8(t):
        return "tinyint"
    if types.is_int16(t) or types.is_uint8(t):
        return "smallint"
    if types.is_int32(t) or types.is_uint16(t):
        return "int"
    if types.is_int64(t) or types.is_uint32(t):
        return "bigint"
    if types.is_uint64(t):
        return "decimal(20,0)"
    if types.is_float16(t) or types.is_float32(t):
        return "float"
    if types.is_float64(t):
        return "double"
    if types.is_decimal(t):
        return f"decimal({t.precision},{t.scale})"
    if types.is_string(t) or types.is_large_string(t):
        return "string"
    if types.is_binary(t) or types.is_large_binary(t) or types.is_fixed_size_binary(t):
        return "binary"
    if types.is_date(t):
        return "date"
    if types.is_timestamp(t):
        return "timestamp"
    if types.is_time(t):
        return "bigint"
    if types.is_list(t) or types.is_large_list(t) or types.is_fixed_size_list(t):
        return f"array<{arrow_type_to_hive(t.value_type)}>"
    if types.is_map(t):
        return f"map<{arrow_type_to_hive(t.key_type)},{arrow_type_to_hive(t.item_type)}>"
    if types.is_struct(t):
        inner = ",".join(
            f"{t.field(i).name}:{arrow_type_to_hive(t.field(i).type)}" for i in range(t.num_fields)
        )
        return f"struct<{inner}>"
    return "string"


def _columns_from_arrow(schema: Any) -> tuple[Column, ...]:
    seen: set[str] = set()
    out = []
    for f in schema:
        name = f.name.lower()
        if name in seen:
            continue
        seen.add(name)
        out.append(Column(name=name, type=arrow_type_to_hive(f.type)))
    return tuple(out)


def _format(
    classification: str,
    input_format: str,
    output_format: str,
    serde: str,
    serde_params: tuple[tuple[str, str], ...] = (("serialization.format", "1"),),
    extra: tuple[tuple[str, str], ...] = (),
) -> FileFormat:
    return FileFormat(
        classification=classification,
        compression=Compression.NONE,
        input_format=input_format,
        output_format=output_format,
        serde_library=serde,
        serde_parameters=serde_params,
        parameters=(
            ("classification", classification),
            ("compressionType", "none"),
            *extra,
            ("typeOfData", "file"),
        ),
    )


def classify_parquet(sample: ObjectSample) -> FileSchema | None:
    """Classify ``sample`` as Parquet from its footer."""
    if sample.size < 12 or not sample.head.startswith(b"PAR1"):
        return None
    if sample.tail(4) != b"PAR1":
        raise ClassificationError(sample.key, "truncated Parquet file (no footer magic)")
    import pyarrow as pa  # type: ignore[import-untyped]
    import pyarrow.parquet as pq  # type: ignore[import-untyped]

    try:
        meta = pq.read_metadata(sample.open())
        schema = meta.schema.to_arrow_schema()
    except (pa.ArrowException, OSError, ValueError) as exc:
        raise ClassificationError(sample.key, f"unreadable Parquet footer: {exc}") from exc
    rows = int(meta.num_rows)
    return FileSchema(
        format=_format("parquet", PARQUET_INPUT_FORMAT, PARQUET_OUTPUT_FORMAT, PARQUET_SERDE),
        columns=_columns_from_arrow(schema),
        record_count=rows,
        uncompressed_bytes=sample.size,
        classifier="parquet",
    )


def classify_orc(sample: ObjectSample) -> FileSchema | None:
    """Classify ``sample`` as ORC from its file tail."""
    if sample.size < 4 or not sample.head.startswith(b"ORC"):
        return None
    import pyarrow as pa  # type: ignore[import-untyped]

    try:
        import pyarrow.orc as orc  # type: ignore[import-untyped]

        reader = orc.ORCFile(sample.open())
        schema, rows = reader.schema, int(reader.nrows)
    except ImportError:
        return None
    except (pa.ArrowException, OSError, ValueError) as exc:
        raise ClassificationError(sample.key, f"unreadable ORC file: {exc}") from exc
    return FileSchema(
        format=_format("orc", ORC_INPUT_FORMAT, ORC_OUTPUT_FORMAT, ORC_SERDE),
        columns=_columns_from_arrow(schema),
        record_count=rows,
        uncompressed_bytes=sample.size,
        classifier="orc",
    )


def _zigzag(data: bytes, pos: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        if pos >= len(data):
            raise ValueError("truncated Avro header")
        byte = data[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            return (result >> 1) ^ -(result & 1), pos


def _avro_type(schema: Any) -> str:
    if isinstance(schema, list):
        branches = [s for s in schema if s != "null"]
        return _avro_type(branches[0]) if len(branches) == 1 else "string"
    if isinstance(schema, str):
        return {
            "boolean": "boolean",
            "int": "int",
            "long": "bigint",
            "float": "float",
            "double": "double",
            "bytes": "binary",
            "string": "string",
            "null": "string",
        }.get(schema, "string")
    if isinstance(schema, dict):
        logical = schema.get("logicalType")
        kind = schema.get("type")
        if logical == "date":
            return "date"
        if logical in ("timestamp-millis", "timestamp-micros"):
            return "timestamp"
        if logical == "decimal":
            return f"decimal({schema.get('precision', 10)},{schema.get('scale', 0)})"
        if kind == "record":
            fields = ",".join(f"{f['name']}:{_avro_type(f['type'])}" for f in schema["fields"])
            return f"struct<{fields}>"
        if kind == "array":
            return f"array<{_avro_type(schema['items'])}>"
        if kind == "map":
            return f"map<string,{_avro_type(schema['values'])}>"
        if kind in ("enum", "fixed"):
            return "string" if kind == "enum" else "binary"
        return _avro_type(kind)
    return "string"


def classify_avro(sample: ObjectSample) -> FileSchema | None:
    """Classify ``sample`` as an Avro object container file from its header."""
    head = sample.head
    if not head.startswith(_AVRO_MAGIC):
        return None
    try:
        pos = len(_AVRO_MAGIC)
        meta: dict[str, bytes] = {}
        while True:
            count, pos = _zigzag(head, pos)
            if count == 0:
                break
            if count < 0:
                count = -count
                _, pos = _zigzag(head, pos)
            for _ in range(count):
                klen, pos = _zigzag(head, pos)
                key = head[pos : pos + klen].decode("utf-8")
                pos += klen
                vlen, pos = _zigzag(head, pos)
                meta[key] = head[pos : pos + vlen]
                pos += vlen
        pos += 16  # the sync marker
        schema = json.loads(meta["avro.schema"].decode("utf-8"))
        header_end = pos
    except (ValueError, KeyError, UnicodeDecodeError) as exc:
        raise ClassificationError(sample.key, f"unreadable Avro header: {exc}") from exc
    if not isinstance(schema, dict) or schema.get("type") != "record":
        return None
    columns = tuple(
        Column(name=str(f["name"]).lower(), type=_avro_type(f["type"])) for f in schema["fields"]
    )
    rows = _avro_count(sample, header_end)
    literal = json.dumps(schema, separators=(",", ":"))
    fmt = _format(
        "avro",
        AVRO_INPUT_FORMAT,
        AVRO_OUTPUT_FORMAT,
        AVRO_SERDE,
        serde_params=(("avro.schema.literal", literal), ("serialization.format", "1")),
        extra=(("avro.schema.literal", literal),),
    )
    return FileSchema(
        format=fmt,
        columns=columns,
        record_count=rows,
        uncompressed_bytes=sample.size,
        classifier="avro",
    )


def _avro_count(sample: ObjectSample, pos: int) -> int:
    """Sum the record counts of the data blocks, reading only block headers."""
    total = 0
    reader = sample.open()
    for _ in range(_AVRO_BLOCK_SCAN):
        if pos >= sample.size:
            break
        reader.seek(pos)
        header = reader.read(20)
        try:
            count, p = _zigzag(header, 0)
            size, p = _zigzag(header, p)
        except ValueError:
            break
        total += count
        pos += p + size + 16
    return total
