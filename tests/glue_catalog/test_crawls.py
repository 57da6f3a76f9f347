"""Crawls that really infer: files written by the test, crawled through the Glue API."""

from __future__ import annotations

import bz2
import decimal
import json
from typing import Any

import pyarrow as pa  # type: ignore[import-untyped]

from tests.glue_catalog.conftest import (
    columns,
    crawl,
    gzip_bytes,
    json_lines,
    parquet_bytes,
    s3_crawler,
)


def tables(glue: Any, db: str = "db") -> dict[str, dict[str, Any]]:
    return {t["Name"]: t for t in glue.get_tables(DatabaseName=db)["TableList"]}


def partitions(glue: Any, table: str, db: str = "db") -> list[dict[str, Any]]:
    found = glue.get_partitions(DatabaseName=db, TableName=table)["Partitions"]
    return sorted(found, key=lambda p: p["Values"])


def test_csv_with_header(glue: Any, put: Any) -> None:
    put(
        "raw/customers/LOAD00000001.csv",
        "customer_id,name,balance,active,since\n"
        "1,Ann,10.5,true,2024-01-02\n2,Bob,3.25,false,2024-02-03\n3,Cy,,true,2024-03-04\n",
    )
    s3_crawler(glue, "byod-ds", "s3://lake/raw/customers/", DatabaseName="byod_src")
    assert crawl(glue, "byod-ds")["LastCrawl"]["Status"] == "SUCCEEDED"
    table = tables(glue, "byod_src")["customers"]
    assert columns(table) == [
        ("customer_id", "bigint"),
        ("name", "string"),
        ("balance", "double"),
        ("active", "boolean"),
        ("since", "date"),
    ]
    sd = table["StorageDescriptor"]
    assert sd["Location"] == "s3://lake/raw/customers/"
    assert sd["InputFormat"] == "org.apache.hadoop.mapred.TextInputFormat"
    assert sd["OutputFormat"] == "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat"
    assert sd["SerdeInfo"]["SerializationLibrary"] == (
        "org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe"
    )
    assert sd["SerdeInfo"]["Parameters"] == {"field.delim": ","}
    params = table["Parameters"]
    assert params["classification"] == "csv"
    assert params["skip.header.line.count"] == "1"
    assert params["delimiter"] == ","
    assert params["recordCount"] == "3"
    assert params["objectCount"] == "1"
    assert params["compressionType"] == "none"
    assert params["typeOfData"] == "file"
    assert params["UPDATED_BY_CRAWLER"] == "byod-ds"
    assert table["TableType"] == "EXTERNAL_TABLE"
    assert table["PartitionKeys"] == []
    assert table["CreatedBy"].endswith(":assumed-role/AWSGlueServiceRole-etl-ttt-demo/AWS-Crawler")


def test_csv_without_header(glue: Any, put: Any) -> None:
    put("raw/plain/a.csv", "1,Ann,10.5\n2,Bob,3.25\n3,Cy,1.0\n")
    s3_crawler(glue, "c", "s3://lake/raw/plain/")
    crawl(glue, "c")
    table = tables(glue)["plain"]
    assert columns(table) == [("col0", "bigint"), ("col1", "string"), ("col2", "double")]
    assert "skip.header.line.count" not in table["Parameters"]


def test_quoted_csv_uses_the_open_csv_serde(glue: Any, put: Any) -> None:
    put(
        "csv_tables/customer/customer.csv",
        '"c_customer_sk","c_first_name","c_email_address"\n'
        '"1","Javier","Javier.Lewis@VFAxlnZEvOx.org"\n'
        '"2","Amy, Jr.","Amy.Moses@Ovk9KjHH.com"\n'
        '"3","NULL","NULL"\n',
    )
    s3_crawler(glue, "c", "s3://lake/csv_tables/customer/")
    crawl(glue, "c")
    table = tables(glue)["customer"]
    assert [n for n, _ in columns(table)] == ["c_customer_sk", "c_first_name", "c_email_address"]
    serde = table["StorageDescriptor"]["SerdeInfo"]
    assert serde["SerializationLibrary"] == "org.apache.hadoop.hive.serde2.OpenCSVSerde"
    assert serde["Parameters"]["quoteChar"] == '"'
    assert serde["Parameters"]["separatorChar"] == ","
    assert table["Parameters"]["areColumnsQuoted"] == "true"


