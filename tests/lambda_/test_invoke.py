"""Invoking functions through boto3 and the aws CLI: results, failures, context, logs."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from headwater.runtime.clock import VirtualClock

pytestmark = pytest.mark.e2e

INSPECT = """
    import os, sys
    import boto3

    LOADED = []
    LOADED.append(1)

    def handler(event, context):
        try:
            import headwater  # noqa: F401
            server_importable = True
        except ImportError:
            server_importable = False
        sts = boto3.client("sts")
        s3 = boto3.client("s3")
        return {
            "event": event,
            "loaded": len(LOADED),
            "request_id": context.aws_request_id,
            "function_name": context.function_name,
            "function_version": context.function_version,
            "invoked_function_arn": context.invoked_function_arn,
            "memory_limit_in_mb": context.memory_limit_in_mb,
            "log_group_name": context.log_group_name,
            "log_stream_name": context.log_stream_name,
            "remaining": context.get_remaining_time_in_millis(),
            "env": {k: v for k, v in os.environ.items()
                    if k.startswith(("AWS_", "LAMBDA_", "_HANDLER", "GREETING"))},
            "account": sts.get_caller_identity()["Account"],
            "buckets": [b["Name"] for b in s3.list_buckets()["Buckets"]],
            "server_importable": server_importable,
            "cwd": os.getcwd(),
            "path0": sys.path[0],
        }
