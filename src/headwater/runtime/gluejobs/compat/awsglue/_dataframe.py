"""A small Spark DataFrame stand-in over Arrow and DuckDB, for scripts that call ``toDF()``.

It covers what Glue job scripts commonly do with a DataFrame: look at ``columns``, rename
(``withColumnRenamed``, ``toDF(*names)``), select / filter / add columns with column
expressions, group and join, run SQL over temporary views, and write Parquet, CSV or JSON with
Spark's save modes. Column expressions are compiled to DuckDB SQL.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import pyarrow as pa  # type: ignore[import-untyped]

from . import _io
from ._column import Column, Row, as_column, col, lit, select_item
from ._errors import AnalysisException
from ._sql import glue_type_name, ident, literal, query

__all__ = [
    "Column",
    "DataFrame",
    "DataFrameReader",
    "DataFrameWriter",
    "GroupedData",
    "Row",
    "SparkSession",
    "col",
    "lit",
]

_VIEWS: dict[str, pa.Table] = {}


class DataFrame:
    """An immutable table with Spark's DataFrame methods."""

    def __init__(self, table: pa.Table, session: SparkSession | None = None) -> None:
        self._table = table
        self.sparkSession = session or SparkSession.builder.getOrCreate()

    # -- looking ------------------------------------------------------------------------------
    @property
    def arrow(self) -> pa.Table:
        """The Arrow table."""
        return self._table

    @property
    def columns(self) -> list[str]:
        """Column names."""
        return list(self._table.column_names)

    @property
    def dtypes(self) -> list[tuple[str, str]]:
        """(name, type) pairs."""
        return [(f.name, glue_type_name(f.type)) for f in self._table.schema]

    @property
    def schema(self) -> pa.Schema:
        """The Arrow schema."""
        return self._table.schema

    def count(self) -> int:
        """Number of rows."""
        return int(self._table.num_rows)

    def collect(self) -> list[Row]:
        """Every row."""
        return [Row(r) for r in self._table.to_pylist()]

    def take(self, n: int) -> list[Row]:
        """The first ``n`` rows."""
        return [Row(r) for r in self._table.slice(0, n).to_pylist()]

    def head(self, n: int | None = None) -> Any:
        """The first row (or the first ``n``)."""
        rows = self.take(1 if n is None else n)
        if n is None:
            return rows[0] if rows else None
        return rows

    def first(self) -> Row | None:
        """The first row."""
        rows = self.take(1)
        return rows[0] if rows else None

    def isEmpty(self) -> bool:
        """Whether there are no rows."""
        return bool(self._table.num_rows == 0)

    def show(self, n: int = 20, truncate: bool | int = True) -> None:
        """Print the first rows as a table."""
        rows = self._table.slice(0, n).to_pylist()
        names = self.columns
        width = 20 if truncate is True else (int(truncate) or 10**6)

        def cell(v: Any) -> str:
            text = "null" if v is None else str(v)
            return text if len(text) <= width else text[: width - 3] + "..."

        table = [[cell(r[c]) for c in names] for r in rows]
        sizes = [max([len(c), *(len(r[i]) for r in table)]) for i, c in enumerate(names)]
        line = "+" + "+".join("-" * s for s in sizes) + "+"
        print(line)
        print("|" + "|".join(c.rjust(s) for c, s in zip(names, sizes, strict=True)) + "|")
        print(line)
        for r in table:
            print("|" + "|".join(v.rjust(s) for v, s in zip(r, sizes, strict=True)) + "|")
        print(line)
        if self._table.num_rows > n:
            print(f"only showing top {n} rows")

    def printSchema(self) -> None:
        """Print the schema as Spark does."""
        print("root")
        for f in self._table.schema:
            print(f" |-- {f.name}: {glue_type_name(f.type)} (nullable = true)")

    def toPandas(self) -> Any:
        """A pandas DataFrame (needs pandas)."""
        return self._table.to_pandas()

    def __iter__(self) -> Iterator[Row]:
        return iter(self.collect())

    def __getitem__(self, name: str) -> Column:
        return col(name)

    def __getattr__(self, name: str) -> Column:
        if name.startswith("_") or name not in self._table.column_names:
            raise AttributeError(name)
        return col(name)

    # -- transforming -------------------------------------------------------------------------
    def _sql(self, sql: str, **others: pa.Table) -> DataFrame:
        return DataFrame(query(sql, {"__df": self._table, **others}), self.sparkSession)

    def _check(self, names: Iterable[str]) -> None:
        for name in names:
            if name not in self._table.column_names:
                raise AnalysisException(
                    f"cannot resolve '`{name}`' given input columns: [{', '.join(self.columns)}]"
                )

    def select(self, *cols: str | Column | Sequence[str | Column]) -> DataFrame:
        """SELECT columns or expressions (``"*"`` keeps every column)."""
        flat: list[str | Column] = []
        for c in cols:
            if isinstance(c, list | tuple):
                flat.extend(c)
            else:
                flat.append(c)  # type: ignore[arg-type]
        self._check(c for c in flat if isinstance(c, str) and c != "*")
        items = ["*" if c == "*" else select_item(c) for c in flat]
        return self._sql(f"SELECT {', '.join(items)} FROM __df")

    def selectExpr(self, *exprs: str) -> DataFrame:
        """SELECT SQL expressions."""
        return self._sql(f"SELECT {', '.join(exprs)} FROM __df")

    def filter(self, condition: str | Column) -> DataFrame:
        """WHERE a Column condition or SQL text."""
        text = condition.sql if isinstance(condition, Column) else condition
        return self._sql(f"SELECT * FROM __df WHERE {text}")

    where = filter

    def withColumn(self, name: str, value: Column) -> DataFrame:
        """Add (or replace) a column."""
        keep = [ident(c) for c in self.columns if c != name]
        items = [*keep, f"{value.sql} AS {ident(name)}"]
        if name in self.columns:
            items = [
                f"{value.sql} AS {ident(name)}" if c == name else ident(c) for c in self.columns
            ]
        return self._sql(f"SELECT {', '.join(items)} FROM __df")

    def withColumnRenamed(self, existing: str, new: str) -> DataFrame:
        """Rename one column (no-op if it does not exist, as in Spark)."""
        names = [new if c == existing else c for c in self.columns]
        return DataFrame(self._table.rename_columns(names), self.sparkSession)

    def toDF(self, *names: str) -> DataFrame:
        """New names for every column, in order."""
        if len(names) != self._table.num_columns:
            raise AnalysisException(
                "The number of columns doesn't match.\n"
                f"Old column names ({self._table.num_columns}): {', '.join(self.columns)}\n"
                f"New column names ({len(names)}): {', '.join(names)}"
            )
        return DataFrame(self._table.rename_columns(list(names)), self.sparkSession)

    def drop(self, *cols: str | Column) -> DataFrame:
        """Drop columns (names that do not exist are ignored)."""
        names = {c.output_name() if isinstance(c, Column) else c for c in cols}
        keep = [c for c in self.columns if c not in names]
        return DataFrame(self._table.select(keep), self.sparkSession)

    def distinct(self) -> DataFrame:
        """Distinct rows."""
        return self._sql("SELECT DISTINCT * FROM __df")

    def dropDuplicates(self, subset: Sequence[str] | None = None) -> DataFrame:
        """Keep the first row of each distinct ``subset``."""
        if not subset:
            return self.distinct()
        self._check(subset)
        keys = ", ".join(ident(c) for c in subset)
        return self._sql(
            f"SELECT * EXCLUDE (__rn) FROM (SELECT *, row_number() OVER (PARTITION BY {keys}) "
            "AS __rn FROM __df) WHERE __rn = 1"
        )

    drop_duplicates = dropDuplicates

    def dropna(self, how: str = "any", subset: Sequence[str] | None = None) -> DataFrame:
        """Drop rows with nulls."""
        names = list(subset or self.columns)
        joiner = " OR " if how == "any" else " AND "
        cond = joiner.join(f"{ident(c)} IS NULL" for c in names) or "FALSE"
        return self._sql(f"SELECT * FROM __df WHERE NOT ({cond})")

    def fillna(self, value: Any, subset: Sequence[str] | None = None) -> DataFrame:
        """Replace nulls with ``value``."""
        names = set(subset or self.columns)
        items = [
            f"coalesce({ident(c)}, {literal(value)}) AS {ident(c)}" if c in names else ident(c)
            for c in self.columns
        ]
        return self._sql(f"SELECT {', '.join(items)} FROM __df")

    def limit(self, n: int) -> DataFrame:
        """The first ``n`` rows."""
        return DataFrame(self._table.slice(0, n), self.sparkSession)

    def orderBy(self, *cols: str | Column, ascending: bool = True) -> DataFrame:
        """ORDER BY."""
        parts = []
        for c in cols:
            column = as_column(c)
            parts.append(column.sql + (column.order or ("" if ascending else " DESC")))
        return self._sql(f"SELECT * FROM __df ORDER BY {', '.join(parts)}")

    sort = orderBy

    def groupBy(self, *cols: str | Column) -> GroupedData:
        """GROUP BY."""
        return GroupedData(self, [as_column(c) for c in cols])

    groupby = groupBy

    def agg(self, *exprs: Column) -> DataFrame:
        """Aggregate the whole frame."""
        return GroupedData(self, []).agg(*exprs)

    def join(self, other: DataFrame, on: Any = None, how: str = "inner") -> DataFrame:
        """JOIN on column names or a condition."""
        kind = {
            "inner": "INNER",
            "left": "LEFT",
            "left_outer": "LEFT",
            "leftouter": "LEFT",
            "right": "RIGHT",
            "right_outer": "RIGHT",
            "outer": "FULL",
            "full": "FULL",
            "full_outer": "FULL",
            "cross": "CROSS",
            "left_semi": "SEMI",
            "semi": "SEMI",
            "left_anti": "ANTI",
            "anti": "ANTI",
        }[how.lower()]
        if on is None:
            return self._sql("SELECT * FROM __df CROSS JOIN __other", __other=other._table)
        if isinstance(on, str):
            on = [on]
        if isinstance(on, Column):
            cond = on.sql
            return self._sql(
                f"SELECT * FROM __df {kind} JOIN __other ON {cond}", __other=other._table
            )
        using = ", ".join(ident(c) for c in on)
        return self._sql(
            f"SELECT * FROM __df {kind} JOIN __other USING ({using})", __other=other._table
        )

    def union(self, other: DataFrame) -> DataFrame:
        """UNION ALL by position."""
        return self._sql("SELECT * FROM __df UNION ALL SELECT * FROM __other", __other=other._table)

    unionAll = union

    def unionByName(self, other: DataFrame, allowMissingColumns: bool = False) -> DataFrame:
        """UNION ALL by column name."""
        return self._sql(
            "SELECT * FROM __df UNION ALL BY NAME SELECT * FROM __other", __other=other._table
        )

    def repartition(self, *args: Any, **kwargs: Any) -> DataFrame:
        """One engine, one partition: the frame itself."""
        return self

    def coalesce(self, n: int) -> DataFrame:
        """The frame itself."""
        return self

    def cache(self) -> DataFrame:
        """The frame itself."""
        return self

    persist = cache

    def unpersist(self, *args: Any) -> DataFrame:
        """The frame itself."""
        return self

    def createOrReplaceTempView(self, name: str) -> None:
        """Make the frame queryable as ``name`` in ``spark.sql``."""
        _VIEWS[name] = self._table

    createTempView = createOrReplaceTempView
    registerTempTable = createOrReplaceTempView

    @property
    def write(self) -> DataFrameWriter:
        """The writer."""
        return DataFrameWriter(self)

    @property
    def na(self) -> _NaFunctions:
        """``df.na.drop()`` / ``df.na.fill(v)``."""
        return _NaFunctions(self)


