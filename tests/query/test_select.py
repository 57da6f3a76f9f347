"""SELECT over CSV, JSON and Parquet tables: SerDe semantics, partitions, Trino SQL, rendering."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pyarrow as pa
import pytest

CLICKS = "s3://b/total_clicks/"


def _clicks(athena) -> None:  # type: ignore[no-untyped-def]
    athena.table(
        "total_clicks",
        [("c_full_name", "string"), ("c_email_address", "string"), ("total_clicks", "bigint")],
        CLICKS,
        fmt="opencsv",
        serde_params={"separatorChar": ",", "quoteChar": '"'},
        params={"skip.header.line.count": "1", "classification": "csv"},
        keys=[("ingest_year", "string"), ("ingest_hour", "string")],
    )
    header = "c_full_name,c_email_address,total_clicks\n"
    for hour, body in (
        ("00", '"Joshua Carman","jc@x.org",3\n"Ann, Lee","al@x.org",0\n'),
        ("01", '"Joshua Carman","jc@x.org",2\n"Bo","bo@x.org",1\n'),
    ):
        loc = f"{CLICKS}ingest_year=2024/ingest_hour={hour}/"
        athena.put(loc + "run-1-part-r-00000", header + body)
        athena.partition("total_clicks", ["2024", hour], loc)


def test_s1_query_one_ordinal_order_by(athena) -> None:  # type: ignore[no-untyped-def]
    _clicks(athena)
    result = athena.run(
        'SELECT * FROM "AwsDataCatalog"."db"."total_clicks" ORDER BY 3 DESC LIMIT 10'
    )
    assert [c.name for c in result.columns] == [
        "c_full_name",
        "c_email_address",
        "total_clicks",
        "ingest_year",
        "ingest_hour",
    ]
    assert [c.type.name for c in result.columns] == ["varchar"] * 2 + ["bigint"] + ["varchar"] * 2
    assert result.rows[0] == ("Joshua Carman", "jc@x.org", "3", "2024", "00")
    assert ("Ann, Lee", "al@x.org", "0", "2024", "00") in result.rows
    assert len(result.rows) == 4
    assert result.statement_type == "DML"
    assert result.update_count == 0


def test_partition_pruning_reads_fewer_files(athena) -> None:  # type: ignore[no-untyped-def]
    _clicks(athena)
    everything = athena.run("SELECT count(*) FROM total_clicks")
    pruned = athena.run("SELECT count(*) FROM total_clicks WHERE ingest_hour = '01'")
    listed = athena.run("SELECT count(*) FROM total_clicks WHERE ingest_hour IN ('00', '09')")
    assert everything.rows == (("4",),)
    assert pruned.rows == (("2",),)
    assert listed.rows == (("2",),)
    assert 0 < pruned.data_scanned_bytes < everything.data_scanned_bytes


def test_lazy_simple_serde_is_lenient_and_unquoted(athena) -> None:  # type: ignore[no-untyped-def]
    athena.table(
        "t",
        [
            ("id", "bigint"),
            ("name", "string"),
            ("score", "double"),
            ("ok", "boolean"),
            ("day", "date"),
        ],
        "s3://b/t/",
        params={"skip.header.line.count": "1"},
    )
    athena.put(
        "s3://b/t/a.csv",
        '\ufeffid,name,score,ok,day\r\n1,Ann,1.5,TRUE,2024-01-02\r\nx,"q",NULL,no,bad\r\n3,,2,false\r\n',
    )
    athena.put("s3://b/t/_SUCCESS", "")
    athena.put("s3://b/t/.hidden.csv", "99,zz\n")
    rows = athena.rows("SELECT * FROM t ORDER BY name")
    assert rows == [
        ("3", "", "2.0", "false", None),
        (None, '"q"', None, None, None),
        ("1", "Ann", "1.5", "true", "2024-01-02"),
    ]


def test_null_format_and_custom_delimiter(athena) -> None:  # type: ignore[no-untyped-def]
    athena.table(
        "p",
        [("a", "string"), ("b", "int")],
        "s3://b/p/",
        serde_params={"field.delim": "|", "serialization.null.format": ""},
    )
    athena.put("s3://b/p/x", "x|1\n|2\ny|\n")
    assert athena.rows("SELECT a, b FROM p") == [("x", "1"), (None, "2"), ("y", None)]


def test_parquet_types_render_like_athena(athena) -> None:  # type: ignore[no-untyped-def]
    table = pa.table(
        {
            "ID": pa.array([1, 2], pa.int64()),
            "n": pa.array([7, None], pa.int32()),
            "price": pa.array([Decimal("1.50"), Decimal("20.00")], pa.decimal128(10, 2)),
            "ratio": [0.1 + 0.2, 1e20],
            "ok": [True, False],
            "day": pa.array([dt.date(2024, 1, 2), dt.date(2024, 2, 3)]),
            "ts": pa.array([dt.datetime(2024, 1, 2, 3, 4, 5, 678000), dt.datetime(2024, 1, 2)]),
            "tags": [["a", "b"], []],
            "addr": [{"city": "Paris", "zip": 75}, None],
            "attrs": pa.array([[("k", 1)], []], pa.map_(pa.string(), pa.int64())),
            "extra": ["x", "y"],
        }
    )
    athena.put_parquet("s3://b/pq/part-0.parquet", table)
    athena.table(
        "pq",
        [
            ("id", "bigint"),
            ("n", "int"),
            ("price", "decimal(10,2)"),
            ("ratio", "double"),
            ("ok", "boolean"),
            ("day", "date"),
            ("ts", "timestamp"),
            ("tags", "array<string>"),
            ("addr", "struct<city:string,zip:int>"),
            ("attrs", "map<string,bigint>"),
            ("missing", "string"),
        ],
        "s3://b/pq/",
        fmt="parquet",
    )
    result = athena.run("SELECT * FROM pq ORDER BY id")
    assert [c.type.name for c in result.columns] == [
        "bigint",
        "integer",
        "decimal",
        "double",
        "boolean",
        "date",
        "timestamp",
        "array",
        "row",
        "map",
        "varchar",
    ]
    assert result.rows[0] == (
        "1",
        "7",
        "1.50",
        "0.30000000000000004",
        "true",
        "2024-01-02",
        "2024-01-02 03:04:05.678",
        "[a, b]",
        "{city=Paris, zip=75}",
        "{k=1}",
        None,
    )
    assert result.rows[1] == (
        "2",
        None,
        "20.00",
        "1.0E20",
        "false",
        "2024-02-03",
        "2024-01-02 00:00:00.000",
        "[]",
        None,
        "{}",
        None,
    )
    info = result.column_info()
    assert info[2] == {
        "CatalogName": "hive",
        "SchemaName": "",
        "TableName": "",
        "Name": "price",
        "Label": "price",
        "Type": "decimal",
        "Precision": 10,
        "Scale": 2,
        "Nullable": "UNKNOWN",
        "CaseSensitive": False,
    }
    assert info[10]["Precision"] == 2147483647
    assert info[10]["CaseSensitive"] is True


def test_json_lines_keys_through_serde_paths(athena) -> None:  # type: ignore[no-untyped-def]
    athena.put(
        "s3://b/j/day=1/e.json",
        '{"userName": "a", "id": 1, "addr": {"city": "P"}, "tags": ["x", "y"]}\n'
        '{"userName": "b", "id": "oops"}\n',
    )
    athena.table(
        "events",
        [
            ("username", "string"),
            ("id", "int"),
            ("addr", "struct<city:string>"),
            ("tags", "array<string>"),
        ],
        "s3://b/j/",
        fmt="json",
        serde_params={"paths": "addr,id,tags,userName"},
        keys=[("day", "string")],
    )
    athena.partition("events", ["1"], "s3://b/j/day=1/")
    rows = athena.rows(
        "SELECT username, id, addr.city, cardinality(tags), day FROM events ORDER BY 1"
    )
    assert rows == [("a", "1", "P", "2", "1"), ("b", None, None, None, "1")]


def test_unnamed_partitions_with_their_own_locations(athena) -> None:  # type: ignore[no-untyped-def]
    athena.table("d", [("a", "bigint")], "s3://b/data/", keys=[("partition_0", "string")])
    athena.put("s3://b/data/2024/x.csv", "1\n2\n")
    athena.put("s3://elsewhere/2025/x.csv", "3\n")
    athena.partition("d", ["2024"], "s3://b/data/2024/")
    athena.partition("d", ["2025"], "s3://elsewhere/2025/")
    assert athena.rows("SELECT partition_0, sum(a) FROM d GROUP BY 1 ORDER BY 1") == [
        ("2024", "3"),
        ("2025", "3"),
    ]


def test_empty_table_and_missing_location(athena) -> None:  # type: ignore[no-untyped-def]
    athena.table("e", [("a", "bigint"), ("b", "string")], "s3://b/nothing/")
    result = athena.run("SELECT * FROM e")
    assert result.rows == ()
    assert [c.name for c in result.columns] == ["a", "b"]
    assert result.result_file() == b'"a","b"\n'


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        ("SELECT 5/2, 5.0/2, -7/2, 7 % 3", [("2", "2.5", "-3", "1")]),
        ("SELECT CAST(5 AS double)/2", [("2.5",)]),
        (
            "SELECT date_format(TIMESTAMP '2024-01-02 03:04:05', '%Y-%m-%d %H:%i')",
            [("2024-01-02 03:04",)],
        ),
        (
            "SELECT date_add('day', 1, DATE '2024-01-31'), date_diff('day', DATE '2024-01-01', "
            "DATE '2024-03-01')",
            [("2024-02-01", "60")],
        ),
        ("SELECT array_join(split('a,b,c', ','), '|'), cardinality(ARRAY[1, 2])", [("a|b|c", "2")]),
        ("SELECT json_extract_scalar('{\"a\": {\"b\": 2}}', '$.a.b')", [("2",)]),
        ("SELECT if(1 = 1, 'y', 'n'), coalesce(NULL, 'z'), nullif(1, 1)", [("y", "z", None)]),
        ("SELECT format('%s-%s', 'a', 1), upper('x'), length('abc')", [("a-1", "X", "3")]),
        (
            "SELECT v, n FROM UNNEST(ARRAY['a', 'b']) WITH ORDINALITY AS t(v, n) ORDER BY n",
            [("a", "1"), ("b", "2")],
        ),
        ("SELECT approx_distinct(x) FROM (VALUES 1, 2, 2) AS t(x)", [("2",)]),
        ("SELECT TRY_CAST('x' AS integer), CAST('12' AS bigint)", [(None, "12")]),
        ("WITH q AS (SELECT 1 AS a UNION ALL SELECT 2) SELECT sum(a) FROM q", [("3",)]),
        ("SELECT regexp_extract('abc123', '[0-9]+'), regexp_like('abc', '^a')", [("123", "true")]),
        ("SELECT element_at(ARRAY[1, 2, 3], 2), contains(ARRAY[1, 2], 2)", [("2", "true")]),
        ("SELECT CAST(1.5 AS real), 1e-7, 1234567.0E0", [("1.5", "1.0E-7", "1234567.0")]),
        (
            "SELECT MAP(ARRAY['k'], ARRAY[1]), ARRAY[ARRAY[1], ARRAY[2, 3]]",
            [("{k=1}", "[[1], [2, 3]]")],
        ),
    ],
)
def test_trino_sql(athena, sql: str, expected) -> None:  # type: ignore[no-untyped-def]
    assert athena.rows(sql) == expected


def test_result_column_names_follow_trino(athena) -> None:  # type: ignore[no-untyped-def]
    athena.table("t", [("a", "bigint"), ("b", "string")], "s3://b/t/")
    athena.put("s3://b/t/x.csv", "1,x\n")
    result = athena.run(
        'SELECT A, a + 1, b AS MyName, b AS "Quoted", count(*) FROM t GROUP BY 1, 2, 3, 4'
    )
    assert [c.name for c in result.columns] == ["a", "_col1", "myname", "Quoted", "_col4"]
    star = athena.run("SELECT *, a * 2 FROM t")
    assert [c.name for c in star.columns] == ["a", "b", "_col2"]


def test_joins_windows_and_group_by(athena) -> None:  # type: ignore[no-untyped-def]
    athena.table("c", [("id", "bigint"), ("name", "string")], "s3://b/c/")
    athena.table("o", [("cid", "bigint"), ("amount", "double")], "s3://b/o/")
    athena.put("s3://b/c/x.csv", "1,Ann\n2,Bob\n3,Cy\n")
    athena.put("s3://b/o/x.csv", "1,10\n1,5\n2,7\n")
    rows = athena.rows(
        "SELECT c.name, sum(o.amount) AS total, rank() OVER (ORDER BY sum(o.amount) DESC) AS r "
        "FROM db.c LEFT JOIN o ON c.id = o.cid GROUP BY c.name ORDER BY r, name"
    )
    assert rows == [("Ann", "15.0", "1"), ("Bob", "7.0", "2"), ("Cy", None, "3")]
    qualified = athena.rows("SELECT db.c.name FROM db.c WHERE db.c.id = 2")
    assert qualified == [("Bob",)]


def test_csv_result_file_and_metadata(athena) -> None:  # type: ignore[no-untyped-def]
    result = athena.run("SELECT 1 AS i, 'it''s' AS s, 'a\"b' AS q, NULL AS n, '' AS e")
    assert result.output_name("q-1") == "q-1.csv"
    assert result.result_file() == b'"i","s","q","n","e"\n"1","it\'s","a""b",,""\n'
    rows = result.result_rows()
    assert rows[0] == {"Data": [{"VarCharValue": n} for n in ("i", "s", "q", "n", "e")]}
    assert rows[1]["Data"][3] == {}
    meta = result.metadata_file("q-1")
    assert meta is not None
    assert meta.startswith(b"\x0a\x03q-1")
    assert b"\x22" in meta
    assert b"hive" in meta
    assert b"integer" in meta


def test_result_set_paging(athena) -> None:  # type: ignore[no-untyped-def]
    result = athena.run("SELECT x FROM UNNEST(sequence(1, 5)) AS t(x) ORDER BY x")
    first = result.result_set(max_results=3)["Rows"]
    rest = result.result_set(start=3, max_results=3)["Rows"]
    assert [r["Data"][0]["VarCharValue"] for r in first + rest] == ["x", "1", "2", "3", "4", "5"]


def test_view_of_struct_access_and_lowercase(athena) -> None:  # type: ignore[no-untyped-def]
    athena.put_parquet("s3://b/s/x.parquet", pa.table({"Addr": [{"City": "Paris"}]}))
    athena.table("s", [("addr", "struct<City:string>")], "s3://b/s/", fmt="parquet")
    assert athena.rows("SELECT addr.city FROM s") == [("Paris",)]


def test_orc_and_gzip_csv(athena) -> None:  # type: ignore[no-untyped-def]
    import gzip
    import io

    import pyarrow.orc as orc

    buf = io.BytesIO()
    orc.write_table(pa.table({"K": [1, 2], "v": ["a", "b"]}), buf)
    athena.put("s3://b/orc/x.orc", buf.getvalue())
    athena.catalog.put_table(
        "db",
        {
            "Name": "o",
            "StorageDescriptor": {
                "Columns": [{"Name": "k", "Type": "bigint"}, {"Name": "v", "Type": "string"}],
                "Location": "s3://b/orc/",
                "InputFormat": "org.apache.hadoop.hive.ql.io.orc.OrcInputFormat",
                "SerdeInfo": {"SerializationLibrary": "org.apache.hadoop.hive.ql.io.orc.OrcSerde"},
            },
        },
    )
    assert athena.rows("SELECT k, v FROM o ORDER BY k") == [("1", "a"), ("2", "b")]
    athena.table("g", [("a", "bigint"), ("b", "string")], "s3://b/g/")
    athena.put("s3://b/g/part.csv.gz", gzip.compress(b"1,x\n2,y\n"))
    assert athena.rows("SELECT sum(a), max(b) FROM g") == [("3", "y")]


def test_bzip2_csv_is_inflated(athena) -> None:  # type: ignore[no-untyped-def]
    import bz2

    athena.table("z", [("a", "bigint")], "s3://b/z/", keys=[("d", "string")])
    for d in ("1", "2"):
        athena.put(f"s3://b/z/d={d}/part.csv.bz2", bz2.compress(f"{d}\n{d}\n".encode()))
        athena.partition("z", [d], f"s3://b/z/d={d}/")
    assert athena.rows("SELECT d, sum(a) FROM z GROUP BY d ORDER BY d") == [("1", "2"), ("2", "4")]
