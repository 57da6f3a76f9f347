"""Reading and writing the lake from a job: S3 through boto3 (so Headwater sees every write).

Files are listed and fetched with the S3 API of the Headwater that runs the job, parsed with
pyarrow, and written back as part files with ``PutObject``, so a job's output emits the same
S3 events an upload does. Readers skip what Hadoop skips: folder markers and files whose name
starts with ``_`` or ``.``.
"""

from __future__ import annotations

import fnmatch
import json
import os
import tempfile
import time
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.csv as pacsv  # type: ignore[import-untyped]
import pyarrow.json as pajson  # type: ignore[import-untyped]
import pyarrow.parquet as pq  # type: ignore[import-untyped]

from ._errors import AnalysisException, GlueJobError
from ._runtime import client

__all__ = [
    "S3File",
    "concat",
    "delete_prefix",
    "list_files",
    "parse_s3",
    "read_files",
    "write_table",
]

_INVALID_PARQUET_CHARS = " ,;{}()\n\t="
_BOM = b"\xef\xbb\xbf"


@dataclass(frozen=True, slots=True)
class S3File:
    """One object a source reads."""

    bucket: str
    key: str
    etag: str

    @property
    def path(self) -> str:
        """``s3://bucket/key``."""
        return f"s3://{self.bucket}/{self.key}"


def parse_s3(path: str) -> tuple[str, str]:
    """``s3://bucket/prefix`` (also ``s3a://`` / ``s3n://``) -> (bucket, prefix)."""
    for scheme in ("s3://", "s3a://", "s3n://"):
        if path.startswith(scheme):
            rest = path[len(scheme) :]
            bucket, _, key = rest.partition("/")
            if not bucket:
                break
            return bucket, key
    raise GlueJobError(f"Path {path!r} is not an s3:// location")


def _hidden(key: str, base: str) -> bool:
    rel = key[len(base) :] if key.startswith(base) else key
    parts = [p for p in rel.split("/") if p]
    name = key.rsplit("/", 1)[-1]
    return (
        key.endswith("/")
        or key.endswith("_$folder$")
        or not name
        or any(p.startswith(("_", ".")) for p in parts)
    )


def list_files(
    paths: Sequence[str], *, recurse: bool = False, exclusions: Sequence[str] = ()
) -> list[S3File]:
    """The objects under ``paths`` (a path may name one object or a folder)."""
    s3 = client("s3")
    found: dict[str, S3File] = {}
    for path in paths:
        bucket, prefix = parse_s3(path)
        listed = _list(s3, bucket, prefix, delimiter=None if recurse else "/")
        exact = [o for o in listed if o["Key"] == prefix]
        if prefix and exact and not prefix.endswith("/"):
            found[f"{bucket}/{prefix}"] = S3File(bucket, prefix, exact[0]["ETag"].strip('"'))
            continue
        base = prefix if not prefix or prefix.endswith("/") else prefix + "/"
        if base != prefix:
            listed = _list(s3, bucket, base, delimiter=None if recurse else "/")
        for obj in listed:
            key = obj["Key"]
            if _hidden(key, base):
                continue
            if any(fnmatch.fnmatch(key, pat.replace("**", "*")) for pat in exclusions):
                continue
            found[f"{bucket}/{key}"] = S3File(bucket, key, obj["ETag"].strip('"'))
    return [found[k] for k in sorted(found)]


def _list(s3: Any, bucket: str, prefix: str, delimiter: str | None) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    kwargs: dict[str, Any] = {"Bucket": bucket, "Prefix": prefix}
    if delimiter:
        kwargs["Delimiter"] = delimiter
    try:
        for page in s3.get_paginator("list_objects_v2").paginate(**kwargs):
            out.extend(page.get("Contents") or [])
    except s3.exceptions.NoSuchBucket as exc:
        raise AnalysisException(f"Path does not exist: s3://{bucket}/{prefix}") from exc
    return out