class _NaFunctions:
    def __init__(self, df: DataFrame) -> None:
        self._df = df

    def drop(self, how: str = "any", subset: Sequence[str] | None = None) -> DataFrame:
        return self._df.dropna(how, subset)

    def fill(self, value: Any, subset: Sequence[str] | None = None) -> DataFrame:
        return self._df.fillna(value, subset)


class GroupedData:
    """The result of ``groupBy``."""

    def __init__(self, df: DataFrame, keys: list[Column]) -> None:
        self._df = df
        self._keys = keys

    def agg(self, *exprs: Column | dict[str, str]) -> DataFrame:
        """Aggregate expressions (or ``{"column": "sum"}``)."""
        items = [select_item(k) for k in self._keys]
        for e in exprs:
            if isinstance(e, dict):
                for name, fn in e.items():
                    items.append(f"{fn}({ident(name)}) AS {ident(f'{fn}({name})')}")
            else:
                items.append(select_item(e))
        group = ", ".join(k.sql for k in self._keys)
        sql = f"SELECT {', '.join(items)} FROM __df"
        if group:
            sql += f" GROUP BY {group}"
        return self._df._sql(sql)

    def count(self) -> DataFrame:
        """Rows per group, as ``count``."""
        return self.agg(Column("count(*)", "count"))

    def _each(self, fn: str, cols: Sequence[str]) -> DataFrame:
        return self.agg(*(Column(f"{fn}({ident(c)})", f"{fn}({c})") for c in cols))

    def sum(self, *cols: str) -> DataFrame:
        """SUM per group."""
        return self._each("sum", cols)

    def avg(self, *cols: str) -> DataFrame:
        """AVG per group."""
        return self._each("avg", cols)

    mean = avg

    def min(self, *cols: str) -> DataFrame:
        """MIN per group."""
        return self._each("min", cols)

    def max(self, *cols: str) -> DataFrame:
        """MAX per group."""
        return self._each("max", cols)


