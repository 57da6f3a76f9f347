"""The SQL engine: Athena statements executed by DuckDB over catalog tables on local files.

:class:`Engine` parses a statement (Athena's Trino dialect, Hive DDL for table definitions),
binds table references through the :class:`~headwater.query.catalog.CatalogResolver`, reads
the tables' files through :mod:`headwater.query.sources`, runs the translated query on its own
DuckDB cursor and returns a :class:`~headwater.query.results.QueryResult`. Statements that
change the catalog return :mod:`~headwater.query.catalog` changes instead of applying them.
"""

from __future__ import annotations

import itertools
import re
import tempfile
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError, TokenError

from headwater.query import commands, writes
from headwater.query.catalog import CatalogResolver, CreateTable
from headwater.query.errors import (
    ColumnNotFoundError,
    DataError,
    EngineError,
    FunctionNotFoundError,
    NotSupportedError,
    QueryCancelledError,
    QueryError,
    QuerySyntaxError,
    SchemaNotFoundError,
    TableNotFoundError,
    TypeMismatchError,
)
from headwater.query.information_schema import INFORMATION_SCHEMA, information_schema_sql
from headwater.query.prelude import PRELUDE
from headwater.query.render import renderer
from headwater.query.results import OutputKind, QueryResult, ResultColumn, StatementType
from headwater.query.sources import PathMapper, SourceBuilder, TableInfo, default_path_mapper
from headwater.query.statements import classify, strip_comments, substitute_parameters
from headwater.query.translate import Binding, Rewrite, rewrite_query
from headwater.query.types import athena_type, duckdb_to_hive, duckdb_to_trino, trino_to_hive
from headwater.query.views import decode_view, view_table_input

__all__ = ["Engine", "Execution"]

_MAX_VIEW_DEPTH = 16
_VIEW_SQL = re.compile(
    r"^\s*CREATE\s+(?:OR\s+REPLACE\s+)?VIEW\s+"
    r"(?:`[^`]+`|\"(?:[^\"]|\"\")+\"|[\w$@-]+)(?:\s*\.\s*(?:`[^`]+`|\"(?:[^\"]|\"\")+\"|[\w$@-]+))*"
    r"(?:\s+COMMENT\s+'(?:[^']|'')*')?(?:\s+SECURITY\s+\w+)?\s+AS\s+(?P<body>.*)$",
    re.IGNORECASE | re.DOTALL,
)


def _position(sql: str, node: exp.Expression | None) -> tuple[int, int]:
    """Trino's ``line:column`` (1-based) of the start of ``node`` in ``sql``."""
    starts: list[int] = []
    if node is not None:
        for ident in [node, *node.find_all(exp.Identifier)]:
            meta = getattr(ident, "_meta", None) or {}
            if "start" in meta:
                starts.append(int(meta["start"]))
    if not starts:
        return 1, 1
    start = min(starts)
    line = sql.count("\n", 0, start) + 1
    col = start - (sql.rfind("\n", 0, start) + 1) + 1
    return line, col


def _at(sql: str, node: exp.Expression | None) -> str:
    line, col = _position(sql, node)
    return f"line {line}:{col}"


def parse_query(sql: str) -> exp.Expression:
    """Parse one Athena (Trino) statement; raises :class:`QuerySyntaxError`."""
    try:
        statements = [s for s in sqlglot.parse(sql, read="athena") if s is not None]
    except ParseError as exc:
        first = exc.errors[0] if exc.errors else {}
        token = str(first.get("highlight") or "<EOF>")
        line = int(first.get("line") or 1)
        col = max(1, int(first.get("col") or 1) - len(token) + 1)
        raise QuerySyntaxError(f"line {line}:{col}: mismatched input '{token}'") from None
    except TokenError as exc:
        raise QuerySyntaxError(f"line 1:1: {exc}") from None
    if not statements:
        raise QuerySyntaxError("line 1:1: mismatched input '<EOF>'")
    if len(statements) > 1:
        raise QuerySyntaxError("line 1:1: Only one sql statement is allowed")
    statement = statements[0]
    if not isinstance(statement, exp.Expression):
        raise QuerySyntaxError("line 1:1: mismatched input '<EOF>'")
    return statement


