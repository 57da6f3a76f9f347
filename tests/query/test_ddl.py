"""DDL and utility statements: external tables, views, MSCK, partitions, CTAS, INSERT, SHOW."""

from __future__ import annotations

import base64
import json

import pyarrow as pa
import pytest

from headwater.query import (
    AddPartitions,
    CreateTable,
    QueryError,
    TableNotFoundError,
    statement_kind,
    table_metadata,
)

DDL = """
CREATE EXTERNAL TABLE IF NOT EXISTS `db`.`clicks` (
  `c_full_name` string COMMENT 'who',
  `total_clicks` bigint)
PARTITIONED BY (ingest_year string, ingest_hour string)
ROW FORMAT SERDE 'org.apache.hadoop.hive.serde2.OpenCSVSerde'
WITH SERDEPROPERTIES ('separatorChar' = ',', 'quoteChar' = '"')
STORED AS TEXTFILE
LOCATION 's3://b/clicks/'
TBLPROPERTIES ('skip.header.line.count'='1', 'classification'='csv')
"""


def _clicks(athena) -> None:  # type: ignore[no-untyped-def]
    result = athena.run(DDL)
    assert result.statement_type == "DDL"
    assert result.substatement_type == "CREATE_TABLE"
    assert result.result_file() == b""
    assert result.metadata_file("q-1") is None
    for hour in ("00", "01"):
        athena.put(
            f"s3://b/clicks/ingest_year=2024/ingest_hour={hour}/part-0",
            f'c_full_name,total_clicks\n"A, B",{int(hour) + 1}\n"C",5\n',
        )


def test_create_external_table_records_the_hive_ddl(athena) -> None:  # type: ignore[no-untyped-def]
    _clicks(athena)
    table = athena.catalog.get_table("db", "clicks")
    sd = table["StorageDescriptor"]
    assert sd["Columns"] == [
        {"Name": "c_full_name", "Type": "string", "Comment": "who"},
        {"Name": "total_clicks", "Type": "bigint"},
    ]
    assert [k["Name"] for k in table["PartitionKeys"]] == ["ingest_year", "ingest_hour"]
    assert sd["SerdeInfo"] == {
        "SerializationLibrary": "org.apache.hadoop.hive.serde2.OpenCSVSerde",
        "Parameters": {"separatorChar": ",", "quoteChar": '"'},
    }
    assert sd["InputFormat"] == "org.apache.hadoop.mapred.TextInputFormat"
    assert sd["Location"] == "s3://b/clicks/"
    assert table["Parameters"] == {
        "EXTERNAL": "TRUE",
        "skip.header.line.count": "1",
        "classification": "csv",
    }
    assert table["TableType"] == "EXTERNAL_TABLE"
    again = athena.run(DDL)  # IF NOT EXISTS: nothing to do
    assert again.changes == ()
    with pytest.raises(QueryError) as err:
        athena.run(DDL.replace("IF NOT EXISTS ", ""))
    assert "AlreadyExistsException" in err.value.reason


def test_msck_repair_then_query_new_partition(athena) -> None:  # type: ignore[no-untyped-def]
    _clicks(athena)
    assert athena.rows("SELECT count(*) FROM clicks") == [("0",)]
    repaired = athena.run("MSCK REPAIR TABLE clicks")
    [change] = repaired.changes
    assert isinstance(change, AddPartitions)
    assert [p["Values"] for p in change.partitions] == [["2024", "00"], ["2024", "01"]]
    assert change.partitions[1]["StorageDescriptor"]["Location"] == (
        "s3://b/clicks/ingest_year=2024/ingest_hour=01/"
    )
    assert repaired.rows[0][0].startswith("Partitions not in metastore:")
    assert athena.rows(
        "SELECT c_full_name, total_clicks, ingest_hour FROM clicks ORDER BY 2, 3"
    ) == [
        ("A, B", "1", "00"),
        ("A, B", "2", "01"),
        ("C", "5", "00"),
        ("C", "5", "01"),
    ]
    athena.put("s3://b/clicks/ingest_year=2024/ingest_hour=02/part-0", "h,n\nD,7\n")
    athena.put("s3://b/clicks/not_a_partition/part-0", "h,n\nE,8\n")
    again = athena.run("MSCK REPAIR TABLE clicks")
    assert [p["Values"] for p in again.changes[0].partitions] == [["2024", "02"]]
    assert athena.rows("SHOW PARTITIONS clicks") == [
        ("ingest_year=2024/ingest_hour=00",),
        ("ingest_year=2024/ingest_hour=01",),
        ("ingest_year=2024/ingest_hour=02",),
    ]
    assert athena.run("MSCK REPAIR TABLE clicks").changes == ()


