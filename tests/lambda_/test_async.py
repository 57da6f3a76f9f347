"""Event invocations: queued durably, retried on the clock as Lambda does, then destinations."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import boto3
import pytest

from headwater.cli.server import ServerConfig, ServerThread, free_port

pytestmark = pytest.mark.e2e

ARN = "arn:aws:lambda:us-east-1:000000000000:function"
COLLECTOR = {
    "app.py": """
        import json
        def handler(event, context):
            print("RECORD " + json.dumps(event))
    """
}


def _records(client: Callable[..., Any], group: str) -> list[dict[str, Any]]:
    logs = client("logs")
    try:
        events = logs.filter_log_events(logGroupName=group, filterPattern="RECORD")["events"]
    except logs.exceptions.ResourceNotFoundException:
        return []
    return [json.loads(e["message"].split("RECORD ", 1)[1]) for e in events]


def test_failed_event_is_retried_twice_then_sent_to_on_failure(
    lam: Any,
    make_function: Callable[..., Any],
    lambda_service: Any,
    clock: Any,
    wait_for: Callable[..., Any],
    client: Callable[..., Any],
) -> None:
    make_function("collector", COLLECTOR)
    make_function(
        "flaky",
        {"app.py": "def handler(e, c):\n    print('attempt')\n    raise ValueError('nope')\n"},
    )
    lam.put_function_event_invoke_config(
        FunctionName="flaky",
        DestinationConfig={"OnFailure": {"Destination": f"{ARN}:collector"}},
    )
    resp = lam.invoke(FunctionName="flaky", InvocationType="Event", Payload=b'{"n": 1}')
    assert resp["StatusCode"] == 202
    assert resp["Payload"].read() == b""
    rid = resp["ResponseMetadata"]["RequestId"]

    def attempts(n: int, state: str) -> bool:
        status = lambda_service.async_status(rid)
        return bool(status and status["Attempts"] == n and status["State"] == state)

    wait_for(lambda: attempts(1, "pending"))
    first_due = lambda_service.async_status(rid)["DueAt"]
    assert first_due == pytest.approx(clock.now() + 60, abs=1)
    clock.advance(60)
    wait_for(lambda: attempts(2, "pending"))
    assert lambda_service.async_status(rid)["DueAt"] == pytest.approx(clock.now() + 120, abs=1)
    clock.advance(120)
    wait_for(lambda: attempts(3, "failed"))
    assert lambda_service.async_status(rid)["LastError"] == "ValueError"
    records = wait_for(lambda: _records(client, "/aws/lambda/collector"))
    assert len(records) == 1
    record = records[0]
    assert record["requestContext"] == {
        "requestId": rid,
        "functionArn": f"{ARN}:flaky:$LATEST",
        "condition": "RetriesExhausted",
        "approximateInvokeCount": 3,
    }
    assert record["requestPayload"] == {"n": 1}
    assert record["responseContext"]["functionError"] == "Unhandled"
    assert record["responsePayload"]["errorType"] == "ValueError"
    attempts_logged = client("logs").filter_log_events(
        logGroupName="/aws/lambda/flaky", filterPattern="attempt"
    )["events"]
    assert len(attempts_logged) == 3


def test_successful_event_goes_to_on_success_without_retries(
    lam: Any,
    make_function: Callable[..., Any],
    lambda_service: Any,
    wait_for: Callable[..., Any],
    client: Callable[..., Any],
) -> None:
    make_function("collector", COLLECTOR)
    make_function("fine", {"app.py": "def handler(e, c):\n    return {'doubled': e['n'] * 2}\n"})
    lam.put_function_event_invoke_config(
        FunctionName="fine",
        MaximumRetryAttempts=0,
        DestinationConfig={"OnSuccess": {"Destination": f"{ARN}:collector"}},
    )
    config = lam.get_function_event_invoke_config(FunctionName="fine")
    assert config["MaximumRetryAttempts"] == 0
    assert config["FunctionArn"] == f"{ARN}:fine:$LATEST"
    resp = lam.invoke(FunctionName="fine", InvocationType="Event", Payload=b'{"n": 21}')
    rid = resp["ResponseMetadata"]["RequestId"]
    wait_for(lambda: (lambda_service.async_status(rid) or {}).get("State") == "succeeded")
    record = wait_for(lambda: _records(client, "/aws/lambda/collector"))[0]
    assert record["requestContext"]["condition"] == "Success"
    assert record["responsePayload"] == {"doubled": 42}
    lam.delete_function_event_invoke_config(FunctionName="fine")
    assert (
        lam.list_function_event_invoke_configs(FunctionName="fine")["FunctionEventInvokeConfigs"]
        == []
    )


def test_no_retries_when_maximum_retry_attempts_is_zero(
    lam: Any,
    make_function: Callable[..., Any],
    lambda_service: Any,
    wait_for: Callable[..., Any],
) -> None:
    make_function("once", {"app.py": "def handler(e, c):\n    raise KeyError('x')\n"})
    lam.put_function_event_invoke_config(FunctionName="once", MaximumRetryAttempts=0)
    resp = lam.invoke(FunctionName="once", InvocationType="Event", Payload=b"{}")
    rid = resp["ResponseMetadata"]["RequestId"]
    status = wait_for(
        lambda: (s := lambda_service.async_status(rid)) and s["State"] == "failed" and s
    )
    assert status["Attempts"] == 1


def test_queued_event_survives_a_restart(
    tmp_path: Path, zipped: Callable[..., bytes], wait_for: Callable[..., Any]
) -> None:
    config = ServerConfig(data_dir=tmp_path / "hw", port=free_port(), time_scale=0)
    first = ServerThread(config).start()
    try:
        lam = boto3.client(
            "lambda",
            endpoint_url=first.endpoint,
            region_name="us-east-1",
            aws_access_key_id="test",
            aws_secret_access_key="test",
        )
        lam.create_function(
            FunctionName="later",
            Runtime="python3.11",
            Role="arn:aws:iam::000000000000:role/r",
            Handler="app.handler",
            Code={"ZipFile": zipped({"app.py": "def handler(e, c):\n    return e['n']\n"})},
        )
        first.app.registry.get("lambda").queue.stop()  # accepted, but not run before the stop
        resp = lam.invoke(FunctionName="later", InvocationType="Event", Payload=b'{"n": 7}')
        rid = resp["ResponseMetadata"]["RequestId"]
        assert first.app.registry.get("lambda").async_status(rid)["State"] == "pending"
    finally:
        first.stop()
    config.port = free_port()
    second = ServerThread(config).start()
    try:
        service = second.app.registry.get("lambda")
        status = wait_for(
            lambda: (s := service.async_status(rid)) and s["State"] == "succeeded" and s
        )
        assert status["Attempts"] == 1
    finally:
        second.stop()


def test_cli_event_invocation(
    aws: Callable[..., Any],
    make_function: Callable[..., Any],
    client: Callable[..., Any],
    wait_for: Callable[..., Any],
    tmp_path: Path,
) -> None:
    make_function("cli-async", {"app.py": "def handler(e, c):\n    return 1\n"})
    out = tmp_path / "out.json"
    proc = aws(
        "lambda",
        "invoke",
        "--function-name",
        "cli-async",
        "--invocation-type",
        "Event",
        "--payload",
        "{}",
        str(out),
    )
    assert json.loads(proc.stdout)["StatusCode"] == 202
    assert out.read_bytes() == b""
    ran = wait_for(lambda: _ended(client, "/aws/lambda/cli-async"))
    assert ran[0].startswith("END RequestId: ")


def _ended(client: Callable[..., Any], group: str) -> list[str]:
    logs = client("logs")
    try:
        events = logs.filter_log_events(logGroupName=group, filterPattern="END")["events"]
    except logs.exceptions.ResourceNotFoundException:
        return []
    return [e["message"] for e in events]
