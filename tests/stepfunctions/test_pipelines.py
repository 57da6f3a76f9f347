"""End to end: the S4 machine with real Lambda functions, SNS and EventBridge; Wait loops."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from tests.conftest import eventually
from tests.stepfunctions.conftest import history_types

pytestmark = pytest.mark.e2e

CHECK_EXTENSION = """
    import urllib.parse

    def handler(event, context):
        bucket = event["detail"]["bucket"]["name"]
        key = urllib.parse.unquote_plus(event["detail"]["object"]["key"])
        dot = key.rfind(".")
        return {"file_extension": key[dot:] if dot >= 0 else "", "bucket": bucket, "key": key}
"""
DIVIDE = """
    def handler(event, context):
        return 10 / event.get("divisor", 0)
"""
LAMBDA_RETRY = [
    {
        "ErrorEquals": [
            "Lambda.ServiceException",
            "Lambda.AWSLambdaException",
            "Lambda.SdkClientException",
            "Lambda.TooManyRequestsException",
        ],
        "IntervalSeconds": 2,
        "MaxAttempts": 6,
        "BackoffRate": 2,
    }
]
S4_PATTERN = {
    "source": ["aws.s3"],
    "detail-type": ["Object Created"],
    "detail": {
        "bucket": {"name": ["dataeng-clean-zone-s4"]},
        "object": {"key": [{"prefix": "chapter10"}]},
    },
}


def s4_definition(check_arn: str, process_arn: str, topic_arn: str) -> dict[str, Any]:
    """ProcessFilesStateMachine of SCENARIOS.md S4, with this test's ARNs."""
    return {
        "Comment": "S4: check the extension, process CSV files, notify failures",
        "StartAt": "Check file extension",
        "States": {
            "Check file extension": {
                "Type": "Task",
                "Resource": "arn:aws:states:::lambda:invoke",
                "OutputPath": "$.Payload",
                "Parameters": {"Payload.$": "$", "FunctionName": f"{check_arn}:$LATEST"},
                "Retry": LAMBDA_RETRY,
                "Next": "Choice",
            },
            "Choice": {
                "Type": "Choice",
                "Choices": [
                    {
                        "Variable": "$.file_extension",
                        "StringMatches": ".csv",
                        "Next": "Process CSV",
                    }
                ],
                "Default": "Pass - Invalid File Ext",
            },
            "Process CSV": {
                "Type": "Task",
                "Resource": "arn:aws:states:::lambda:invoke",
                "OutputPath": "$.Payload",
                "Parameters": {"Payload.$": "$", "FunctionName": f"{process_arn}:$LATEST"},
                "Retry": LAMBDA_RETRY,
                "Catch": [
                    {
                        "ErrorEquals": ["States.ALL"],
                        "Next": "SNS Publish",
                        "ResultPath": "$.Payload",
                    }
                ],
                "Next": "Success",
            },
            "Success": {"Type": "Succeed"},
            "Pass - Invalid File Ext": {
                "Type": "Pass",
                "Result": {"Error": "InvalidFileFormat"},
                "ResultPath": "$.Payload",
                "Next": "SNS Publish",
            },
            "SNS Publish": {
                "Type": "Task",
                "Resource": "arn:aws:states:::sns:publish",
                "Parameters": {"TopicArn": topic_arn, "Message.$": "$"},
                "Next": "Fail",
            },
            "Fail": {"Type": "Fail"},
        },
    }


def _event(key: str) -> dict[str, Any]:
    return {
        "source": "aws.s3",
        "detail-type": "Object Created",
        "detail": {"bucket": {"name": "dataeng-clean-zone-s4"}, "object": {"key": key}},
    }


@pytest.fixture
def s4(
    make_function: Callable[..., str], make_machine: Callable[..., str], client: Callable[..., Any]
) -> dict[str, str]:
    """The S4 resources: both functions, the topic and the state machine."""
    check = make_function("dataeng-check-file-ext", CHECK_EXTENSION)
    process = make_function("dataeng-random-failure-generator", DIVIDE)
    topic = client("sns").create_topic(Name="dataeng-failure-notification")["TopicArn"]
    machine = make_machine(s4_definition(check, process, topic), name="ProcessFilesStateMachine")
    return {"check": check, "process": process, "topic": topic, "machine": machine}


