"""Crawling CSV: header detection, types, custom classifiers, BOM/CRLF, S1's total_clicks."""

from __future__ import annotations

import bz2
import gzip
import json

import pytest

from headwater.catalog import Table

S1_CLASSIFIER = {
    "CsvClassifier": {
        "Name": "My-Custom-CSV-Classifier",
        "Delimiter": ",",
        "QuoteSymbol": '"',
        "ContainsHeader": "PRESENT",
        "Header": ["c_full_name", "c_email_address", "total_clicks"],
    }
}
S1_CONFIG = json.dumps(
    {"Version": 1.0, "Grouping": {"TableGroupingPolicy": "CombineCompatibleSchemas"}}
)


def _only(result) -> Table:  # type: ignore[no-untyped-def]
    assert len(result.tables_to_create) == 1, [t.name for t in result.tables_to_create]
    return result.tables_to_create[0]


def _columns(table: Table) -> list[tuple[str, str]]:
    return [(c.name, c.type) for c in table.columns]


def test_csv_with_header_types_columns(lake) -> None:
    lake.put(
        "s3://b/raw/customers/LOAD00000001.csv",
        "id,name,score,active,joined,seen_at\n"
        "1,Ann,3.5,true,2024-01-02,2024-01-02 10:11:12\n"
        "2,Bob,4,FALSE,2024-02-03,2024-02-03 00:00:00.123\n",
    )
    table = _only(lake.crawl(lake.crawler("s3://b/raw/customers/")))
    assert table.name == "customers"
    assert _columns(table) == [
        ("id", "bigint"),
        ("name", "string"),
        ("score", "double"),
        ("active", "boolean"),
        ("joined", "date"),
        ("seen_at", "timestamp"),
    ]
    params = table.parameters
    assert params["classification"] == "csv"
    assert params["skip.header.line.count"] == "1"
    assert params["delimiter"] == ","
    assert params["areColumnsQuoted"] == "false"
    assert params["recordCount"] == "2"
    assert params["objectCount"] == "1"
    assert params["typeOfData"] == "file"
    assert params["compressionType"] == "none"
    assert params["CrawlerSchemaDeserializerVersion"] == "1.0"
    assert params["UPDATED_BY_CRAWLER"] == "c1"
    sd = table.storage_descriptor
    assert sd.location == "s3://b/raw/customers/"
    assert sd.serde_info.serialization_library == (
        "org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe"
    )
    assert sd.serde_info.parameters == {"field.delim": ","}
    assert sd.input_format == "org.apache.hadoop.mapred.TextInputFormat"
    assert table.partition_keys == ()


def test_csv_without_header_gets_positional_names(lake) -> None:
    lake.put("s3://b/t/data.csv", "1,Ann,3.5\n2,Bob,4.0\n3,Cy,1\n")
    table = _only(lake.crawl(lake.crawler("s3://b/t/")))
    assert _columns(table) == [("col0", "bigint"), ("col1", "string"), ("col2", "double")]
    assert "skip.header.line.count" not in table.parameters


def test_all_string_csv_has_no_header(lake) -> None:
    # Glue: a first row is only a header when the data below it differs (some non-string column).
    lake.put("s3://b/t/data.csv", "name,city\nann,paris\nbob,rome\n")
    table = _only(lake.crawl(lake.crawler("s3://b/t/")))
    assert _columns(table) == [("col0", "string"), ("col1", "string")]
    assert table.parameters["recordCount"] == "3"


@pytest.mark.parametrize(
    ("delimiter", "expected"),
    [("|", "|"), ("\t", "\t"), (";", ";"), ("\x01", "\x01")],
)
def test_builtin_delimiters(lake, delimiter: str, expected: str) -> None:
    rows = ["id", "name"], ["1", "a,b"], ["2", "c"]
    lake.put("s3://b/t/x.txt", "\n".join(delimiter.join(r) for r in rows) + "\n")
    table = _only(lake.crawl(lake.crawler("s3://b/t/")))
    assert table.parameters["delimiter"] == expected
    assert _columns(table) == [("id", "bigint"), ("name", "string")]


def test_bom_and_crlf_like_the_byod_sample(lake) -> None:
    body = "customerId,name,amount\r\n1,Ann,10.5\r\n2,Bob,3\r\n"
    lake.put("s3://b/raw/sales/byodSmallTestData.csv", b"\xef\xbb\xbf" + body.encode())
    table = _only(lake.crawl(lake.crawler("s3://b/raw/sales/")))
    assert _columns(table) == [("customerid", "bigint"), ("name", "string"), ("amount", "double")]
    assert table.parameters["recordCount"] == "2"