def _fetch(f: S3File, folder: str) -> str:
    local = os.path.join(folder, uuid.uuid4().hex + "-" + f.key.rsplit("/", 1)[-1])
    body = client("s3").get_object(Bucket=f.bucket, Key=f.key)["Body"]
    with open(local, "wb") as out:
        while chunk := body.read(1 << 20):
            out.write(chunk)
    return local


def _flag(options: Mapping[str, Any], name: str, default: bool) -> bool:
    value = options.get(name, default)
    if isinstance(value, str):
        return value.strip().lower() == "true"
    return bool(value)


def read_csv(local: str, options: Mapping[str, Any]) -> pa.Table:
    """One CSV file as Glue's reader parses it (types inferred, dates left as strings)."""
    header = _flag(options, "withHeader", False)
    sep = str(options.get("separator", options.get("delimiter", ",")) or ",")
    quote = str(options.get("quoteChar", '"'))
    escape = options.get("escaper")
    multiline = _flag(options, "multiline", False)
    skip_first = _flag(options, "skipFirst", False)
    with open(local, "rb") as fh:
        bom = fh.read(3) == _BOM
    parse = pacsv.ParseOptions(
        delimiter=sep[0],
        quote_char=False if quote in ("-1", "") else quote[0],
        escape_char=str(escape)[0] if escape else False,
        newlines_in_values=multiline,
    )
    read = pacsv.ReadOptions(autogenerate_column_names=not header, skip_rows=1 if skip_first else 0)
    convert = pacsv.ConvertOptions(strings_can_be_null=False, timestamp_parsers=[])
    try:
        table = pacsv.read_csv(
            local, read_options=read, parse_options=parse, convert_options=convert
        )
    except pa.ArrowInvalid as exc:
        if "Empty CSV file" in str(exc):
            return pa.table({})
        raise GlueJobError(f"Cannot parse {local.rsplit('-', 1)[-1]} as CSV: {exc}") from exc
    # Glue infers numbers and booleans but leaves dates and times as text.
    odd = [f.name for f in table.schema if pa.types.is_temporal(f.type) or pa.types.is_null(f.type)]
    if odd:
        types = {name: pa.string() for name in odd}
        convert = pacsv.ConvertOptions(
            strings_can_be_null=False, timestamp_parsers=[], column_types=types
        )
        table = pacsv.read_csv(
            local, read_options=read, parse_options=parse, convert_options=convert
        )
    if not header:
        table = table.rename_columns([f"col{i}" for i in range(table.num_columns)])
    elif bom and table.num_columns:
        # The JVM reader Glue uses does not drop a UTF-8 byte-order mark: it stays in the
        # first header name, as on AWS ("\ufeffcustomerId").
        names = table.column_names
        table = table.rename_columns(["\ufeff" + names[0], *names[1:]])
    return table


def read_json(local: str, options: Mapping[str, Any]) -> pa.Table:
    """One JSON file: JSON lines, or one array of objects."""
    with open(local, "rb") as fh:
        head = fh.read(64).lstrip()
    if head.startswith(b"["):
        with open(local, encoding="utf-8") as fh:
            rows = json.load(fh)
        return pa.Table.from_pylist([r for r in rows if isinstance(r, dict)])
    try:
        return pajson.read_json(local)
    except pa.ArrowInvalid as exc:
        if os.path.getsize(local) == 0:
            return pa.table({})
        raise GlueJobError(f"Cannot parse JSON: {exc}") from exc


def read_parquet(local: str, options: Mapping[str, Any]) -> pa.Table:
    """One Parquet file."""
    return pq.read_table(local)


_READERS = {
    "csv": read_csv,
    "json": read_json,
    "parquet": read_parquet,
    "glueparquet": read_parquet,
}


