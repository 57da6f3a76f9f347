"""Table boundaries: one table per folder, partitions, mixed schemas, JSON and columnar files."""

from __future__ import annotations

import io
import json
from decimal import Decimal

import pyarrow as pa
import pyarrow.orc as orc
import pyarrow.parquet as pq
import pytest

from headwater.catalog import Table


def _parquet(table: pa.Table, compression: str = "snappy") -> bytes:
    buf = io.BytesIO()
    pq.write_table(table, buf, compression=compression)
    return buf.getvalue()


def _columns(table: Table) -> list[tuple[str, str]]:
    return [(c.name, c.type) for c in table.columns]


def _by_name(result) -> dict[str, Table]:  # type: ignore[no-untyped-def]
    return {t.name: t for t in result.tables_to_create}


def test_parquet_one_table_per_folder_like_byod_curated(lake) -> None:
    customers = pa.table({"customerId": [1, 2], "Name": ["a", "b"], "score": [1.5, 2.0]})
    orders = pa.table(
        {
            "order_id": pa.array([10, 11], pa.int32()),
            "ts": pa.array([0, 1], pa.timestamp("ms")),
            "day": pa.array([0, 1], pa.date32()),
            "amount": pa.array([Decimal("1.25"), Decimal("2.50")], pa.decimal128(10, 2)),
            "items": pa.array([[{"sku": "x", "qty": 1}], []]),
            "ok": [True, False],
        }
    )
    lake.put("s3://b/curated/customers/part-00000-a.snappy.parquet", _parquet(customers))
    lake.put("s3://b/curated/customers/part-00001-b.snappy.parquet", _parquet(customers))
    lake.put("s3://b/curated/orders/part-00000-c.snappy.parquet", _parquet(orders))
    result = lake.crawl(lake.crawler("s3://b/curated"))
    tables = _by_name(result)
    assert set(tables) == {"customers", "orders"}
    assert _columns(tables["customers"]) == [
        ("customerid", "bigint"),
        ("name", "string"),
        ("score", "double"),
    ]
    assert _columns(tables["orders"]) == [
        ("order_id", "int"),
        ("ts", "timestamp"),
        ("day", "date"),
        ("amount", "decimal(10,2)"),
        ("items", "array<struct<sku:string,qty:bigint>>"),
        ("ok", "boolean"),
    ]
    cust = tables["customers"]
    assert cust.parameters["classification"] == "parquet"
    assert cust.parameters["recordCount"] == "4"
    assert cust.parameters["objectCount"] == "2"
    assert cust.parameters["compressionType"] == "none"
    assert cust.storage_descriptor.location == "s3://b/curated/customers/"
    assert cust.storage_descriptor.serde_info.serialization_library == (
        "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe"
    )
    assert cust.storage_descriptor.input_format == (
        "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat"
    )
    # Only the footers are read, never the whole file.
    assert all(offset > 0 or length <= 1024 * 1024 for _, _, offset, length in lake.reads)


def test_similar_sibling_folders_become_one_table_with_partition_0(lake) -> None:
    t = pa.table({"a": [1], "b": ["x"]})
    lake.put("s3://b/data/2024/01/part.parquet", _parquet(t))
    lake.put("s3://b/data/2024/02/part.parquet", _parquet(t))
    lake.put("s3://b/data/2025/01/part.parquet", _parquet(t))
    result = lake.crawl(lake.crawler("s3://b/data/"))
    table = result.tables_to_create[0]
    assert table.name == "data"
    assert [k.name for k in table.partition_keys] == ["partition_0", "partition_1"]
    assert [p.values for p in result.partitions_to_create["data"]] == [
        ("2024", "01"),
        ("2024", "02"),
        ("2025", "01"),
    ]


def test_dissimilar_folders_split_and_are_named_after_folders(lake) -> None:
    # Glue's grouping example: {A,B} and {C,D} under year=2017 / year=2018.
    lake.put("s3://b/table1/year=2017/data1.json", '{"A": 1, "B": 2}\n')
    lake.put("s3://b/table1/year=2018/data2.json", '{"C": 3, "D": 4}\n')
    tables = _by_name(lake.crawl(lake.crawler("s3://b/table1/")))
    assert set(tables) == {"year_2017", "year_2018"}
    assert _columns(tables["year_2017"]) == [("a", "int"), ("b", "int")]


