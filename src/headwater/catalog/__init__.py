"""The Data Catalog model and crawler schema inference (pure: stdlib and pyarrow only).

Model (:mod:`headwater.catalog.model`): frozen :class:`Database`, :class:`Table` (a view is a
table with ``table_type`` VIRTUAL_VIEW), :class:`StorageDescriptor`, :class:`SerDeInfo`,
:class:`Column`, :class:`Partition`. Map them to and from Glue's PascalCase wire dicts with
:func:`table_to_wire` / :func:`table_from_wire` (also ``TableInput``),
:func:`partition_to_wire` / :func:`partition_from_wire` and
:func:`database_to_wire` / :func:`database_from_wire`. Names of databases and tables are
lower-cased on the way in, as Glue stores them. Hive type strings parse with
:func:`parse_type`.

Crawling an S3 target (what the Glue service does on StartCrawler, off the event loop)::

    from headwater.catalog import CrawlSpec, S3Object, crawl_s3, parse_s3_path

    spec = CrawlSpec.from_wire(crawler_dict, classifier_dicts)   # validates globs, JSON config
    listings = {t.path: [S3Object(key=..., size=..., last_modified=...), ...]
                for t in spec.targets}                            # ListObjectsV2 of bucket/prefix

    def read(bucket: str, key: str, offset: int, length: int) -> bytes:
        ...                                                       # a ranged GetObject on the lake

    result = crawl_s3(spec, listings, read,
                      existing_tables=tables_in_db, existing_partitions={name: [...]})

``result`` (:class:`CrawlResult`) holds ``tables_to_create`` / ``tables_to_update`` /
``tables_to_delete``, ``partitions_to_create`` / ``_update`` / ``_delete`` keyed by table name,
``metrics`` (TablesCreated/Updated/Deleted for GetCrawlerMetrics), ``skipped`` (unreadable or
unclassifiable objects) and ``log`` (lines for the crawler's log stream). Apply it in one
transaction: the crawl itself writes nothing. Tables carry no timestamps: the service sets
CreateTime/UpdateTime (and CreatedBy) when it stores them.

JDBC targets (``JdbcTargets``): the service reads table and column metadata from the database
(SQLAlchemy) into :class:`JdbcTable` values and calls ``crawl_jdbc(spec, engine, {target.path:
tables})``; include paths (``db/schema/%``), exclusions, table names, type mapping and the
schema-change policy follow Glue's JDBC crawler.

Classifiers: custom :class:`CsvClassifierSpec` / :class:`JsonClassifierSpec` (built from
Glue's ``CsvClassifier`` / ``JsonClassifier`` dicts with :func:`classifier_from_wire`) run
first, then the built-ins in Glue's order (Avro, ORC, Parquet, JSON, CSV). Text objects may be
gzip, bzip2, snappy, zstd or lz4 compressed. Errors: :mod:`headwater.catalog.errors`.
"""

from headwater.catalog.classifiers import (
    ContainsHeader,
    CsvClassifierSpec,
    CsvSerde,
    FileFormat,
    FileSchema,
    JsonClassifierSpec,
    classifier_from_wire,
    classify_object,
)
from headwater.catalog.compression import Compression
from headwater.catalog.crawl import CrawlMetrics, CrawlResult, SkippedObject, crawl_s3
from headwater.catalog.crawler_config import (
    CrawlerConfiguration,
    CrawlSpec,
    DeleteBehavior,
    JdbcTarget,
    RecrawlBehavior,
    S3Target,
    UpdateBehavior,
    parse_s3_path,
)
from headwater.catalog.errors import (
    CatalogError,
    ClassificationError,
    InvalidInputError,
    InvalidPatternError,
    InvalidTypeError,
)
from headwater.catalog.globs import ExclusionSet, compile_glob
from headwater.catalog.hive_types import HiveType, format_type, merge_types, parse_type
from headwater.catalog.jdbc import JdbcColumn, JdbcTable, crawl_jdbc, jdbc_type_to_hive
from headwater.catalog.model import (
    Column,
    Database,
    Partition,
    SerDeInfo,
    StorageDescriptor,
    Table,
    TableType,
)
from headwater.catalog.sampling import ObjectReader, ObjectSample, S3Object
from headwater.catalog.wire import (
    column_from_wire,
    column_to_wire,
    database_from_wire,
    database_to_wire,
    partition_from_wire,
    partition_to_wire,
    storage_descriptor_from_wire,
    storage_descriptor_to_wire,
    table_from_wire,
    table_to_wire,
)

__all__ = [
    "CatalogError",
    "ClassificationError",
    "Column",
    "Compression",
    "ContainsHeader",
    "CrawlMetrics",
    "CrawlResult",
    "CrawlSpec",
    "CrawlerConfiguration",
    "CsvClassifierSpec",
    "CsvSerde",
    "Database",
    "DeleteBehavior",
    "ExclusionSet",
    "FileFormat",
    "FileSchema",
    "HiveType",
    "InvalidInputError",
    "InvalidPatternError",
    "InvalidTypeError",
    "JdbcColumn",
    "JdbcTable",
    "JdbcTarget",
    "JsonClassifierSpec",
    "ObjectReader",
    "ObjectSample",
    "Partition",
    "RecrawlBehavior",
    "S3Object",
    "S3Target",
    "SerDeInfo",
    "SkippedObject",
    "StorageDescriptor",
    "Table",
    "TableType",
    "UpdateBehavior",
    "classifier_from_wire",
    "classify_object",
    "column_from_wire",
    "column_to_wire",
    "compile_glob",
    "crawl_jdbc",
    "crawl_s3",
    "database_from_wire",
    "database_to_wire",
    "format_type",
    "jdbc_type_to_hive",
    "merge_types",
    "parse_s3_path",
    "parse_type",
    "partition_from_wire",
    "partition_to_wire",
    "storage_descriptor_from_wire",
    "storage_descriptor_to_wire",
    "table_from_wire",
    "table_to_wire",
]