@dataclass
class Execution:
    """One statement's run: its cursor, default database and the relations it registered."""

    engine: Engine
    cursor: duckdb.DuckDBPyConnection
    database: str
    sql: str
    query_id: str = ""
    ctas_location: str | None = None
    scanned_bytes: int = 0
    _names: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _bound: dict[tuple[Any, ...], Binding] = field(default_factory=dict)

    @property
    def resolver(self) -> CatalogResolver:
        """The catalog."""
        return self.engine.resolver

    def relation_name(self) -> str:
        """A fresh name for a temporary relation."""
        return f"__hw_r{next(self._names)}"

    # ------------------------------------------------------------------ catalog lookups

    def database_exists(self, name: str) -> bool:
        """True when the database exists."""
        return name.lower() in {d.lower() for d in self.resolver.list_databases()}

    def require_database(self, name: str, node: exp.Expression | None = None) -> None:
        """Raise SCHEMA_NOT_FOUND unless the database exists."""
        if not self.database_exists(name):
            raise SchemaNotFoundError(f"{_at(self.sql, node)}: Schema '{name}' does not exist")

    def lookup(
        self, database: str, name: str, node: exp.Expression | None = None
    ) -> Mapping[str, Any]:
        """The table dict, or TABLE_NOT_FOUND / SCHEMA_NOT_FOUND."""
        self.require_database(database, node)
        table = self.resolver.get_table(database, name)
        if table is None:
            raise TableNotFoundError(
                f"{_at(self.sql, node)}: Table 'awsdatacatalog.{database}.{name}' does not exist"
            )
        return table

    # ------------------------------------------------------------------ binding

    def bind(self, table: exp.Table, hints: Mapping[str, frozenset[str]], depth: int) -> Binding:
        """Register the relation for one table reference (a table or an Athena view)."""
        catalog = table.catalog.lower() if table.catalog else None
        if catalog not in (None, "awsdatacatalog"):
            raise QueryError(
                f"{_at(self.sql, table)}: Catalog '{catalog}' does not exist",
                error_name="CATALOG_NOT_FOUND",
                error_type=1006,
            )
        database = table.db.lower() if table.db else self.database
        name = table.name.lower()
        if database == INFORMATION_SCHEMA:
            sql, columns = information_schema_sql(self.resolver, name)
            relation = self.relation_name()
            self._run(f'CREATE TEMP VIEW "{relation}" AS {sql}')
            return Binding(relation=relation, columns=columns)
        meta = self.lookup(database, name, table)
        info = TableInfo.from_wire(database, meta)
        string_keys = {k for k, t in info.partition_keys if t.lower() in ("string", "varchar")}
        useful = {k: v for k, v in hints.items() if k in string_keys}
        key = (database, name, tuple(sorted(useful.items())))
        if key in self._bound:
            return self._bound[key]
        if info.is_view:
            binding = self._bind_view(info, depth)
        else:
            partitions = (
                self.resolver.get_partitions(database, name) if info.partition_keys else None
            )
            source = self.engine.sources(self).build(info, partitions, useful)
            relation = self.relation_name()
            self._run(f'CREATE TEMP VIEW "{relation}" AS {source.sql}')
            self.scanned_bytes += source.scanned_bytes
            binding = Binding(relation=relation, columns=dict(info.all_columns))
        self._bound[key] = binding
        return binding

    def _bind_view(self, info: TableInfo, depth: int) -> Binding:
        if depth >= _MAX_VIEW_DEPTH:
            raise QueryError(
                f"View '{info.database}.{info.name}' is recursive",
                error_name="VIEW_IS_RECURSIVE",
                error_type=1107,
            )
        definition = decode_view(info.view_original_text, name=f"{info.database}.{info.name}")
        nested = Execution(
            engine=self.engine,
            cursor=self.cursor,
            database=definition.schema.lower(),
            sql=definition.original_sql,
            _names=self._names,
            _bound=self._bound,
        )
        rewrite = nested.rewrite(parse_query(definition.original_sql), depth + 1)
        self.scanned_bytes += nested.scanned_bytes
        names = [n for n, _ in definition.columns] or [n for n, _ in info.columns]
        relation = self.relation_name()
        columns = ", ".join('"' + n.replace('"', '""') + '"' for n in names)
        sql = rewrite.expression.sql(dialect="duckdb")
        self._run(f'CREATE TEMP VIEW "{relation}" ({columns}) AS {sql}')
        types = {n: trino_to_hive(t) for n, t in definition.columns} or dict(info.columns)
        return Binding(relation=relation, columns=types)

    def rewrite(self, query: exp.Expression, depth: int = 0) -> Rewrite:
        """Bind and translate a parsed query."""
        return rewrite_query(query, lambda table, hints: self.bind(table, hints, depth))

    # ------------------------------------------------------------------ running

    def _run(self, sql: str, original: exp.Expression | None = None) -> duckdb.DuckDBPyConnection:
        try:
            return self.cursor.execute(sql)
        except duckdb.Error as exc:
            raise self.translate_error(exc, original) from None

    def relation(self, sql: str, original: exp.Expression | None) -> duckdb.DuckDBPyRelation:
        """A lazy relation for ``sql`` (binding errors surface here)."""
        try:
            return self.cursor.sql(sql)
        except duckdb.Error as exc:
            raise self.translate_error(exc, original) from None

    def translate_error(self, exc: Exception, original: exp.Expression | None) -> QueryError:
        """DuckDB's error as the Athena error a user would see."""
        text = str(exc).split("\n", 1)[0]
        if isinstance(exc, duckdb.InterruptException):
            return QueryCancelledError()

        def find(kind: type[exp.Expr], name: str) -> exp.Expression | None:
            if original is None:
                return None
            for node in original.find_all(kind):
                if isinstance(node, exp.Anonymous):
                    node_name = str(node.this)
                elif isinstance(node, exp.Func):
                    node_name = node.sql_name()
                else:
                    node_name = node.name
                if str(node_name).lower() == name.lower() and isinstance(node, exp.Expression):
                    return node
            return None

        match = re.search(r'Referenced column "([^"]+)" not found', text) or re.search(
            r'column "?([^" ]+)"? (?:was )?not found', text
        )
        if isinstance(exc, duckdb.BinderException) and match:
            name = match.group(1)
            return ColumnNotFoundError(
                f"{_at(self.sql, find(exp.Column, name))}: Column '{name}' cannot be resolved "
                "or requester is not authorized to access requested resources"
            )
        match = re.search(r'Referenced table "([^"]+)" not found', text)
        if isinstance(exc, duckdb.BinderException) and match:
            return ColumnNotFoundError(
                f"{_at(self.sql, None)}: Column '{match.group(1)}' cannot be resolved"
            )
        match = re.search(r'column "([^"]+)" must appear in the GROUP BY clause', text)
        if match:
            name = match.group(1)
            return QueryError(
                f"{_at(self.sql, find(exp.Column, name))}: '{name}' must be an aggregate "
                "expression or appear in GROUP BY clause",
                error_name="EXPRESSION_NOT_AGGREGATE",
                error_type=1006,
            )
        match = re.search(r"Function with name (\w+) does not exist", text)
        if match:
            name = match.group(1)
            node = find(exp.Anonymous, name) or find(exp.Func, name)
            return FunctionNotFoundError(f"{_at(self.sql, node)}: Function '{name}' not registered")
        if "No function matches" in text:
            name_match = re.search(r"'(\w+)\(", text)
            name = name_match.group(1) if name_match else "function"
            return FunctionNotFoundError(
                f"{_at(self.sql, find(exp.Func, name))}: Unexpected parameters for function "
                f"{name}: {text}"
            )
        if isinstance(exc, duckdb.BinderException) and (
            "Cannot compare" in text or "Cannot mix" in text or "implicitly cast" in text
        ):
            return TypeMismatchError(f"{_at(self.sql, None)}: {text}")
        if "Division by zero" in text or "division by zero" in text:
            return DataError("Division by zero", error_name="DIVISION_BY_ZERO", error_type=1001)
        if isinstance(exc, duckdb.ConversionException):
            return DataError(text, error_name="INVALID_CAST_ARGUMENT", error_type=1100)
        if isinstance(exc, duckdb.OutOfRangeException):
            return DataError(text, error_name="NUMERIC_VALUE_OUT_OF_RANGE", error_type=1100)
        if isinstance(exc, duckdb.InvalidInputException | duckdb.IOException):
            return DataError(text, error_name="HIVE_BAD_DATA", error_type=1001)
        if isinstance(exc, duckdb.ParserException | duckdb.NotImplementedException):
            return NotSupportedError(f"{_at(self.sql, None)}: {text}")
        if isinstance(exc, duckdb.BinderException | duckdb.CatalogException):
            return QueryError(f"{_at(self.sql, None)}: {text}", error_name="SEMANTIC_ERROR")
        return EngineError(text)

    def select(
        self, query: exp.Expression
    ) -> tuple[list[ResultColumn], list[Any], list[tuple[Any, ...]]]:
        """Run a query; returns its columns, DuckDB types and raw rows."""
        original = query.copy()
        rewrite = self.rewrite(query)
        sql = rewrite.expression.sql(dialect="duckdb")
        try:
            relation = self.cursor.sql(sql)
            if relation is None:
                raise EngineError("the query returned no relation")
            types = list(relation.types)
            names = rewrite.output.apply(list(relation.columns))
            rows = relation.fetchall()
        except duckdb.Error as exc:
            raise self.translate_error(exc, original) from None
        columns = [
            ResultColumn(name=n, type=athena_type(t)) for n, t in zip(names, types, strict=True)
        ]
        return columns, types, rows

    def describe_query(self, query: exp.Expression) -> tuple[list[str], list[Any], str]:
        """Output names, DuckDB types and the translated SQL of a query, without running it."""
        original = query.copy()
        rewrite = self.rewrite(query)
        sql = rewrite.expression.sql(dialect="duckdb")
        relation = self.relation(sql, original)
        try:
            types = list(relation.types)
            names = rewrite.output.apply(list(relation.columns))
        except duckdb.Error as exc:
            raise self.translate_error(exc, original) from None
        return names, types, sql