def concat(tables: Iterable[pa.Table]) -> pa.Table:
    """Tables of one source as one (missing columns become nulls, types widen)."""
    parts = [t for t in tables if t.num_columns]
    if not parts:
        return pa.table({})
    if len(parts) == 1:
        return parts[0]
    return pa.concat_tables(parts, promote_options="permissive")


def read_files(
    files: Sequence[S3File],
    fmt: str,
    options: Mapping[str, Any],
    *,
    partition_columns: bool = False,
) -> pa.Table:
    """Read ``files`` of one format into one table.

    With ``partition_columns`` the ``key=value`` folders of each file's key are added as string
    columns (a catalog table's partition keys).
    """
    reader = _READERS.get(fmt.lower())
    if reader is None:
        raise GlueJobError(f"Format {fmt!r} is not supported by Headwater's Glue engine")
    tables: list[pa.Table] = []
    with tempfile.TemporaryDirectory(prefix="hw-glue-read-") as folder:
        for f in files:
            local = _fetch(f, folder)
            table = reader(local, options)
            os.unlink(local)
            if partition_columns:
                for segment in f.key.split("/")[:-1]:
                    name, eq, value = segment.partition("=")
                    if eq and name and name not in table.column_names:
                        table = table.append_column(
                            name, pa.array([value] * table.num_rows, pa.string())
                        )
            tables.append(table)
    return concat(tables)


def check_parquet_names(table: pa.Table) -> None:
    """Spark refuses Parquet column names with a space or any of ``,;{}()=``, tab, newline."""
    for name in table.column_names:
        if any(ch in name for ch in _INVALID_PARQUET_CHARS):
            raise AnalysisException(
                f'Attribute name "{name}" contains invalid character(s) among " ,;{{}}()\\n\\t=". '
                "Please use alias to rename it."
            )


def _encode(table: pa.Table, fmt: str, options: Mapping[str, Any]) -> bytes:
    fmt = fmt.lower()
    if fmt in ("parquet", "glueparquet"):
        check_parquet_names(table)
        sink = pa.BufferOutputStream()
        compression = str(options.get("compression", "snappy") or "snappy").lower()
        pq.write_table(
            table, sink, compression="none" if compression == "uncompressed" else compression
        )
        return bytes(sink.getvalue().to_pybytes())
    if fmt == "csv":
        sep = str(options.get("separator", ",") or ",")[0]
        quote = str(options.get("quoteChar", options.get("quote", '"')) or '"')[0]
        header = _flag(options, "writeHeader", True) and _flag(options, "header", True)
        return _csv_bytes(table, sep, quote, header)
    if fmt == "json":
        lines = [json.dumps(row, default=str, ensure_ascii=False) for row in table.to_pylist()]
        return ("\n".join(lines) + ("\n" if lines else "")).encode()
    raise GlueJobError(f"Format {fmt!r} is not supported by Headwater's Glue engine")


def _csv_text(value: str | None, sep: str, quote: str) -> str:
    if value is None:
        return ""
    if value == "":
        return quote + quote  # Spark writes an empty string as "" (and a null as nothing)
    if sep in value or quote in value or "\n" in value or "\r" in value:
        return quote + value.replace(quote, quote + quote) + quote
    return value


def _csv_column(column: pa.ChunkedArray) -> list[str | None]:
    try:
        values: list[str | None] = column.cast(pa.string()).to_pylist()
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        values = [None if v is None else json.dumps(v, default=str) for v in column.to_pylist()]
    return values


def _csv_bytes(table: pa.Table, sep: str, quote: str, header: bool) -> bytes:
    """CSV as Spark and Glue write it: quotes only around values that need them.

    (pyarrow's writer quotes every string, which makes Glue's crawler pick OpenCSVSerde.)
    """
    lines: list[str] = []
    if header:
        lines.append(sep.join(_csv_text(n, sep, quote) for n in table.column_names))
    columns = [_csv_column(table.column(i)) for i in range(table.num_columns)]
    for row in zip(*columns, strict=True):
        lines.append(sep.join(_csv_text(v, sep, quote) for v in row))
    return "".join(line + "\n" for line in lines).encode()