def test_bom_and_crlf(glue: Any, put: Any) -> None:
    # S0's byodSmallTestData.csv starts with a UTF-8 BOM and uses CRLF line ends.
    put(
        "raw/small/byodSmallTestData.csv",
        "\ufeffcustomerId,name,amount\r\n1,Ann,2.5\r\n2,Bob,3.5\r\n".encode(),
    )
    s3_crawler(glue, "c", "s3://lake/raw/small/")
    crawl(glue, "c")
    assert columns(tables(glue)["small"]) == [
        ("customerid", "bigint"),
        ("name", "string"),
        ("amount", "double"),
    ]


def test_json_lines_and_nested_json(glue: Any, put: Any) -> None:
    put(
        "json/clicks/a.json",
        json_lines(
            [
                {"id": 1, "url": "/a", "ok": True, "score": 1.5},
                {"id": 2, "url": "/b", "ok": False, "score": 2},
            ]
        ),
    )
    put(
        "json/orders/a.json",
        json.dumps(
            {
                "order": 1,
                "customer": {"name": "Ann", "address": {"city": "Oslo", "zip": 150}},
                "items": [{"sku": "x", "qty": 2}],
                "tags": ["new", "web"],
            }
        )
        + "\n",
    )
    s3_crawler(glue, "c", ["s3://lake/json/clicks/", "s3://lake/json/orders/"])
    crawl(glue, "c")
    found = tables(glue)
    clicks = found["clicks"]
    assert columns(clicks) == [
        ("id", "int"),
        ("url", "string"),
        ("ok", "boolean"),
        ("score", "double"),
    ]
    assert clicks["Parameters"]["classification"] == "json"
    assert clicks["StorageDescriptor"]["SerdeInfo"]["SerializationLibrary"] == (
        "org.openx.data.jsonserde.JsonSerDe"
    )
    assert clicks["StorageDescriptor"]["SerdeInfo"]["Parameters"]["paths"] == "id,ok,score,url"
    assert columns(found["orders"]) == [
        ("order", "int"),
        ("customer", "struct<name:string,address:struct<city:string,zip:int>>"),
        ("items", "array<struct<sku:string,qty:int>>"),
        ("tags", "array<string>"),
    ]


def test_parquet_nested_and_decimal(glue: Any, put: Any) -> None:
    table = pa.table(
        {
            "id": pa.array([1, 2], pa.int64()),
            "amount": pa.array(
                [decimal.Decimal("1.25"), decimal.Decimal("2.50")], pa.decimal128(7, 2)
            ),
            "address": pa.array(
                [{"city": "Oslo", "zip": 150}, {"city": "Rome", "zip": 100}],
                pa.struct([("city", pa.string()), ("zip", pa.int32())]),
            ),
            "tags": pa.array([["a"], ["b", "c"]], pa.list_(pa.string())),
            "seen": pa.array([1_700_000_000_000_000, 1_700_000_100_000_000], pa.timestamp("us")),
        }
    )
    put("curated/customers/part-00000-a.snappy.parquet", parquet_bytes(table))
    put("curated/customers/part-00001-b.snappy.parquet", parquet_bytes(table))
    put("curated/customers/_SUCCESS", b"")
    s3_crawler(glue, "crawler-parquet", "s3://lake/curated", DatabaseName="byod_curated")
    crawl(glue, "crawler-parquet")
    # S0: one table per curated/<TABLE>/ folder, named after the folder
    found = tables(glue, "byod_curated")
    assert list(found) == ["customers"]
    customers = found["customers"]
    assert columns(customers) == [
        ("id", "bigint"),
        ("amount", "decimal(7,2)"),
        ("address", "struct<city:string,zip:int>"),
        ("tags", "array<string>"),
        ("seen", "timestamp"),
    ]
    assert customers["Parameters"]["classification"] == "parquet"
    assert customers["Parameters"]["recordCount"] == "4"
    assert customers["Parameters"]["objectCount"] == "2"
    sd = customers["StorageDescriptor"]
    assert sd["Location"] == "s3://lake/curated/customers/"
    assert sd["SerdeInfo"]["SerializationLibrary"] == (
        "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe"
    )
    assert sd["InputFormat"] == "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat"