def test_literal_null_does_not_make_a_column_string(lake) -> None:
    lake.put("s3://b/t/c.csv", "id,year,name\n1,1980,Ann\n2,NULL,Bob\n3,,NULL\n")
    table = _only(lake.crawl(lake.crawler("s3://b/t/")))
    assert _columns(table) == [("id", "bigint"), ("year", "bigint"), ("name", "string")]


def test_quoted_csv_uses_open_csv_serde_and_keeps_types(lake) -> None:
    lake.put("s3://b/t/c.csv", 'id,name,amount\n"1","Smith, Ann","2.5"\n"2","Bob","3"\n')
    table = _only(lake.crawl(lake.crawler("s3://b/t/")))
    sd = table.storage_descriptor
    assert sd.serde_info.serialization_library == "org.apache.hadoop.hive.serde2.OpenCSVSerde"
    assert sd.serde_info.parameters == {"quoteChar": '"', "separatorChar": ","}
    assert table.parameters["areColumnsQuoted"] == "true"
    assert _columns(table) == [("id", "bigint"), ("name", "string"), ("amount", "double")]


def test_s1_total_clicks_custom_classifier_partitions_and_exclusion(lake) -> None:
    base = "s3://bkt/etl-ttt-demo/output/gluestreaming/total_clicks/"
    header = "c_full_name,c_email_address,total_clicks\n"
    for hour in ("00", "01"):
        folder = f"{base}ingest_year=2024/ingest_month=05/ingest_day=17/ingest_hour={hour}/"
        lake.put(
            folder + "run-1-part-r-00000",
            header + '"Joshua Carman","jc@x.org",3\n"Al","a@x.org",0\n',
        )
        lake.put(folder + "run-1-part-r-00001", b"\x00\x01 not csv at all")
    lake.put(base + "ingest_year=2024/ingest_month=05/ingest_day=17/ingest_hour=00/", b"")
    result = lake.crawl(
        lake.crawler(
            base,
            target={"Exclusions": ["**00001"], "SampleSize": 1},
            Classifiers=["My-Custom-CSV-Classifier"],
            Configuration=S1_CONFIG,
        ),
        [S1_CLASSIFIER],
    )
    table = _only(result)
    assert table.name == "total_clicks"
    assert _columns(table) == [
        ("c_full_name", "string"),
        ("c_email_address", "string"),
        ("total_clicks", "bigint"),
    ]
    assert [k.name for k in table.partition_keys] == [
        "ingest_year",
        "ingest_month",
        "ingest_day",
        "ingest_hour",
    ]
    assert table.parameters["skip.header.line.count"] == "1"
    parts = result.partitions_to_create["total_clicks"]
    assert [p.values for p in parts] == [("2024", "05", "17", "00"), ("2024", "05", "17", "01")]
    assert (
        parts[1].location == base + "ingest_year=2024/ingest_month=05/ingest_day=17/ingest_hour=01/"
    )
    assert parts[0].parameters["recordCount"] == "2"
    assert result.skipped == ()  # the 00001 parts were excluded, never read
    assert all(not key.endswith("00001") for _, key, _, _ in lake.reads)
    assert result.metrics.tables_created == 1
    assert result.metrics.partitions_created == 2


def test_custom_classifier_header_absent_uses_header_list(lake) -> None:
    lake.put("s3://b/t/x.csv", "a;1\nb;2\n")
    classifier = {
        "CsvClassifier": {
            "Name": "semi",
            "Delimiter": ";",
            "ContainsHeader": "ABSENT",
            "Header": ["letter", "number"],
        }
    }
    table = _only(lake.crawl(lake.crawler("s3://b/t/", Classifiers=["semi"]), [classifier]))
    assert _columns(table) == [("letter", "string"), ("number", "bigint")]
    assert "skip.header.line.count" not in table.parameters
    assert table.parameters["recordCount"] == "2"


def test_custom_classifier_single_column_and_trimming(lake) -> None:
    lake.put("s3://b/t/x.csv", "value\n 1\n 2 \n")
    classifier = {
        "CsvClassifier": {
            "Name": "one",
            "ContainsHeader": "PRESENT",
            "AllowSingleColumn": True,
            "DisableValueTrimming": False,
        }
    }
    table = _only(lake.crawl(lake.crawler("s3://b/t/", Classifiers=["one"]), [classifier]))
    assert _columns(table) == [("value", "bigint")]