def _task_events(sfn: Any, arn: str) -> list[dict[str, Any]]:
    return [
        e
        for e in sfn.get_execution_history(executionArn=arn)["events"]
        if e["type"].startswith("Task")
    ]


def test_s4_csv_whose_processing_divides_by_zero_is_caught_and_notified(
    sfn: Any, s4: dict[str, str], finish: Callable[..., Any]
) -> None:
    run = sfn.start_execution(
        stateMachineArn=s4["machine"], input=json.dumps(_event("chapter10/data.csv"))
    )["executionArn"]
    done = finish(run, timeout=60)
    assert done["status"] == "FAILED"
    assert "error" not in done  # the Fail state names no error
    failed = next(e for e in _task_events(sfn, run) if e["type"] == "TaskFailed")
    details = failed["taskFailedEventDetails"]
    assert details["error"] == "ZeroDivisionError"
    assert details["resourceType"] == "lambda"
    cause = json.loads(details["cause"])
    assert cause["errorType"] == "ZeroDivisionError"
    assert cause["errorMessage"] == "division by zero"
    published = [
        json.loads(e["taskScheduledEventDetails"]["parameters"])
        for e in _task_events(sfn, run)
        if e["type"] == "TaskScheduled" and e["taskScheduledEventDetails"]["resourceType"] == "sns"
    ]
    message = published[0]["Message"]  # an object here; the integration sends it as text
    assert message["Payload"]["Error"] == "ZeroDivisionError"
    assert message["file_extension"] == ".csv"
    types = history_types(sfn, run)
    assert types[-2:] == ["FailStateEntered", "ExecutionFailed"]
    assert types.count("TaskSucceeded") == 2  # the extension check and the SNS publish


def test_s4_csv_processed(
    sfn: Any, s4: dict[str, str], make_function: Callable[..., str], finish: Callable[..., Any]
) -> None:
    event = dict(_event("chapter10/data.csv"))
    run = sfn.start_execution(stateMachineArn=s4["machine"], input=json.dumps(event))[
        "executionArn"
    ]
    assert finish(run, timeout=60)["status"] == "FAILED"  # divisor 0: caught, notified, Fail
    definition = json.loads(sfn.describe_state_machine(stateMachineArn=s4["machine"])["definition"])
    # Feed a divisor through the check function's output: Process CSV succeeds.
    definition["States"]["Choice"]["Choices"][0]["Next"] = "Add divisor"
    definition["States"]["Add divisor"] = {
        "Type": "Pass",
        "Result": 2,
        "ResultPath": "$.divisor",
        "Next": "Process CSV",
    }
    sfn.update_state_machine(stateMachineArn=s4["machine"], definition=json.dumps(definition))
    run = sfn.start_execution(stateMachineArn=s4["machine"], input=json.dumps(event))[
        "executionArn"
    ]
    done = finish(run, timeout=60)
    assert done["status"] == "SUCCEEDED"
    assert json.loads(done["output"]) == 5.0


def test_s4_other_extension_goes_to_the_invalid_branch(
    sfn: Any, s4: dict[str, str], finish: Callable[..., Any]
) -> None:
    run = sfn.start_execution(
        stateMachineArn=s4["machine"], input=json.dumps(_event("chapter10/notes+2024.txt"))
    )["executionArn"]
    done = finish(run, timeout=60)
    assert done["status"] == "FAILED"
    types = history_types(sfn, run)
    assert "PassStateEntered" in types
    scheduled = [e for e in _task_events(sfn, run) if e["type"] == "TaskScheduled"]
    message = json.loads(scheduled[-1]["taskScheduledEventDetails"]["parameters"])["Message"]
    assert message["Payload"] == {"Error": "InvalidFileFormat"}
    assert message["key"] == "chapter10/notes 2024.txt"  # plus-as-space, as the S4 Lambda does