def test_alter_table_add_and_drop_partition(athena) -> None:  # type: ignore[no-untyped-def]
    _clicks(athena)
    athena.put("s3://b/elsewhere/part-0", "h,n\nZ,9\n")
    athena.run(
        "ALTER TABLE clicks ADD IF NOT EXISTS PARTITION (ingest_year='2024', ingest_hour='00') "
        "PARTITION (ingest_year = '2023', ingest_hour = '23') LOCATION 's3://b/elsewhere/'"
    )
    assert athena.rows("SELECT c_full_name FROM clicks WHERE ingest_year = '2023'") == [("Z",)]
    with pytest.raises(QueryError) as err:
        athena.run("ALTER TABLE clicks ADD PARTITION (ingest_year='2024', ingest_hour='00')")
    assert "AlreadyExistsException" in err.value.reason
    athena.run("ALTER TABLE clicks DROP PARTITION (ingest_year='2023')")
    assert athena.rows("SHOW PARTITIONS clicks") == [("ingest_year=2024/ingest_hour=00",)]


def test_create_view_is_stored_as_athena_stores_it(athena) -> None:  # type: ignore[no-untyped-def]
    _clicks(athena)
    athena.run("MSCK REPAIR TABLE clicks")
    sql = (
        "CREATE OR REPLACE VIEW tpc_customer_inter AS\n"
        "SELECT c_full_name, CAST(SUM(total_clicks) AS integer) AS total FROM clicks "
        "GROUP BY c_full_name ORDER BY 2 DESC"
    )
    result = athena.run(sql)
    [change] = result.changes
    assert isinstance(change, CreateTable)
    view = change.table
    assert view["TableType"] == "VIRTUAL_VIEW"
    assert view["ViewExpandedText"] == "/* Presto View */"
    assert view["Parameters"] == {"comment": "Presto View", "presto_view": "true"}
    text = view["ViewOriginalText"]
    assert text.startswith("/* Presto View: ")
    assert text.endswith(" */")
    document = json.loads(base64.b64decode(text[len("/* Presto View: ") : -3]))
    assert document["originalSql"] == sql.split(" AS\n", 1)[1]
    assert document["catalog"] == "awsdatacatalog"
    assert document["schema"] == "db"
    assert document["columns"] == [
        {"name": "c_full_name", "type": "varchar"},
        {"name": "total", "type": "integer"},
    ]
    assert view["StorageDescriptor"]["Columns"] == [
        {"Name": "c_full_name", "Type": "string"},
        {"Name": "total", "Type": "int"},
    ]
    selected = athena.run("SELECT * FROM tpc_customer_inter")
    assert selected.rows == (("C", "10"), ("A, B", "3"))
    assert [c.type.name for c in selected.columns] == ["varchar", "integer"]
    # Views resolve their names in their own schema, from any default database.
    assert athena.rows("SELECT total FROM db.tpc_customer_inter", database="default") == [
        ("10",),
        ("3",),
    ]
    athena.run("CREATE VIEW top1 AS SELECT * FROM tpc_customer_inter LIMIT 1")
    assert athena.rows("SELECT * FROM top1") == [("C", "10")]
    with pytest.raises(QueryError) as err:
        athena.run("CREATE VIEW top1 AS SELECT 1")
    assert err.value.error_name == "ALREADY_EXISTS"
    assert athena.rows("DESCRIBE top1") == [("c_full_name", "varchar"), ("total", "integer")]
    show = athena.rows("SHOW CREATE VIEW top1")
    assert show[0] == ('CREATE VIEW "awsdatacatalog"."db"."top1" SECURITY DEFINER AS',)
    athena.run("DROP VIEW top1")
    with pytest.raises(TableNotFoundError):
        athena.run("SELECT * FROM top1")
    athena.run("DROP VIEW IF EXISTS top1")
    with pytest.raises(QueryError):
        athena.run("DROP VIEW top1")


