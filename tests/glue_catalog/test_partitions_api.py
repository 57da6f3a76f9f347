"""Partitions through boto3: batches with per-entry errors, GetPartitions' Expression."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.glue_catalog.conftest import error_code
from tests.glue_catalog.test_catalog_api import SD

KEYS = [
    {"Name": "ingest_year", "Type": "string"},
    {"Name": "ingest_month", "Type": "string"},
    {"Name": "ingest_day", "Type": "int"},
]


def part(values: list[str], **extra: Any) -> dict[str, Any]:
    location = SD["Location"] + "".join(
        f"{k['Name']}={v}/" for k, v in zip(KEYS, values, strict=False)
    )
    return {"Values": values, "StorageDescriptor": {**SD, "Location": location}, **extra}


@pytest.fixture
def table(glue: Any) -> str:
    glue.create_database(DatabaseInput={"Name": "glue_ttt_demo_db"})
    glue.create_table(
        DatabaseName="glue_ttt_demo_db",
        TableInput={"Name": "total_clicks", "StorageDescriptor": SD, "PartitionKeys": KEYS},
    )
    return "total_clicks"


def values(glue: Any, **kwargs: Any) -> list[list[str]]:
    found = glue.get_partitions(DatabaseName="glue_ttt_demo_db", TableName="total_clicks", **kwargs)
    return [p["Values"] for p in found["Partitions"]]


def test_create_get_update_delete(glue: Any, table: str) -> None:
    glue.create_partition(
        DatabaseName="GLUE_TTT_DEMO_DB",
        TableName="Total_Clicks",
        PartitionInput=part(["2024", "01", "5"], Parameters={"k": "v"}),
    )
    got = glue.get_partition(
        DatabaseName="glue_ttt_demo_db", TableName=table, PartitionValues=["2024", "01", "5"]
    )["Partition"]
    assert got["Values"] == ["2024", "01", "5"]
    assert got["DatabaseName"] == "glue_ttt_demo_db"
    assert got["TableName"] == "total_clicks"
    assert got["Parameters"] == {"k": "v"}
    assert got["StorageDescriptor"]["Location"].endswith("ingest_day=5/")
    assert "CreationTime" in got
    with pytest.raises(ClientError) as exc:
        glue.create_partition(
            DatabaseName="glue_ttt_demo_db",
            TableName=table,
            PartitionInput=part(["2024", "01", "5"]),
        )
    assert error_code(exc) == "AlreadyExistsException"
    glue.update_partition(
        DatabaseName="glue_ttt_demo_db",
        TableName=table,
        PartitionValueList=["2024", "01", "5"],
        PartitionInput=part(["2024", "01", "6"]),
    )
    assert values(glue) == [["2024", "01", "6"]]
    kept = glue.get_partition(
        DatabaseName="glue_ttt_demo_db", TableName=table, PartitionValues=["2024", "01", "6"]
    )["Partition"]
    assert kept["CreationTime"] == got["CreationTime"]
    glue.delete_partition(
        DatabaseName="glue_ttt_demo_db", TableName=table, PartitionValues=["2024", "01", "6"]
    )
    with pytest.raises(ClientError) as exc:
        glue.get_partition(
            DatabaseName="glue_ttt_demo_db", TableName=table, PartitionValues=["2024", "01", "6"]
        )
    assert error_code(exc) == "EntityNotFoundException"
    with pytest.raises(ClientError) as exc:
        glue.delete_partition(
            DatabaseName="glue_ttt_demo_db", TableName=table, PartitionValues=["1", "2", "3"]
        )
    assert error_code(exc) == "EntityNotFoundException"


def test_wrong_number_of_values_is_invalid_input(glue: Any, table: str) -> None:
    with pytest.raises(ClientError) as exc:
        glue.create_partition(
            DatabaseName="glue_ttt_demo_db", TableName=table, PartitionInput=part(["2024"])
        )
    assert error_code(exc) == "InvalidInputException"
    assert values(glue) == []


def test_missing_table_or_database(glue: Any, table: str) -> None:
    with pytest.raises(ClientError) as exc:
        glue.get_partitions(DatabaseName="glue_ttt_demo_db", TableName="nope")
    assert error_code(exc) == "EntityNotFoundException"
    assert exc.value.response["Error"]["Message"] == "Table nope not found."
    with pytest.raises(ClientError) as exc:
        glue.batch_create_partition(
            DatabaseName="nodb", TableName=table, PartitionInputList=[part(["1", "2", "3"])]
        )
    assert error_code(exc) == "EntityNotFoundException"


def test_batch_create_reports_each_failure(glue: Any, table: str) -> None:
    glue.create_partition(
        DatabaseName="glue_ttt_demo_db", TableName=table, PartitionInput=part(["2024", "01", "1"])
    )
    out = glue.batch_create_partition(
        DatabaseName="glue_ttt_demo_db",
        TableName=table,
        PartitionInputList=[
            part(["2024", "01", "1"]),
            part(["2024", "01", "2"]),
            part(["2024", "01", "2"]),
            part(["2024"]),
            part(["2024", "02", "1"]),
        ],
    )
    codes = [(e["PartitionValues"], e["ErrorDetail"]["ErrorCode"]) for e in out["Errors"]]
    assert codes == [
        (["2024", "01", "1"], "AlreadyExistsException"),
        (["2024", "01", "2"], "AlreadyExistsException"),
        (["2024"], "InvalidInputException"),
    ]
    assert all(e["ErrorDetail"]["ErrorMessage"] for e in out["Errors"])
    assert values(glue) == [["2024", "01", "1"], ["2024", "01", "2"], ["2024", "02", "1"]]


def test_batch_get_update_delete(glue: Any, table: str) -> None:
    glue.batch_create_partition(
        DatabaseName="glue_ttt_demo_db",
        TableName=table,
        PartitionInputList=[part(["2024", "01", str(d)]) for d in range(1, 4)],
    )
    got = glue.batch_get_partition(
        DatabaseName="glue_ttt_demo_db",
        TableName=table,
        PartitionsToGet=[{"Values": ["2024", "01", "2"]}, {"Values": ["1999", "01", "1"]}],
    )
    assert [p["Values"] for p in got["Partitions"]] == [["2024", "01", "2"]]
    updated = glue.batch_update_partition(
        DatabaseName="glue_ttt_demo_db",
        TableName=table,
        Entries=[
            {
                "PartitionValueList": ["2024", "01", "1"],
                "PartitionInput": part(["2024", "01", "1"], Parameters={"x": "1"}),
            },
            {
                "PartitionValueList": ["1999", "01", "1"],
                "PartitionInput": part(["1999", "01", "1"]),
            },
        ],
    )
    assert [e["PartitionValueList"] for e in updated["Errors"]] == [["1999", "01", "1"]]
    assert updated["Errors"][0]["ErrorDetail"]["ErrorCode"] == "EntityNotFoundException"
    first = glue.get_partition(
        DatabaseName="glue_ttt_demo_db", TableName=table, PartitionValues=["2024", "01", "1"]
    )["Partition"]
    assert first["Parameters"] == {"x": "1"}
    deleted = glue.batch_delete_partition(
        DatabaseName="glue_ttt_demo_db",
        TableName=table,
        PartitionsToDelete=[{"Values": ["2024", "01", "1"]}, {"Values": ["1999", "01", "1"]}],
    )
    assert deleted["Errors"] == [
        {
            "PartitionValues": ["1999", "01", "1"],
            "ErrorDetail": {
                "ErrorCode": "EntityNotFoundException",
                "ErrorMessage": "Cannot find partition.",
            },
        }
    ]
    assert values(glue) == [["2024", "01", "2"], ["2024", "01", "3"]]


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("ingest_year = '2024'", [["2024", "01", "9"], ["2024", "01", "10"], ["2024", "02", "1"]]),
        ("ingest_day > 5", [["2023", "12", "31"], ["2024", "01", "9"], ["2024", "01", "10"]]),
        ("ingest_day >= 9 AND ingest_month = '01'", [["2024", "01", "9"], ["2024", "01", "10"]]),
        ("ingest_month IN ('02', '12')", [["2023", "12", "31"], ["2024", "02", "1"]]),
        ("ingest_day BETWEEN 2 AND 9", [["2024", "01", "9"]]),
        (
            "ingest_year LIKE '20%' AND NOT ingest_month = '01'",
            [["2023", "12", "31"], ["2024", "02", "1"]],
        ),
        ("(ingest_year = '2023') OR (ingest_day = 1)", [["2023", "12", "31"], ["2024", "02", "1"]]),
        ("ingest_year <> '2024'", [["2023", "12", "31"]]),
        ("INGEST_YEAR = '2023'", [["2023", "12", "31"]]),
    ],
)
def test_get_partitions_expression(
    glue: Any, table: str, expression: str, expected: list[list[str]]
) -> None:
    glue.batch_create_partition(
        DatabaseName="glue_ttt_demo_db",
        TableName=table,
        PartitionInputList=[
            part(v)
            for v in (
                ["2023", "12", "31"],
                ["2024", "01", "9"],
                ["2024", "01", "10"],
                ["2024", "02", "1"],
            )
        ],
    )
    assert values(glue, Expression=expression) == expected


@pytest.mark.parametrize(
    "expression", ["no_such_key = '1'", "ingest_year = ", "ingest_year == '1'", "ingest_year IN"]
)
def test_bad_expression_is_invalid_input(glue: Any, table: str, expression: str) -> None:
    with pytest.raises(ClientError) as exc:
        values(glue, Expression=expression)
    assert error_code(exc) == "InvalidInputException"


def test_get_partitions_pages_and_segments(glue: Any, table: str) -> None:
    glue.batch_create_partition(
        DatabaseName="glue_ttt_demo_db",
        TableName=table,
        PartitionInputList=[part(["2024", "01", str(d)]) for d in range(1, 8)],
    )
    pages = glue.get_paginator("get_partitions").paginate(
        DatabaseName="glue_ttt_demo_db", TableName=table, PaginationConfig={"PageSize": 3}
    )
    sizes = [len(p["Partitions"]) for p in pages]
    assert sizes == [3, 3, 1]
    segments = [values(glue, Segment={"SegmentNumber": n, "TotalSegments": 2}) for n in range(2)]
    assert sorted(v[2] for s in segments for v in s) == sorted(str(d) for d in range(1, 8))
    assert not set(map(tuple, segments[0])) & set(map(tuple, segments[1]))
    slim = glue.get_partitions(
        DatabaseName="glue_ttt_demo_db", TableName=table, ExcludeColumnSchema=True
    )["Partitions"][0]
    assert "Columns" not in slim["StorageDescriptor"]