def test_combine_compatible_schemas_merges_them(lake) -> None:
    lake.put("s3://b/table1/year=2017/data1.json", '{"A": 1, "B": 2}\n')
    lake.put("s3://b/table1/year=2018/data2.json", '{"C": 3, "D": 4}\n')
    config = json.dumps(
        {"Version": 1.0, "Grouping": {"TableGroupingPolicy": "CombineCompatibleSchemas"}}
    )
    result = lake.crawl(lake.crawler("s3://b/table1/", Configuration=config))
    table = result.tables_to_create[0]
    assert table.name == "table1"
    assert _columns(table) == [("a", "int"), ("b", "int"), ("c", "int"), ("d", "int")]
    assert [(k.name, k.type) for k in table.partition_keys] == [("year", "string")]
    parts = result.partitions_to_create["table1"]
    assert [p.values for p in parts] == [("2017",), ("2018",)]
    assert [c.name for c in parts[0].storage_descriptor.columns] == ["a", "b"]


def test_combine_still_splits_incompatible_formats(lake) -> None:
    lake.put("s3://b/mixed/json/x.json", '{"a": 1}\n{"a": 2}\n')
    lake.put("s3://b/mixed/csv/x.csv", "a,b\n1,x\n2,y\n")
    config = json.dumps({"Grouping": {"TableGroupingPolicy": "CombineCompatibleSchemas"}})
    tables = _by_name(lake.crawl(lake.crawler("s3://b/mixed/", Configuration=config)))
    assert {t: tables[t].parameters["classification"] for t in tables} == {
        "json": "json",
        "csv": "csv",
    }


def test_mixed_files_in_one_folder_become_per_file_tables(lake) -> None:
    lake.put("s3://b/drop/people.csv", "id,name\n1,a\n2,b\n")
    lake.put("s3://b/drop/events.json", '{"x": true}\n')
    tables = _by_name(lake.crawl(lake.crawler("s3://b/drop/")))
    assert set(tables) == {"people_csv", "events_json"}
    assert tables["people_csv"].storage_descriptor.location == "s3://b/drop/people.csv"


def test_include_path_to_one_file(lake) -> None:
    lake.put("s3://b/raw/one.csv", "id,name\n1,a\n2,b\n")
    lake.put("s3://b/raw/one.csv.bak", "x")
    table = lake.crawl(lake.crawler("s3://b/raw/one.csv")).tables_to_create[0]
    assert table.name == "one_csv"
    assert table.storage_descriptor.location == "s3://b/raw/one.csv"


def test_json_lines_and_nested_types(lake) -> None:
    lines = [
        {"id": 1, "userName": "a", "tags": ["x"], "addr": {"city": "P", "zip": 75}, "n": None},
        {"id": 3000000000, "userName": "b", "tags": [], "addr": {"city": "R", "geo": 1.5}},
        {"id": 2, "score": 0.5, "events": [{"t": "2024", "v": 1}]},
    ]
    lake.put("s3://b/events/day=1/e.json", "\n".join(json.dumps(x) for x in lines) + "\n")
    result = lake.crawl(lake.crawler("s3://b/events/"))
    table = result.tables_to_create[0]
    assert _columns(table) == [
        ("id", "bigint"),
        ("username", "string"),
        ("tags", "array<string>"),
        ("addr", "struct<city:string,zip:int,geo:double>"),
        ("n", "string"),
        ("score", "double"),
        ("events", "array<struct<t:string,v:int>>"),
    ]
    sd = table.storage_descriptor
    assert sd.serde_info.serialization_library == "org.openx.data.jsonserde.JsonSerDe"
    assert sd.serde_info.parameters["paths"] == "addr,events,id,n,score,tags,userName"
    assert table.parameters["classification"] == "json"
    assert table.parameters["recordCount"] == "3"
    assert [k.name for k in table.partition_keys] == ["day"]


def test_pretty_printed_json_and_top_level_array(lake) -> None:
    lake.put("s3://b/pretty/a.json", json.dumps({"a": 1, "b": {"c": "x"}}, indent=2))
    lake.put("s3://b/arr/a.json", json.dumps([{"a": 1}, {"a": 2, "b": "x"}]))
    tables = _by_name(lake.crawl(lake.crawler(["s3://b/pretty/", "s3://b/arr/"])))
    assert _columns(tables["pretty"]) == [("a", "int"), ("b", "struct<c:string>")]
    assert _columns(tables["arr"]) == [("array", "array<struct<a:int,b:string>>")]