def test_s0_two_table_folders_make_two_tables(glue: Any, put: Any) -> None:
    customers = pa.table({"id": [1, 2], "name": ["a", "b"]})
    orders = pa.table({"order_id": [1], "total": [2.5], "placed": ["2024-01-01"]})
    put("curated/customers/part-00000.snappy.parquet", parquet_bytes(customers))
    put("curated/orders/part-00000.snappy.parquet", parquet_bytes(orders))
    s3_crawler(glue, "c", "s3://lake/curated/")
    crawl(glue, "c")
    found = tables(glue)
    assert sorted(found) == ["customers", "orders"]
    assert found["orders"]["StorageDescriptor"]["Location"] == "s3://lake/curated/orders/"


S1_HEADER = "c_full_name,c_email_address,total_clicks\n"


def test_s1_hive_partitions_custom_classifier_exclusion_and_sample_size(
    glue: Any, put: Any
) -> None:
    glue.create_classifier(
        CsvClassifier={
            "Name": "My-Custom-CSV-Classifier",
            "Delimiter": ",",
            "QuoteSymbol": '"',
            "ContainsHeader": "PRESENT",
            "Header": ["c_full_name", "c_email_address", "total_clicks"],
        }
    )
    base = "etl-ttt-demo/output/gluestreaming/total_clicks"
    for hour in ("10", "11"):
        folder = f"{base}/ingest_year=2026/ingest_month=01/ingest_day=01/ingest_hour={hour}"
        put(
            f"{folder}/run-1767261600000-part-r-00000",
            S1_HEADER + "Joshua Carman,J.Carman@example.org,3\nAmy Moses,amy@example.com,0\n",
        )
        # excluded by **00001: a different schema that must not reach the table
        put(f"{folder}/run-1767261600000-part-r-00001", "x;y\n1;2\n")
    glue.create_database(DatabaseInput={"Name": "glue_ttt_demo_db"})
    glue.create_crawler(
        Name="crawl-streammed-data",
        Role="AWSGlueServiceRole-etl-ttt-demo",
        DatabaseName="glue_ttt_demo_db",
        Targets={
            "S3Targets": [
                {
                    "Path": f"s3://lake/{base}/",
                    "Exclusions": ["**00001"],
                    "SampleSize": 1,
                }
            ]
        },
        Classifiers=["My-Custom-CSV-Classifier"],
        Configuration=json.dumps(
            {"Version": 1.0, "Grouping": {"TableGroupingPolicy": "CombineCompatibleSchemas"}}
        ),
    )
    assert crawl(glue, "crawl-streammed-data")["LastCrawl"]["Status"] == "SUCCEEDED"
    found = tables(glue, "glue_ttt_demo_db")
    assert list(found) == ["total_clicks"]
    table = found["total_clicks"]
    assert columns(table) == [
        ("c_full_name", "string"),
        ("c_email_address", "string"),
        ("total_clicks", "bigint"),
    ]
    assert [(k["Name"], k["Type"]) for k in table["PartitionKeys"]] == [
        ("ingest_year", "string"),
        ("ingest_month", "string"),
        ("ingest_day", "string"),
        ("ingest_hour", "string"),
    ]
    assert table["Parameters"]["classification"] == "csv"
    assert table["Parameters"]["skip.header.line.count"] == "1"
    assert table["Parameters"]["objectCount"] == "2"
    parts = partitions(glue, "total_clicks", "glue_ttt_demo_db")
    assert [p["Values"] for p in parts] == [["2026", "01", "01", "10"], ["2026", "01", "01", "11"]]
    assert parts[0]["StorageDescriptor"]["Location"] == (
        f"s3://lake/{base}/ingest_year=2026/ingest_month=01/ingest_day=01/ingest_hour=10/"
    )
    hour_11 = glue.get_partitions(
        DatabaseName="glue_ttt_demo_db",
        TableName="total_clicks",
        Expression="ingest_hour = '11' AND ingest_year = '2026'",
    )["Partitions"]
    assert [p["Values"][3] for p in hour_11] == ["11"]
    metrics = glue.get_crawler_metrics(CrawlerNameList=["crawl-streammed-data"])
    assert metrics["CrawlerMetricsList"][0]["TablesCreated"] == 1
    # a new hour folder appears: a second crawl adds its partition and keeps the table
    put(
        f"{base}/ingest_year=2026/ingest_month=01/ingest_day=01/ingest_hour=12/run-2-part-r-00000",
        S1_HEADER + "Joshua Carman,J.Carman@example.org,2\n",
    )
    crawl(glue, "crawl-streammed-data")
    values = [p["Values"][3] for p in partitions(glue, "total_clicks", "glue_ttt_demo_db")]
    assert values == ["10", "11", "12"]