def test_custom_datatypes_narrow_the_types(lake) -> None:
    lake.put("s3://b/t/x.csv", "id,price\n1,2.50\n2,3.25\n")
    classifier = {
        "CsvClassifier": {
            "Name": "typed",
            "ContainsHeader": "PRESENT",
            "CustomDatatypeConfigured": True,
            "CustomDatatypes": ["INT", "DECIMAL", "STRING"],
        }
    }
    table = _only(lake.crawl(lake.crawler("s3://b/t/", Classifiers=["typed"]), [classifier]))
    assert _columns(table) == [("id", "int"), ("price", "decimal(3,2)")]


def test_custom_classifier_that_does_not_fit_falls_back_to_builtins(lake) -> None:
    lake.put("s3://b/t/x.csv", "id,name\n1,a\n2,b\n")
    classifier = {"CsvClassifier": {"Name": "three", "Header": ["a", "b", "c"]}}
    table = _only(lake.crawl(lake.crawler("s3://b/t/", Classifiers=["three"]), [classifier]))
    assert _columns(table) == [("id", "bigint"), ("name", "string")]


@pytest.mark.parametrize(
    ("suffix", "compress", "codec"),
    [(".csv.gz", gzip.compress, "gzip"), (".csv.bz2", bz2.compress, "bzip2")],
)
def test_compressed_csv(lake, suffix: str, compress, codec: str) -> None:  # type: ignore[no-untyped-def]
    lake.put(f"s3://b/t/part{suffix}", compress(b"id,name\n1,a\n2,b\n3,c\n"))
    table = _only(lake.crawl(lake.crawler("s3://b/t/")))
    assert table.parameters["compressionType"] == codec
    assert table.storage_descriptor.compressed is True
    assert table.parameters["recordCount"] == "3"
    assert _columns(table) == [("id", "bigint"), ("name", "string")]


def test_large_file_is_sampled_and_counts_are_estimated(lake) -> None:
    rows = "".join(f"{i},name{i:05d}\n" for i in range(20000))
    lake.put("s3://b/t/big.csv", "id,name\n" + rows)
    spec_bytes = 4096
    from headwater.catalog import CrawlSpec, crawl_s3

    spec = CrawlSpec.from_wire(lake.crawler("s3://b/t/"), sample_bytes=spec_bytes)
    result = crawl_s3(spec, {"s3://b/t/": lake.listing("s3://b/t/")}, lake.read)
    table = result.tables_to_create[0]
    assert _columns(table) == [("id", "bigint"), ("name", "string")]
    assert 15000 < int(table.parameters["recordCount"]) < 25000
    assert max(length for *_, length in lake.reads) <= spec_bytes


def test_zero_byte_markers_and_hidden_files_are_skipped(lake) -> None:
    lake.put("s3://b/t/", b"")
    lake.put("s3://b/t/_SUCCESS", b"")
    lake.put("s3://b/t/_temporary/0/part", "junk")
    lake.put("s3://b/t/.part.crc", "junk")
    lake.put("s3://b/t/sub_$folder$", b"")
    lake.put("s3://b/t/part-0.csv", "id,n\n1,a\n2,b\n")
    table = _only(lake.crawl(lake.crawler("s3://b/t/")))
    assert table.parameters["objectCount"] == "1"
    assert {key for _, key, _, _ in lake.reads} == {"t/part-0.csv"}


def test_unreadable_file_is_skipped_and_reported(lake) -> None:
    lake.put("s3://b/t/a.csv", "id,n\n1,a\n2,b\n")
    lake.put("s3://b/t/broken.csv.gz", b"\x1f\x8b\x08garbage-not-gzip")
    result = lake.crawl(lake.crawler("s3://b/t/"))
    assert [s.key for s in result.skipped] == ["t/broken.csv.gz"]
    assert _only(result).parameters["objectCount"] == "1"


def test_table_prefix_and_dash_in_folder_name(lake) -> None:
    lake.put(
        "s3://b/etl-ttt-demo/output/data_analytics_team_folder/top-customers/run-part-0.csv",
        "c_customer_id,c_current_addr_sk,c_birth_year\nAAAA,12,1980\nBBBB,13,NULL\n",
    )
    result = lake.crawl(
        lake.crawler(
            "s3://b/etl-ttt-demo/output/data_analytics_team_folder/top-customers/",
            TablePrefix="ml_final_",
        )
    )
    table = _only(result)
    assert table.name == "ml_final_top_customers"
    assert table.parameters["skip.header.line.count"] == "1"
    assert _columns(table) == [
        ("c_customer_id", "string"),
        ("c_current_addr_sk", "bigint"),
        ("c_birth_year", "bigint"),
    ]