def test_custom_json_classifier_json_path(lake) -> None:
    lake.put("s3://b/arr/a.json", json.dumps([{"a": 1}, {"a": 2, "b": "x"}]))
    classifier = {"JsonClassifier": {"Name": "elements", "JsonPath": "$[*]"}}
    table = lake.crawl(lake.crawler("s3://b/arr/", Classifiers=["elements"]), [classifier])
    assert _columns(table.tables_to_create[0]) == [("a", "int"), ("b", "string")]


def test_orc_and_avro(lake) -> None:
    buf = io.BytesIO()
    orc.write_table(pa.table({"k": [1, 2, 3], "v": ["a", "b", "c"]}), buf)
    lake.put("s3://b/orc/x.orc", buf.getvalue())
    lake.put("s3://b/avro/x.avro", _avro_file())
    tables = _by_name(lake.crawl(lake.crawler(["s3://b/orc/", "s3://b/avro/"])))
    assert _columns(tables["orc"]) == [("k", "bigint"), ("v", "string")]
    assert tables["orc"].parameters["recordCount"] == "3"
    assert _columns(tables["avro"]) == [("id", "bigint"), ("name", "string"), ("day", "date")]
    assert tables["avro"].parameters["recordCount"] == "2"
    assert tables["avro"].parameters["classification"] == "avro"


def _zig(n: int) -> bytes:
    n = (n << 1) ^ (n >> 63)
    out = bytearray()
    while True:
        byte = n & 0x7F
        n >>= 7
        if n:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def _avro_file() -> bytes:
    schema = {
        "type": "record",
        "name": "r",
        "fields": [
            {"name": "id", "type": "long"},
            {"name": "name", "type": ["null", "string"]},
            {"name": "day", "type": {"type": "int", "logicalType": "date"}},
        ],
    }
    sync = b"0123456789abcdef"
    meta = {b"avro.schema": json.dumps(schema).encode(), b"avro.codec": b"null"}
    out = bytearray(b"Obj\x01") + _zig(len(meta))
    for k, v in meta.items():
        out += _zig(len(k)) + k + _zig(len(v)) + v
    out += _zig(0) + sync
    record = _zig(1) + _zig(1) + _zig(1) + b"a" + _zig(10)
    block = record + record
    out += _zig(2) + _zig(len(block)) + block + sync
    return bytes(out)


def test_table_level_configuration(lake) -> None:
    t = pa.table({"a": [1]})
    lake.put("s3://b/mydataset/year=2024/month=01/day=01/x.parquet", _parquet(t))
    lake.put("s3://b/mydataset/year=2024/month=02/day=01/x.parquet", _parquet(t))
    config = json.dumps({"Version": 1.0, "Grouping": {"TableLevelConfiguration": 3}})
    result = lake.crawl(lake.crawler("s3://b/mydataset/", Configuration=config))
    names = sorted(t.name for t in result.tables_to_create)
    assert names == ["month_01", "month_02"]
    table = _by_name(result)["month_01"]
    assert table.storage_descriptor.location == "s3://b/mydataset/year=2024/month=01/"
    assert [k.name for k in table.partition_keys] == ["day"]


def test_duplicate_table_names_get_a_hash_suffix(lake) -> None:
    lake.put("s3://b/one/sales/x.csv", "id,n\n1,a\n2,b\n")
    lake.put("s3://b/two/sales/x.json", '{"a": 1}\n')
    result = lake.crawl(lake.crawler(["s3://b/one/sales/", "s3://b/two/sales/"]))
    names = [t.name for t in result.tables_to_create]
    assert names[0] == "sales"
    assert names[1].startswith("sales_")
    assert len(names[1]) == len("sales_") + 32


@pytest.mark.parametrize("sample_size", [1, 2])
def test_sample_size_limits_reads_per_folder(lake, sample_size: int) -> None:
    for day in range(3):
        for i in range(4):
            lake.put(f"s3://b/t/day={day}/f{i}.csv", "id,n\n1,a\n2,b\n")
    result = lake.crawl(lake.crawler("s3://b/t/", target={"SampleSize": sample_size}))
    assert len({key for _, key, _, _ in lake.reads}) == 3 * sample_size
    table = result.tables_to_create[0]
    assert table.parameters["objectCount"] == "12"
    assert table.parameters["recordCount"] == "24"


def test_snappy_framed_text(lake) -> None:
    raw = b"id,name\n1,a\n2,b\n"
    # A raw snappy block holding one literal, wrapped in Hadoop's block framing.
    literal = bytes([len(raw)]) + bytes([(len(raw) - 1) << 2]) + raw
    framed = len(raw).to_bytes(4, "big") + len(literal).to_bytes(4, "big") + literal
    lake.put("s3://b/t/part.csv.snappy", framed)
    table = lake.crawl(lake.crawler("s3://b/t/")).tables_to_create[0]
    assert table.parameters["compressionType"] == "snappy"
    assert _columns(table) == [("id", "bigint"), ("name", "string")]