def test_unnamed_partitions(glue: Any, put: Any) -> None:
    for day in ("2024-01-01", "2024-01-02", "2024-01-03"):
        for hour in ("00", "01"):
            put(f"logs/app/{day}/{hour}/part.json", json_lines([{"level": "INFO", "n": 1}]))
    s3_crawler(glue, "c", "s3://lake/logs/app/")
    crawl(glue, "c")
    table = tables(glue)["app"]
    assert [k["Name"] for k in table["PartitionKeys"]] == ["partition_0", "partition_1"]
    parts = partitions(glue, "app")
    assert len(parts) == 6
    assert parts[0]["Values"] == ["2024-01-01", "00"]
    assert parts[0]["StorageDescriptor"]["Location"] == "s3://lake/logs/app/2024-01-01/00/"


def test_mixed_schemas_split_into_tables(glue: Any, put: Any) -> None:
    put("lake/sales/a.csv", "id,amount,region\n1,2.5,eu\n2,3.5,us\n")
    put("lake/people/a.json", json_lines([{"name": "ann", "age": 3}]))
    s3_crawler(glue, "c", "s3://lake/lake/")
    crawl(glue, "c")
    found = tables(glue)
    assert sorted(found) == ["people", "sales"]
    assert found["people"]["Parameters"]["classification"] == "json"
    assert found["sales"]["Parameters"]["classification"] == "csv"


def test_compressed_files(glue: Any, put: Any) -> None:
    put("zipped/csv/a.csv.gz", gzip_bytes("id,name\n1,a\n2,b\n3,c\n"))
    put("zipped/json/a.json.bz2", bz2.compress(json_lines([{"k": "v", "n": 1.5}]).encode()))
    s3_crawler(glue, "c", ["s3://lake/zipped/csv/", "s3://lake/zipped/json/"])
    crawl(glue, "c")
    found = tables(glue)
    assert columns(found["csv"]) == [("id", "bigint"), ("name", "string")]
    assert found["csv"]["Parameters"]["compressionType"] == "gzip"
    assert found["csv"]["StorageDescriptor"]["Compressed"] is True
    assert columns(found["json"]) == [("k", "string"), ("n", "double")]
    assert found["json"]["Parameters"]["compressionType"] == "bzip2"


def test_an_unreadable_file_is_skipped(glue: Any, put: Any, client: Any) -> None:
    put("raw/mixed/good.csv", "id,name\n1,a\n2,b\n")
    put("raw/mixed/broken.csv.gz", b"\x1f\x8b\x08\x00garbage-that-is-not-deflate")
    s3_crawler(glue, "c", "s3://lake/raw/mixed/")
    done = crawl(glue, "c")
    assert done["LastCrawl"]["Status"] == "SUCCEEDED"
    table = tables(glue)["mixed"]
    assert columns(table) == [("id", "bigint"), ("name", "string")]
    assert table["Parameters"]["objectCount"] == "1"
    logs = client("logs").get_log_events(
        logGroupName="/aws-glue/crawlers", logStreamName="c", startFromHead=True
    )["events"]
    assert any("broken.csv.gz" in e["message"] for e in logs)


def test_unrecognised_data_is_cataloged_unknown(glue: Any, put: Any) -> None:
    put("blobs/images/a.bin", bytes(range(256)) * 4)
    put("raw/events/a.csv", "id,name\n1,a\n2,b\n")
    put("raw/events/README", "written by the ingest job")
    s3_crawler(glue, "c", ["s3://lake/blobs/images/", "s3://lake/raw/events/"])
    assert crawl(glue, "c")["LastCrawl"]["Status"] == "SUCCEEDED"
    found = tables(glue)
    assert found["images"]["Parameters"]["classification"] == "UNKNOWN"
    assert found["images"]["StorageDescriptor"]["Columns"] == []
    assert found["events"]["Parameters"]["classification"] == "csv"
    assert found["events"]["Parameters"]["objectCount"] == "1"