class Engine:
    """Runs Athena SQL with DuckDB over a catalog.

    Args:
        resolver: read access to the catalog (Glue wire dicts).
        path_for: maps a table or partition ``Location`` (``s3://...``) to a local absolute
            path; the default accepts ``file://`` URIs and absolute paths.
        threads: DuckDB worker threads (default: DuckDB's choice).
        memory_limit: DuckDB memory limit (``"4GB"``), default DuckDB's.
    """

    def __init__(
        self,
        resolver: CatalogResolver,
        *,
        path_for: PathMapper = default_path_mapper,
        threads: int | None = None,
        memory_limit: str | None = None,
    ) -> None:
        self.resolver = resolver
        self.path_for = path_for
        config: dict[str, Any] = {}
        if threads:
            config["threads"] = threads
        if memory_limit:
            config["memory_limit"] = memory_limit
        self._db = duckdb.connect(":memory:", config=config)
        for statement in PRELUDE:
            self._db.execute(statement)
        self._schemas: dict[tuple[tuple[str, float], ...], dict[str, str]] = {}
        self._lock = threading.Lock()
        self._arrow_names = itertools.count(1)
        self._scratch: tempfile.TemporaryDirectory[str] | None = None

    def scratch(self) -> Path:
        """A private folder for decompressed copies, removed by :meth:`close`."""
        with self._lock:
            if self._scratch is None:
                self._scratch = tempfile.TemporaryDirectory(prefix="headwater-query-")
            return Path(self._scratch.name)

    def close(self) -> None:
        """Release DuckDB and the scratch folder."""
        self._db.close()
        if self._scratch is not None:
            self._scratch.cleanup()

    def sources(self, run: Execution) -> SourceBuilder:
        """A source builder reading through ``run``'s cursor."""

        def describe(sql: str) -> list[tuple[str, str]]:
            rows = run.cursor.execute(f"DESCRIBE {sql}").fetchall()
            return [(str(r[0]), str(r[1])) for r in rows]

        def register_arrow(table: Any) -> str:
            name = f"__hw_arrow{next(self._arrow_names)}"
            run.cursor.register(name, table)
            return name

        return SourceBuilder(
            self.path_for, describe, register_arrow, self._schemas, scratch=self.scratch
        )

    def validate(self, sql: str, parameters: Sequence[str] = ()) -> None:
        """Raise :class:`QuerySyntaxError` when ``sql`` does not parse (StartQueryExecution)."""
        text = substitute_parameters(sql, list(parameters))
        if classify(text) is None:
            parse_query(strip_comments(text))

    def execute(
        self,
        sql: str,
        *,
        database: str | None = None,
        catalog: str | None = None,
        query_id: str = "",
        parameters: Sequence[str] = (),
        ctas_location: str | None = None,
        on_cursor: Callable[[duckdb.DuckDBPyConnection], None] | None = None,
    ) -> QueryResult:
        """Run one statement.

        Args:
            sql: the ``QueryString``.
            database: ``QueryExecutionContext.Database`` (default ``default``).
            catalog: ``QueryExecutionContext.Catalog`` (only ``AwsDataCatalog`` exists).
            query_id: the ``QueryExecutionId`` (written into result metadata, CTAS file names).
            parameters: ``ExecutionParameters`` for ``?`` markers.
            ctas_location: where a CTAS without ``external_location`` writes its data (Athena
                uses ``<OutputLocation>tables/<QueryExecutionId>/``).
            on_cursor: called with the DuckDB cursor before the statement runs; calling its
                ``interrupt()`` from another thread cancels the query (QueryCancelledError).

        Raises:
            QueryError: the statement failed; its ``reason`` is the ``StateChangeReason``.
        """
        if catalog and catalog.lower() != "awsdatacatalog":
            raise QueryError(
                f"Catalog '{catalog}' does not exist",
                error_name="CATALOG_NOT_FOUND",
                error_type=1006,
            )
        text = substitute_parameters(sql, list(parameters))
        cursor = self._db.cursor()
        try:
            if on_cursor is not None:
                on_cursor(cursor)
            run = Execution(
                engine=self,
                cursor=cursor,
                database=(database or "default").lower(),
                sql=strip_comments(text),
                query_id=query_id,
                ctas_location=ctas_location,
            )
            result = self._dispatch(run, text)
        except QueryError:
            raise
        except duckdb.InterruptException:
            raise QueryCancelledError() from None
        except RecursionError as exc:
            raise EngineError(f"statement too deeply nested: {exc}") from None
        finally:
            cursor.close()
        return result

    def _dispatch(self, run: Execution, text: str) -> QueryResult:
        command = classify(text)
        if command is not None:
            return commands.run_command(run, command)
        statement = parse_query(run.sql)
        if isinstance(statement, exp.Create):
            kind = str(statement.args.get("kind") or "").upper()
            if kind == "VIEW":
                return self._create_view(run, statement)
            if kind == "TABLE" and statement.expression is not None:
                return writes.create_table_as(run, statement)
            if kind == "TABLE":
                return commands.create_external_table(run, statement)
            if kind in ("DATABASE", "SCHEMA"):
                return commands.create_database_from_ast(run, statement)
            raise NotSupportedError(f"CREATE {kind} is not supported")
        if isinstance(statement, exp.Insert):
            return writes.insert_into(run, statement)
        if isinstance(statement, exp.Drop):
            return commands.drop_from_ast(run, statement)
        if isinstance(statement, exp.Query | exp.Values):
            return self._select(run, statement)
        if isinstance(statement, exp.Describe):
            raise NotSupportedError(f"{_at(run.sql, statement)}: DESCRIBE form not supported")
        raise NotSupportedError(
            f"{_at(run.sql, statement)}: Statement {type(statement).__name__.upper()} "
            "is not supported"
        )

    def _select(self, run: Execution, query: exp.Expression) -> QueryResult:
        columns, types, raw = run.select(query)
        renderers = [renderer(t) for t in types]
        rows = tuple(tuple(r(v) for r, v in zip(renderers, row, strict=True)) for row in raw)
        return QueryResult(
            statement_type=StatementType.DML,
            substatement_type="SELECT",
            columns=tuple(columns),
            rows=rows,
            update_count=0,
            output=OutputKind.CSV,
            data_scanned_bytes=run.scanned_bytes,
        )

    def _create_view(self, run: Execution, create: exp.Create) -> QueryResult:
        target = create.this
        if not isinstance(target, exp.Table) or create.expression is None:
            raise QuerySyntaxError(f"{_at(run.sql, create)}: CREATE VIEW needs a name and AS")
        database = target.db.lower() if target.db else run.database
        name = target.name.lower()
        run.require_database(database, target)
        existing = run.resolver.get_table(database, name)
        replace = bool(create.args.get("replace"))
        if existing is not None:
            if str(existing.get("TableType")) != "VIRTUAL_VIEW":
                raise QueryError(
                    f"{_at(run.sql, target)}: Table 'awsdatacatalog.{database}.{name}' already "
                    "exists",
                    error_name="TABLE_ALREADY_EXISTS",
                    error_type=1003,
                )
            if not replace:
                raise QueryError(
                    f"{_at(run.sql, target)}: View 'awsdatacatalog.{database}.{name}' already "
                    "exists",
                    error_name="ALREADY_EXISTS",
                    error_type=1003,
                )
        match = _VIEW_SQL.match(run.sql)
        original_sql = match.group("body").strip() if match else create.expression.sql("trino")
        view_run = Execution(engine=self, cursor=run.cursor, database=database, sql=original_sql)
        names, types, _ = view_run.describe_query(parse_query(original_sql))
        columns = [
            (n, duckdb_to_trino(t), duckdb_to_hive(t)) for n, t in zip(names, types, strict=True)
        ]
        table = view_table_input(
            name=name, schema=database, original_sql=original_sql, columns=columns
        )
        return QueryResult(
            statement_type=StatementType.DDL,
            substatement_type="CREATE_VIEW",
            output=OutputKind.TXT,
            changes=(CreateTable(database=database, table=table, replace=replace),),
        )

    def local_path(self, location: str) -> Path:
        """The local folder of a location."""
        return Path(self.path_for(location))
