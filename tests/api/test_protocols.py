"""Each wire protocol end to end: parse, validate, serialize and errors, through boto3."""

from __future__ import annotations

import json
import urllib.request
from datetime import UTC, datetime
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.api.conftest import FakeGlue


def _error(exc: pytest.ExceptionInfo[ClientError]) -> tuple[str, str, int]:
    resp = exc.value.response
    return (
        resp["Error"]["Code"],
        resp["Error"].get("Message", ""),
        resp["ResponseMetadata"]["HTTPStatusCode"],
    )


# -- JSON 1.1 -------------------------------------------------------------------------------
def test_json_request_is_parsed_into_the_input_shape(fake_client: Any) -> None:
    glue = fake_client("glue")
    glue.create_database(DatabaseInput={"Name": "byod_src", "Parameters": {"a": "b"}})
    assert FakeGlue.calls[-1] == {"DatabaseInput": {"Name": "byod_src", "Parameters": {"a": "b"}}}


def test_json_output_timestamps_and_maps(fake_client: Any) -> None:
    db = fake_client("glue").get_database(Name="byod_src")["Database"]
    assert db["CreateTime"] == datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert db["Parameters"] == {"k": "v"}


def test_json_service_error_keeps_code_and_message(fake_client: Any) -> None:
    with pytest.raises(ClientError) as exc:
        fake_client("glue").get_database(Name="missing")
    assert _error(exc) == ("EntityNotFoundException", "Database missing not found.", 400)


def test_json_unexpected_exception_is_an_internal_failure_not_a_traceback(fake_client: Any) -> None:
    with pytest.raises(ClientError) as exc:
        fake_client("glue").get_database(Name="boom")
    code, message, status = _error(exc)
    assert (code, status) == ("InternalFailure", 500)
    assert "Traceback" not in message


def _raw_json(endpoint: str, target: str, body: bytes) -> tuple[int, dict[str, Any]]:
    req = urllib.request.Request(
        endpoint,
        data=body,
        method="POST",
        headers={
            "X-Amz-Target": target,
            "Content-Type": "application/x-amz-json-1.1",
            "Authorization": "AWS4-HMAC-SHA256 Credential=k/20260101/us-east-1/glue/aws4_request, "
            "SignedHeaders=host, Signature=x",
        },
    )
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, json.load(resp)
    except urllib.error.HTTPError as err:
        return err.code, json.load(err)


def test_json_missing_required_member_names_it(fake_server: Any) -> None:
    status, body = _raw_json(fake_server.endpoint, "AWSGlue.GetDatabase", b"{}")
    assert status == 400
    assert body["__type"] == "ValidationException"
    assert body["message"] == (
        "1 validation error detected: Value null at 'name' failed to "
        "satisfy constraint: Member must not be null"
    )


def test_json_constraint_violations_are_all_reported(fake_server: Any) -> None:
    status, body = _raw_json(
        fake_server.endpoint, "AWSGlue.GetDatabase", json.dumps({"Name": "x" * 300}).encode()
    )
    assert status == 400
    assert body["message"].startswith("1 validation error detected: Value '" + "x" * 300)
    assert "Member must have length less than or equal to 255" in body["message"]


def test_json_wrong_type_is_a_serialization_error(fake_server: Any) -> None:
    status, body = _raw_json(fake_server.endpoint, "AWSGlue.GetDatabase", b'{"Name": 12}')
    assert status == 400
    assert body["__type"] == "SerializationException"
    assert "'Name'" in body["message"]


def test_json_body_that_is_not_json(fake_server: Any) -> None:
    status, body = _raw_json(fake_server.endpoint, "AWSGlue.GetDatabase", b"{nope")
    assert (status, body["__type"]) == (400, "SerializationException")


def test_json_unknown_operation(fake_server: Any) -> None:
    status, body = _raw_json(fake_server.endpoint, "AWSGlue.MakeCoffee", b"{}")
    assert (status, body["__type"]) == (400, "UnknownOperationException")