def _extension(fmt: str, options: Mapping[str, Any]) -> str:
    if fmt.lower() in ("parquet", "glueparquet"):
        compression = str(options.get("compression", "snappy") or "snappy").lower()
        return ".parquet" if compression in ("none", "uncompressed") else f".{compression}.parquet"
    return ""


def _groups(table: pa.Table, keys: Sequence[str]) -> list[tuple[str, pa.Table]]:
    if not keys:
        return [("", table)]
    missing = [k for k in keys if k not in table.column_names]
    if missing:
        raise AnalysisException(f"Partition column {missing[0]} not found in schema")
    rows = table.select(list(keys)).to_pylist()
    order: dict[tuple[str, ...], list[int]] = {}
    for i, row in enumerate(rows):
        combo = tuple("__HIVE_DEFAULT_PARTITION__" if row[k] is None else str(row[k]) for k in keys)
        order.setdefault(combo, []).append(i)
    data = table.drop_columns(list(keys))
    out = []
    for combo, indices in order.items():
        folder = "/".join(f"{k}={v}" for k, v in zip(keys, combo, strict=True)) + "/"
        out.append((folder, data.take(pa.array(indices, pa.int64()))))
    return out


def write_table(
    table: pa.Table,
    path: str,
    fmt: str,
    options: Mapping[str, Any] | None = None,
    *,
    partition_keys: Sequence[str] = (),
    naming: str = "dynamicframe",
    write_empty: bool = False,
) -> list[str]:
    """Write ``table`` as part files under ``path``; return the keys written.

    ``naming`` ``dynamicframe`` names files as Glue's DynamicFrame writer does
    (``run-<ms>-part-r-00000``), ``dataframe`` as Spark does (``part-00000-<uuid>-c000``).
    Nothing is written for an empty frame unless ``write_empty``.
    """
    options = dict(options or {})
    bucket, prefix = parse_s3(path)
    if prefix and not prefix.endswith("/"):
        prefix += "/"
    if table.num_rows == 0 and not write_empty:
        if fmt.lower() in ("parquet", "glueparquet"):
            check_parquet_names(table)
        return []
    stamp = int(time.time() * 1000)
    token = uuid.uuid4()
    ext = _extension(fmt, options)
    s3 = client("s3")
    written: list[str] = []
    for i, (folder, part) in enumerate(_groups(table, partition_keys)):
        data = _encode(part, fmt, options)
        if naming == "dataframe":
            name = f"part-{i:05d}-{token}-c000{ext or _df_ext(fmt)}"
        else:
            name = f"run-{stamp}-part-r-{i:05d}{ext}"
        key = f"{prefix}{folder}{name}"
        s3.put_object(Bucket=bucket, Key=key, Body=data)
        written.append(key)
    return written


def _df_ext(fmt: str) -> str:
    return {"csv": ".csv", "json": ".json"}.get(fmt.lower(), "")


def delete_prefix(path: str) -> int:
    """Delete every object under ``path`` (Spark's overwrite mode); return how many."""
    bucket, prefix = parse_s3(path)
    if prefix and not prefix.endswith("/"):
        prefix += "/"
    s3 = client("s3")
    keys = [o["Key"] for o in _list(s3, bucket, prefix, None)]
    for start in range(0, len(keys), 1000):
        chunk = keys[start : start + 1000]
        s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": k} for k in chunk]})
    return len(keys)


def exists(path: str) -> bool:
    """Whether any object lives under ``path``."""
    bucket, prefix = parse_s3(path)
    if prefix and not prefix.endswith("/"):
        prefix += "/"
    s3 = client("s3")
    try:
        page = s3.list_objects_v2(Bucket=bucket, Prefix=prefix, MaxKeys=1)
    except s3.exceptions.NoSuchBucket:
        return False
    return bool(page.get("Contents"))