def test_eventbridge_rule_starts_the_s4_machine(
    sfn: Any, s4: dict[str, str], client: Callable[..., Any], finish: Callable[..., Any]
) -> None:
    events = client("events")
    events.put_rule(Name="dataeng-s3-trigger-rule", EventPattern=json.dumps(S4_PATTERN))
    events.put_targets(
        Rule="dataeng-s3-trigger-rule",
        Targets=[
            {
                "Id": "sfn",
                "Arn": s4["machine"],
                "RoleArn": "arn:aws:iam::000000000000:role/events-sfn",
            }
        ],
    )
    s3 = client("s3")
    s3.create_bucket(Bucket="dataeng-clean-zone-s4")
    s3.put_bucket_notification_configuration(
        Bucket="dataeng-clean-zone-s4", NotificationConfiguration={"EventBridgeConfiguration": {}}
    )
    s3.put_object(Bucket="dataeng-clean-zone-s4", Key="chapter10/upload.csv", Body=b"a,b\n1,2\n")
    s3.put_object(Bucket="dataeng-clean-zone-s4", Key="elsewhere/x.csv", Body=b"no")

    def started() -> list[dict[str, Any]]:
        return list(sfn.list_executions(stateMachineArn=s4["machine"])["executions"])

    executions = eventually(started, timeout=30)
    assert len(executions) == 1
    done = finish(executions[0]["executionArn"], timeout=60)
    assert done["status"] == "FAILED"  # the divide-by-zero branch: caught, notified, Fail
    event = json.loads(done["input"])
    assert event["detail"]["object"]["key"] == "chapter10/upload.csv"
    assert event["detail-type"] == "Object Created"


def test_wait_loop_polls_until_ready(
    sfn: Any, make_machine: Callable[..., str], finish: Callable[..., Any]
) -> None:
    # The S3 pipeline's Choice/Wait loop, with a counter standing in for the crawler state.
    definition = {
        "StartAt": "Init",
        "States": {
            "Init": {"Type": "Pass", "Result": {"polls": 0}, "Next": "Poll"},
            "Poll": {
                "Type": "Pass",
                "Parameters": {"polls.$": "States.MathAdd($.polls, 1)"},
                "Next": "Ready?",
            },
            "Ready?": {
                "Type": "Choice",
                "Choices": [{"Variable": "$.polls", "NumericGreaterThanEquals": 5, "Next": "Done"}],
                "Default": "Wait",
            },
            "Wait": {"Type": "Wait", "Seconds": 3, "Next": "Poll"},
            "Done": {"Type": "Succeed"},
        },
    }
    run = sfn.start_execution(stateMachineArn=make_machine(definition))["executionArn"]
    done = finish(run)
    assert done["status"] == "SUCCEEDED"
    assert json.loads(done["output"]) == {"polls": 5}
    assert (done["stopDate"] - done["startDate"]).total_seconds() == 12
    assert history_types(sfn, run).count("WaitStateEntered") == 4


def test_status_changes_reach_eventbridge(
    sfn: Any,
    make_machine: Callable[..., str],
    client: Callable[..., Any],
    finish: Callable[..., Any],
) -> None:
    failing = make_machine(
        {"StartAt": "F", "States": {"F": {"Type": "Fail", "Error": "Bad", "Cause": "c"}}},
        name="failing",
    )
    notifier = make_machine({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}})
    events = client("events")
    events.put_rule(
        Name="on-failure",
        EventPattern=json.dumps(
            {
                "source": ["aws.states"],
                "detail-type": ["Step Functions Execution Status Change"],
                "detail": {"status": ["FAILED"], "stateMachineArn": [failing]},
            }
        ),
    )
    events.put_targets(Rule="on-failure", Targets=[{"Id": "n", "Arn": notifier}])
    run = sfn.start_execution(stateMachineArn=failing, name="will-fail")["executionArn"]
    assert finish(run)["status"] == "FAILED"

    def notified() -> list[dict[str, Any]]:
        return list(sfn.list_executions(stateMachineArn=notifier)["executions"])

    started = eventually(notified, timeout=30)
    assert len(started) == 1
    event = json.loads(finish(started[0]["executionArn"])["input"])
    assert event["source"] == "aws.states"
    assert event["resources"] == [run]
    assert event["detail"]["status"] == "FAILED"
    assert (event["detail"]["error"], event["detail"]["cause"]) == ("Bad", "c")
    assert isinstance(event["detail"]["startDate"], int)