"""


def _payload(resp: dict[str, Any]) -> Any:
    return json.loads(resp["Payload"].read())


def test_invoke_sees_lambda_context_environment_and_headwater(
    lam: Any,
    make_function: Callable[..., Any],
    client: Callable[..., Any],
    endpoint: str,
    clock: VirtualClock,
) -> None:
    client("s3").create_bucket(Bucket="seen-from-lambda")
    make_function(
        "inspect",
        {"app.py": INSPECT},
        MemorySize=256,
        Timeout=30,
        Environment={"Variables": {"GREETING": "hello"}},
    )
    resp = lam.invoke(FunctionName="inspect", Payload=json.dumps({"k": [1, 2]}).encode())
    assert resp["StatusCode"] == 200
    assert resp["ExecutedVersion"] == "$LATEST"
    assert "FunctionError" not in resp
    out = _payload(resp)
    assert out["event"] == {"k": [1, 2]}
    assert out["request_id"] == resp["ResponseMetadata"]["RequestId"]
    assert out["function_name"] == "inspect"
    assert out["function_version"] == "$LATEST"
    assert out["invoked_function_arn"] == "arn:aws:lambda:us-east-1:000000000000:function:inspect"
    assert out["memory_limit_in_mb"] == "256"
    assert out["log_group_name"] == "/aws/lambda/inspect"
    # Streams are named after the server clock's UTC date (earlier tests may have moved it).
    day = clock.utcnow().strftime("%Y/%m/%d")
    assert out["log_stream_name"].startswith(f"{day}/[$LATEST]")
    assert 0 < out["remaining"] <= 30_000
    env = out["env"]
    assert env["AWS_REGION"] == env["AWS_DEFAULT_REGION"] == "us-east-1"
    assert env["AWS_LAMBDA_FUNCTION_NAME"] == "inspect"
    assert env["AWS_LAMBDA_FUNCTION_VERSION"] == "$LATEST"
    assert env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] == "256"
    assert env["_HANDLER"] == "app.handler"
    assert env["LAMBDA_TASK_ROOT"] == out["cwd"] == out["path0"]
    assert env["AWS_ENDPOINT_URL"] == endpoint
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        assert env[key]
    assert env["GREETING"] == "hello"
    assert out["account"] == "000000000000"
    assert "seen-from-lambda" in out["buckets"]
    assert out["server_importable"] is False
    # A warm worker: module-level code ran once.
    again = _payload(lam.invoke(FunctionName="inspect", Payload=b"{}"))
    assert again["loaded"] == 1
    assert again["log_stream_name"] == out["log_stream_name"]


def test_unhandled_exception_has_lambdas_error_shape(
    lam: Any, make_function: Callable[..., Any]
) -> None:
    make_function(
        "divider",
        {"app.py": "def handler(event, context):\n    return 10 / event['by']\n"},
    )
    ok = lam.invoke(FunctionName="divider", Payload=b'{"by": 2}')
    assert _payload(ok) == 5.0
    resp = lam.invoke(FunctionName="divider", Payload=b'{"by": 0}')
    assert resp["StatusCode"] == 200
    assert resp["FunctionError"] == "Unhandled"
    err = _payload(resp)
    assert err["errorType"] == "ZeroDivisionError"
    assert err["errorMessage"] == "division by zero"
    assert err["requestId"] == resp["ResponseMetadata"]["RequestId"]
    assert len(err["stackTrace"]) == 1
    assert 'app.py", line 2, in handler' in err["stackTrace"][0]
    assert "return 10 / event['by']" in err["stackTrace"][0]


def test_timeout_kills_the_worker(lam: Any, make_function: Callable[..., Any]) -> None:
    make_function(
        "sleeper",
        {
            "app.py": """
                import time
                CALLS = []
                def handler(event, context):
                    CALLS.append(1)
                    print("going to sleep")
                    if event.get("sleep"):
                        time.sleep(event["sleep"])
                    return len(CALLS)
            """
        },
        Timeout=1,
    )
    assert _payload(lam.invoke(FunctionName="sleeper", Payload=b"{}")) == 1
    resp = lam.invoke(FunctionName="sleeper", Payload=b'{"sleep": 30}', LogType="Tail")
    assert resp["FunctionError"] == "Unhandled"
    err = _payload(resp)
    rid = resp["ResponseMetadata"]["RequestId"]
    assert err == {
        "errorMessage": f"RequestId: {rid} Error: Task timed out after 1.00 seconds",
        "errorType": "Sandbox.Timedout",
    }
    tail = base64.b64decode(resp["LogResult"]).decode()
    assert "going to sleep" in tail
    assert f"{rid} Task timed out after 1.00 seconds" in tail
    assert "Status: timeout" in tail
    # The worker was killed: the next call starts a fresh one.
    assert _payload(lam.invoke(FunctionName="sleeper", Payload=b"{}")) == 1


@pytest.mark.parametrize(
    ("files", "handler", "error_type", "message"),
    [
        (
            {"app.py": "import not_installed_anywhere\ndef handler(e, c):\n    return 1\n"},
            "app.handler",
            "Runtime.ImportModuleError",
            "Unable to import module 'app': No module named 'not_installed_anywhere'",
        ),
        (
            {"app.py": "def other(e, c):\n    return 1\n"},
            "app.handler",
            "Runtime.HandlerNotFound",
            "Handler 'handler' missing on module 'app'",
        ),
        (
            {"app.py": "def handler(e, c):\n    return 1\n"},
            "missing.handler",
            "Runtime.ImportModuleError",
            "Unable to import module 'missing': No module named 'missing'",
        ),
        (
            {"app.py": "def handler(e, c)\n    return 1\n"},
            "app.handler",
            "Runtime.UserCodeSyntaxError",
            "Syntax error in module 'app': ",
        ),
        (
            {"app.py": "def handler(e, c):\n    return 1\n"},
            "nodot",
            "Runtime.MalformedHandlerName",
            "Bad handler 'nodot': not enough values to unpack (expected 2, got 1)",
        ),
        (
            {"app.py": "RATE = 10 / 0\ndef handler(e, c):\n    return 1\n"},
            "app.handler",
            "ZeroDivisionError",
            "division by zero",
        ),
    ],
    ids=[
        "import-error",
        "handler-not-found",
        "module-not-found",
        "syntax-error",
        "malformed",
        "module-raises",
    ],
)
def test_init_failures(
    lam: Any,
    make_function: Callable[..., Any],
    files: dict[str, str],
    handler: str,
    error_type: str,
    message: str,
) -> None:
    make_function("broken", files, handler=handler)
    resp = lam.invoke(FunctionName="broken", Payload=b"{}")
    assert resp["FunctionError"] == "Unhandled"
    err = _payload(resp)
    assert err["errorType"] == error_type
    assert err["errorMessage"].startswith(message)
    assert err["requestId"] == ""


def test_crash_during_init_is_runtime_exit_error(
    lam: Any, make_function: Callable[..., Any]
) -> None:
    make_function("dies-early", {"app.py": "import os\nos._exit(2)\n"})
    resp = lam.invoke(FunctionName="dies-early", Payload=b"{}")
    rid = resp["ResponseMetadata"]["RequestId"]
    assert resp["FunctionError"] == "Unhandled"
    assert _payload(resp) == {
        "errorMessage": f"RequestId: {rid} Error: Runtime exited with error: exit status 2",
        "errorType": "Runtime.ExitError",
    }


def test_crash_is_runtime_exit_error(lam: Any, make_function: Callable[..., Any]) -> None:
    make_function("crasher", {"app.py": "import os\ndef handler(e, c):\n    os._exit(3)\n"})
    resp = lam.invoke(FunctionName="crasher", Payload=b"{}")
    assert resp["FunctionError"] == "Unhandled"
    rid = resp["ResponseMetadata"]["RequestId"]
    assert _payload(resp) == {
        "errorMessage": f"RequestId: {rid} Error: Runtime exited with error: exit status 3",
        "errorType": "Runtime.ExitError",
    }


def test_package_handler_returns_none_and_marshal_errors(
    lam: Any, make_function: Callable[..., Any]
) -> None:
    make_function(
        "pkg",
        {
            "pkg/__init__.py": "",
            "pkg/mod.py": (
                "from decimal import Decimal\n"
                "def handler(e, c):\n"
                "    if e.get('set'):\n"
                "        return {1, 2}\n"
                "    if e.get('bytes'):\n"
                "        return b'raw bytes'\n"
                "    if e.get('decimal'):\n"
                "        return {'n': Decimal('3'), 'x': Decimal('1.5'), 'name': 'Zoë'}\n"
                "    return None\n"
            ),
        },
        handler="pkg/mod.handler",
    )
    assert lam.invoke(FunctionName="pkg")["Payload"].read() == b"null"
    assert lam.invoke(FunctionName="pkg", Payload=b'{"bytes": 1}')["Payload"].read() == b"raw bytes"
    decimal = lam.invoke(FunctionName="pkg", Payload=b'{"decimal": 1}')["Payload"].read()
    assert decimal == b'{"n": 3, "x": 1.5, "name": "Zo\\u00eb"}'  # ASCII-escaped but on 3.12
    resp = lam.invoke(FunctionName="pkg", Payload=b'{"set": true}')
    err = _payload(resp)
    assert err["errorType"] == "Runtime.MarshalError"
    assert err["errorMessage"].startswith("Unable to marshal response: Object of type set")


def test_code_and_configuration_changes_recycle_workers(
    lam: Any, make_function: Callable[..., Any], zipped: Callable[..., bytes]
) -> None:
    source = (
        "import os\nN = []\n"
        "def handler(e, c):\n"
        "    N.append(1)\n"
        "    return [{v}, len(N), os.environ.get('MODE')]\n"
    )
    make_function("evolving", {"app.py": source.format(v=1)})
    assert _payload(lam.invoke(FunctionName="evolving")) == [1, 1, None]
    assert _payload(lam.invoke(FunctionName="evolving")) == [1, 2, None]
    lam.update_function_code(
        FunctionName="evolving", ZipFile=zipped({"app.py": source.format(v=2)})
    )
    assert _payload(lam.invoke(FunctionName="evolving")) == [2, 1, None]
    lam.update_function_configuration(
        FunctionName="evolving", Environment={"Variables": {"MODE": "prod"}}
    )
    assert _payload(lam.invoke(FunctionName="evolving")) == [2, 1, "prod"]


def test_versions_and_aliases_run_their_own_code(
    lam: Any, make_function: Callable[..., Any], zipped: Callable[..., bytes]
) -> None:
    source = "def handler(e, c):\n    return [{v}, c.function_version, c.invoked_function_arn]\n"
    make_function("versioned", {"app.py": source.format(v=1)}, Publish=True)
    lam.update_function_code(
        FunctionName="versioned", ZipFile=zipped({"app.py": source.format(v=2)})
    )
    lam.create_alias(FunctionName="versioned", Name="live", FunctionVersion="1")
    arn = "arn:aws:lambda:us-east-1:000000000000:function:versioned"
    latest = lam.invoke(FunctionName="versioned")
    assert _payload(latest) == [2, "$LATEST", arn]
    v1 = lam.invoke(FunctionName=f"{arn}:1")
    assert v1["ExecutedVersion"] == "1"
    assert _payload(v1) == [1, "1", f"{arn}:1"]
    live = lam.invoke(FunctionName="versioned", Qualifier="live")
    assert live["ExecutedVersion"] == "1"
    assert _payload(live) == [1, "1", f"{arn}:live"]
    assert _payload(lam.invoke(FunctionName="versioned:$LATEST"))[0] == 2


def test_dry_run_bad_payload_and_missing_function(
    lam: Any, make_function: Callable[..., Any]
) -> None:
    make_function("dry", {"app.py": "def handler(e, c):\n    return 1\n"})
    assert lam.invoke(FunctionName="dry", InvocationType="DryRun")["StatusCode"] == 204
    with pytest.raises(ClientError) as bad:
        lam.invoke(FunctionName="dry", Payload=b"{not json")
    assert bad.value.response["Error"]["Code"] == "InvalidRequestContentException"
    with pytest.raises(ClientError) as missing:
        lam.invoke(FunctionName="nope", Payload=b"{}")
    assert missing.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404
    assert missing.value.response["Error"]["Code"] == "ResourceNotFoundException"
    assert missing.value.response["Error"]["Message"] == (
        "Function not found: arn:aws:lambda:us-east-1:000000000000:function:nope"
    )


def test_reserved_concurrency_zero_throttles(lam: Any, make_function: Callable[..., Any]) -> None:
    make_function("throttled", {"app.py": "def handler(e, c):\n    return 1\n"})
    lam.put_function_concurrency(FunctionName="throttled", ReservedConcurrentExecutions=0)
    with pytest.raises(ClientError) as err:
        lam.invoke(FunctionName="throttled")
    assert err.value.response["ResponseMetadata"]["HTTPStatusCode"] == 429
    assert err.value.response["Error"]["Code"] == "TooManyRequestsException"
    assert err.value.response["Reason"] == "ReservedFunctionConcurrentInvocationLimitExceeded"
    lam.delete_function_concurrency(FunctionName="throttled")
    assert _payload(lam.invoke(FunctionName="throttled")) == 1


def test_cli_invoke_with_log_tail(
    aws: Callable[..., Any], zipped: Callable[..., bytes], tmp_path: Path
) -> None:
    code = tmp_path / "code.zip"
    source = """
        def lambda_handler(event, context):
            print("got", event["name"])
            return {"hello": event["name"]}
    """
    code.write_bytes(zipped({"lambda_function.py": source}))
    aws(
        "lambda",
        "create-function",
        "--function-name",
        "cli-fn",
        "--runtime",
        "python3.12",
        "--role",
        "arn:aws:iam::000000000000:role/r",
        "--handler",
        "lambda_function.lambda_handler",
        "--zip-file",
        f"fileb://{code}",
    )
    out = tmp_path / "out.json"
    proc = aws(
        "lambda",
        "invoke",
        "--function-name",
        "cli-fn",
        "--payload",
        '{"name": "world"}',
        "--log-type",
        "Tail",
        str(out),
    )
    meta = json.loads(proc.stdout)
    assert meta["StatusCode"] == 200
    assert json.loads(out.read_text()) == {"hello": "world"}
    tail = base64.b64decode(meta["LogResult"]).decode()
    assert "got world" in tail
    assert tail.startswith("START RequestId: ")
    assert "REPORT RequestId: " in tail
    assert "Headwater: the function asks for runtime python3.12" not in tail  # init is not tail
    listed = json.loads(aws("lambda", "list-functions").stdout)
    assert [f["FunctionName"] for f in listed["Functions"]] == ["cli-fn"]


def test_printed_lines_reach_cloudwatch_logs(
    lam: Any, make_function: Callable[..., Any], client: Callable[..., Any]
) -> None:
    make_function(
        "talker",
        {
            "app.py": """
                import logging
                print("module loaded")
                logger = logging.getLogger()
                logger.setLevel(logging.INFO)
                def handler(event, context):
                    print("handling", event["n"])
                    logger.info("structured %s", event["n"])
                    return event["n"]
            """
        },
    )
    ids = [lam.invoke(FunctionName="talker", Payload=json.dumps({"n": n}).encode()) for n in (1, 2)]
    rids = [r["ResponseMetadata"]["RequestId"] for r in ids]
    logs = client("logs")
    messages = [
        e["message"] for e in logs.filter_log_events(logGroupName="/aws/lambda/talker")["events"]
    ]
    assert messages[0].startswith("INIT_START ")
    assert "module loaded\n" in messages
    start = messages.index(f"START RequestId: {rids[0]} Version: $LATEST\n")
    assert messages[start + 1] == "handling 1\n"
    assert messages[start + 2].startswith("[INFO]\t")
    assert messages[start + 2].endswith(f"\t{rids[0]}\tstructured 1\n")
    assert messages[start + 3] == f"END RequestId: {rids[0]}\n"
    assert messages[start + 4].startswith(f"REPORT RequestId: {rids[0]}\tDuration: ")
    assert "Init Duration: " in messages[start + 4]
    assert "Init Duration: " not in messages[-1]
    hits = logs.filter_log_events(logGroupName="/aws/lambda/talker", filterPattern='"handling 2"')
    assert [e["message"] for e in hits["events"]] == ["handling 2\n"]
    streams = logs.describe_log_streams(logGroupName="/aws/lambda/talker")["logStreams"]
    assert len(streams) == 1
    events = logs.get_log_events(
        logGroupName="/aws/lambda/talker",
        logStreamName=streams[0]["logStreamName"],
        startFromHead=True,
    )["events"]
    assert [e["message"] for e in events] == messages
