"""JDBC crawls: a SQLite database behind a Glue JDBC connection (S1's rds_crawled_ flow)."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from tests.glue_catalog.conftest import ROLE, columns, crawl


def tpcds(path: Path) -> Path:
    db = path / "tpcds.db"
    with sqlite3.connect(db) as conn:
        conn.execute(
            "CREATE TABLE customer (c_customer_sk INTEGER NOT NULL, c_customer_id CHAR(16), "
            "c_first_name VARCHAR(20), c_birth_year INTEGER, c_balance DECIMAL(7,2), "
            "c_last_review_date DATE)"
        )
        conn.execute("CREATE TABLE web_page (wp_web_page_sk INTEGER, wp_url VARCHAR(100))")
        conn.execute("CREATE TABLE income_band (ib_income_band_sk INTEGER, ib_lower_bound INT)")
    return db


def connect(glue: Any, db: Path, name: str = "rds-mysql-connection") -> None:
    glue.create_connection(
        ConnectionInput={
            "Name": name,
            "ConnectionType": "JDBC",
            "ConnectionProperties": {
                "JDBC_CONNECTION_URL": f"jdbc:sqlite:{db}",
                "USERNAME": "admin",
                "PASSWORD": "unused",
            },
        }
    )


def test_s1_mysql_rds_crawler_flow(glue: Any, tmp_path: Path) -> None:
    connect(glue, tpcds(tmp_path))
    glue.create_database(DatabaseInput={"Name": "glue_ttt_demo_db"})
    glue.create_crawler(
        Name="mysql-rds-crawler",
        Role=ROLE,
        DatabaseName="glue_ttt_demo_db",
        Targets={
            "JdbcTargets": [{"ConnectionName": "rds-mysql-connection", "Path": "tpcds/customer"}]
        },
        TablePrefix="rds_crawled_",
    )
    got = glue.get_crawler(Name="mysql-rds-crawler")["Crawler"]
    assert got["Targets"]["JdbcTargets"] == [
        {"ConnectionName": "rds-mysql-connection", "Path": "tpcds/customer", "Exclusions": []}
    ]
    done = crawl(glue, "mysql-rds-crawler")
    assert done["LastCrawl"]["Status"] == "SUCCEEDED", done["LastCrawl"]
    found = glue.get_tables(DatabaseName="glue_ttt_demo_db")["TableList"]
    assert [t["Name"] for t in found] == ["rds_crawled_tpcds_customer"]
    table = found[0]
    assert columns(table) == [
        ("c_customer_sk", "int"),
        ("c_customer_id", "string"),
        ("c_first_name", "string"),
        ("c_birth_year", "int"),
        ("c_balance", "decimal(7,2)"),
        ("c_last_review_date", "date"),
    ]
    assert table["StorageDescriptor"]["Location"] == "tpcds.customer"
    assert table["Parameters"]["classification"] == "sqlite"
    assert table["Parameters"]["connectionName"] == "rds-mysql-connection"
    assert table["Parameters"]["typeOfData"] == "table"


def test_wildcard_path_and_exclusions(glue: Any, tmp_path: Path) -> None:
    connect(glue, tpcds(tmp_path), "src")
    glue.create_crawler(
        Name="Source_Crawler",
        Role=ROLE,
        DatabaseName="dojodb",
        Targets={
            "JdbcTargets": [
                {"ConnectionName": "src", "Path": "tpcds/%", "Exclusions": ["tpcds/income*"]}
            ]
        },
        TablePrefix="src_",
    )
    crawl(glue, "Source_Crawler")
    names = [t["Name"] for t in glue.get_tables(DatabaseName="dojodb")["TableList"]]
    assert names == ["src_tpcds_customer", "src_tpcds_web_page"]


def test_unreachable_database_fails_the_crawl(glue: Any, tmp_path: Path) -> None:
    connect(glue, tmp_path / "missing.db", "gone")
    glue.create_crawler(
        Name="c",
        Role=ROLE,
        DatabaseName="db",
        Targets={"JdbcTargets": [{"ConnectionName": "gone", "Path": "missing/%"}]},
    )
    done = crawl(glue, "c")
    assert done["LastCrawl"]["Status"] == "FAILED"
    assert "missing.db" in done["LastCrawl"]["ErrorMessage"]
    glue.create_crawler(
        Name="d",
        Role=ROLE,
        DatabaseName="db",
        Targets={"JdbcTargets": [{"ConnectionName": "no-such-connection", "Path": "x/%"}]},
    )
    done = crawl(glue, "d")
    assert done["LastCrawl"]["Status"] == "FAILED"
    assert "no-such-connection" in done["LastCrawl"]["ErrorMessage"]
