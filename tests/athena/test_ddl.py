"""Athena DDL applied to the Glue Data Catalog: databases, tables, views, partitions, CTAS."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import botocore.exceptions
import pytest

from tests.athena.conftest import RESULTS, values

DDL = """
CREATE EXTERNAL TABLE sales (
  item string,
  qty int
)
PARTITIONED BY (dt string)
ROW FORMAT DELIMITED FIELDS TERMINATED BY ','
STORED AS TEXTFILE
LOCATION 's3://ddl-lake/sales/'
TBLPROPERTIES ('skip.header.line.count'='1')
"""


@pytest.fixture
def sales(run: Callable[..., Any], s3: Any) -> Any:
    """Database ``ddl`` with the partitioned CSV table ``sales`` made by Athena DDL."""
    s3.create_bucket(Bucket="ddl-lake")
    for dt, rows in (("2026-01-01", "a,1\nb,2\n"), ("2026-01-02", "a,5\n")):
        s3.put_object(
            Bucket="ddl-lake", Key=f"sales/dt={dt}/part-0.csv", Body=f"item,qty\n{rows}".encode()
        )
    ex = run("CREATE DATABASE ddl")
    assert ex["Status"]["State"] == "SUCCEEDED", ex["Status"]
    ex = run(DDL, database="ddl")
    assert ex["Status"]["State"] == "SUCCEEDED", ex["Status"]
    assert ex["StatementType"] == "DDL"
    assert ex["ResultConfiguration"]["OutputLocation"].endswith(".txt")
    return s3


def test_create_database_and_table_show_in_glue(sales: Any, glue: Any) -> None:
    assert glue.get_database(Name="ddl")["Database"]["Name"] == "ddl"
    table = glue.get_table(DatabaseName="ddl", Name="sales")["Table"]
    assert table["TableType"] == "EXTERNAL_TABLE"
    assert [c["Name"] for c in table["StorageDescriptor"]["Columns"]] == ["item", "qty"]
    assert [k["Name"] for k in table["PartitionKeys"]] == ["dt"]
    assert table["StorageDescriptor"]["Location"].startswith("s3://ddl-lake/sales")


def test_msck_repair_then_new_partition_folder(
    sales: Any, run: Callable[..., Any], glue: Any
) -> None:
    ex = run("SELECT count(*) FROM sales", database="ddl")
    assert values(ex["results"])[1] == ["0"]  # no partitions registered yet
    ex = run("MSCK REPAIR TABLE sales", database="ddl")
    assert ex["Status"]["State"] == "SUCCEEDED", ex["Status"]
    parts = glue.get_partitions(DatabaseName="ddl", TableName="sales")["Partitions"]
    assert sorted(p["Values"][0] for p in parts) == ["2026-01-01", "2026-01-02"]
    ex = run("SELECT dt, sum(qty) FROM sales GROUP BY dt ORDER BY dt", database="ddl")
    assert values(ex["results"])[1:] == [["2026-01-01", "3"], ["2026-01-02", "5"]]
    sales.put_object(Bucket="ddl-lake", Key="sales/dt=2026-01-03/p.csv", Body=b"item,qty\nc,7\n")
    ex = run("SELECT sum(qty) FROM sales", database="ddl")
    assert values(ex["results"])[1] == ["8"]  # the new folder is invisible until repaired
    run("MSCK REPAIR TABLE sales", database="ddl")
    ex = run("SELECT sum(qty) FROM sales", database="ddl")
    assert values(ex["results"])[1] == ["15"]


def test_alter_table_add_and_drop_partition(sales: Any, run: Callable[..., Any], glue: Any) -> None:
    ex = run(
        "ALTER TABLE sales ADD PARTITION (dt='2026-01-02') "
        "LOCATION 's3://ddl-lake/sales/dt=2026-01-02/'",
        database="ddl",
    )
    assert ex["Status"]["State"] == "SUCCEEDED", ex["Status"]
    part = glue.get_partition(DatabaseName="ddl", TableName="sales", PartitionValues=["2026-01-02"])
    assert part["Partition"]["StorageDescriptor"]["Location"].startswith("s3://ddl-lake/sales/")
    assert values(run("SELECT sum(qty) FROM sales", database="ddl")["results"])[1] == ["5"]
    run("ALTER TABLE sales DROP PARTITION (dt='2026-01-02')", database="ddl")
    assert glue.get_partitions(DatabaseName="ddl", TableName="sales")["Partitions"] == []


def test_view_is_a_virtual_view_in_glue(sales: Any, run: Callable[..., Any], glue: Any) -> None:
    run("MSCK REPAIR TABLE sales", database="ddl")
    ex = run(
        "CREATE OR REPLACE VIEW totals AS SELECT item, sum(qty) AS total FROM sales GROUP BY item",
        database="ddl",
    )
    assert ex["Status"]["State"] == "SUCCEEDED", ex["Status"]
    assert ex["SubstatementType"] == "CREATE_VIEW"
    view = glue.get_table(DatabaseName="ddl", Name="totals")["Table"]
    assert view["TableType"] == "VIRTUAL_VIEW"
    assert view["ViewOriginalText"].startswith("/* Presto View: ")
    ex = run("SELECT * FROM totals ORDER BY total DESC", database="ddl")
    assert values(ex["results"]) == [["item", "total"], ["a", "6"], ["b", "2"]]
    ex = run(
        "CREATE OR REPLACE VIEW totals AS SELECT item FROM sales GROUP BY item", database="ddl"
    )
    assert ex["Status"]["State"] == "SUCCEEDED", ex["Status"]
    view = glue.get_table(DatabaseName="ddl", Name="totals")["Table"]
    assert [c["Name"] for c in view["StorageDescriptor"]["Columns"]] == ["item"]
    run("DROP VIEW totals", database="ddl")
    with pytest.raises(botocore.exceptions.ClientError):
        glue.get_table(DatabaseName="ddl", Name="totals")


def test_ctas_writes_parquet_objects_and_registers_the_table(
    sales: Any, run: Callable[..., Any], glue: Any, s3: Any
) -> None:
    run("MSCK REPAIR TABLE sales", database="ddl")
    ex = run(
        "CREATE TABLE sales_pq WITH (format = 'PARQUET', "
        "external_location = 's3://ddl-lake/curated/sales_pq/') AS "
        "SELECT item, qty FROM sales WHERE qty > 1",
        database="ddl",
    )
    assert ex["Status"]["State"] == "SUCCEEDED", ex["Status"]
    assert ex["SubstatementType"] == "CREATE_TABLE_AS_SELECT"
    qid = ex["QueryExecutionId"]
    assert ex["ResultConfiguration"]["OutputLocation"] == f"{RESULTS}tables/{qid}"
    assert ex["results"]["UpdateCount"] == 2
    listed = s3.list_objects_v2(Bucket="ddl-lake", Prefix="curated/sales_pq/")
    assert listed["KeyCount"] >= 1
    table = glue.get_table(DatabaseName="ddl", Name="sales_pq")["Table"]
    assert "parquet" in table["StorageDescriptor"]["SerdeInfo"]["SerializationLibrary"].lower()
    ex = run("SELECT item, qty FROM sales_pq ORDER BY qty", database="ddl")
    assert values(ex["results"])[1:] == [["b", "2"], ["a", "5"]]
    meta = s3.list_objects_v2(Bucket="athena-results", Prefix=f"out/tables/{qid}")
    assert [o["Key"] for o in meta["Contents"]] == [f"out/tables/{qid}.metadata"]


def test_ctas_without_location_goes_under_the_output_location(
    run: Callable[..., Any], s3: Any, glue: Any
) -> None:
    run("CREATE DATABASE scratch")
    ex = run("CREATE TABLE t AS SELECT 1 AS x, 'y' AS y", database="scratch")
    assert ex["Status"]["State"] == "SUCCEEDED", ex["Status"]
    qid = ex["QueryExecutionId"]
    location = glue.get_table(DatabaseName="scratch", Name="t")["Table"]["StorageDescriptor"][
        "Location"
    ]
    assert location == f"{RESULTS}tables/{qid}/"
    listed = s3.list_objects_v2(Bucket="athena-results", Prefix=f"out/tables/{qid}/")
    assert listed["KeyCount"] >= 1
    assert values(run("SELECT * FROM t", database="scratch")["results"]) == [
        ["x", "y"],
        ["1", "y"],
    ]


def test_drop_table_and_existing_table_error(
    sales: Any, run: Callable[..., Any], glue: Any
) -> None:
    ex = run(DDL, database="ddl")
    assert ex["Status"]["State"] == "FAILED"
    assert "AthenaError" in ex["Status"]
    ex = run("DROP TABLE sales", database="ddl")
    assert ex["Status"]["State"] == "SUCCEEDED", ex["Status"]
    with pytest.raises(botocore.exceptions.ClientError):
        glue.get_table(DatabaseName="ddl", Name="sales")


def test_ctas_into_a_missing_bucket_fails_and_leaves_nothing(
    run: Callable[..., Any], s3: Any, glue: Any, server: Any
) -> None:
    run("CREATE DATABASE nowhere")
    ex = run(
        "CREATE TABLE lost WITH (external_location = 's3://no-such-bucket/lost/') AS SELECT 1 AS x",
        database="nowhere",
    )
    assert ex["Status"]["State"] == "FAILED"
    assert "no-such-bucket" in ex["Status"]["StateChangeReason"]
    with pytest.raises(botocore.exceptions.ClientError):
        glue.get_table(DatabaseName="nowhere", Name="lost")
    lake = server.app.env.lake_dir
    assert not (lake / "no-such-bucket" / "lost").exists()
