"""The Lambda control plane through boto3: functions, versions, aliases, policies, code sources."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

pytestmark = pytest.mark.e2e

ARN = "arn:aws:lambda:us-east-1:000000000000:function"
HELLO = {"app.py": "def handler(event, context):\n    return 'hello'\n"}


def _error(exc: pytest.ExceptionInfo[ClientError]) -> tuple[int, str, str]:
    resp = exc.value.response
    return (
        resp["ResponseMetadata"]["HTTPStatusCode"],
        resp["Error"]["Code"],
        resp["Error"]["Message"],
    )


def test_create_get_list_update_delete(
    lam: Any, make_function: Callable[..., Any], zipped: Callable[..., bytes]
) -> None:
    created = make_function(
        "crud",
        HELLO,
        Description="first",
        Timeout=10,
        MemorySize=512,
        Environment={"Variables": {"A": "1"}},
        Tags={"team": "data"},
    )
    assert created["FunctionArn"] == f"{ARN}:crud"
    assert created["State"] == "Active"
    assert created["LastUpdateStatus"] == "Successful"
    assert created["Version"] == "$LATEST"
    assert created["Runtime"] == "python3.11"
    assert created["Timeout"] == 10
    assert created["MemorySize"] == 512
    assert created["Environment"] == {"Variables": {"A": "1"}}
    assert created["PackageType"] == "Zip"
    assert created["CodeSize"] > 0
    assert created["LoggingConfig"] == {"LogFormat": "Text", "LogGroup": "/aws/lambda/crud"}
    lam.get_waiter("function_active_v2").wait(FunctionName="crud")
    got = lam.get_function(FunctionName="crud")
    assert got["Configuration"]["CodeSha256"] == created["CodeSha256"]
    assert got["Code"]["RepositoryType"] == "S3"
    assert got["Tags"] == {"team": "data"}
    by_arn = lam.get_function_configuration(FunctionName=f"{ARN}:crud")
    assert by_arn["RevisionId"] == created["RevisionId"]
    assert [f["FunctionName"] for f in lam.list_functions()["Functions"]] == ["crud"]

    code = lam.update_function_code(
        FunctionName="crud", ZipFile=zipped({"app.py": "def handler(e, c):\n    return 2\n"})
    )
    assert code["CodeSha256"] != created["CodeSha256"]
    assert code["RevisionId"] != created["RevisionId"]
    cfg = lam.update_function_configuration(
        FunctionName="crud", Timeout=20, Description="second", Handler="app.handler"
    )
    assert (cfg["Timeout"], cfg["Description"], cfg["MemorySize"]) == (20, "second", 512)
    with pytest.raises(ClientError) as stale:
        lam.update_function_configuration(
            FunctionName="crud", Timeout=5, RevisionId=created["RevisionId"]
        )
    assert _error(stale)[:2] == (412, "PreconditionFailedException")

    lam.tag_resource(Resource=f"{ARN}:crud", Tags={"env": "dev"})
    lam.untag_resource(Resource=f"{ARN}:crud", TagKeys=["team"])
    assert lam.list_tags(Resource=f"{ARN}:crud")["Tags"] == {"env": "dev"}

    lam.delete_function(FunctionName="crud")
    with pytest.raises(ClientError) as gone:
        lam.get_function(FunctionName="crud")
    assert _error(gone) == (
        404,
        "ResourceNotFoundException",
        f"Function not found: {ARN}:crud",
    )


def test_create_refusals(
    lam: Any,
    make_function: Callable[..., Any],
    zipped: Callable[..., bytes],
    client: Callable[..., Any],
) -> None:
    make_function("taken", HELLO)
    with pytest.raises(ClientError) as dup:
        make_function("taken", HELLO)
    assert _error(dup) == (409, "ResourceConflictException", "Function already exist: taken")
    with pytest.raises(ClientError) as runtime:
        make_function("node", HELLO, Runtime="nodejs20.x")
    assert _error(runtime)[:2] == (400, "InvalidParameterValueException")
    assert "Python functions only" in _error(runtime)[2]
    with pytest.raises(ClientError) as reserved:
        make_function("env", HELLO, Environment={"Variables": {"AWS_REGION": "x"}})
    assert _error(reserved)[2].endswith("Reserved keys used in this request: AWS_REGION")
    with pytest.raises(ClientError) as bad_zip:
        lam.create_function(
            FunctionName="badzip",
            Runtime="python3.11",
            Role="arn:aws:iam::000000000000:role/r",
            Handler="app.handler",
            Code={"ZipFile": b"not a zip"},
        )
    assert _error(bad_zip) == (
        400,
        "InvalidParameterValueException",
        "Could not unzip uploaded file. Please check your file, then try to upload again.",
    )
    with pytest.raises(ClientError) as no_code:
        lam.create_function(
            FunctionName="nocode",
            Runtime="python3.11",
            Role="arn:aws:iam::000000000000:role/r",
            Handler="app.handler",
            Code={},
        )
    assert _error(no_code)[2] == "Please provide a source for function code."
    unchecked = client("lambda", parameter_validation=False)
    with pytest.raises(ClientError) as timeout:
        unchecked.create_function(
            FunctionName="slow",
            Runtime="python3.11",
            Role="arn:aws:iam::000000000000:role/r",
            Handler="app.handler",
            Code={"ZipFile": zipped(HELLO)},
            Timeout=0,
        )
    assert _error(timeout)[:2] == (400, "ValidationException")


@pytest.mark.parametrize("entry", ["../escape.py", "/etc/escape.py", "a/../../escape.py"])
def test_zip_slip_is_refused(
    lam: Any, zipped: Callable[..., bytes], server: Any, entry: str
) -> None:
    data = zipped({"app.py": "def handler(e, c):\n    return 1\n"}, **{entry: b"x = 1\n"})
    with pytest.raises(ClientError) as err:
        lam.create_function(
            FunctionName="slip",
            Runtime="python3.11",
            Role="arn:aws:iam::000000000000:role/r",
            Handler="app.handler",
            Code={"ZipFile": data},
        )
    assert _error(err)[:2] == (400, "InvalidParameterValueException")
    data_dir = Path(server.app.env.data_dir)
    assert not (data_dir / "escape.py").exists()
    assert not (data_dir / "lambda" / "escape.py").exists()
    assert not Path("/etc/escape.py").exists()


def test_code_from_s3(lam: Any, client: Callable[..., Any], zipped: Callable[..., bytes]) -> None:
    s3 = client("s3")
    s3.create_bucket(Bucket="artifacts")
    s3.put_object(
        Bucket="artifacts",
        Key="fn/v1.zip",
        Body=zipped({"main.py": "def run(e, c):\n    return 's3 code'\n"}),
    )
    lam.create_function(
        FunctionName="from-s3",
        Runtime="python3.11",
        Role="arn:aws:iam::000000000000:role/r",
        Handler="main.run",
        Code={"S3Bucket": "artifacts", "S3Key": "fn/v1.zip"},
    )
    assert json.loads(lam.invoke(FunctionName="from-s3")["Payload"].read()) == "s3 code"
    with pytest.raises(ClientError) as missing:
        lam.update_function_code(FunctionName="from-s3", S3Bucket="artifacts", S3Key="nope.zip")
    status, code, message = _error(missing)
    assert (status, code) == (400, "InvalidParameterValueException")
    assert message.startswith("Error occurred while GetObject. S3 Error Code: NoSuchKey.")


def test_hot_reload_folder_applies_edits(lam: Any, tmp_path: Path) -> None:
    folder = tmp_path / "src"
    folder.mkdir()
    (folder / "handler.py").write_text("def main(e, c):\n    return 'first'\n")
    created = lam.create_function(
        FunctionName="hot",
        Runtime="python3.11",
        Role="arn:aws:iam::000000000000:role/r",
        Handler="handler.main",
        Code={"S3Bucket": "hot-reload", "S3Key": str(folder)},
    )
    assert created["CodeSize"] == 0
    assert json.loads(lam.invoke(FunctionName="hot")["Payload"].read()) == "first"
    (folder / "handler.py").write_text("def main(e, c):\n    return 'edited, no upload'\n")
    assert json.loads(lam.invoke(FunctionName="hot")["Payload"].read()) == "edited, no upload"
    assert not (folder / "__pycache__").exists()
    with pytest.raises(ClientError) as relative:
        lam.update_function_code(FunctionName="hot", S3Bucket="hot-reload", S3Key="rel/path")
    assert _error(relative)[:2] == (400, "InvalidParameterValueException")


def test_versions_and_aliases(
    lam: Any, make_function: Callable[..., Any], zipped: Callable[..., bytes]
) -> None:
    first = make_function("ver", HELLO, Publish=True)
    assert first["Version"] == "1"
    assert first["FunctionArn"] == f"{ARN}:ver:1"
    again = lam.publish_version(FunctionName="ver")
    assert again["Version"] == "1"  # nothing changed: the same version
    lam.update_function_code(
        FunctionName="ver", ZipFile=zipped({"app.py": "def handler(e, c):\n    return 2\n"})
    )
    second = lam.publish_version(FunctionName="ver", Description="two")
    assert (second["Version"], second["Description"]) == ("2", "two")
    versions = lam.list_versions_by_function(FunctionName="ver")["Versions"]
    assert [v["Version"] for v in versions] == ["$LATEST", "1", "2"]
    assert versions[0]["FunctionArn"] == f"{ARN}:ver:$LATEST"
    v1 = lam.get_function(FunctionName="ver", Qualifier="1")["Configuration"]
    assert v1["CodeSha256"] == first["CodeSha256"]

    alias = lam.create_alias(FunctionName="ver", Name="prod", FunctionVersion="1")
    assert alias["AliasArn"] == f"{ARN}:ver:prod"
    with pytest.raises(ClientError) as dup:
        lam.create_alias(FunctionName="ver", Name="prod", FunctionVersion="2")
    assert _error(dup) == (
        409,
        "ResourceConflictException",
        f"Alias already exists: {ARN}:ver:prod",
    )
    with pytest.raises(ClientError) as no_version:
        lam.create_alias(FunctionName="ver", Name="beta", FunctionVersion="9")
    assert _error(no_version) == (
        404,
        "ResourceNotFoundException",
        f"Function not found: {ARN}:ver:9",
    )
    updated = lam.update_alias(
        FunctionName="ver",
        Name="prod",
        FunctionVersion="2",
        RoutingConfig={"AdditionalVersionWeights": {"1": 0.5}},
    )
    assert updated["RoutingConfig"] == {"AdditionalVersionWeights": {"1": 0.5}}
    assert [a["Name"] for a in lam.list_aliases(FunctionName="ver")["Aliases"]] == ["prod"]
    with pytest.raises(ClientError) as in_use:
        lam.delete_function(FunctionName="ver", Qualifier="2")
    assert _error(in_use)[:2] == (409, "ResourceConflictException")
    with pytest.raises(ClientError) as latest:
        lam.delete_function(FunctionName="ver", Qualifier="$LATEST")
    assert _error(latest)[2] == "$LATEST version cannot be deleted without deleting the function."
    lam.delete_alias(FunctionName="ver", Name="prod")
    with pytest.raises(ClientError) as no_alias:
        lam.get_alias(FunctionName="ver", Name="prod")
    assert _error(no_alias) == (
        404,
        "ResourceNotFoundException",
        f"Cannot find alias arn: {ARN}:ver:prod",
    )
    lam.delete_function(FunctionName="ver", Qualifier="1")
    assert [
        v["Version"] for v in lam.list_versions_by_function(FunctionName="ver")["Versions"]
    ] == [
        "$LATEST",
        "2",
    ]


def test_permissions_policy(lam: Any, make_function: Callable[..., Any]) -> None:
    make_function("guarded", HELLO)
    with pytest.raises(ClientError) as none:
        lam.get_policy(FunctionName="guarded")
    assert _error(none) == (
        404,
        "ResourceNotFoundException",
        "The resource you requested does not exist.",
    )
    added = lam.add_permission(
        FunctionName="guarded",
        StatementId="s3-invoke",
        Action="lambda:InvokeFunction",
        Principal="s3.amazonaws.com",
        SourceArn="arn:aws:s3:::raw-bucket",
        SourceAccount="000000000000",
    )
    stmt = json.loads(added["Statement"])
    assert stmt == {
        "Sid": "s3-invoke",
        "Effect": "Allow",
        "Principal": {"Service": "s3.amazonaws.com"},
        "Action": "lambda:InvokeFunction",
        "Resource": f"{ARN}:guarded",
        "Condition": {
            "StringEquals": {"AWS:SourceAccount": "000000000000"},
            "ArnLike": {"AWS:SourceArn": "arn:aws:s3:::raw-bucket"},
        },
    }
    with pytest.raises(ClientError) as dup:
        lam.add_permission(
            FunctionName="guarded",
            StatementId="s3-invoke",
            Action="lambda:InvokeFunction",
            Principal="events.amazonaws.com",
        )
    assert _error(dup)[:2] == (409, "ResourceConflictException")
    policy = json.loads(lam.get_policy(FunctionName="guarded")["Policy"])
    assert policy["Version"] == "2012-10-17"
    assert [s["Sid"] for s in policy["Statement"]] == ["s3-invoke"]
    lam.remove_permission(FunctionName="guarded", StatementId="s3-invoke")
    with pytest.raises(ClientError) as removed:
        lam.remove_permission(FunctionName="guarded", StatementId="s3-invoke")
    assert _error(removed) == (
        404,
        "ResourceNotFoundException",
        "Statement s3-invoke is not found in resource policy.",
    )


def test_concurrency_settings(lam: Any, make_function: Callable[..., Any]) -> None:
    make_function("limited", HELLO)
    assert "ReservedConcurrentExecutions" not in lam.get_function_concurrency(
        FunctionName="limited"
    )
    put = lam.put_function_concurrency(FunctionName="limited", ReservedConcurrentExecutions=3)
    assert put["ReservedConcurrentExecutions"] == 3
    assert lam.get_function_concurrency(FunctionName="limited")["ReservedConcurrentExecutions"] == 3
    assert lam.get_function(FunctionName="limited")["Concurrency"] == {
        "ReservedConcurrentExecutions": 3
    }
    lam.delete_function_concurrency(FunctionName="limited")
    assert "Concurrency" not in lam.get_function(FunctionName="limited")


def test_layers_are_on_the_import_path(
    lam: Any, make_function: Callable[..., Any], zipped: Callable[..., bytes]
) -> None:
    layer = lam.publish_layer_version(
        LayerName="helpers",
        Content={"ZipFile": zipped({"python/helpers.py": "def shout(s):\n    return s.upper()\n"})},
        CompatibleRuntimes=["python3.11"],
    )
    assert layer["Version"] == 1
    assert layer["LayerVersionArn"] == "arn:aws:lambda:us-east-1:000000000000:layer:helpers:1"
    make_function(
        "layered",
        {"app.py": "import helpers\ndef handler(e, c):\n    return helpers.shout('hi')\n"},
        Layers=[layer["LayerVersionArn"]],
    )
    assert json.loads(lam.invoke(FunctionName="layered")["Payload"].read()) == "HI"
    assert [
        v["Version"] for v in lam.list_layer_versions(LayerName="helpers")["LayerVersions"]
    ] == [1]
    assert (
        lam.get_function(FunctionName="layered")["Configuration"]["Layers"][0]["Arn"]
        == (layer["LayerVersionArn"])
    )
