"""Databases and tables through boto3: what a user sees, with Glue's errors and shapes."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError, ParamValidationError

from tests.glue_catalog.conftest import error_code

SD: dict[str, Any] = {
    "Columns": [{"Name": "id", "Type": "bigint"}, {"Name": "name", "Type": "string"}],
    "Location": "s3://lake/raw/customers/",
    "InputFormat": "org.apache.hadoop.mapred.TextInputFormat",
    "OutputFormat": "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat",
    "SerdeInfo": {
        "SerializationLibrary": "org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe",
        "Parameters": {"field.delim": ","},
    },
}


def table_input(name: str, **extra: Any) -> dict[str, Any]:
    return {
        "Name": name,
        "StorageDescriptor": SD,
        "TableType": "EXTERNAL_TABLE",
        "Parameters": {"classification": "csv"},
        **extra,
    }


def test_database_lifecycle(glue: Any) -> None:
    glue.create_database(
        DatabaseInput={"Name": "BYOD_src", "Description": "raw", "Parameters": {"k": "v"}}
    )
    db = glue.get_database(Name="byod_src")["Database"]
    assert db["Name"] == "byod_src"
    assert db["Description"] == "raw"
    assert db["Parameters"] == {"k": "v"}
    assert db["CatalogId"] == "000000000000"
    assert "CreateTime" in db
    assert db["CreateTableDefaultPermissions"][0]["Permissions"] == ["ALL"]
    # lookups ignore case, as Glue stores names lower-case
    assert glue.get_database(Name="BYOD_SRC")["Database"]["Name"] == "byod_src"
    glue.create_database(DatabaseInput={"Name": "byod_curated"})
    names = [d["Name"] for d in glue.get_databases()["DatabaseList"]]
    assert names == ["byod_curated", "byod_src"]
    glue.update_database(Name="BYOD_SRC", DatabaseInput={"Name": "byod_src", "Description": "new"})
    assert glue.get_database(Name="byod_src")["Database"]["Description"] == "new"
    glue.delete_database(Name="Byod_Src")
    with pytest.raises(ClientError) as exc:
        glue.get_database(Name="byod_src")
    assert error_code(exc) == "EntityNotFoundException"
    assert exc.value.response["Error"]["Message"] == "Database byod_src not found."


def test_database_errors(glue: Any) -> None:
    glue.create_database(DatabaseInput={"Name": "db"})
    with pytest.raises(ClientError) as exc:
        glue.create_database(DatabaseInput={"Name": "DB"})
    assert error_code(exc) == "AlreadyExistsException"
    assert exc.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    with pytest.raises(ParamValidationError):
        glue.create_database(DatabaseInput={"Name": ""})
    with pytest.raises(ClientError) as exc:
        glue.create_database(DatabaseInput={"Name": "x" * 256})
    assert error_code(exc) == "ValidationException"
    assert "Member must have length less than or equal to 255" in str(exc.value)
    with pytest.raises(ClientError) as exc:
        glue.delete_database(Name="nope")
    assert error_code(exc) == "EntityNotFoundException"
    with pytest.raises(ClientError) as exc:
        glue.update_database(Name="nope", DatabaseInput={"Name": "nope"})
    assert error_code(exc) == "EntityNotFoundException"
    assert [d["Name"] for d in glue.get_databases()["DatabaseList"]] == ["db"]


def test_databases_paginate(glue: Any) -> None:
    for i in range(5):
        glue.create_database(DatabaseInput={"Name": f"d{i}"})
    first = glue.get_databases(MaxResults=2)
    assert [d["Name"] for d in first["DatabaseList"]] == ["d0", "d1"]
    pages = glue.get_paginator("get_databases").paginate(PaginationConfig={"PageSize": 2})
    assert [d["Name"] for p in pages for d in p["DatabaseList"]] == [f"d{i}" for i in range(5)]
    with pytest.raises(ClientError) as exc:
        glue.get_databases(NextToken="garbage")
    assert error_code(exc) == "InvalidInputException"


def test_table_lifecycle_and_shape(glue: Any) -> None:
    glue.create_database(DatabaseInput={"Name": "db"})
    glue.create_table(
        DatabaseName="DB",
        TableInput=table_input(
            "Raw_Customers",
            PartitionKeys=[{"Name": "ingest_year", "Type": "string"}],
            Description="customers",
        ),
    )
    table = glue.get_table(DatabaseName="db", Name="RAW_customers")["Table"]
    assert table["Name"] == "raw_customers"
    assert table["DatabaseName"] == "db"
    assert table["TableType"] == "EXTERNAL_TABLE"
    assert table["Parameters"] == {"classification": "csv"}
    assert table["StorageDescriptor"]["Columns"] == SD["Columns"]
    assert table["StorageDescriptor"]["Location"] == "s3://lake/raw/customers/"
    assert table["StorageDescriptor"]["SerdeInfo"]["Parameters"] == {"field.delim": ","}
    assert table["PartitionKeys"] == [{"Name": "ingest_year", "Type": "string"}]
    assert table["VersionId"] == "0"
    assert table["CatalogId"] == "000000000000"
    assert table["IsRegisteredWithLakeFormation"] is False
    for stamp in ("CreateTime", "UpdateTime"):
        assert stamp in table
    glue.delete_table(DatabaseName="db", Name="RAW_CUSTOMERS")
    with pytest.raises(ClientError) as exc:
        glue.get_table(DatabaseName="db", Name="raw_customers")
    assert error_code(exc) == "EntityNotFoundException"
    assert exc.value.response["Error"]["Message"] == "Table raw_customers not found."


def test_table_errors_leave_state_untouched(glue: Any) -> None:
    with pytest.raises(ClientError) as exc:
        glue.create_table(DatabaseName="nodb", TableInput=table_input("t"))
    assert error_code(exc) == "EntityNotFoundException"
    glue.create_database(DatabaseInput={"Name": "db"})
    glue.create_table(DatabaseName="db", TableInput=table_input("t"))
    with pytest.raises(ClientError) as exc:
        glue.create_table(DatabaseName="db", TableInput=table_input("T", Description="dup"))
    assert error_code(exc) == "AlreadyExistsException"
    assert "Description" not in glue.get_table(DatabaseName="db", Name="t")["Table"]
    with pytest.raises(ClientError) as exc:
        glue.update_table(DatabaseName="db", TableInput=table_input("missing"))
    assert error_code(exc) == "EntityNotFoundException"
    with pytest.raises(ClientError) as exc:
        glue.get_table(DatabaseName="nodb", Name="t")
    assert error_code(exc) == "EntityNotFoundException"
    assert "Database nodb not found" in exc.value.response["Error"]["Message"]
    assert [t["Name"] for t in glue.get_tables(DatabaseName="db")["TableList"]] == ["t"]


def test_get_tables_expression(glue: Any) -> None:
    glue.create_database(DatabaseInput={"Name": "db"})
    for name in ("raw_customers", "raw_orders", "cleansed_customers", "total_clicks"):
        glue.create_table(DatabaseName="db", TableInput=table_input(name))

    def names(expression: str) -> list[str]:
        found = glue.get_tables(DatabaseName="db", Expression=expression)["TableList"]
        return [t["Name"] for t in found]

    assert names("raw_*") == ["raw_customers", "raw_orders"]
    assert names("*customers") == ["cleansed_customers", "raw_customers"]
    assert names("raw_orders|total_clicks") == ["raw_orders", "total_clicks"]
    assert names("RAW_.*") == ["raw_customers", "raw_orders"]
    assert names("nothing*") == []
    listed = glue.get_tables(DatabaseName="db", MaxResults=3)
    assert len(listed["TableList"]) == 3
    rest = glue.get_tables(DatabaseName="db", NextToken=listed["NextToken"])
    assert [t["Name"] for t in rest["TableList"]] == ["total_clicks"]
    assert "NextToken" not in rest


def test_update_table_versions(glue: Any) -> None:
    glue.create_database(DatabaseInput={"Name": "db"})
    glue.create_table(DatabaseName="db", TableInput=table_input("t"))
    created = glue.get_table(DatabaseName="db", Name="t")["Table"]
    edited = {**SD, "Columns": [*SD["Columns"], {"Name": "email", "Type": "string"}]}
    glue.update_table(DatabaseName="db", TableInput=table_input("t", StorageDescriptor=edited))
    glue.update_table(
        DatabaseName="db", TableInput=table_input("T", StorageDescriptor=edited, Description="d")
    )
    table = glue.get_table(DatabaseName="db", Name="t")["Table"]
    assert table["VersionId"] == "2"
    assert table["Description"] == "d"
    assert table["CreateTime"] == created["CreateTime"]
    versions = glue.get_table_versions(DatabaseName="db", TableName="t")["TableVersions"]
    assert [v["VersionId"] for v in versions] == ["2", "1", "0"]
    assert [len(v["Table"]["StorageDescriptor"]["Columns"]) for v in versions] == [3, 3, 2]
    old = glue.get_table_version(DatabaseName="db", TableName="t", VersionId="0")
    assert old["TableVersion"]["Table"]["StorageDescriptor"]["Columns"] == SD["Columns"]
    glue.update_table(DatabaseName="db", TableInput=table_input("t"), SkipArchive=True)
    versions = glue.get_table_versions(DatabaseName="db", TableName="t")["TableVersions"]
    assert [v["VersionId"] for v in versions] == ["3", "1", "0"]
    glue.delete_table_version(DatabaseName="db", TableName="t", VersionId="0")
    with pytest.raises(ClientError) as exc:
        glue.get_table_version(DatabaseName="db", TableName="t", VersionId="0")
    assert error_code(exc) == "EntityNotFoundException"
    failed = glue.batch_delete_table_version(
        DatabaseName="db", TableName="t", VersionIds=["1", "3", "77"]
    )["Errors"]
    # the current version cannot be deleted; an unknown one is reported
    assert sorted(e["VersionId"] for e in failed) == ["3", "77"]
    assert [
        v["VersionId"]
        for v in glue.get_table_versions(DatabaseName="db", TableName="t")["TableVersions"]
    ] == ["3"]
    with pytest.raises(ClientError) as exc:
        glue.get_table_versions(DatabaseName="db", TableName="nope")
    assert error_code(exc) == "EntityNotFoundException"


def test_update_table_version_id_guard(glue: Any) -> None:
    glue.create_database(DatabaseInput={"Name": "db"})
    glue.create_table(DatabaseName="db", TableInput=table_input("t"))
    glue.update_table(
        DatabaseName="db", TableInput=table_input("t", Description="a"), VersionId="0"
    )
    with pytest.raises(ClientError) as exc:
        glue.update_table(
            DatabaseName="db", TableInput=table_input("t", Description="b"), VersionId="0"
        )
    assert error_code(exc) == "ConcurrentModificationException"
    assert glue.get_table(DatabaseName="db", Name="t")["Table"]["Description"] == "a"


def test_batch_delete_table(glue: Any) -> None:
    glue.create_database(DatabaseInput={"Name": "db"})
    for name in ("a", "b", "c"):
        glue.create_table(DatabaseName="db", TableInput=table_input(name))
    out = glue.batch_delete_table(DatabaseName="db", TablesToDelete=["A", "missing", "c"])
    assert out["Errors"] == [
        {
            "TableName": "missing",
            "ErrorDetail": {
                "ErrorCode": "EntityNotFoundException",
                "ErrorMessage": "Table missing not found.",
            },
        }
    ]
    assert [t["Name"] for t in glue.get_tables(DatabaseName="db")["TableList"]] == ["b"]
    with pytest.raises(ClientError) as exc:
        glue.batch_delete_table(DatabaseName="nodb", TablesToDelete=["a"])
    assert error_code(exc) == "EntityNotFoundException"


def test_search_tables(glue: Any) -> None:
    glue.create_database(DatabaseInput={"Name": "glue_ttt_demo_db"})
    glue.create_database(DatabaseInput={"Name": "other"})
    glue.create_table(
        DatabaseName="glue_ttt_demo_db",
        TableInput=table_input("total_clicks", Description="clicks per customer"),
    )
    glue.create_table(
        DatabaseName="glue_ttt_demo_db",
        TableInput={
            **table_input("web-page-streaming-table"),
            "Parameters": {"classification": "json"},
        },
    )
    glue.create_table(DatabaseName="other", TableInput=table_input("clicks_archive"))

    def names(**kwargs: Any) -> list[str]:
        return sorted(t["Name"] for t in glue.search_tables(**kwargs)["TableList"])

    assert names(SearchText="clicks") == ["clicks_archive", "total_clicks"]
    assert names(SearchText="CUSTOMER") == ["total_clicks"]
    assert names(Filters=[{"Key": "DatabaseName", "Value": "glue_ttt_demo_db"}]) == [
        "total_clicks",
        "web-page-streaming-table",
    ]
    assert names(Filters=[{"Key": "classification", "Value": "json"}]) == [
        "web-page-streaming-table"
    ]
    ordered = glue.search_tables(
        SearchText="clicks", SortCriteria=[{"FieldName": "Name", "Sort": "DESC"}]
    )["TableList"]
    assert [t["Name"] for t in ordered] == ["total_clicks", "clicks_archive"]
    found = glue.search_tables(SearchText="total_clicks")["TableList"]
    assert found[0]["DatabaseName"] == "glue_ttt_demo_db"


def test_delete_database_takes_its_tables(glue: Any) -> None:
    glue.create_database(DatabaseInput={"Name": "db"})
    glue.create_table(DatabaseName="db", TableInput=table_input("t"))
    glue.delete_database(Name="db")
    glue.create_database(DatabaseInput={"Name": "db"})
    assert glue.get_tables(DatabaseName="db")["TableList"] == []


def test_views_are_virtual_view_tables(glue: Any) -> None:
    glue.create_database(DatabaseInput={"Name": "db"})
    glue.create_table(
        DatabaseName="db",
        TableInput={
            "Name": "tpc_customer_inter",
            "TableType": "VIRTUAL_VIEW",
            "ViewOriginalText": "/* Presto View: e30= */",
            "ViewExpandedText": "/* Presto View */",
            "StorageDescriptor": {"Columns": [{"Name": "c", "Type": "int"}]},
            "Parameters": {"presto_view": "true", "comment": "Presto View"},
        },
    )
    view = glue.get_table(DatabaseName="db", Name="tpc_customer_inter")["Table"]
    assert view["TableType"] == "VIRTUAL_VIEW"
    assert view["ViewOriginalText"] == "/* Presto View: e30= */"
    assert view["ViewExpandedText"] == "/* Presto View */"