def test_table_prefix_and_name_sanitising(glue: Any, put: Any) -> None:
    # S2: prefix ml_final_ + folder top-customers -> ml_final_top_customers
    put(
        "etl-ttt-demo/output/data_analytics_team_folder/top-customers/run-1-part-r-00000",
        "c_customer_id,c_current_addr_sk,c_salutation,match_id\n"
        "AAAAAAAABAAAAAAA,32946,Mr.,1\nAAAAAAAACAAAAAAA,31655,Dr.,2\n",
    )
    s3_crawler(
        glue,
        "ml-final-crawler",
        "s3://lake/etl-ttt-demo/output/data_analytics_team_folder/top-customers/",
        TablePrefix="ml_final_",
        DatabaseName="glue_ttt_demo_db",
    )
    crawl(glue, "ml-final-crawler")
    found = tables(glue, "glue_ttt_demo_db")
    assert list(found) == ["ml_final_top_customers"]
    assert columns(found["ml_final_top_customers"])[:2] == [
        ("c_customer_id", "string"),
        ("c_current_addr_sk", "bigint"),
    ]
    # S3: raw_Customers resolves to raw_customers (lookups ignore case)
    got = glue.get_table(DatabaseName="GLUE_TTT_DEMO_DB", Name="ML_Final_Top_Customers")
    assert got["Table"]["Name"] == "ml_final_top_customers"


def test_schema_change_policy(glue: Any, put: Any, s3: Any) -> None:
    put("p/update/a.csv", "id,name,city\n1,a,x\n2,b,y\n")
    put("p/logged/a.csv", "id,name,city\n1,a,x\n2,b,y\n")
    s3_crawler(glue, "updates", "s3://lake/p/update/")
    s3_crawler(
        glue,
        "logs-only",
        "s3://lake/p/logged/",
        SchemaChangePolicy={"UpdateBehavior": "LOG", "DeleteBehavior": "LOG"},
    )
    crawl(glue, "updates")
    crawl(glue, "logs-only")
    put("p/update/b.csv", "id,name,city,email\n3,c,x,c@x\n4,d,y,d@x\n")
    put("p/logged/b.csv", "id,name,city,email\n3,c,x,c@x\n4,d,y,d@x\n")
    crawl(glue, "updates")
    crawl(glue, "logs-only")
    found = tables(glue)
    assert [n for n, _ in columns(found["update"])] == ["id", "name", "city", "email"]
    assert [n for n, _ in columns(found["logged"])] == ["id", "name", "city"]
    versions = glue.get_table_versions(DatabaseName="db", TableName="update")["TableVersions"]
    assert len(versions) == 2
    # the data goes away: DEPRECATE_IN_DATABASE (the default) marks the table
    s3.delete_object(Bucket="lake", Key="p/update/a.csv")
    s3.delete_object(Bucket="lake", Key="p/update/b.csv")
    crawl(glue, "updates")
    gone = glue.get_table(DatabaseName="db", Name="update")["Table"]
    assert gone["Parameters"]["DEPRECATED_BY_CRAWLER"] == "updates"
    metrics = glue.get_crawler_metrics(CrawlerNameList=["updates"])["CrawlerMetricsList"][0]
    assert metrics["TablesDeleted"] == 1
    # DELETE_FROM_DATABASE drops it
    glue.update_crawler(
        Name="updates",
        SchemaChangePolicy={
            "UpdateBehavior": "UPDATE_IN_DATABASE",
            "DeleteBehavior": "DELETE_FROM_DATABASE",
        },
    )
    crawl(glue, "updates")
    assert "update" not in tables(glue)


def test_crawl_new_folders_only(glue: Any, put: Any) -> None:
    put("inc/events/day=1/a.csv", "id,name\n1,a\n2,b\n")
    put("inc/events/day=2/a.csv", "id,name\n3,c\n4,d\n")
    s3_crawler(
        glue,
        "inc",
        "s3://lake/inc/events/",
        RecrawlPolicy={"RecrawlBehavior": "CRAWL_NEW_FOLDERS_ONLY"},
    )
    crawler = glue.get_crawler(Name="inc")["Crawler"]
    assert crawler["SchemaChangePolicy"] == {"UpdateBehavior": "LOG", "DeleteBehavior": "LOG"}
    crawl(glue, "inc")
    assert [p["Values"] for p in partitions(glue, "events")] == [["1"], ["2"]]
    # a changed file in a known folder is not read again; a new folder is
    put("inc/events/day=1/b.csv", "id,name,extra\n9,z,q\n8,y,r\n")
    put("inc/events/day=3/a.csv", "id,name\n5,e\n6,f\n")
    crawl(glue, "inc")
    assert [p["Values"] for p in partitions(glue, "events")] == [["1"], ["2"], ["3"]]
    assert [n for n, _ in columns(tables(glue)["events"])] == ["id", "name"]