class DataFrameWriter:
    """``df.write``: a format, a save mode, options, partition columns."""

    def __init__(self, df: DataFrame) -> None:
        self._df = df
        self._mode = "errorifexists"
        self._format = "parquet"
        self._options: dict[str, Any] = {}
        self._partition_by: list[str] = []

    def mode(self, mode: str) -> DataFrameWriter:
        """overwrite, append, ignore, error / errorifexists."""
        lowered = mode.lower()
        if lowered not in ("overwrite", "append", "ignore", "error", "errorifexists", "default"):
            raise ValueError(f"Unknown save mode: {mode}")
        self._mode = "errorifexists" if lowered in ("error", "default") else lowered
        return self

    def format(self, fmt: str) -> DataFrameWriter:
        """parquet, csv or json."""
        self._format = fmt.lower()
        return self

    def option(self, key: str, value: Any) -> DataFrameWriter:
        """One writer option (``header``, ``sep``, ``compression``)."""
        self._options[key] = value
        return self

    def options(self, **kwargs: Any) -> DataFrameWriter:
        """Several writer options."""
        self._options.update(kwargs)
        return self

    def partitionBy(self, *cols: str) -> DataFrameWriter:
        """Hive-style partition folders."""
        self._partition_by = [
            c for group in cols for c in ([group] if isinstance(group, str) else group)
        ]
        return self

    def save(
        self, path: str | None = None, format: str | None = None, mode: str | None = None
    ) -> None:
        """Write the frame under ``path``."""
        if format:
            self._format = format.lower()
        if mode:
            self.mode(mode)
        if path is None:
            path = self._options.get("path")
        if not path:
            raise AnalysisException("path is required for save()")
        if self._mode in ("errorifexists", "ignore") and _io.exists(path):
            if self._mode == "ignore":
                return
            raise AnalysisException(f"path {path} already exists.")
        if self._mode == "overwrite":
            _io.delete_prefix(path)
        opts = dict(self._options)
        if self._format == "csv":
            opts["header"] = str(opts.get("header", "false")).lower() == "true"
            if "sep" in opts:
                opts["separator"] = opts["sep"]
            if "delimiter" in opts:
                opts["separator"] = opts["delimiter"]
        _io.write_table(
            self._df.arrow,
            path,
            self._format,
            opts,
            partition_keys=self._partition_by,
            naming="dataframe",
            write_empty=not self._partition_by,
        )

    def parquet(self, path: str, mode: str | None = None, **options: Any) -> None:
        """Write Parquet (Snappy)."""
        self._options.update(options)
        self.save(path, "parquet", mode)

    def csv(
        self,
        path: str,
        mode: str | None = None,
        header: Any = None,
        sep: str | None = None,
        **options: Any,
    ) -> None:
        """Write CSV (no header unless told, as Spark)."""
        if header is not None:
            self._options["header"] = header
        if sep is not None:
            self._options["sep"] = sep
        self._options.update(options)
        self.save(path, "csv", mode)

    def json(self, path: str, mode: str | None = None, **options: Any) -> None:
        """Write JSON lines."""
        self._options.update(options)
        self.save(path, "json", mode)


