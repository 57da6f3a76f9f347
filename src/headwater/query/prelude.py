"""DuckDB settings and macros that give Trino functions sqlglot leaves untranslated a home."""

from __future__ import annotations

__all__ = ["PRELUDE"]

PRELUDE: tuple[str, ...] = (
    "SET TimeZone = 'UTC'",
    # Parquet footers are cached across queries (keyed by file and modification time).
    "SET enable_object_cache = true",
    # DuckDB pushes a TRY_CAST over a CSV column into the reader, which then fails on an
    # empty field instead of giving NULL (Hive's LazySimpleSerDe reads "" as NULL).
    "SET disabled_optimizers = 'type_pushdown'",
    "CREATE OR REPLACE MACRO codepoint(s) AS unicode(s)",
    "CREATE OR REPLACE MACRO map_agg(k, v) AS map(list(k), list(v))",
    "CREATE OR REPLACE MACRO to_iso8601(x) AS "
    "strftime(CAST(x AS TIMESTAMP), '%Y-%m-%dT%H:%M:%S.%g')",
    "CREATE OR REPLACE MACRO from_iso8601_date(s) AS CAST(s AS DATE)",
    "CREATE OR REPLACE MACRO url_extract_host(u) AS "
    "regexp_extract(u, '^[A-Za-z][A-Za-z0-9+.-]*://([^/:?#]+)', 1)",
    "CREATE OR REPLACE MACRO url_extract_path(u) AS "
    "regexp_extract(u, '^[A-Za-z][A-Za-z0-9+.-]*://[^/?#]*([^?#]*)', 1)",
    "CREATE OR REPLACE MACRO url_extract_protocol(u) AS "
    "regexp_extract(u, '^([A-Za-z][A-Za-z0-9+.-]*)://', 1)",
    "CREATE OR REPLACE MACRO json_parse(s) AS CAST(s AS JSON)",
    "CREATE OR REPLACE MACRO json_format(j) AS CAST(j AS VARCHAR)",
    "CREATE OR REPLACE MACRO is_nan(x) AS isnan(x)",
)
