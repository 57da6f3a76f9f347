"""SQL over the catalog: Athena's SQL (Trino dialect, Hive DDL) executed by DuckDB.

The Athena service builds one :class:`Engine` over its catalog and runs each query off the
event loop::

    from headwater.query import Engine, QueryError, QuerySyntaxError

    engine = Engine(resolver, path_for=lake.local_path)   # s3://bucket/key -> /abs/path
    engine.validate(sql)          # StartQueryExecution: QuerySyntaxError -> MALFORMED_QUERY
    try:
        result = engine.execute(sql, database=ctx_db, query_id=qid,
                                ctas_location=f"{output}tables/{qid}/",
                                on_cursor=remember_for_stop)       # cursor.interrupt() cancels
    except QueryError as exc:     # FAILED: Status.StateChangeReason = exc.reason,
        ...                       #         Status.AthenaError = exc.athena_error()

``resolver`` is anything with ``get_table(db, name)``, ``get_partitions(db, name)``,
``list_databases()`` and ``list_tables(db)`` returning Glue wire dicts
(:class:`CatalogResolver`; :class:`MemoryCatalog` is a dict-backed one). Locations stay
``s3://`` URIs in the catalog; ``path_for`` maps them to local files when reading and writing.

A :class:`QueryResult` gives everything the Athena API returns: ``statement_type`` and
``substatement_type``, ``column_info()`` (``ResultSetMetadata.ColumnInfo`` with Athena type
names: varchar, bigint, integer, double, boolean, date, timestamp, decimal, array, map, row),
``result_set(start=, max_results=)`` / ``result_rows()`` (the header row first for a SELECT,
values rendered as GetQueryResults renders them), ``update_count``, ``data_scanned_bytes``,
and the result objects to write under the output location: ``output_name(qid)``
(``<qid>.csv``, ``<qid>.txt``, ``tables/<qid>``, ``<qid>``), ``result_file()`` and
``metadata_file(qid)`` (the ``.metadata`` protobuf). DDL statements do not touch the catalog:
``result.changes`` lists :data:`CatalogChange` values (:class:`CreateTable` for CREATE
EXTERNAL TABLE / CREATE VIEW (a VIRTUAL_VIEW with the Presto view encoding) / CTAS,
:class:`DropTable`, :class:`AddPartitions` for MSCK REPAIR TABLE, ALTER TABLE ADD PARTITION,
CTAS and INSERT, :class:`DropPartitions`, :class:`CreateDatabase`, :class:`DropDatabase`) to
apply in order, in one transaction. CTAS and INSERT INTO write their files before returning.

Statements: SELECT / WITH / VALUES (joins, GROUP BY, ORDER BY and LIMIT with ordinals, window
functions, UNNEST, Trino functions via sqlglot), SHOW DATABASES / SCHEMAS / TABLES / VIEWS /
COLUMNS / PARTITIONS / CREATE TABLE / CREATE VIEW / TBLPROPERTIES, DESCRIBE, CREATE [OR
REPLACE] VIEW, DROP VIEW, CREATE EXTERNAL TABLE, DROP TABLE, CREATE / DROP DATABASE,
MSCK REPAIR TABLE, ALTER TABLE ADD / DROP PARTITION, CTAS (Parquet, JSON, TEXTFILE;
``partitioned_by``), INSERT INTO, UNLOAD. Errors: :mod:`headwater.query.errors`.

Helpers for the service: :func:`statement_kind` (StatementType / SubstatementType from the text,
for a QUEUED query) and :func:`table_metadata` (Athena's ``TableMetadata`` of a Glue table).
"""

from headwater.query.catalog import (
    AddPartitions,
    CatalogChange,
    CatalogResolver,
    CreateDatabase,
    CreateTable,
    DropDatabase,
    DropPartitions,
    DropTable,
    MemoryCatalog,
)
from headwater.query.engine import Engine
from headwater.query.errors import (
    AlreadyExistsError,
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
from headwater.query.metadata import statement_kind, table_metadata
from headwater.query.render import render_value
from headwater.query.results import (
    OutputKind,
    QueryResult,
    ResultColumn,
    StatementType,
    csv_bytes,
    metadata_bytes,
)
from headwater.query.views import ViewDefinition, decode_view, view_table_input

__all__ = [
    "AddPartitions",
    "AlreadyExistsError",
    "CatalogChange",
    "CatalogResolver",
    "ColumnNotFoundError",
    "CreateDatabase",
    "CreateTable",
    "DataError",
    "DropDatabase",
    "DropPartitions",
    "DropTable",
    "Engine",
    "EngineError",
    "FunctionNotFoundError",
    "MemoryCatalog",
    "NotSupportedError",
    "OutputKind",
    "QueryCancelledError",
    "QueryError",
    "QueryResult",
    "QuerySyntaxError",
    "ResultColumn",
    "SchemaNotFoundError",
    "StatementType",
    "TableNotFoundError",
    "TypeMismatchError",
    "ViewDefinition",
    "csv_bytes",
    "decode_view",
    "metadata_bytes",
    "render_value",
    "statement_kind",
    "table_metadata",
    "view_table_input",
]