class DataFrameReader:
    """``spark.read``."""

    def __init__(self, session: SparkSession) -> None:
        self._session = session
        self._format = "parquet"
        self._options: dict[str, Any] = {}

    def format(self, fmt: str) -> DataFrameReader:
        """parquet, csv or json."""
        self._format = fmt.lower()
        return self

    def option(self, key: str, value: Any) -> DataFrameReader:
        """One reader option."""
        self._options[key] = value
        return self

    def options(self, **kwargs: Any) -> DataFrameReader:
        """Several reader options."""
        self._options.update(kwargs)
        return self

    def load(
        self, path: str | Sequence[str] | None = None, format: str | None = None, **options: Any
    ) -> DataFrame:
        """Read ``path`` (a file or folder, recursively, as Spark does)."""
        fmt = (format or self._format).lower()
        opts = {**self._options, **options}
        paths: list[str] = (
            [path] if isinstance(path, str) else list(path or [str(opts.get("path") or "")])
        )
        files = _io.list_files([p for p in paths if p], recurse=True)
        if not files:
            raise AnalysisException(f"Path does not exist: {paths[0]}")
        if fmt == "csv":
            header = str(opts.get("header", "false")).lower() == "true"
            csv_opts = {
                "withHeader": header,
                "separator": opts.get("sep", opts.get("delimiter", ",")),
            }
            table = _io.read_files(files, "csv", csv_opts)
            if not header:
                table = table.rename_columns([f"_c{i}" for i in range(table.num_columns)])
            if str(opts.get("inferSchema", "false")).lower() != "true":
                table = table.cast(pa.schema([(n, pa.string()) for n in table.column_names]))
        else:
            table = _io.read_files(files, fmt, opts)
        return DataFrame(table, self._session)

    def parquet(self, *paths: str) -> DataFrame:
        """Read Parquet."""
        return self.load(list(paths), "parquet")

    def csv(
        self,
        path: str | Sequence[str],
        header: Any = None,
        sep: str | None = None,
        inferSchema: Any = None,
        **options: Any,
    ) -> DataFrame:
        """Read CSV."""
        if header is not None:
            self._options["header"] = str(header).lower()
        if sep is not None:
            self._options["sep"] = sep
        if inferSchema is not None:
            self._options["inferSchema"] = str(inferSchema).lower()
        return self.load(path, "csv", **options)

    def json(self, path: str | Sequence[str], **options: Any) -> DataFrame:
        """Read JSON lines."""
        return self.load(path, "json", **options)


