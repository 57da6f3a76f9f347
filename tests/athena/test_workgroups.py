"""Work groups and enforcement, tags, named queries, prepared statements, catalog metadata."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import botocore.exceptions
import pytest

from tests.athena.conftest import RESULTS, values, wait_done


def test_primary_exists_and_s1_sets_its_result_location(
    athena: Any, run: Callable[..., Any], s3: Any
) -> None:
    names = [w["Name"] for w in athena.list_work_groups()["WorkGroups"]]
    assert "primary" in names
    assert athena.get_work_group(WorkGroup="primary")["WorkGroup"]["State"] == "ENABLED"
    athena.update_work_group(
        WorkGroup="primary",
        ConfigurationUpdates={
            "ResultConfigurationUpdates": {"OutputLocation": "s3://athena-results/primary/"}
        },
    )
    qid = athena.start_query_execution(QueryString="SELECT 1")["QueryExecutionId"]
    ex = wait_done(athena, qid)
    assert ex["ResultConfiguration"]["OutputLocation"] == f"s3://athena-results/primary/{qid}.csv"
    s3.head_object(Bucket="athena-results", Key=f"primary/{qid}.csv")


def test_enforced_workgroup_overrides_the_request(athena: Any, client: Any) -> None:
    athena.create_work_group(
        Name="etl",
        Description="ETL team",
        Configuration={
            "ResultConfiguration": {"OutputLocation": "s3://athena-results/etl/"},
            "EnforceWorkGroupConfiguration": True,
        },
        Tags=[{"Key": "team", "Value": "data"}],
    )
    qid = athena.start_query_execution(
        QueryString="SELECT 2",
        WorkGroup="etl",
        ResultConfiguration={"OutputLocation": "s3://athena-results/mine/"},
    )["QueryExecutionId"]
    ex = wait_done(athena, qid)
    assert ex["WorkGroup"] == "etl"
    assert ex["ResultConfiguration"]["OutputLocation"].startswith("s3://athena-results/etl/")
    assert athena.list_query_executions(WorkGroup="etl")["QueryExecutionIds"] == [qid]
    athena.update_work_group(
        WorkGroup="etl", ConfigurationUpdates={"EnforceWorkGroupConfiguration": False}
    )
    qid = athena.start_query_execution(
        QueryString="SELECT 3",
        WorkGroup="etl",
        ResultConfiguration={"OutputLocation": "s3://athena-results/mine/"},
    )["QueryExecutionId"]
    ex = wait_done(athena, qid)
    assert ex["ResultConfiguration"]["OutputLocation"].startswith("s3://athena-results/mine/")
    arn = "arn:aws:athena:us-east-1:000000000000:workgroup/etl"
    assert athena.list_tags_for_resource(ResourceARN=arn)["Tags"] == [
        {"Key": "team", "Value": "data"}
    ]
    athena.tag_resource(ResourceARN=arn, Tags=[{"Key": "env", "Value": "dev"}])
    athena.untag_resource(ResourceARN=arn, TagKeys=["team"])
    assert athena.list_tags_for_resource(ResourceARN=arn)["Tags"] == [
        {"Key": "env", "Value": "dev"}
    ]


def test_disabled_missing_and_deleted_workgroups(athena: Any) -> None:
    athena.create_work_group(Name="off")
    with pytest.raises(botocore.exceptions.ClientError) as info:
        athena.create_work_group(Name="off")
    assert info.value.response["Error"]["Code"] == "InvalidRequestException"
    athena.update_work_group(WorkGroup="off", State="DISABLED")
    with pytest.raises(botocore.exceptions.ClientError) as info:
        athena.start_query_execution(
            QueryString="SELECT 1",
            WorkGroup="off",
            ResultConfiguration={"OutputLocation": RESULTS},
        )
    assert "disabled" in info.value.response["Error"]["Message"]
    athena.delete_work_group(WorkGroup="off")
    with pytest.raises(botocore.exceptions.ClientError) as info:
        athena.get_work_group(WorkGroup="off")
    assert info.value.response["Error"]["Code"] == "InvalidRequestException"
    with pytest.raises(botocore.exceptions.ClientError):
        athena.delete_work_group(WorkGroup="primary")


def test_named_queries(athena: Any, run: Callable[..., Any]) -> None:
    nid = athena.create_named_query(
        Name="top", Database="default", QueryString="SELECT 7 AS n", Description="d"
    )["NamedQueryId"]
    named = athena.get_named_query(NamedQueryId=nid)["NamedQuery"]
    assert named["QueryString"] == "SELECT 7 AS n"
    assert named["WorkGroup"] == "primary"
    assert athena.list_named_queries()["NamedQueryIds"] == [nid]
    batch = athena.batch_get_named_query(NamedQueryIds=[nid, "nope"])
    assert [q["Name"] for q in batch["NamedQueries"]] == ["top"]
    assert batch["UnprocessedNamedQueryIds"][0]["NamedQueryId"] == "nope"
    ex = run(named["QueryString"])
    assert values(ex["results"]) == [["n"], ["7"]]
    athena.delete_named_query(NamedQueryId=nid)
    assert athena.list_named_queries()["NamedQueryIds"] == []
    with pytest.raises(botocore.exceptions.ClientError):
        athena.get_named_query(NamedQueryId=nid)


def test_prepared_statements_and_execute(athena: Any, run: Callable[..., Any]) -> None:
    athena.create_prepared_statement(
        StatementName="add_up",
        WorkGroup="primary",
        QueryStatement="SELECT ? + ? AS total, ? AS label",
    )
    got = athena.get_prepared_statement(StatementName="add_up", WorkGroup="primary")
    assert got["PreparedStatement"]["QueryStatement"].startswith("SELECT ?")
    listed = athena.list_prepared_statements(WorkGroup="primary")["PreparedStatements"]
    assert [p["StatementName"] for p in listed] == ["add_up"]
    ex = run("EXECUTE add_up USING 1, 2, 'x, y'")
    assert ex["Status"]["State"] == "SUCCEEDED", ex["Status"]
    assert values(ex["results"]) == [["total", "label"], ["3", "x, y"]]
    ex = run("EXECUTE add_up", ExecutionParameters=["10", "5", "'z'"])
    assert values(ex["results"])[1] == ["15", "z"]
    athena.update_prepared_statement(
        StatementName="add_up", WorkGroup="primary", QueryStatement="SELECT ? * 2 AS twice"
    )
    assert values(run("EXECUTE add_up USING 21")["results"])[1] == ["42"]
    athena.delete_prepared_statement(StatementName="add_up", WorkGroup="primary")
    with pytest.raises(botocore.exceptions.ClientError) as info:
        athena.get_prepared_statement(StatementName="add_up", WorkGroup="primary")
    assert info.value.response["Error"]["Code"] == "ResourceNotFoundException"
    with pytest.raises(botocore.exceptions.ClientError) as info:
        athena.start_query_execution(
            QueryString="EXECUTE add_up USING 1", ResultConfiguration={"OutputLocation": RESULTS}
        )
    assert info.value.response["Error"]["Code"] == "InvalidRequestException"


def test_data_catalog_and_table_metadata(athena: Any, glue: Any) -> None:
    assert athena.list_data_catalogs()["DataCatalogsSummary"][0]["CatalogName"] == (
        "AwsDataCatalog"
    )
    assert athena.get_data_catalog(Name="AwsDataCatalog")["DataCatalog"]["Type"] == "GLUE"
    glue.create_database(DatabaseInput={"Name": "meta", "Description": "m"})
    glue.create_table(
        DatabaseName="meta",
        TableInput={
            "Name": "events",
            "PartitionKeys": [{"Name": "dt", "Type": "string"}],
            "StorageDescriptor": {
                "Columns": [{"Name": "id", "Type": "bigint"}],
                "Location": "s3://nowhere/events/",
            },
        },
    )
    dbs = athena.list_databases(CatalogName="AwsDataCatalog")["DatabaseList"]
    assert {"Name": "meta", "Description": "m", "Parameters": {}} in dbs
    assert athena.get_database(CatalogName="AwsDataCatalog", DatabaseName="meta")["Database"][
        "Name"
    ] == ("meta")
    listed = athena.list_table_metadata(CatalogName="AwsDataCatalog", DatabaseName="meta")
    assert [t["Name"] for t in listed["TableMetadataList"]] == ["events"]
    meta = athena.get_table_metadata(
        CatalogName="AwsDataCatalog", DatabaseName="meta", TableName="events"
    )["TableMetadata"]
    assert meta["Columns"] == [{"Name": "id", "Type": "bigint"}]
    assert meta["PartitionKeys"] == [{"Name": "dt", "Type": "string"}]
    assert meta["Parameters"]["location"] == "s3://nowhere/events/"
    with pytest.raises(botocore.exceptions.ClientError) as info:
        athena.get_table_metadata(
            CatalogName="AwsDataCatalog", DatabaseName="meta", TableName="missing"
        )
    assert info.value.response["Error"]["Code"] == "MetadataException"


def test_prepare_and_deallocate_in_sql(athena: Any, run: Callable[..., Any]) -> None:
    ex = run("PREPARE pick FROM SELECT ? AS v")
    assert ex["Status"]["State"] == "SUCCEEDED", ex["Status"]
    assert ex["StatementType"] == "DDL"
    got = athena.get_prepared_statement(StatementName="pick", WorkGroup="primary")
    assert got["PreparedStatement"]["QueryStatement"] == "SELECT ? AS v"
    assert values(run("EXECUTE pick USING 'here'")["results"]) == [["v"], ["here"]]
    assert run("DEALLOCATE PREPARE pick")["Status"]["State"] == "SUCCEEDED"
    assert athena.list_prepared_statements(WorkGroup="primary")["PreparedStatements"] == []
    ex = run("DEALLOCATE PREPARE pick")
    assert ex["Status"]["State"] == "FAILED"