def test_show_and_describe(athena) -> None:  # type: ignore[no-untyped-def]
    _clicks(athena)
    athena.run("CREATE VIEW v AS SELECT 1 AS n")
    assert athena.rows("SHOW DATABASES") == [("db",), ("default",)]
    assert athena.rows("SHOW SCHEMAS LIKE 'd*'") == [("db",), ("default",)]
    assert athena.rows("SHOW TABLES") == [("clicks",), ("v",)]
    assert athena.rows("SHOW TABLES IN db 'cl*'") == [("clicks",)]
    assert athena.rows("SHOW VIEWS") == [("v",)]
    columns = athena.run("SHOW COLUMNS IN clicks")
    assert [r[0] for r in columns.rows] == [
        "c_full_name         ",
        "total_clicks        ",
        "ingest_year         ",
        "ingest_hour         ",
    ]
    described = athena.run("DESCRIBE clicks")
    assert [c.name for c in described.columns] == ["col_name", "data_type", "comment"]
    assert described.rows[0] == (
        "c_full_name         \tstring              \twho                 ",
    )
    assert described.rows[5] == ("# Partition Information\t \t ",)
    assert described.result_file().endswith(
        b"ingest_hour         \tstring              \t" + b" " * 20
    )
    assert described.update_count is None
    create = [r[0] for r in athena.rows("SHOW CREATE TABLE clicks")]
    assert create[0] == "CREATE EXTERNAL TABLE `clicks`("
    assert "LOCATION" in create
    assert "  's3://b/clicks/'" in create
    props = athena.rows("SHOW TBLPROPERTIES clicks")
    assert ("skip.header.line.count\t1",) in props
    assert athena.rows("SHOW TBLPROPERTIES clicks('classification')") == [("csv",)]


def test_databases(athena) -> None:  # type: ignore[no-untyped-def]
    athena.run("CREATE DATABASE IF NOT EXISTS sales COMMENT 'money' LOCATION 's3://b/sales/'")
    assert "sales" in [r[0] for r in athena.rows("SHOW DATABASES")]
    with pytest.raises(QueryError) as err:
        athena.run("CREATE SCHEMA sales")
    assert err.value.reason.startswith("FAILED: ")
    athena.table("t", [("a", "bigint")], "s3://b/t/", database="sales")
    with pytest.raises(QueryError) as err:
        athena.run("DROP DATABASE sales")
    assert "is not empty" in err.value.reason
    athena.run("DROP DATABASE sales CASCADE")
    assert "sales" not in [r[0] for r in athena.rows("SHOW DATABASES")]
    athena.run("DROP DATABASE IF EXISTS sales")


def test_drop_table(athena) -> None:  # type: ignore[no-untyped-def]
    _clicks(athena)
    result = athena.run("DROP TABLE clicks")
    assert result.substatement_type == "DROP_TABLE"
    assert athena.catalog.get_table("db", "clicks") is None
    athena.run("DROP TABLE IF EXISTS clicks")
    with pytest.raises(QueryError) as err:
        athena.run("DROP TABLE clicks")
    assert err.value.reason == "FAILED: SemanticException [Error 10001]: Table not found db.clicks"


def test_ctas_parquet_partitioned(athena) -> None:  # type: ignore[no-untyped-def]
    athena.put_parquet(
        "s3://b/src/x.parquet",
        pa.table({"id": [1, 2, 3], "name": ["a", "b", "c"], "day": ["d1", "d1", "d2"]}),
    )
    athena.table(
        "src",
        [("id", "bigint"), ("name", "string"), ("day", "string")],
        "s3://b/src/",
        fmt="parquet",
    )
    result = athena.run(
        "CREATE TABLE copy WITH (format = 'PARQUET', external_location = 's3://b/copy/', "
        "partitioned_by = ARRAY['day']) AS SELECT id, upper(name) AS name, day FROM src"
    )
    assert result.update_count == 3
    assert result.output_name("q-1") == "tables/q-1"
    assert result.result_file() is None
    assert [c.name for c in result.columns] == ["rows"]
    table = athena.catalog.get_table("db", "copy")
    assert [c["Name"] for c in table["StorageDescriptor"]["Columns"]] == ["id", "name"]
    assert table["PartitionKeys"] == [{"Name": "day", "Type": "string"}]
    assert table["StorageDescriptor"]["SerdeInfo"]["SerializationLibrary"].endswith(
        "ParquetHiveSerDe"
    )
    assert athena.rows("SHOW PARTITIONS copy") == [("day=d1",), ("day=d2",)]
    assert athena.rows("SELECT * FROM copy ORDER BY id") == [
        ("1", "A", "d1"),
        ("2", "B", "d1"),
        ("3", "C", "d2"),
    ]
    with pytest.raises(QueryError) as err:
        athena.run("CREATE TABLE copy2 WITH (external_location = 's3://b/copy/') AS SELECT 1 AS a")
    assert err.value.error_name == "HIVE_PATH_ALREADY_EXISTS"


def test_ctas_default_location_and_insert_into(athena) -> None:  # type: ignore[no-untyped-def]
    result = athena.run(
        "CREATE TABLE sums AS SELECT x, x * 2 AS y FROM UNNEST(sequence(1, 3)) AS t(x)",
        ctas_location="s3://results/tables/q-1/",
    )
    assert result.update_count == 3
    assert athena.catalog.get_table("db", "sums")["StorageDescriptor"]["Location"] == (
        "s3://results/tables/q-1/"
    )
    inserted = athena.run("INSERT INTO sums SELECT 10, 20", query_id="q-2")
    assert inserted.update_count == 1
    assert inserted.output_name("q-2") == "q-2"
    assert inserted.statement_type == "DML"
    assert athena.rows("SELECT sum(x), sum(y) FROM sums") == [("16", "32")]


