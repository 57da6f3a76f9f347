"""Custom classifiers, connections and tags through boto3."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.glue_catalog.conftest import error_code

S1_CSV = {
    "Name": "My-Custom-CSV-Classifier",
    "Delimiter": ",",
    "QuoteSymbol": '"',
    "ContainsHeader": "PRESENT",
    "Header": ["c_full_name", "c_email_address", "total_clicks"],
}


def test_csv_classifier_lifecycle(glue: Any) -> None:
    glue.create_classifier(CsvClassifier=S1_CSV)
    got = glue.get_classifier(Name="My-Custom-CSV-Classifier")["Classifier"]
    csv = got["CsvClassifier"]
    assert csv["Name"] == "My-Custom-CSV-Classifier"
    assert csv["Header"] == S1_CSV["Header"]
    assert csv["ContainsHeader"] == "PRESENT"
    assert csv["Delimiter"] == ","
    assert csv["Version"] == 1
    assert "CreationTime" in csv
    assert "LastUpdated" in csv
    glue.update_classifier(CsvClassifier={"Name": "My-Custom-CSV-Classifier", "Delimiter": "|"})
    csv = glue.get_classifier(Name="My-Custom-CSV-Classifier")["Classifier"]["CsvClassifier"]
    assert csv["Delimiter"] == "|"
    assert csv["Header"] == S1_CSV["Header"]
    assert csv["Version"] == 2
    glue.delete_classifier(Name="My-Custom-CSV-Classifier")
    with pytest.raises(ClientError) as exc:
        glue.get_classifier(Name="My-Custom-CSV-Classifier")
    assert error_code(exc) == "EntityNotFoundException"


def test_every_classifier_kind(glue: Any) -> None:
    glue.create_classifier(CsvClassifier=S1_CSV)
    glue.create_classifier(JsonClassifier={"Name": "records", "JsonPath": "$.records[*]"})
    glue.create_classifier(
        GrokClassifier={
            "Name": "applog",
            "Classification": "applog",
            "GrokPattern": "%{TIMESTAMP_ISO8601:ts} %{LOGLEVEL:level} %{GREEDYDATA:msg}",
        }
    )
    glue.create_classifier(XMLClassifier={"Name": "rows", "Classification": "xml", "RowTag": "row"})
    found = glue.get_classifiers()["Classifiers"]
    kinds = sorted((next(iter(c)), next(iter(c.values()))["Name"]) for c in found)
    assert kinds == [
        ("CsvClassifier", "My-Custom-CSV-Classifier"),
        ("GrokClassifier", "applog"),
        ("JsonClassifier", "records"),
        ("XMLClassifier", "rows"),
    ]
    grok = glue.get_classifier(Name="applog")["Classifier"]["GrokClassifier"]
    assert grok["Classification"] == "applog"
    assert grok["GrokPattern"].startswith("%{TIMESTAMP_ISO8601:ts}")
    page = glue.get_classifiers(MaxResults=3)
    assert len(page["Classifiers"]) == 3
    assert page["NextToken"]


def test_classifier_errors(glue: Any) -> None:
    glue.create_classifier(CsvClassifier=S1_CSV)
    with pytest.raises(ClientError) as exc:
        glue.create_classifier(CsvClassifier=S1_CSV)
    assert error_code(exc) == "AlreadyExistsException"
    with pytest.raises(ClientError) as exc:
        glue.create_classifier(CsvClassifier={"Name": "bad", "Delimiter": ";;"})
    assert error_code(exc) in ("InvalidInputException", "ValidationException")
    with pytest.raises(ClientError) as exc:
        glue.update_classifier(JsonClassifier={"Name": "My-Custom-CSV-Classifier", "JsonPath": "$"})
    assert error_code(exc) == "InvalidInputException"
    with pytest.raises(ClientError) as exc:
        glue.update_classifier(CsvClassifier={"Name": "nope", "Delimiter": ","})
    assert error_code(exc) == "EntityNotFoundException"
    with pytest.raises(ClientError) as exc:
        glue.delete_classifier(Name="nope")
    assert error_code(exc) == "EntityNotFoundException"
    with pytest.raises(ClientError) as exc:
        glue.create_classifier(
            GrokClassifier={"Name": "g", "Classification": "x", "GrokPattern": "%{NOPE:x}"}
        )
    assert error_code(exc) == "InvalidInputException"
    assert "%{NOPE}" in exc.value.response["Error"]["Message"]
    with pytest.raises(ClientError) as exc:
        glue.create_classifier()
    assert error_code(exc) == "InvalidInputException"
    assert [next(iter(c.values()))["Name"] for c in glue.get_classifiers()["Classifiers"]] == [
        "My-Custom-CSV-Classifier"
    ]


JDBC: dict[str, Any] = {
    "Name": "rds-mysql-connection",
    "ConnectionType": "JDBC",
    "ConnectionProperties": {
        "JDBC_CONNECTION_URL": "jdbc:mysql://mysql.example:3306/tpcds",
        "USERNAME": "admin",
        "PASSWORD": "secret",
    },
    "Description": "TPC-DS",
}


def test_connection_lifecycle(glue: Any) -> None:
    glue.create_connection(ConnectionInput=JDBC)
    got = glue.get_connection(Name="rds-mysql-connection")["Connection"]
    assert got["Name"] == "rds-mysql-connection"
    assert got["ConnectionType"] == "JDBC"
    assert got["ConnectionProperties"] == JDBC["ConnectionProperties"]
    assert got["Description"] == "TPC-DS"
    assert "CreationTime" in got
    assert "LastUpdatedTime" in got
    hidden = glue.get_connection(Name="rds-mysql-connection", HidePassword=True)["Connection"]
    assert "PASSWORD" not in hidden["ConnectionProperties"]
    assert hidden["ConnectionProperties"]["USERNAME"] == "admin"
    glue.create_connection(
        ConnectionInput={"Name": "net", "ConnectionType": "NETWORK", "ConnectionProperties": {}}
    )
    listed = glue.get_connections(Filter={"ConnectionType": "JDBC"})["ConnectionList"]
    assert [c["Name"] for c in listed] == ["rds-mysql-connection"]
    props = {**JDBC["ConnectionProperties"], "USERNAME": "reader"}
    glue.update_connection(
        Name="rds-mysql-connection", ConnectionInput={**JDBC, "ConnectionProperties": props}
    )
    got2 = glue.get_connection(Name="rds-mysql-connection")["Connection"]
    assert got2["ConnectionProperties"]["USERNAME"] == "reader"
    assert got2["CreationTime"] == got["CreationTime"]
    out = glue.batch_delete_connection(ConnectionNameList=["net", "ghost"])
    assert out["Succeeded"] == ["net"]
    assert out["Errors"]["ghost"]["ErrorCode"] == "EntityNotFoundException"
    glue.delete_connection(ConnectionName="rds-mysql-connection")
    with pytest.raises(ClientError) as exc:
        glue.get_connection(Name="rds-mysql-connection")
    assert error_code(exc) == "EntityNotFoundException"


def test_connection_errors(glue: Any) -> None:
    glue.create_connection(ConnectionInput=JDBC)
    with pytest.raises(ClientError) as exc:
        glue.create_connection(ConnectionInput=JDBC)
    assert error_code(exc) == "AlreadyExistsException"
    with pytest.raises(ClientError) as exc:
        glue.create_connection(
            ConnectionInput={"Name": "x", "ConnectionType": "JDBC", "ConnectionProperties": {}}
        )
    assert error_code(exc) == "InvalidInputException"
    with pytest.raises(ClientError) as exc:
        glue.delete_connection(ConnectionName="ghost")
    assert error_code(exc) == "EntityNotFoundException"
    assert [c["Name"] for c in glue.get_connections()["ConnectionList"]] == ["rds-mysql-connection"]


def test_tags_on_databases_and_crawlers(glue: Any) -> None:
    glue.create_database(DatabaseInput={"Name": "db"}, Tags={"team": "data"})
    arn = "arn:aws:glue:us-east-1:000000000000:database/db"
    assert glue.get_tags(ResourceArn=arn)["Tags"] == {"team": "data"}
    glue.tag_resource(ResourceArn=arn, TagsToAdd={"env": "dev"})
    glue.untag_resource(ResourceArn=arn, TagsToRemove=["team"])
    assert glue.get_tags(ResourceArn=arn)["Tags"] == {"env": "dev"}
    with pytest.raises(ClientError) as exc:
        glue.get_tags(ResourceArn="arn:aws:glue:us-east-1:000000000000:database/nope")
    assert error_code(exc) == "EntityNotFoundException"
    with pytest.raises(ClientError) as exc:
        glue.get_tags(ResourceArn="arn:aws:glue:us-east-1:000000000000:nokind")
    assert error_code(exc) == "InvalidInputException"