def test_grok_and_xml_classifiers(glue: Any, put: Any) -> None:
    glue.create_classifier(
        GrokClassifier={
            "Name": "applog",
            "Classification": "applog",
            "GrokPattern": "%{TIMESTAMP_ISO8601:ts} %{LOGLEVEL:level} %{GREEDYDATA:msg}",
        }
    )
    glue.create_classifier(XMLClassifier={"Name": "rows", "Classification": "xml", "RowTag": "row"})
    put("logs/app/a.log", "2026-01-01T10:00:00Z INFO started\n2026-01-01T10:00:01Z WARN slow\n")
    put(
        "xml/items/a.xml",
        "<rows><row><sku>a</sku><qty>2</qty></row><row><sku>b</sku><qty>3</qty></row></rows>",
    )
    s3_crawler(
        glue,
        "c",
        ["s3://lake/logs/app/", "s3://lake/xml/items/"],
        Classifiers=["applog", "rows"],
    )
    crawl(glue, "c")
    found = tables(glue)
    assert found["app"]["Parameters"]["classification"] == "applog"
    assert columns(found["app"]) == [("ts", "string"), ("level", "string"), ("msg", "string")]
    serde = found["app"]["StorageDescriptor"]["SerdeInfo"]
    assert serde["SerializationLibrary"] == "com.amazonaws.glue.serde.GrokSerDe"
    assert found["items"]["Parameters"]["classification"] == "xml"
    assert columns(found["items"]) == [("sku", "string"), ("qty", "bigint")]


def test_configuration_table_level_and_merge_new_columns(glue: Any, put: Any, s3: Any) -> None:
    for day in ("1", "2"):
        put(f"lvl/data/sales/day={day}/a.csv", "id,amount,region\n1,2.5,eu\n2,3.5,us\n")
        put(f"lvl/data/refunds/day={day}/a.csv", "id,amount,region\n1,2.5,eu\n2,3.5,us\n")
    # similar schemas would make one table "data" partitioned by sales/refunds; level 3 says
    # the tables start at lvl/data/<name>/
    s3_crawler(
        glue,
        "levels",
        "s3://lake/lvl/data/",
        Configuration=json.dumps({"Version": 1.0, "Grouping": {"TableLevelConfiguration": 3}}),
    )
    crawl(glue, "levels")
    found = tables(glue)
    assert sorted(found) == ["refunds", "sales"]
    assert [k["Name"] for k in found["sales"]["PartitionKeys"]] == ["day"]
    # MergeNewColumns keeps existing columns and adds new ones; InheritFromTable gives
    # partitions the table's schema; DELETE_FROM_DATABASE drops partitions whose data is gone
    glue.update_crawler(
        Name="levels",
        Configuration=json.dumps(
            {
                "Version": 1.0,
                "Grouping": {"TableLevelConfiguration": 3},
                "CrawlerOutput": {
                    "Tables": {"AddOrUpdateBehavior": "MergeNewColumns"},
                    "Partitions": {"AddOrUpdateBehavior": "InheritFromTable"},
                },
            }
        ),
        SchemaChangePolicy={
            "UpdateBehavior": "UPDATE_IN_DATABASE",
            "DeleteBehavior": "DELETE_FROM_DATABASE",
        },
    )
    put("lvl/data/sales/day=3/a.csv", "id,amount,region,channel\n5,1.5,eu,web\n6,2.0,us,shop\n")
    s3.delete_object(Bucket="lake", Key="lvl/data/sales/day=1/a.csv")
    crawl(glue, "levels")
    sales = glue.get_table(DatabaseName="db", Name="sales")["Table"]
    assert [n for n, _ in columns(sales)] == ["id", "amount", "region", "channel"]
    parts = partitions(glue, "sales")
    assert [p["Values"] for p in parts] == [["2"], ["3"]]
    assert all(len(p["StorageDescriptor"]["Columns"]) == 4 for p in parts)