class _Builder:
    _session: SparkSession | None = None

    def appName(self, name: str) -> _Builder:
        return self

    def master(self, url: str) -> _Builder:
        return self

    def config(self, *args: Any, **kwargs: Any) -> _Builder:
        return self

    def enableHiveSupport(self) -> _Builder:
        return self

    def getOrCreate(self) -> SparkSession:
        if _Builder._session is None:
            _Builder._session = SparkSession()
        return _Builder._session


class SparkSession:
    """The session: ``read``, ``sql`` over temporary views, ``createDataFrame``."""

    builder = _Builder()

    @property
    def read(self) -> DataFrameReader:
        """The reader."""
        return DataFrameReader(self)

    def sql(self, text: str) -> DataFrame:
        """Run SQL over the temporary views."""
        return DataFrame(query(text, dict(_VIEWS)), self)

    def table(self, name: str) -> DataFrame:
        """A temporary view as a frame."""
        if name not in _VIEWS:
            raise AnalysisException(f"Table or view not found: {name}")
        return DataFrame(_VIEWS[name], self)

    def createDataFrame(self, data: Any, schema: Any = None) -> DataFrame:
        """A frame from rows (dicts, tuples with a schema of names) or a pandas frame."""
        if hasattr(data, "to_dict") and hasattr(data, "columns"):
            return DataFrame(pa.Table.from_pandas(data, preserve_index=False), self)
        rows = list(data)
        if rows and not isinstance(rows[0], dict):
            names = (
                list(schema)
                if isinstance(schema, list | tuple)
                else [f"_{i + 1}" for i in range(len(rows[0]))]
            )
            rows = [dict(zip(names, r, strict=True)) for r in rows]
        return DataFrame(pa.Table.from_pylist(rows), self)

    def stop(self) -> None:
        """Nothing to stop."""

    @property
    def sparkContext(self) -> Any:
        """The context stand-in, when the script uses one."""
        return None


def _dumps(rows: list[dict[str, Any]]) -> str:
    return "\n".join(json.dumps(r, default=str) for r in rows)