def test_json_known_operation_not_implemented_is_501_with_a_message(fake_client: Any) -> None:
    with pytest.raises(ClientError) as exc:
        fake_client("glue").get_tables(DatabaseName="x")
    code, message, status = _error(exc)
    assert (code, status) == ("NotImplemented", 501)
    assert "glue:GetTables" in message


def test_unknown_service_is_refused_with_the_enabled_list(fake_client: Any) -> None:
    with pytest.raises(ClientError) as exc:
        fake_client("kinesis").list_streams()
    code, message, _ = _error(exc)
    assert code == "UnknownServiceException"
    assert "glue" in message


# -- REST-JSON ------------------------------------------------------------------------------
def test_rest_json_uri_query_header_and_blob_payload(fake_client: Any) -> None:
    lam = fake_client("lambda")
    out = lam.invoke(FunctionName="fn", Payload=b'{"a": 1}', Qualifier="$LATEST")
    assert out["StatusCode"] == 200
    assert out["Payload"].read() == b'}1 :"a"{'
    assert out["ExecutedVersion"] == "$LATEST"
    assert "FunctionError" not in out


def test_rest_json_output_header_member(fake_client: Any) -> None:
    out = fake_client("lambda").invoke(FunctionName="failing", Payload=b"{}")
    assert out["FunctionError"] == "Unhandled"


def test_rest_json_body_output_and_404_error(fake_client: Any) -> None:
    lam = fake_client("lambda")
    cfg = lam.get_function(FunctionName="fn", Qualifier="3")["Configuration"]
    assert cfg == {"FunctionName": "fn", "MemorySize": 128}
    with pytest.raises(ClientError) as exc:
        lam.get_function(FunctionName="missing")
    assert _error(exc) == ("ResourceNotFoundException", "Function not found: missing", 404)


# -- Query ----------------------------------------------------------------------------------
def test_query_nested_lists_round_trip(fake_client: Any) -> None:
    iam = fake_client("iam")
    role = iam.create_role(
        RoleName="r1",
        AssumeRolePolicyDocument="{}",
        Tags=[{"Key": "team", "Value": "data"}, {"Key": "env", "Value": "dev"}],
    )["Role"]
    assert role["Tags"] == [{"Key": "team", "Value": "data"}, {"Key": "env", "Value": "dev"}]
    assert role["Arn"] == "arn:aws:iam::000000000000:role/r1"
    iam.delete_role(RoleName="r1")


def test_query_missing_required_parameter(fake_server: Any) -> None:
    req = urllib.request.Request(
        fake_server.endpoint,
        data=b"Action=GetRole&Version=2010-05-08",
        method="POST",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    with pytest.raises(urllib.error.HTTPError) as exc:
        urllib.request.urlopen(req, timeout=10)
    body = exc.value.read().decode()
    assert exc.value.code == 400
    assert "<Code>ValidationError</Code>" in body
    assert "Value null at 'roleName'" in body


def test_query_unknown_action(fake_client: Any, fake_server: Any) -> None:
    req = urllib.request.Request(
        fake_server.endpoint,
        data=b"Action=Fly&Version=2011-06-15",
        method="POST",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    with pytest.raises(urllib.error.HTTPError) as exc:
        urllib.request.urlopen(req, timeout=10)
    assert "<Code>InvalidAction</Code>" in exc.value.read().decode()


def test_sts_region_comes_from_the_credential_scope(fake_client: Any) -> None:
    ident = fake_client("sts").get_caller_identity()
    assert ident["Account"] == "000000000000"


def test_health_lists_the_enabled_services(fake_server: Any) -> None:
    with urllib.request.urlopen(f"{fake_server.endpoint}/_headwater/health", timeout=5) as r:
        health = json.load(r)
    assert health["status"] == "running"
    assert set(health["services"]) == {"glue", "lambda", "iam", "sts"}
