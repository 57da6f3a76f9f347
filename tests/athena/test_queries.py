"""Query executions through boto3: tables over CSV, JSON and Parquet in S3, results, errors."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from typing import Any

import botocore.exceptions
import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.parquet as pq  # type: ignore[import-untyped]
import pytest

from tests.athena.conftest import RESULTS, values, wait_done

LONG = (
    "SELECT count(*) FROM UNNEST(sequence(1, 300000)) AS a(x) "
    "CROSS JOIN UNNEST(sequence(1, 300000)) AS b(y) WHERE (x * y) % 7 = 3"
)


def csv_table(name: str, location: str, columns: list[tuple[str, str]], header: bool) -> Any:
    params = {"field.delim": ","}
    table_params = {"classification": "csv"}
    if header:
        table_params["skip.header.line.count"] = "1"
    return {
        "Name": name,
        "TableType": "EXTERNAL_TABLE",
        "Parameters": table_params,
        "StorageDescriptor": {
            "Columns": [{"Name": n, "Type": t} for n, t in columns],
            "Location": location,
            "InputFormat": "org.apache.hadoop.mapred.TextInputFormat",
            "OutputFormat": "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat",
            "SerdeInfo": {
                "SerializationLibrary": "org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe",
                "Parameters": params,
            },
        },
    }


@pytest.fixture
def lake(s3: Any, glue: Any) -> Any:
    """A bucket with CSV, JSON Lines and Parquet tables registered in Glue database ``shop``."""
    s3.create_bucket(Bucket="lake")
    csv = "id,name,price\n1,apple,1.5\n2,pear,2.25\n3,fig,\n"
    s3.put_object(Bucket="lake", Key="csv/items/part-0.csv", Body=csv.encode())
    lines = [{"id": i, "city": c, "tags": ["a", "b"]} for i, c in [(1, "Oslo"), (2, "Rome")]]
    body = "\n".join(json.dumps(x) for x in lines) + "\n"
    s3.put_object(Bucket="lake", Key="json/cities/a.json", Body=body.encode())
    table = pa.table({"k": [i % 10 for i in range(2500)], "v": list(range(2500))})
    buf = io.BytesIO()
    pq.write_table(table, buf)
    s3.put_object(Bucket="lake", Key="parquet/nums/p.parquet", Body=buf.getvalue())
    glue.create_database(DatabaseInput={"Name": "shop"})
    glue.create_table(
        DatabaseName="shop",
        TableInput=csv_table(
            "items",
            "s3://lake/csv/items/",
            [("id", "bigint"), ("name", "string"), ("price", "double")],
            header=True,
        ),
    )
    glue.create_table(
        DatabaseName="shop",
        TableInput={
            "Name": "cities",
            "Parameters": {"classification": "json"},
            "StorageDescriptor": {
                "Columns": [
                    {"Name": "id", "Type": "int"},
                    {"Name": "city", "Type": "string"},
                    {"Name": "tags", "Type": "array<string>"},
                ],
                "Location": "s3://lake/json/cities/",
                "InputFormat": "org.apache.hadoop.mapred.TextInputFormat",
                "SerdeInfo": {"SerializationLibrary": "org.openx.data.jsonserde.JsonSerDe"},
            },
        },
    )
    glue.create_table(
        DatabaseName="shop",
        TableInput={
            "Name": "nums",
            "Parameters": {"classification": "parquet"},
            "StorageDescriptor": {
                "Columns": [{"Name": "k", "Type": "bigint"}, {"Name": "v", "Type": "bigint"}],
                "Location": "s3://lake/parquet/nums/",
                "InputFormat": "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat",
                "SerdeInfo": {
                    "SerializationLibrary": (
                        "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe"
                    )
                },
            },
        },
    )
    return s3


def test_select_csv_with_header_row_and_column_info(
    run: Callable[..., Any], lake: Any, athena: Any
) -> None:
    ex = run("SELECT id, name, price FROM items ORDER BY id", database="shop")
    assert ex["Status"]["State"] == "SUCCEEDED", ex["Status"]
    assert ex["StatementType"] == "DML"
    assert ex["Statistics"]["DataScannedInBytes"] > 0
    assert values(ex["results"]) == [
        ["id", "name", "price"],
        ["1", "apple", "1.5"],
        ["2", "pear", "2.25"],
        ["3", "fig", None],
    ]
    info = ex["results"]["ResultSet"]["ResultSetMetadata"]["ColumnInfo"]
    assert [(c["Name"], c["Type"]) for c in info] == [
        ("id", "bigint"),
        ("name", "varchar"),
        ("price", "double"),
    ]


def test_result_object_in_s3(run: Callable[..., Any], lake: Any) -> None:
    ex = run("SELECT name, price FROM shop.items WHERE id < 3 ORDER BY id")
    qid = ex["QueryExecutionId"]
    location = ex["ResultConfiguration"]["OutputLocation"]
    assert location == f"{RESULTS}{qid}.csv"
    keys = [o["Key"] for o in lake.list_objects_v2(Bucket="athena-results")["Contents"]]
    assert f"out/{qid}.csv" in keys
    assert f"out/{qid}.csv.metadata" in keys
    body = lake.get_object(Bucket="athena-results", Key=f"out/{qid}.csv")["Body"].read()
    assert body.decode() == '"name","price"\n"apple","1.5"\n"pear","2.25"\n'


def test_json_and_parquet_tables(run: Callable[..., Any], lake: Any) -> None:
    ex = run("SELECT city, cardinality(tags) AS n FROM cities ORDER BY id", database="shop")
    assert values(ex["results"]) == [["city", "n"], ["Oslo", "2"], ["Rome", "2"]]
    ex = run(
        'SELECT k, count(*) AS c, sum(v) AS s FROM "AwsDataCatalog"."shop"."nums" '
        "GROUP BY 1 ORDER BY 1 LIMIT 3"
    )
    assert values(ex["results"])[1:] == [
        ["0", "250", "311250"],
        ["1", "250", "311500"],
        [
            "2",
            "250",
            "311750",
        ],
    ]


def test_paging_of_get_query_results(run: Callable[..., Any], lake: Any, athena: Any) -> None:
    ex = run("SELECT v FROM nums ORDER BY v", database="shop")
    qid = ex["QueryExecutionId"]
    first = athena.get_query_results(QueryExecutionId=qid, MaxResults=1000)
    assert len(first["ResultSet"]["Rows"]) == 1000
    assert values(first)[0] == ["v"]
    assert values(first)[1] == ["0"]
    seen = [r[0] for r in values(first)[1:]]
    token = first.get("NextToken")
    while token:
        page = athena.get_query_results(QueryExecutionId=qid, NextToken=token, MaxResults=1000)
        seen.extend(r[0] for r in values(page))
        token = page.get("NextToken")
    assert seen == [str(i) for i in range(2500)]
    paginator = athena.get_paginator("get_query_results")
    rows = sum(len(p["ResultSet"]["Rows"]) for p in paginator.paginate(QueryExecutionId=qid))
    assert rows == 2501


def test_syntax_error_is_rejected_at_start(athena: Any) -> None:
    with pytest.raises(botocore.exceptions.ClientError) as info:
        athena.start_query_execution(
            QueryString="SELEC 1", ResultConfiguration={"OutputLocation": RESULTS}
        )
    err = info.value.response["Error"]
    assert err["Code"] == "InvalidRequestException"
    assert info.value.response["AthenaErrorCode"] == "MALFORMED_QUERY"
    assert err["Message"].startswith("line 1:")


def test_missing_table_fails_with_athena_error(
    run: Callable[..., Any], lake: Any, athena: Any
) -> None:
    ex = run("SELECT *\nFROM nope", database="shop")
    status = ex["Status"]
    assert status["State"] == "FAILED"
    assert status["StateChangeReason"].startswith("TABLE_NOT_FOUND: line 2:6:")
    assert status["AthenaError"]["ErrorCategory"] == 2
    assert status["AthenaError"]["ErrorType"] == 1301
    assert status["AthenaError"]["Retryable"] is False
    with pytest.raises(botocore.exceptions.ClientError) as info:
        athena.get_query_results(QueryExecutionId=ex["QueryExecutionId"])
    assert info.value.response["Error"]["Code"] == "InvalidRequestException"
    assert "FAILED" in info.value.response["Error"]["Message"]


def test_missing_column_fails(run: Callable[..., Any], lake: Any) -> None:
    ex = run("SELECT nope FROM items", database="shop")
    assert ex["Status"]["State"] == "FAILED"
    assert ex["Status"]["AthenaError"]["ErrorMessage"].startswith("COLUMN_NOT_FOUND: line 1:8:")


def test_no_output_location_anywhere(athena: Any) -> None:
    with pytest.raises(botocore.exceptions.ClientError) as info:
        athena.start_query_execution(QueryString="SELECT 1")
    assert info.value.response["Error"]["Code"] == "InvalidRequestException"
    assert "No output location provided" in info.value.response["Error"]["Message"]


def test_unknown_query_id(athena: Any) -> None:
    with pytest.raises(botocore.exceptions.ClientError) as info:
        athena.get_query_execution(QueryExecutionId="5b4e1f7c-0000-4000-8000-000000000000")
    assert info.value.response["Error"]["Code"] == "InvalidRequestException"


def test_execution_parameters(run: Callable[..., Any], lake: Any) -> None:
    ex = run(
        "SELECT name FROM items WHERE id = ? OR name = ?",
        database="shop",
        ExecutionParameters=["1", "'fig'"],
    )
    assert ex["ExecutionParameters"] == ["1", "'fig'"]
    assert sorted(str(r[0]) for r in values(ex["results"])[1:]) == ["apple", "fig"]


def test_stop_query_interrupts_the_engine(athena: Any) -> None:
    qid = athena.start_query_execution(
        QueryString=LONG, ResultConfiguration={"OutputLocation": RESULTS}
    )["QueryExecutionId"]
    athena.stop_query_execution(QueryExecutionId=qid)
    ex = wait_done(athena, qid)
    assert ex["Status"]["State"] == "CANCELLED"
    assert "AthenaError" not in ex["Status"]
    with pytest.raises(botocore.exceptions.ClientError):
        athena.get_query_results(QueryExecutionId=qid)


def test_running_query_answers_not_finished(athena: Any) -> None:
    qid = athena.start_query_execution(
        QueryString=LONG, ResultConfiguration={"OutputLocation": RESULTS}
    )["QueryExecutionId"]
    try:
        with pytest.raises(botocore.exceptions.ClientError) as info:
            athena.get_query_results(QueryExecutionId=qid)
        message = info.value.response["Error"]["Message"]
        assert message.startswith("Query has not yet finished. Current state: ")
    finally:
        athena.stop_query_execution(QueryExecutionId=qid)
        wait_done(athena, qid)


def test_list_batch_and_runtime_statistics(run: Callable[..., Any], athena: Any) -> None:
    ids = [run(f"SELECT {i}")["QueryExecutionId"] for i in range(3)]
    listed = athena.list_query_executions(WorkGroup="primary")["QueryExecutionIds"]
    assert listed[:3] == ids[::-1]
    page = athena.list_query_executions(MaxResults=2)
    assert len(page["QueryExecutionIds"]) == 2
    assert page["NextToken"]
    batch = athena.batch_get_query_execution(QueryExecutionIds=[ids[0], "missing"])
    assert [q["QueryExecutionId"] for q in batch["QueryExecutions"]] == [ids[0]]
    assert batch["UnprocessedQueryExecutionIds"][0]["QueryExecutionId"] == "missing"
    stats = athena.get_query_runtime_statistics(QueryExecutionId=ids[0])
    assert stats["QueryRuntimeStatistics"]["Rows"]["OutputRows"] == 1
    assert "TotalExecutionTimeInMillis" in stats["QueryRuntimeStatistics"]["Timeline"]


def test_client_request_token_is_idempotent(athena: Any) -> None:
    params = {
        "QueryString": "SELECT 42",
        "ClientRequestToken": "token-0123456789-0123456789-0123456789",
        "ResultConfiguration": {"OutputLocation": RESULTS},
    }
    first = athena.start_query_execution(**params)["QueryExecutionId"]
    again = athena.start_query_execution(**params)["QueryExecutionId"]
    assert first == again
    wait_done(athena, first)


def test_show_and_describe_write_txt(run: Callable[..., Any], lake: Any, s3: Any) -> None:
    ex = run("SHOW TABLES IN shop")
    assert ex["StatementType"] == "UTILITY"
    assert ex["ResultConfiguration"]["OutputLocation"].endswith(".txt")
    assert sorted(str(r[0]) for r in values(ex["results"])) == ["cities", "items", "nums"]
    key = ex["ResultConfiguration"]["OutputLocation"].split("athena-results/", 1)[1]
    text = s3.get_object(Bucket="athena-results", Key=key)["Body"].read().decode()
    assert sorted(text.split("\n")) == ["cities", "items", "nums"]


def test_results_survive_the_memory_cache(
    run: Callable[..., Any], lake: Any, athena: Any, server: Any
) -> None:
    ex = run("SELECT id, name, price FROM shop.items ORDER BY id")
    athena_service = server.app.env.registry.get("athena")
    athena_service.runner.reset()  # forget held results: read back from the CSV object
    again = athena.get_query_results(QueryExecutionId=ex["QueryExecutionId"])
    assert values(again) == values(ex["results"])
    assert (
        again["ResultSet"]["ResultSetMetadata"] == ex["results"]["ResultSet"]["ResultSetMetadata"]
    )


def test_concurrent_queries_all_finish(athena: Any, lake: Any) -> None:
    ids = [
        athena.start_query_execution(
            QueryString=f"SELECT k, sum(v) + {i} AS s FROM shop.nums GROUP BY k ORDER BY k",
            ResultConfiguration={"OutputLocation": RESULTS},
        )["QueryExecutionId"]
        for i in range(8)
    ]
    for i, qid in enumerate(ids):
        assert wait_done(athena, qid)["Status"]["State"] == "SUCCEEDED"
        rows = values(athena.get_query_results(QueryExecutionId=qid))
        assert rows[1] == ["0", str(sum(range(0, 2500, 10)) + i)]