def test_include_path_is_a_folder_boundary(lake) -> None:  # type: ignore[no-untyped-def]
    lake.put("s3://b/curated/sales/x.csv", "id,n\n1,a\n2,b\n")
    lake.put("s3://b/curated_old/sales/x.csv", "id,n\n1,a\n2,b\n")
    result = lake.crawl(lake.crawler("s3://b/curated"))
    assert [t.location for t in result.tables_to_create] == ["s3://b/curated/sales/"]
    assert result.tables_to_create[0].name == "sales"


def test_lone_table_folder_under_the_include_path_names_the_table(lake) -> None:  # type: ignore[no-untyped-def]
    # S0: the curated crawler targets s3://BUCKET/curated and the job wrote curated/customers/.
    lake.put("s3://b/curated/customers/part-00000.csv", "id,n\n1,a\n2,b\n")
    lake.put("s3://b/curated/customers/part-00001.csv", "id,n\n3,c\n4,d\n")
    result = lake.crawl(lake.crawler("s3://b/curated"))
    [table] = result.tables_to_create
    assert table.name == "customers"
    assert table.location == "s3://b/curated/customers/"
    assert table.partition_keys == ()


def test_lone_hive_folder_stays_a_partition(lake) -> None:  # type: ignore[no-untyped-def]
    lake.put("s3://b/total_clicks/ingest_year=2026/ingest_hour=01/a.csv", "id,n\n1,a\n2,b\n")
    result = lake.crawl(lake.crawler("s3://b/total_clicks/"))
    [table] = result.tables_to_create
    assert table.name == "total_clicks"
    assert [k.name for k in table.partition_keys] == ["ingest_year", "ingest_hour"]
    assert [p.values for p in result.partitions_to_create["total_clicks"]] == [("2026", "01")]


def test_an_object_too_deeply_nested_is_skipped(lake) -> None:  # type: ignore[no-untyped-def]
    # Deeper than any Hive type should go (and than Python's default recursion limit).
    lake.put("s3://b/t/deep.json", "{" + '"a":{' * 2000 + "}" * 2001 + "\n")
    lake.put("s3://b/t/deep2.json", '{"a":' + "[" * 150 + "]" * 150 + "}\n")
    lake.put("s3://b/t/ok.json", '{"a": 1}\n')
    result = lake.crawl(lake.crawler("s3://b/t/"))
    assert [s.key for s in result.skipped] == ["t/deep.json", "t/deep2.json"]
    assert [c.name for c in result.tables_to_create[0].columns] == ["a"]


def test_unrecognised_data_is_an_unknown_table_unless_beside_known_data(lake) -> None:  # type: ignore[no-untyped-def]
    lake.put("s3://b/blobs/a.bin", b"\x00\x01\x02\x03" * 10)
    lake.put("s3://b/sales/a.csv", "id,amount\n1,2.5\n2,3.5\n")
    lake.put("s3://b/sales/README", "see the wiki")
    lake.put("s3://b/sales/b.csv", "id,amount\n3,1.5\n4,0.5\n")
    result = lake.crawl(lake.crawler(["s3://b/blobs/", "s3://b/sales/"]))
    found = {t.name: t for t in result.tables_to_create}
    assert sorted(found) == ["blobs", "sales"]
    assert found["blobs"].parameters["classification"] == "UNKNOWN"
    assert found["blobs"].storage_descriptor.input_format is None
    assert found["sales"].parameters["classification"] == "csv"
    assert found["sales"].parameters["objectCount"] == "2"
    assert [s.key for s in result.skipped] == ["sales/README"]


def test_a_readme_beside_a_partitioned_table_does_not_split_it(lake) -> None:  # type: ignore[no-untyped-def]
    lake.put("s3://b/total_clicks/README", "what this folder holds")
    lake.put("s3://b/total_clicks/ingest_hour=01/a.csv", "id,n\n1,a\n2,b\n")
    lake.put("s3://b/total_clicks/ingest_hour=02/a.csv", "id,n\n3,c\n4,d\n")
    result = lake.crawl(lake.crawler("s3://b/total_clicks/"))
    [table] = result.tables_to_create
    assert table.name == "total_clicks"
    assert [k.name for k in table.partition_keys] == ["ingest_hour"]
    assert [s.key for s in result.skipped] == ["total_clicks/README"]
