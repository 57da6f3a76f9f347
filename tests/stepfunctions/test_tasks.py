"""Task tokens, activities, heartbeats and the states / aws-sdk / sns integrations."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError

from headwater.runtime.clock import VirtualClock
from tests.conftest import eventually
from tests.stepfunctions.conftest import history_types


def _code(exc: pytest.ExceptionInfo[ClientError]) -> str:
    return str(exc.value.response["Error"]["Code"])


def _scheduled_parameters(sfn: Any, arn: str) -> dict[str, Any]:
    def find() -> dict[str, Any] | None:
        for e in sfn.get_execution_history(executionArn=arn)["events"]:
            if e["type"] == "TaskScheduled":
                params: dict[str, Any] = json.loads(e["taskScheduledEventDetails"]["parameters"])
                return params
        return None

    found: dict[str, Any] = eventually(find)
    return found


def _callback_machine(
    make_machine: Callable[..., str], client: Callable[..., Any], **extra: Any
) -> str:
    topic = client("sns").create_topic(Name="callbacks")["TopicArn"]
    state: dict[str, Any] = {
        "Type": "Task",
        "Resource": "arn:aws:states:::sns:publish.waitForTaskToken",
        "Parameters": {"TopicArn": topic, "Message": {"token.$": "$$.Task.Token"}},
        "End": True,
        **extra,
    }
    return make_machine({"StartAt": "Ask", "States": {"Ask": state}})


def test_wait_for_task_token_success(
    sfn: Any,
    make_machine: Callable[..., str],
    client: Callable[..., Any],
    finish: Callable[..., Any],
) -> None:
    arn = _callback_machine(make_machine, client)
    run = sfn.start_execution(stateMachineArn=arn)["executionArn"]
    token = _scheduled_parameters(sfn, run)["Message"]["token"]
    eventually(lambda: "TaskSubmitted" in history_types(sfn, run))
    sfn.send_task_success(taskToken=token, output='{"approved": true}')
    done = finish(run)
    assert done["status"] == "SUCCEEDED"
    assert json.loads(done["output"]) == {"approved": True}
    assert history_types(sfn, run) == [
        "ExecutionStarted",
        "TaskStateEntered",
        "TaskScheduled",
        "TaskStarted",
        "TaskSubmitted",
        "TaskSucceeded",
        "TaskStateExited",
        "ExecutionSucceeded",
    ]
    with pytest.raises(ClientError) as exc:
        sfn.send_task_success(taskToken=token, output="{}")
    assert _code(exc) == "TaskTimedOut"


def test_send_task_failure_and_bad_tokens(
    sfn: Any,
    make_machine: Callable[..., str],
    client: Callable[..., Any],
    finish: Callable[..., Any],
) -> None:
    arn = _callback_machine(make_machine, client)
    run = sfn.start_execution(stateMachineArn=arn)["executionArn"]
    token = _scheduled_parameters(sfn, run)["Message"]["token"]
    with pytest.raises(ClientError) as exc:
        sfn.send_task_success(taskToken="not a token", output="{}")
    assert _code(exc) == "InvalidToken"
    with pytest.raises(ClientError) as exc:
        sfn.send_task_success(taskToken="00000000-0000-4000-8000-000000000000", output="{}")
    assert _code(exc) == "TaskDoesNotExist"
    sfn.send_task_failure(taskToken=token, error="Rejected", cause="no budget")
    done = finish(run)
    assert (done["status"], done["error"], done["cause"]) == ("FAILED", "Rejected", "no budget")


def test_heartbeat_timeout(
    sfn: Any,
    make_machine: Callable[..., str],
    client: Callable[..., Any],
    clock: VirtualClock,
    finish: Callable[..., Any],
) -> None:
    arn = _callback_machine(make_machine, client, HeartbeatSeconds=10, TimeoutSeconds=100)
    run = sfn.start_execution(stateMachineArn=arn)["executionArn"]
    token = _scheduled_parameters(sfn, run)["Message"]["token"]
    eventually(lambda: clock.pending() >= 2)
    clock.advance(8)
    sfn.send_task_heartbeat(taskToken=token)
    clock.advance(8)  # 16 s after the start, 8 s after the heartbeat: still alive
    assert sfn.describe_execution(executionArn=run)["status"] == "RUNNING"
    done = finish(run)
    # AWS reports a missed heartbeat as States.Timeout (see the recorded heartbeat cases).
    assert (done["status"], done["error"]) == ("FAILED", "States.Timeout")
    assert (done["stopDate"] - done["startDate"]).total_seconds() == 18
    with pytest.raises(ClientError) as exc:
        sfn.send_task_heartbeat(taskToken=token)
    assert _code(exc) == "TaskTimedOut"


def test_activity_worker(
    sfn: Any, make_machine: Callable[..., str], finish: Callable[..., Any]
) -> None:
    activity = sfn.create_activity(name="approve")["activityArn"]
    assert sfn.create_activity(name="approve")["activityArn"] == activity
    assert sfn.describe_activity(activityArn=activity)["name"] == "approve"
    assert [a["name"] for a in sfn.list_activities()["activities"]] == ["approve"]
    arn = make_machine(
        {"StartAt": "A", "States": {"A": {"Type": "Task", "Resource": activity, "End": True}}}
    )
    got: dict[str, Any] = {}

    def worker() -> None:
        got.update(sfn.get_activity_task(activityArn=activity, workerName="w1"))

    thread = threading.Thread(target=worker)
    thread.start()  # polls before the task exists: the long poll picks it up
    run = sfn.start_execution(stateMachineArn=arn, input='{"amount": 5}')["executionArn"]
    thread.join(30)
    assert json.loads(got["input"]) == {"amount": 5}
    sfn.send_task_success(taskToken=got["taskToken"], output='{"ok": 1}')
    assert finish(run)["status"] == "SUCCEEDED"
    events = sfn.get_execution_history(executionArn=run)["events"]
    assert [e["type"] for e in events][2:5] == [
        "ActivityScheduled",
        "ActivityStarted",
        "ActivitySucceeded",
    ]
    assert events[3]["activityStartedEventDetails"] == {"workerName": "w1"}
    sfn.delete_activity(activityArn=activity)
    with pytest.raises(ClientError) as exc:
        sfn.describe_activity(activityArn=activity)
    assert _code(exc) == "ActivityDoesNotExist"


def test_task_on_a_missing_activity_fails(
    sfn: Any, make_machine: Callable[..., str], finish: Callable[..., Any]
) -> None:
    ghost = "arn:aws:states:us-east-1:000000000000:activity:ghost"
    arn = make_machine(
        {"StartAt": "A", "States": {"A": {"Type": "Task", "Resource": ghost, "End": True}}}
    )
    done = finish(sfn.start_execution(stateMachineArn=arn)["executionArn"])
    assert (done["status"], done["error"]) == ("FAILED", "States.Runtime")


@pytest.mark.parametrize(
    ("resource", "nested_output"),
    [
        ("arn:aws:states:::states:startExecution.sync", '{"child":true}'),
        ("arn:aws:states:::states:startExecution.sync:2", {"child": True}),
    ],
)
def test_start_execution_sync_waits_for_the_child(
    sfn: Any,
    make_machine: Callable[..., str],
    finish: Callable[..., Any],
    resource: str,
    nested_output: Any,
) -> None:
    child = make_machine(
        {
            "StartAt": "W",
            "States": {
                "W": {"Type": "Wait", "Seconds": 120, "Next": "P"},
                "P": {"Type": "Pass", "Result": {"child": True}, "End": True},
            },
        }
    )
    parent = make_machine(
        {
            "StartAt": "Run",
            "States": {
                "Run": {
                    "Type": "Task",
                    "Resource": resource,
                    "Parameters": {"StateMachineArn": child, "Input": {"x": 1}, "Name": "kid"},
                    "End": True,
                }
            },
        }
    )
    run = sfn.start_execution(stateMachineArn=parent)["executionArn"]
    done = finish(run)
    assert done["status"] == "SUCCEEDED", done
    output = json.loads(done["output"])
    assert output["Status"] == "SUCCEEDED"
    assert output["Output"] == nested_output
    assert output["Name"] == "kid"
    assert history_types(sfn, run)[3:6] == ["TaskStarted", "TaskSubmitted", "TaskSucceeded"]


def test_start_execution_plain_and_missing_machine(
    sfn: Any, make_machine: Callable[..., str], finish: Callable[..., Any]
) -> None:
    child = make_machine({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}})
    ghost = child + "-ghost"
    definition = {
        "StartAt": "Run",
        "States": {
            "Run": {
                "Type": "Task",
                "Resource": "arn:aws:states:::states:startExecution",
                "Parameters": {"StateMachineArn.$": "$.arn"},
                "End": True,
            }
        },
    }
    parent = make_machine(definition)
    ok = finish(
        sfn.start_execution(stateMachineArn=parent, input=json.dumps({"arn": child}))[
            "executionArn"
        ]
    )
    output = json.loads(ok["output"])
    assert output["ExecutionArn"].startswith(child.replace(":stateMachine:", ":execution:"))
    assert isinstance(output["StartDate"], int)
    assert "SdkHttpMetadata" in output
    bad = finish(
        sfn.start_execution(stateMachineArn=parent, input=json.dumps({"arn": ghost}))[
            "executionArn"
        ]
    )
    assert bad["error"] == "StepFunctions.StateMachineDoesNotExistException"
    assert bad["cause"].startswith(
        f"State Machine Does Not Exist: '{ghost}' (Service: AWSStepFunctions;"
    )


def test_aws_sdk_integration_reaches_s3(
    sfn: Any,
    make_machine: Callable[..., str],
    client: Callable[..., Any],
    finish: Callable[..., Any],
) -> None:
    s3 = client("s3")
    s3.create_bucket(Bucket="sdk-bucket")
    definition = {
        "StartAt": "Put",
        "States": {
            "Put": {
                "Type": "Task",
                "Resource": "arn:aws:states:::aws-sdk:s3:putObject",
                "Parameters": {"Bucket": "sdk-bucket", "Key": "k.json", "Body.$": "$.doc"},
                "ResultPath": "$.put",
                "Next": "Get",
            },
            "Get": {
                "Type": "Task",
                "Resource": "arn:aws:states:::aws-sdk:s3:getObject",
                "Parameters": {"Bucket": "sdk-bucket", "Key": "k.json"},
                "ResultSelector": {"body.$": "$.Body", "length.$": "$.ContentLength"},
                "ResultPath": "$.got",
                "Next": "Missing",
            },
            "Missing": {
                "Type": "Task",
                "Resource": "arn:aws:states:::aws-sdk:s3:getObject",
                "Parameters": {"Bucket": "sdk-bucket", "Key": "nope"},
                "Catch": [
                    {"ErrorEquals": ["S3.NoSuchKeyException"], "ResultPath": "$.err", "Next": "End"}
                ],
                "End": True,
            },
            "End": {"Type": "Succeed"},
        },
    }
    arn = make_machine(definition)
    done = finish(
        sfn.start_execution(stateMachineArn=arn, input='{"doc": {"a": 1}}')["executionArn"]
    )
    assert done["status"] == "SUCCEEDED", done
    output = json.loads(done["output"])
    assert "ETag" in output["put"]
    assert output["got"] == {"body": '{"a":1}', "length": 7}
    assert output["err"]["Error"] == "S3.NoSuchKeyException"
    assert "(Service: S3, Status Code: 404" in output["err"]["Cause"]
    assert s3.get_object(Bucket="sdk-bucket", Key="k.json")["Body"].read() == b'{"a":1}'


def test_aws_sdk_sfn_names_members_in_pascal_case(
    sfn: Any, make_machine: Callable[..., str], finish: Callable[..., Any]
) -> None:
    target = make_machine({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}})
    definition = {
        "StartAt": "Describe",
        "States": {
            "Describe": {
                "Type": "Task",
                "Resource": "arn:aws:states:::aws-sdk:sfn:describeStateMachine",
                "Parameters": {"StateMachineArn": target},
                "ResultSelector": {"name.$": "$.Name", "type.$": "$.Type"},
                "End": True,
            }
        },
    }
    done = finish(sfn.start_execution(stateMachineArn=make_machine(definition))["executionArn"])
    assert json.loads(done["output"]) == {"name": target.rsplit(":", 1)[-1], "type": "STANDARD"}


def test_sns_publish_serializes_json_messages(
    sfn: Any,
    make_machine: Callable[..., str],
    client: Callable[..., Any],
    finish: Callable[..., Any],
) -> None:
    topic = client("sns").create_topic(Name="notes")["TopicArn"]
    definition = {
        "StartAt": "Publish",
        "States": {
            "Publish": {
                "Type": "Task",
                "Resource": "arn:aws:states:::sns:publish",
                "Parameters": {"TopicArn": topic, "Message.$": "$"},
                "End": True,
            }
        },
    }
    done = finish(
        sfn.start_execution(stateMachineArn=make_machine(definition), input='{"n": 1}')[
            "executionArn"
        ]
    )
    output = json.loads(done["output"])
    assert set(output) == {"MessageId", "SdkHttpMetadata", "SdkResponseMetadata"}
    missing = dict(definition)
    missing["States"] = {
        "Publish": dict(
            definition["States"]["Publish"], Parameters={"TopicArn": topic + "x", "Message": "m"}
        )
    }
    bad = finish(sfn.start_execution(stateMachineArn=make_machine(missing))["executionArn"])
    assert bad["error"] == "SNS.NotFoundException"
    assert "(Service: AmazonSNS; Status Code: 404; Error Code: NotFound;" in bad["cause"]


def test_glue_sync_without_a_waiter_fails_clearly(
    sfn: Any, make_machine: Callable[..., str], finish: Callable[..., Any]
) -> None:
    definition = {
        "StartAt": "Job",
        "States": {
            "Job": {
                "Type": "Task",
                "Resource": "arn:aws:states:::glue:startJobRun.sync",
                "Parameters": {"JobName": "j"},
                "End": True,
            }
        },
    }
    done = finish(sfn.start_execution(stateMachineArn=make_machine(definition))["executionArn"])
    assert done["status"] == "FAILED"
    assert done["error"].startswith("Glue.")  # no Glue service runs here