def test_insert_into_partitioned_csv_table_adds_partitions(athena) -> None:  # type: ignore[no-untyped-def]
    athena.table("logs", [("msg", "string")], "s3://b/logs/", keys=[("dt", "string")])
    result = athena.run("INSERT INTO logs VALUES ('hello', '2024-01-01'), ('bye', '2024-01-02')")
    assert result.update_count == 2
    [change] = result.changes
    assert [p["Values"] for p in change.partitions] == [["2024-01-01"], ["2024-01-02"]]
    assert athena.rows("SELECT msg FROM logs WHERE dt = '2024-01-02'") == [("bye",)]


def test_unsupported_statements_fail_cleanly(athena) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(QueryError) as err:
        athena.run("VACUUM t")
    assert err.value.error_name == "NOT_SUPPORTED"
    with pytest.raises(QueryError):
        athena.run("CREATE TABLE plain (a int) LOCATION 's3://b/p/'")


@pytest.mark.parametrize(
    ("sql", "kind"),
    [
        ("SELECT 1", ("DML", "SELECT")),
        ("  -- c\n with q as (select 1) select * from q", ("DML", "SELECT")),
        ("SHOW TABLES", ("UTILITY", "SHOW_TABLES")),
        ("DESCRIBE t", ("UTILITY", "DESCRIBE_TABLE")),
        ("MSCK REPAIR TABLE t", ("DDL", "MSCK_REPAIR_TABLE")),
        ("CREATE OR REPLACE VIEW v AS SELECT 1", ("DDL", "CREATE_VIEW")),
        ("CREATE TABLE t WITH (format='PARQUET') AS SELECT 1", ("DDL", "CREATE_TABLE_AS_SELECT")),
        ("CREATE EXTERNAL TABLE t (a int) LOCATION 's3://b/'", ("DDL", "CREATE_TABLE")),
        ("INSERT INTO t SELECT 1", ("DML", "INSERT")),
    ],
)
def test_statement_kind(sql: str, kind: tuple[str, str]) -> None:
    assert statement_kind(sql) == kind


def test_table_metadata(athena) -> None:  # type: ignore[no-untyped-def]
    _clicks(athena)
    meta = table_metadata(athena.catalog.get_table("db", "clicks"))
    assert meta["Name"] == "clicks"
    assert meta["Columns"][0] == {"Name": "c_full_name", "Type": "string", "Comment": "who"}
    assert meta["PartitionKeys"][0] == {"Name": "ingest_year", "Type": "string"}
    assert meta["Parameters"]["location"] == "s3://b/clicks/"
    assert meta["Parameters"]["serde.param.separatorChar"] == ","


@pytest.mark.parametrize("fmt", ["JSON", "TEXTFILE"])
def test_ctas_text_formats_read_back(athena, fmt: str) -> None:  # type: ignore[no-untyped-def]
    athena.run(
        f"CREATE TABLE t_{fmt.lower()} WITH (format = '{fmt}', "
        f"external_location = 's3://b/{fmt.lower()}/') AS SELECT 1 AS a, 'x' AS b"
    )
    assert athena.rows(f"SELECT a, b FROM t_{fmt.lower()}") == [("1", "x")]


def test_information_schema(athena) -> None:  # type: ignore[no-untyped-def]
    _clicks(athena)
    athena.run("CREATE VIEW v AS SELECT 1 AS n")
    assert athena.rows(
        "SELECT table_name, table_type FROM information_schema.tables "
        "WHERE table_schema = 'db' ORDER BY 1"
    ) == [("clicks", "BASE TABLE"), ("v", "VIEW")]
    assert athena.rows(
        "SELECT column_name, data_type, extra_info FROM information_schema.columns "
        "WHERE table_name = 'clicks' ORDER BY ordinal_position"
    ) == [
        ("c_full_name", "varchar", None),
        ("total_clicks", "bigint", None),
        ("ingest_year", "varchar", "partition key"),
        ("ingest_hour", "varchar", "partition key"),
    ]
    schemata = athena.rows("SELECT schema_name FROM information_schema.schemata ORDER BY 1")
    assert schemata == [("db",), ("default",), ("information_schema",)]
    assert athena.rows("SELECT view_definition FROM information_schema.views") == [
        ("SELECT 1 AS n",)
    ]
