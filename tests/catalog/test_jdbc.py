"""JDBC targets: S1's MySQL customer table and a PostgreSQL schema with a wildcard path."""

from __future__ import annotations

import pytest

from headwater.catalog import CrawlSpec, JdbcColumn, JdbcTable, crawl_jdbc, jdbc_type_to_hive

CUSTOMER = JdbcTable(
    database="tpcds",
    name="customer",
    columns=(
        JdbcColumn(name="c_customer_sk", type="int"),
        JdbcColumn(name="c_customer_id", type="char(16)"),
        JdbcColumn(name="c_first_name", type="varchar(20)"),
        JdbcColumn(name="c_birth_year", type="INT(11)"),
        JdbcColumn(name="c_last_review_date_sk", type="bigint unsigned"),
        JdbcColumn(name="c_balance", type="decimal(7,2)"),
        JdbcColumn(name="c_seen", type="datetime"),
    ),
)


def _spec(path: str, **extra) -> CrawlSpec:  # type: ignore[no-untyped-def]
    target = {"ConnectionName": "rds-mysql-connection", "Path": path, **extra.pop("target", {})}
    return CrawlSpec.from_wire(
        {
            "Name": "mysql-rds-crawler",
            "DatabaseName": "glue_ttt_demo_db",
            "Targets": {"JdbcTargets": [target]},
            **extra,
        }
    )


def test_s1_mysql_customer_with_prefix() -> None:
    spec = _spec("tpcds/customer", TablePrefix="rds_crawled_")
    others = JdbcTable(database="tpcds", name="web_page", columns=())
    result = crawl_jdbc(spec, "mysql", {"tpcds/customer": [CUSTOMER, others]})
    [table] = result.tables_to_create
    assert table.name == "rds_crawled_tpcds_customer"
    assert table.location == "tpcds.customer"
    assert table.parameters["classification"] == "mysql"
    assert table.parameters["connectionName"] == "rds-mysql-connection"
    assert table.parameters["typeOfData"] == "table"
    assert [(c.name, c.type) for c in table.columns] == [
        ("c_customer_sk", "int"),
        ("c_customer_id", "string"),
        ("c_first_name", "string"),
        ("c_birth_year", "int"),
        ("c_last_review_date_sk", "bigint"),
        ("c_balance", "decimal(7,2)"),
        ("c_seen", "timestamp"),
    ]
    assert result.metrics.tables_created == 1


def test_postgres_schema_wildcard_and_exclusions() -> None:
    tables = [
        JdbcTable(
            database="postgres",
            schema="public",
            name=n,
            columns=(JdbcColumn(name="id", type="integer"),),
        )
        for n in ("customers", "orders", "tmp_scratch")
    ]
    spec = _spec("postgres/public/%", TablePrefix="src_", target={"Exclusions": ["tmp_*"]})
    result = crawl_jdbc(spec, "postgresql", {"postgres/public/%": tables})
    assert [t.name for t in result.tables_to_create] == [
        "src_postgres_public_customers",
        "src_postgres_public_orders",
    ]
    assert result.tables_to_create[0].location == "postgres.public.customers"


def test_recrawl_deletes_dropped_tables() -> None:
    spec = _spec("tpcds/%", SchemaChangePolicy={"DeleteBehavior": "DELETE_FROM_DATABASE"})
    first = crawl_jdbc(spec, "mysql", {"tpcds/%": [CUSTOMER]})
    second = crawl_jdbc(spec, "mysql", {"tpcds/%": []}, existing_tables=first.tables_to_create)
    assert second.tables_to_delete == ("tpcds_customer",)


@pytest.mark.parametrize(
    ("sql_type", "hive"),
    [
        ("VARCHAR(255)", "string"),
        ("numeric(10, 3)", "decimal(10,3)"),
        ("tinyint(1)", "boolean"),
        ("double precision", "double"),
        ("timestamp without time zone", "timestamp"),
        ("bytea", "binary"),
        ("json", "string"),
    ],
)
def test_type_mapping(sql_type: str, hive: str) -> None:
    assert jdbc_type_to_hive(sql_type) == hive
