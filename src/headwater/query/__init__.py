"""SQL over the catalog: DuckDB with Athena/Trino SQL translated by sqlglot."""
