r"""Reading catalog tables from local files: the DuckDB relation behind each table reference.

A catalog table (a Glue ``Table`` dict) becomes a ``SELECT`` over DuckDB's readers, shaped to
the catalog schema the way Athena's SerDes shape it:

- Parquet (``ParquetHiveSerDe``): columns by name, case-insensitive, missing ones NULL, each
  cast to the catalog type.
- CSV with ``LazySimpleSerDe``: split on ``field.delim`` with no quoting, every field read as
  text and converted leniently (a value that does not parse is NULL); ``skip.header.line.count``
  lines skipped per file; ``serialization.null.format`` (default ``\\N``) is NULL.
- CSV with ``OpenCSVSerde``: ``separatorChar`` / ``quoteChar`` / ``escapeChar``; same lenient
  conversion (dates may also be day numbers, timestamps epoch milliseconds).
- JSON (OpenX / Hive JSON SerDe): one object per line, keys matched through the SerDe's
  ``paths`` (the original spelling), values that do not fit the type are NULL.
- ORC: read with pyarrow.

Text objects compressed with gzip or zstd are read by DuckDB directly; bzip2 ones are inflated
once into the engine's scratch folder.

Partitioned tables read the catalog's partitions (each partition's own location), pruned by
simple equality / IN predicates on partition keys, and add the key values as columns. Objects
whose names start with ``_`` or ``.`` are skipped, as Athena skips them.
"""

from __future__ import annotations

import bz2
import hashlib
import shutil
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from headwater.query.errors import NotSupportedError
from headwater.query.types import hive_to_duckdb, parse_hive_type

__all__ = [
    "PathMapper",
    "Source",
    "SourceBuilder",
    "TableInfo",
    "default_path_mapper",
    "list_files",
    "sql_string",
]

PathMapper = Callable[[str], str]

_CANONICAL_UNION_LIMIT = 64
_INFLATE = (".bz2", ".bzip2")


