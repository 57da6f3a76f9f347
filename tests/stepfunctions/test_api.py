"""The Step Functions API through boto3: machines, versions, aliases, executions, history."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError

from headwater.runtime.clock import VirtualClock
from headwater.services.base import RequestContext
from headwater.services.errors import ServiceError
from tests.stepfunctions.conftest import ROLE, history_types

PASS = {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}
WAIT = {
    "StartAt": "W",
    "States": {
        "W": {"Type": "Wait", "Seconds": 30, "Next": "P"},
        "P": {"Type": "Pass", "End": True},
    },
}
FAIL = {"StartAt": "F", "States": {"F": {"Type": "Fail", "Error": "Boom", "Cause": "it broke"}}}


def _code(exc: pytest.ExceptionInfo[ClientError]) -> str:
    return str(exc.value.response["Error"]["Code"])


def _message(exc: pytest.ExceptionInfo[ClientError]) -> str:
    return str(exc.value.response["Error"]["Message"])


# -- state machines ------------------------------------------------------------------------
def test_create_describe_list_update_delete(sfn: Any, make_machine: Callable[..., str]) -> None:
    arn = make_machine(PASS, name="lifecycle", tags=[{"key": "team", "value": "data"}])
    assert arn == "arn:aws:states:us-east-1:000000000000:stateMachine:lifecycle"
    described = sfn.describe_state_machine(stateMachineArn=arn)
    assert described["name"] == "lifecycle"
    assert described["type"] == "STANDARD"
    assert described["status"] == "ACTIVE"
    assert json.loads(described["definition"]) == PASS
    assert described["loggingConfiguration"] == {"level": "OFF", "includeExecutionData": False}
    listed = sfn.list_state_machines()["stateMachines"]
    assert [m["name"] for m in listed] == ["lifecycle"]
    revision = described["revisionId"]
    updated = sfn.update_state_machine(stateMachineArn=arn, definition=json.dumps(WAIT))
    assert updated["revisionId"] != revision
    assert json.loads(sfn.describe_state_machine(stateMachineArn=arn)["definition"]) == WAIT
    assert sfn.list_tags_for_resource(resourceArn=arn)["tags"] == [{"key": "team", "value": "data"}]
    sfn.delete_state_machine(stateMachineArn=arn)
    with pytest.raises(ClientError) as exc:
        sfn.describe_state_machine(stateMachineArn=arn)
    assert _code(exc) == "StateMachineDoesNotExist"
    assert _message(exc) == f"State Machine Does Not Exist: '{arn}'"


def test_invalid_definition_has_the_asl_message(sfn: Any) -> None:
    with pytest.raises(ClientError) as exc:
        sfn.create_state_machine(
            name="bad",
            definition=json.dumps({"StartAt": "A", "States": {"A": {"Type": "Pass"}}}),
            roleArn=ROLE,
        )
    assert _code(exc) == "InvalidDefinition"
    assert _message(exc).startswith("Invalid State Machine Definition: '")
    assert "/States/A" in _message(exc)


@pytest.mark.parametrize("name", ["has space", "a:b", "x" * 81, "br[ack]et", "wild*", "new\nline"])
def test_invalid_names(sfn: Any, name: str) -> None:
    with pytest.raises(ClientError) as exc:
        sfn.create_state_machine(name=name, definition=json.dumps(PASS), roleArn=ROLE)
    assert _code(exc) in ("InvalidName", "ValidationException")


def test_same_name_same_definition_is_idempotent(
    sfn: Any, make_machine: Callable[..., str]
) -> None:
    arn = make_machine(PASS, name="twice")
    again = sfn.create_state_machine(name="twice", definition=json.dumps(PASS), roleArn=ROLE)
    assert again["stateMachineArn"] == arn
    with pytest.raises(ClientError) as exc:
        sfn.create_state_machine(name="twice", definition=json.dumps(FAIL), roleArn=ROLE)
    assert _code(exc) == "StateMachineAlreadyExists"


def test_role_arn_is_required(service: Any) -> None:
    ctx = RequestContext(request_id="t")
    with pytest.raises(ServiceError) as exc:
        service.create_state_machine(ctx, {"name": "norole", "definition": json.dumps(PASS)})
    assert exc.value.code == "ValidationException"
    with pytest.raises(ServiceError) as bad:
        service.create_state_machine(
            ctx, {"name": "norole", "definition": json.dumps(PASS), "roleArn": "not-an-arn"}
        )
    assert bad.value.code == "InvalidArn"


def test_invalid_arns(sfn: Any) -> None:
    with pytest.raises(ClientError) as exc:
        sfn.describe_state_machine(stateMachineArn="arn:aws:states:us-east-1:0:execution:a:b")
    assert _code(exc) == "InvalidArn"
    with pytest.raises(ClientError) as exc:
        sfn.describe_execution(executionArn="nonsense:arn:x:y:z:w:q")
    assert _code(exc) == "InvalidArn"
    with pytest.raises(ClientError) as exc:
        sfn.describe_execution(
            executionArn="arn:aws:states:us-east-1:000000000000:execution:nope:nope"
        )
    assert _code(exc) == "ExecutionDoesNotExist"


def test_express_machine_and_start_sync(
    sfn: Any, make_machine: Callable[..., str], clock: VirtualClock
) -> None:
    definition = {
        "StartAt": "P",
        "States": {"P": {"Type": "Pass", "Parameters": {"got.$": "$.n"}, "End": True}},
    }
    arn = make_machine(definition, type="EXPRESS")
    out = sfn.start_sync_execution(stateMachineArn=arn, input='{"n": 7}', name="sync-one")
    assert out["status"] == "SUCCEEDED"
    assert json.loads(out["output"]) == {"got": 7}
    assert ":express:" in out["executionArn"]
    assert out["billingDetails"]["billedDurationInMilliseconds"] >= 100
    failing = make_machine(FAIL, type="EXPRESS")
    out = sfn.start_sync_execution(stateMachineArn=failing, input="{}")
    assert (out["status"], out["error"], out["cause"]) == ("FAILED", "Boom", "it broke")
    started = sfn.start_execution(stateMachineArn=arn, input='{"n": 1}')
    assert ":express:" in started["executionArn"]


def test_start_sync_on_standard_is_refused(sfn: Any, make_machine: Callable[..., str]) -> None:
    arn = make_machine(PASS)
    with pytest.raises(ClientError) as exc:
        sfn.start_sync_execution(stateMachineArn=arn, input="{}")
    assert _code(exc) == "StateMachineTypeNotSupported"


# -- versions and aliases ------------------------------------------------------------------
def test_publish_versions_and_aliases(
    sfn: Any, make_machine: Callable[..., str], finish: Callable[..., Any]
) -> None:
    out = sfn.create_state_machine(
        name="versioned",
        definition=json.dumps(PASS),
        roleArn=ROLE,
        publish=True,
        versionDescription="first",
    )
    arn = out["stateMachineArn"]
    v1 = out["stateMachineVersionArn"]
    assert v1 == f"{arn}:1"
    assert sfn.describe_state_machine(stateMachineArn=v1)["description"] == "first"
    sfn.update_state_machine(stateMachineArn=arn, definition=json.dumps(FAIL), publish=True)
    versions = sfn.list_state_machine_versions(stateMachineArn=arn)["stateMachineVersions"]
    assert [v["stateMachineVersionArn"] for v in versions] == [f"{arn}:2", v1]
    alias = sfn.create_state_machine_alias(
        name="prod", routingConfiguration=[{"stateMachineVersionArn": v1, "weight": 100}]
    )["stateMachineAliasArn"]
    assert alias == f"{arn}:prod"
    described = sfn.describe_state_machine_alias(stateMachineAliasArn=alias)
    assert described["routingConfiguration"] == [{"stateMachineVersionArn": v1, "weight": 100}]
    run = sfn.start_execution(stateMachineArn=alias, input="{}")["executionArn"]
    done = finish(run)
    assert done["status"] == "SUCCEEDED"  # version 1 passes; the latest revision fails
    assert done["stateMachineVersionArn"] == v1
    assert done["stateMachineAliasArn"] == alias
    latest = finish(sfn.start_execution(stateMachineArn=arn, input="{}")["executionArn"])
    assert latest["status"] == "FAILED"
    with pytest.raises(ClientError) as exc:
        sfn.delete_state_machine_version(stateMachineVersionArn=v1)
    assert _code(exc) == "ConflictException"
    sfn.delete_state_machine_alias(stateMachineAliasArn=alias)
    sfn.delete_state_machine_version(stateMachineVersionArn=v1)
    versions = sfn.list_state_machine_versions(stateMachineArn=arn)["stateMachineVersions"]
    assert [v["stateMachineVersionArn"] for v in versions] == [f"{arn}:2"]


# -- executions ----------------------------------------------------------------------------
def test_start_execution_name_idempotency(
    sfn: Any, make_machine: Callable[..., str], finish: Callable[..., Any]
) -> None:
    arn = make_machine(WAIT)
    first = sfn.start_execution(stateMachineArn=arn, name="once", input='{"a": 1}')
    again = sfn.start_execution(stateMachineArn=arn, name="once", input='{"a": 1}')
    assert again["executionArn"] == first["executionArn"]
    assert again["startDate"] == first["startDate"]
    with pytest.raises(ClientError) as exc:
        sfn.start_execution(stateMachineArn=arn, name="once", input='{"a": 2}')
    assert _code(exc) == "ExecutionAlreadyExists"
    finish(first["executionArn"])
    with pytest.raises(ClientError) as exc:
        sfn.start_execution(stateMachineArn=arn, name="once", input='{"a": 1}')
    assert _code(exc) == "ExecutionAlreadyExists"


@pytest.mark.parametrize("text", ["{not json", '{"a": 1'])
def test_invalid_execution_input(sfn: Any, make_machine: Callable[..., str], text: str) -> None:
    arn = make_machine(PASS)
    with pytest.raises(ClientError) as exc:
        sfn.start_execution(stateMachineArn=arn, input=text)
    assert _code(exc) == "InvalidExecutionInput"


def test_start_on_missing_machine(sfn: Any) -> None:
    with pytest.raises(ClientError) as exc:
        sfn.start_execution(
            stateMachineArn="arn:aws:states:us-east-1:000000000000:stateMachine:ghost"
        )
    assert _code(exc) == "StateMachineDoesNotExist"


def test_list_executions_filter_and_pages(
    sfn: Any, make_machine: Callable[..., str], finish: Callable[..., Any]
) -> None:
    arn = make_machine(WAIT)
    done = make_machine(PASS)
    running = [
        sfn.start_execution(stateMachineArn=arn, name=f"r{i}")["executionArn"] for i in range(5)
    ]
    finish(sfn.start_execution(stateMachineArn=done, name="d")["executionArn"])
    seen: list[str] = []
    kwargs: dict[str, Any] = {"stateMachineArn": arn, "maxResults": 2}
    while True:
        page = sfn.list_executions(**kwargs)
        assert len(page["executions"]) <= 2
        seen += [e["executionArn"] for e in page["executions"]]
        if "nextToken" not in page:
            break
        kwargs["nextToken"] = page["nextToken"]
    assert sorted(seen) == sorted(running)
    assert sfn.list_executions(stateMachineArn=arn, statusFilter="SUCCEEDED")["executions"] == []
    ok = sfn.list_executions(stateMachineArn=done, statusFilter="SUCCEEDED")["executions"]
    assert [e["name"] for e in ok] == ["d"]
    assert ok[0]["status"] == "SUCCEEDED"
    assert "stopDate" in ok[0]


def test_history_shapes_order_and_paging(
    sfn: Any, make_machine: Callable[..., str], finish: Callable[..., Any]
) -> None:
    arn = make_machine(WAIT)
    run = sfn.start_execution(stateMachineArn=arn, input='{"k": "v"}')["executionArn"]
    finish(run)
    events = sfn.get_execution_history(executionArn=run)["events"]
    assert [e["type"] for e in events] == [
        "ExecutionStarted",
        "WaitStateEntered",
        "WaitStateExited",
        "PassStateEntered",
        "PassStateExited",
        "ExecutionSucceeded",
    ]
    assert [(e["id"], e["previousEventId"]) for e in events] == [
        (1, 0),
        (2, 0),
        (3, 2),
        (4, 3),
        (5, 4),
        (6, 5),
    ]
    started = events[0]["executionStartedEventDetails"]
    assert started == {"input": '{"k":"v"}', "inputDetails": {"truncated": False}, "roleArn": ROLE}
    assert (events[2]["timestamp"] - events[1]["timestamp"]).total_seconds() == 30
    reverse = sfn.get_execution_history(executionArn=run, reverseOrder=True)["events"]
    assert [e["id"] for e in reverse] == [6, 5, 4, 3, 2, 1]
    bare = sfn.get_execution_history(executionArn=run, includeExecutionData=False)["events"]
    assert "input" not in bare[0]["executionStartedEventDetails"]
    assert bare[1]["stateEnteredEventDetails"] == {"name": "W"}
    first = sfn.get_execution_history(executionArn=run, maxResults=4)
    assert [e["id"] for e in first["events"]] == [1, 2, 3, 4]
    rest = sfn.get_execution_history(executionArn=run, maxResults=4, nextToken=first["nextToken"])
    assert [e["id"] for e in rest["events"]] == [5, 6]
    assert "nextToken" not in rest
    back = sfn.get_execution_history(executionArn=run, maxResults=4, reverseOrder=True)
    more = sfn.get_execution_history(
        executionArn=run, maxResults=4, reverseOrder=True, nextToken=back["nextToken"]
    )
    assert [e["id"] for e in back["events"] + more["events"]] == [6, 5, 4, 3, 2, 1]


def test_stop_execution(sfn: Any, make_machine: Callable[..., str]) -> None:
    arn = make_machine(WAIT)
    run = sfn.start_execution(stateMachineArn=arn)["executionArn"]
    sfn.stop_execution(executionArn=run, error="Stopped.Manually", cause="by the test")
    described = sfn.describe_execution(executionArn=run)
    assert described["status"] == "ABORTED"
    assert described["error"] == "Stopped.Manually"
    assert described["redriveStatus"] == "REDRIVABLE"
    assert history_types(sfn, run)[-1] == "ExecutionAborted"


def test_failed_execution_and_redrive(
    sfn: Any, make_machine: Callable[..., str], finish: Callable[..., Any]
) -> None:
    definition = {
        "StartAt": "Check",
        "States": {
            "Check": {
                "Type": "Choice",
                "Choices": [{"Variable": "$.ok", "BooleanEquals": True, "Next": "Done"}],
                "Default": "Broken",
            },
            "Broken": {"Type": "Fail", "Error": "Nope"},
            "Done": {"Type": "Succeed"},
        },
    }
    arn = make_machine(definition)
    run = sfn.start_execution(stateMachineArn=arn, input='{"ok": false}')["executionArn"]
    failed = finish(run)
    assert (failed["status"], failed["error"]) == ("FAILED", "Nope")
    redriven = sfn.redrive_execution(executionArn=run)
    assert "redriveDate" in redriven
    again = finish(run)
    assert again["status"] == "FAILED"
    assert again["redriveCount"] == 1
    assert "ExecutionRedriven" in history_types(sfn, run)


def test_describe_state_machine_for_execution_keeps_the_old_definition(
    sfn: Any, make_machine: Callable[..., str]
) -> None:
    arn = make_machine(WAIT)
    run = sfn.start_execution(stateMachineArn=arn)["executionArn"]
    sfn.update_state_machine(stateMachineArn=arn, definition=json.dumps(PASS))
    described = sfn.describe_state_machine_for_execution(executionArn=run)
    assert json.loads(described["definition"]) == WAIT
    sfn.stop_execution(executionArn=run)


def test_execution_timeout(
    sfn: Any, make_machine: Callable[..., str], finish: Callable[..., Any]
) -> None:
    definition = dict(WAIT, TimeoutSeconds=10)
    run = sfn.start_execution(stateMachineArn=make_machine(definition))["executionArn"]
    assert finish(run)["status"] == "TIMED_OUT"
    assert history_types(sfn, run)[-1] == "ExecutionTimedOut"


# -- validation, TestState, tags -----------------------------------------------------------
def test_validate_state_machine_definition(sfn: Any) -> None:
    ok = sfn.validate_state_machine_definition(definition=json.dumps(PASS))
    assert (ok["result"], ok["diagnostics"]) == ("OK", [])
    bad = sfn.validate_state_machine_definition(
        definition=json.dumps({"StartAt": "X", "States": {"A": {"Type": "Pass", "End": True}}})
    )
    assert bad["result"] == "FAIL"
    assert bad["diagnostics"][0]["severity"] == "ERROR"


def test_test_state_with_a_mock(sfn: Any) -> None:
    state = {
        "Type": "Task",
        "Resource": "arn:aws:states:::lambda:invoke",
        "Parameters": {"FunctionName": "f", "Payload.$": "$"},
        "ResultSelector": {"answer.$": "$.Payload.answer"},
        "End": True,
    }
    out = sfn.test_state(
        definition=json.dumps(state),
        roleArn=ROLE,
        input='{"q": 1}',
        mock={"result": json.dumps({"Payload": {"answer": 42}})},
        inspectionLevel="DEBUG",
    )
    assert out["status"] == "SUCCEEDED"
    assert json.loads(out["output"]) == {"answer": 42}
    assert "inspectionData" in out


def test_tags(sfn: Any, make_machine: Callable[..., str]) -> None:
    arn = make_machine(PASS)
    sfn.tag_resource(resourceArn=arn, tags=[{"key": "a", "value": "1"}, {"key": "b", "value": "2"}])
    sfn.untag_resource(resourceArn=arn, tagKeys=["a"])
    assert sfn.list_tags_for_resource(resourceArn=arn)["tags"] == [{"key": "b", "value": "2"}]
    with pytest.raises(ClientError) as exc:
        sfn.list_tags_for_resource(
            resourceArn="arn:aws:states:us-east-1:000000000000:stateMachine:ghost"
        )
    assert _code(exc) == "ResourceNotFound"
