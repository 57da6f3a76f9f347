"""Catalog model: wire round trips, Hive types, exclusion globs, crawler settings."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from headwater.catalog import (
    CrawlSpec,
    ExclusionSet,
    InvalidInputError,
    InvalidPatternError,
    InvalidTypeError,
    Table,
    TableType,
    database_from_wire,
    database_to_wire,
    format_type,
    merge_types,
    parse_type,
    partition_from_wire,
    partition_to_wire,
    table_from_wire,
    table_to_wire,
)

TABLE_WIRE = {
    "Name": "Total_Clicks",
    "DatabaseName": "glue_ttt_demo_db",
    "Owner": "owner",
    "CreateTime": datetime(2024, 5, 17, 10, 0, tzinfo=UTC),
    "Retention": 0,
    "StorageDescriptor": {
        "Columns": [{"Name": "c_full_name", "Type": "string"}, {"Name": "n", "Type": "bigint"}],
        "Location": "s3://b/total_clicks/",
        "InputFormat": "org.apache.hadoop.mapred.TextInputFormat",
        "OutputFormat": "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat",
        "Compressed": False,
        "NumberOfBuckets": -1,
        "SerdeInfo": {
            "SerializationLibrary": "org.apache.hadoop.hive.serde2.OpenCSVSerde",
            "Parameters": {"quoteChar": '"', "separatorChar": ","},
        },
        "BucketColumns": [],
        "SortColumns": [],
        "Parameters": {"classification": "csv"},
        "StoredAsSubDirectories": False,
    },
    "PartitionKeys": [{"Name": "ingest_year", "Type": "string"}],
    "TableType": "EXTERNAL_TABLE",
    "Parameters": {"classification": "csv", "skip.header.line.count": "1"},
    "IsRegisteredWithLakeFormation": False,
}


def test_table_round_trip_lowercases_name() -> None:
    table = table_from_wire(TABLE_WIRE)
    assert table.name == "total_clicks"
    assert table.table_type is TableType.EXTERNAL_TABLE
    assert table.classification == "csv"
    assert table.storage_descriptor.column("C_FULL_NAME") is not None
    wire = table_to_wire(table)
    assert wire == {**TABLE_WIRE, "Name": "total_clicks"}
    assert table_from_wire(wire) == table


def test_table_input_takes_the_database_from_the_call() -> None:
    table = table_from_wire({"Name": "v", "TableType": "VIRTUAL_VIEW"}, database_name="DB")
    assert table.database_name == "db"
    assert table.is_view


@pytest.mark.parametrize("stamp", [1715940000, "2024-05-17T10:00:00Z", 1715940000.0])
def test_timestamps_accept_epoch_and_iso(stamp: object) -> None:
    table = table_from_wire({"Name": "t", "CreateTime": stamp})
    assert table.create_time == datetime.fromtimestamp(1715940000, tz=UTC)


def test_partition_and_database_round_trip() -> None:
    part = partition_from_wire(
        {"Values": ["2024"], "StorageDescriptor": {"Location": "s3://b/t/y=2024/"}},
        database_name="DB",
        table_name="T",
    )
    assert (part.database_name, part.table_name, part.location) == ("db", "t", "s3://b/t/y=2024/")
    assert partition_from_wire(partition_to_wire(part)) == part
    db = database_from_wire({"Name": "MyDB", "Description": "d"})
    assert database_from_wire(database_to_wire(db)) == db
    assert db.name == "mydb"


@pytest.mark.parametrize(
    "bad", [{"Name": ""}, {"StorageDescriptor": {}}, {"Name": "t", "Parameters": []}]
)
def test_bad_table_wire(bad: dict[str, object]) -> None:
    with pytest.raises(InvalidInputError):
        table_from_wire(bad)


@pytest.mark.parametrize(
    ("text", "spelled"),
    [
        ("ARRAY< STRUCT<a: INT, b : string> >", "array<struct<a:int,b:string>>"),
        ("map<string,array<bigint>>", "map<string,array<bigint>>"),
        ("decimal(10, 2)", "decimal(10,2)"),
        ("varchar(20)", "varchar(20)"),
        ("integer", "int"),
        ("struct<`weird name`:int>", "struct<weird name:int>"),
    ],
)
def test_parse_and_format_types(text: str, spelled: str) -> None:
    assert format_type(parse_type(text)) == spelled


@pytest.mark.parametrize("bad", ["array<int", "struct<a int>", "blob", "map<int>", "int extra"])
def test_bad_types(bad: str) -> None:
    with pytest.raises(InvalidTypeError):
        parse_type(bad)


@pytest.mark.parametrize(
    ("a", "b", "merged"),
    [
        ("int", "bigint", "bigint"),
        ("bigint", "double", "double"),
        ("int", "string", "string"),
        ("boolean", "int", "string"),
        ("date", "timestamp", "timestamp"),
        ("struct<a:int>", "struct<b:string,a:bigint>", "struct<a:bigint,b:string>"),
        ("array<int>", "array<double>", "array<double>"),
        ("decimal(5,2)", "decimal(10,0)", "decimal(12,2)"),
    ],
)
def test_merge_types(a: str, b: str, merged: str) -> None:
    assert format_type(merge_types(parse_type(a), parse_type(b))) == merged


@pytest.mark.parametrize(
    ("pattern", "key", "excluded"),
    [
        ("**00001", "ingest_year=2024/ingest_hour=01/run-1-part-r-00001", True),
        ("**00001", "ingest_year=2024/ingest_hour=01/run-1-part-r-00000", False),
        ("*.csv", "a.csv", True),
        ("*.csv", "sub/a.csv", False),
        ("**.csv", "sub/a.csv", True),
        ("*.{csv,avro}", "a.avro", True),
        ("foo.?", "foo.x", True),
        ("foo.?", "foo.xy", False),
        ("myfolder/*", "myfolder/mysource", True),
        ("myfolder/*", "myfolder/a/b", True),  # the folder myfolder/a is excluded: pruned
        ("myfolder/**", "myfolder/a/b/c.csv", True),
        ("myfolder**", "myfolder/data.txt", True),
        ("[a-c]*.csv", "b1.csv", True),
        ("[!a-c]*.csv", "b1.csv", False),
        ("[!a-c]*.csv", "x1.csv", True),
        ("\\*.csv", "*.csv", True),
        ("\\*.csv", "a.csv", False),
        ("departments/**", "departments", False),
        (".hidden", ".hidden", True),
    ],
)
def test_exclusion_globs(pattern: str, key: str, excluded: bool) -> None:
    assert ExclusionSet.compile([pattern]).excludes(key) is excluded


@pytest.mark.parametrize("bad", ["[abc", "{a,b", "{a,{b}}", "trailing\\"])
def test_bad_globs(bad: str) -> None:
    with pytest.raises(InvalidPatternError):
        ExclusionSet.compile([bad])


def test_crawl_spec_from_wire_validates() -> None:
    base = {"Name": "c", "DatabaseName": "DB", "Targets": {"S3Targets": [{"Path": "s3://b/p"}]}}
    spec = CrawlSpec.from_wire(base)
    assert spec.database_name == "db"
    assert (spec.targets[0].bucket, spec.targets[0].prefix) == ("b", "p")
    with pytest.raises(InvalidInputError):
        CrawlSpec.from_wire({**base, "Configuration": "{not json"})
    with pytest.raises(InvalidInputError):
        CrawlSpec.from_wire({**base, "Targets": {"S3Targets": [{"Path": "http://x"}]}})
    with pytest.raises(InvalidInputError):
        CrawlSpec.from_wire({**base, "SchemaChangePolicy": {"UpdateBehavior": "NOPE"}})
    with pytest.raises(InvalidInputError):
        CrawlSpec.from_wire(
            {**base, "Targets": {"S3Targets": [{"Path": "s3://b", "Exclusions": ["[x"]}]}}
        )


def test_classifier_order_follows_the_crawler() -> None:
    crawler = {
        "Name": "c",
        "DatabaseName": "d",
        "Targets": {"S3Targets": [{"Path": "s3://b/"}]},
        "Classifiers": ["second", "first"],
    }
    classifiers = [
        {"CsvClassifier": {"Name": "first"}},
        {"JsonClassifier": {"Name": "second", "JsonPath": "$[*]"}},
        {"GrokClassifier": {"Name": "grok", "Classification": "x", "GrokPattern": "%{WORD}"}},
    ]
    spec = CrawlSpec.from_wire(crawler, classifiers)
    assert [c.name for c in spec.classifiers] == ["second", "first", "grok"]


def test_table_type_tolerates_unknown_values() -> None:
    assert (
        table_from_wire({"Name": "t", "TableType": "ICEBERG_THING"}).table_type == "ICEBERG_THING"
    )
    assert isinstance(table_from_wire({"Name": "t"}), Table)