def sql_string(text: str) -> str:
    """A SQL string literal."""
    return "'" + text.replace("'", "''") + "'"


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def default_path_mapper(location: str) -> str:
    """Map ``file://`` URIs and absolute paths to themselves; anything else is unsupported."""
    if location.startswith("file://"):
        return location[len("file://") :]
    if location.startswith("/"):
        return location
    raise NotSupportedError(
        f"No local path for location {location!r}: the engine needs a location mapper",
        error_type=1109,
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class TableInfo:
    """The parts of a Glue ``Table`` dict the engine uses."""

    database: str
    name: str
    columns: tuple[tuple[str, str], ...]
    partition_keys: tuple[tuple[str, str], ...] = ()
    location: str = ""
    input_format: str = ""
    serde_library: str = ""
    serde_parameters: Mapping[str, str] = field(default_factory=dict)
    parameters: Mapping[str, str] = field(default_factory=dict)
    table_type: str = "EXTERNAL_TABLE"
    view_original_text: str | None = None
    raw: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def from_wire(cls, database: str, data: Mapping[str, Any]) -> TableInfo:
        """From GetTable's ``Table`` dict."""
        sd = data.get("StorageDescriptor") or {}
        serde = sd.get("SerdeInfo") or {}
        params = {**(sd.get("Parameters") or {}), **(data.get("Parameters") or {})}
        return cls(
            database=database,
            name=str(data.get("Name", "")).lower(),
            columns=tuple(
                (str(c["Name"]).lower(), str(c.get("Type") or "string"))
                for c in sd.get("Columns") or ()
            ),
            partition_keys=tuple(
                (str(c["Name"]).lower(), str(c.get("Type") or "string"))
                for c in data.get("PartitionKeys") or ()
            ),
            location=str(sd.get("Location") or ""),
            input_format=str(sd.get("InputFormat") or ""),
            serde_library=str(serde.get("SerializationLibrary") or ""),
            serde_parameters=dict(serde.get("Parameters") or {}),
            parameters=params,
            table_type=str(data.get("TableType") or "EXTERNAL_TABLE"),
            view_original_text=data.get("ViewOriginalText"),
            raw=data,
        )

    @property
    def is_view(self) -> bool:
        """A VIRTUAL_VIEW."""
        return self.table_type == "VIRTUAL_VIEW"

    @property
    def all_columns(self) -> tuple[tuple[str, str], ...]:
        """Data columns, then partition keys (Athena's column order)."""
        return self.columns + self.partition_keys

    @property
    def storage_format(self) -> str:
        """``parquet``, ``orc``, ``json``, ``opencsv``, ``text`` or ``avro``."""
        serde = self.serde_library.lower()
        fmt = self.input_format.lower()
        classification = str(self.parameters.get("classification", "")).lower()
        if "parquet" in serde or "parquet" in fmt or classification == "parquet":
            return "parquet"
        if "orc" in serde or "orc" in fmt or classification == "orc":
            return "orc"
        if "avro" in serde or "avro" in fmt or classification == "avro":
            return "avro"
        if "json" in serde or classification == "json":
            return "json"
        if "opencsvserde" in serde:
            return "opencsv"
        if serde and "lazysimpleserde" not in serde and "textinputformat" not in fmt:
            return "unsupported"
        return "text"


@dataclass(frozen=True, slots=True, kw_only=True)
class Source:
    """A table's DuckDB relation and what reading it costs."""

    sql: str
    scanned_bytes: int
    files: tuple[str, ...]


def list_files(path: str) -> list[tuple[str, int]]:
    """``(path, size)`` of the data files under ``path`` (or ``path`` itself), sorted."""
    root = Path(path)
    if root.is_file():
        return [(str(root), root.stat().st_size)]
    if not root.is_dir():
        return []
    found: list[tuple[str, int]] = []
    for item in sorted(root.rglob("*")):
        rel = item.relative_to(root).parts
        if any(part.startswith(("_", ".")) for part in rel) or item.name.endswith("$folder$"):
            continue
        if item.is_file():
            size = item.stat().st_size
            if size > 0:
                found.append((str(item), size))
    return found


def _convert(expr: str, hive_type: str, fmt: str) -> str:
    """``expr`` (text) converted to the catalog type, NULL when it does not parse."""
    t = parse_hive_type(hive_type)
    duck = hive_to_duckdb(t)
    if t.name in ("string", "varchar", "char"):
        return expr
    if fmt == "opencsv" and t.name == "date":
        return (
            f"CASE WHEN regexp_full_match({expr}, '-?[0-9]+') "
            f"THEN DATE '1970-01-01' + TRY_CAST({expr} AS INTEGER) "
            f"ELSE TRY_CAST({expr} AS DATE) END"
        )
    if fmt == "opencsv" and t.name == "timestamp":
        return (
            f"CASE WHEN regexp_full_match({expr}, '-?[0-9]+') "
            f"THEN make_timestamp(TRY_CAST({expr} AS BIGINT) * 1000) "
            f"ELSE TRY_CAST({expr} AS TIMESTAMP) END"
        )
    if t.name == "boolean":
        return f"CASE lower({expr}) WHEN 'true' THEN true WHEN 'false' THEN false ELSE NULL END"
    return f"TRY_CAST({expr} AS {duck})"


def _text_reader(info: TableInfo, files: Sequence[str], fmt: str, hive: bool) -> str:
    params = info.serde_parameters
    n = len(info.columns)
    cols = ", ".join(f"'c{i}': 'VARCHAR'" for i in range(max(n, 1)))
    skip = int(str(info.parameters.get("skip.header.line.count", "0")) or 0)
    if fmt == "opencsv":
        delim = params.get("separatorChar", ",")
        quote = params.get("quoteChar", '"')
        escape = params.get("escapeChar", quote)
        nullstr = "\x00\x00"
    else:
        delim = params.get("field.delim", params.get("serialization.format", "\x01"))
        if delim == "1" and "field.delim" not in params:
            delim = "\x01"
        quote = ""
        escape = params.get("escape.delim", "")
        nullstr = params.get("serialization.null.format", "\\N")
    options = [
        f"columns={{{cols}}}",
        "header=false",
        f"skip={skip}",
        f"delim={sql_string(delim)}",
        f"quote={sql_string(quote)}",
        f"escape={sql_string(escape)}",
        f"nullstr={sql_string(nullstr)}",
        "auto_detect=false",
        "null_padding=true",
        "strict_mode=false",
        "parallel=false" if fmt == "opencsv" else "parallel=true",
    ]
    if hive:
        keys = ", ".join(f"{sql_string(k)}: 'VARCHAR'" for k, _ in info.partition_keys)
        options += ["hive_partitioning=true", f"hive_types={{{keys}}}"]
    file_list = "[" + ", ".join(sql_string(f) for f in files) + "]"
    return f"read_csv({file_list}, {', '.join(options)})"


def _projection(info: TableInfo, fmt: str, available: Mapping[str, str] | None) -> list[str]:
    out = []
    paths = {p.lower(): p for p in str(info.serde_parameters.get("paths", "")).split(",") if p}
    for i, (name, hive_type) in enumerate(info.columns):
        if fmt in ("text", "opencsv"):
            out.append(f"{_convert(_ident(f'c{i}'), hive_type, fmt)} AS {_ident(name)}")
            continue
        duck = hive_to_duckdb(hive_type)
        if fmt == "json":
            key = paths.get(name, name)
            out.append(f"{_ident(key)} AS {_ident(name)}")
            continue
        if available is not None and name not in available:
            out.append(f"CAST(NULL AS {duck}) AS {_ident(name)}")
        elif available is not None and available[name] == duck:
            out.append(f"{_ident(name)} AS {_ident(name)}")
        else:
            out.append(f"TRY_CAST({_ident(name)} AS {duck}) AS {_ident(name)}")
    return out


def _json_reader(info: TableInfo, files: Sequence[str], hive: bool) -> str:
    paths = {p.lower(): p for p in str(info.serde_parameters.get("paths", "")).split(",") if p}
    cols = ", ".join(
        f"{sql_string(paths.get(name, name))}: {sql_string(hive_to_duckdb(t))}"
        for name, t in info.columns
    )
    options = [
        "format='newline_delimited'",
        f"columns={{{cols}}}",
        "ignore_errors=true",
        "maximum_object_size=67108864",
    ]
    if hive:
        keys = ", ".join(f"{sql_string(k)}: 'VARCHAR'" for k, _ in info.partition_keys)
        options += ["hive_partitioning=true", f"hive_types={{{keys}}}"]
    file_list = "[" + ", ".join(sql_string(f) for f in files) + "]"
    return f"read_json({file_list}, {', '.join(options)})"


@dataclass
class SourceBuilder:
    """Builds :class:`Source` relations; caches Parquet schemas per file set."""

    path_for: PathMapper
    describe: Callable[[str], list[tuple[str, str]]]
    register_arrow: Callable[[Any], str]
    schemas: dict[tuple[tuple[str, float], ...], dict[str, str]] = field(default_factory=dict)
    scratch: Callable[[], Path] | None = None

    def _plain(self, files: Sequence[str]) -> list[str]:
        """Text files DuckDB cannot inflate itself (bzip2) decompressed into the scratch dir."""
        out = []
        for f in files:
            if not f.endswith(_INFLATE) or self.scratch is None:
                out.append(f)
                continue
            stat = Path(f).stat()
            digest = hashlib.sha1(f"{f}:{stat.st_mtime_ns}:{stat.st_size}".encode()).hexdigest()
            target = self.scratch() / digest
            if not target.exists():
                with bz2.open(f, "rb") as src, open(str(target) + ".part", "wb") as dst:
                    shutil.copyfileobj(src, dst)
                Path(str(target) + ".part").replace(target)
            out.append(str(target))
        return out

    def _parquet_columns(self, files: Sequence[str]) -> dict[str, str]:
        key = tuple((f, Path(f).stat().st_mtime) for f in files)
        cached = self.schemas.get(key)
        if cached is None:
            file_list = "[" + ", ".join(sql_string(f) for f in files) + "]"
            rows = self.describe(f"SELECT * FROM read_parquet({file_list}, union_by_name=true)")
            cached = {name.lower(): dtype for name, dtype in rows}
            if len(self.schemas) > 256:
                self.schemas.clear()
            self.schemas[key] = cached
        return cached

    def _reader(self, info: TableInfo, files: Sequence[str], hive: bool) -> tuple[str, list[str]]:
        fmt = info.storage_format
        if fmt == "parquet":
            file_list = "[" + ", ".join(sql_string(f) for f in files) + "]"
            options = ["union_by_name=true"]
            if hive:
                keys = ", ".join(f"{sql_string(k)}: 'VARCHAR'" for k, _ in info.partition_keys)
                options += ["hive_partitioning=true", f"hive_types={{{keys}}}"]
            reader = f"read_parquet({file_list}, {', '.join(options)})"
            return reader, _projection(info, fmt, self._parquet_columns(files))
        if fmt in ("text", "opencsv"):
            return _text_reader(info, self._plain(files), fmt, hive), _projection(info, fmt, None)
        if fmt == "json":
            return _json_reader(info, self._plain(files), hive), _projection(info, fmt, None)
        if fmt == "orc":
            import pyarrow as pa  # type: ignore[import-untyped]
            import pyarrow.orc as orc  # type: ignore[import-untyped]

            table = pa.concat_tables([orc.read_table(f) for f in files], promote_options="default")
            table = table.rename_columns([c.lower() for c in table.column_names])
            name = self.register_arrow(table)
            available = {c: "" for c in table.column_names}
            return _ident(name), _projection(info, "orc", available)
        raise NotSupportedError(
            f"Table {info.database}.{info.name}: SerDe {info.serde_library or fmt} is not supported"
        )

    def _empty(self, info: TableInfo) -> str:
        cols = ", ".join(
            f"CAST(NULL AS {hive_to_duckdb(t)}) AS {_ident(n)}" for n, t in info.all_columns
        )
        return f"SELECT {cols or 'NULL AS dummy'} WHERE false"

    def build(
        self,
        info: TableInfo,
        partitions: Sequence[Mapping[str, Any]] | None,
        allowed: Mapping[str, frozenset[str]] | None = None,
    ) -> Source:
        """The relation for a table (``partitions``: its Glue partitions when partitioned)."""
        if not info.partition_keys:
            listed = list_files(self.path_for(info.location)) if info.location else []
            if not listed:
                return Source(sql=self._empty(info), scanned_bytes=0, files=())
            plain = [f for f, _ in listed]
            reader, projection = self._reader(info, plain, False)
            sql = f"SELECT {', '.join(projection)} FROM {reader}"
            return Source(sql=sql, scanned_bytes=sum(s for _, s in listed), files=tuple(plain))
        chosen: list[tuple[tuple[str, ...], str]] = []
        keys = [k for k, _ in info.partition_keys]
        for part in partitions or ():
            values = tuple(str(v) for v in part.get("Values") or ())
            if len(values) != len(keys):
                continue
            if allowed and any(
                k in allowed and v not in allowed[k] for k, v in zip(keys, values, strict=True)
            ):
                continue
            loc = (part.get("StorageDescriptor") or {}).get("Location") or ""
            chosen.append((values, loc))
        groups: list[tuple[tuple[str, ...], list[tuple[str, int]]]] = []
        for values, loc in chosen:
            listed = list_files(self.path_for(loc)) if loc else []
            if listed:
                groups.append((values, listed))
        if not groups:
            return Source(sql=self._empty(info), scanned_bytes=0, files=())
        scanned = sum(s for _, listed in groups for _, s in listed)
        files = tuple(f for _, listed in groups for f, _ in listed)
        key_casts = [
            (k, hive_to_duckdb(t) if parse_hive_type(t).name not in ("string", "varchar") else None)
            for k, t in info.partition_keys
        ]
        if self._canonical(info, chosen, groups):
            reader, projection = self._reader(info, list(files), True)
            parts = [
                f"TRY_CAST({_ident(k)} AS {cast}) AS {_ident(k)}" if cast else _ident(k)
                for k, cast in key_casts
            ]
            sql = f"SELECT {', '.join(projection + parts)} FROM {reader}"
            return Source(sql=sql, scanned_bytes=scanned, files=files)
        selects = []
        for values, listed in groups:
            reader, projection = self._reader(info, [f for f, _ in listed], False)
            literals = [
                f"TRY_CAST({sql_string(v)} AS {cast}) AS {_ident(k)}"
                if cast
                else f"{sql_string(v)} AS {_ident(k)}"
                for (k, cast), v in zip(key_casts, values, strict=True)
            ]
            selects.append(f"SELECT {', '.join(projection + literals)} FROM {reader}")
        return Source(sql=" UNION ALL ".join(selects), scanned_bytes=scanned, files=files)

    def _canonical(
        self,
        info: TableInfo,
        chosen: Sequence[tuple[tuple[str, ...], str]],
        groups: Sequence[tuple[tuple[str, ...], list[tuple[str, int]]]],
    ) -> bool:
        """True when every partition sits at ``<table>/k1=v1/k2=v2/``, files directly inside.

        Then one reader with DuckDB's Hive partitioning serves all partitions; otherwise (or
        for a handful of partitions) each partition is read on its own.
        """
        if info.storage_format == "orc" or len(groups) <= 1:
            return False
        if any(f.endswith(_INFLATE) for _, listed in groups for f, _ in listed):
            return False
        if len(groups) <= 4 and len(groups) < _CANONICAL_UNION_LIMIT:
            return False
        try:
            base = Path(self.path_for(info.location))
        except NotSupportedError:
            return False
        keys = [k for k, _ in info.partition_keys]
        for values, listed in groups:
            expected = base.joinpath(*(f"{k}={v}" for k, v in zip(keys, values, strict=True)))
            for f, _ in listed:
                if Path(f).parent != expected:
                    return False
        return bool(chosen)
