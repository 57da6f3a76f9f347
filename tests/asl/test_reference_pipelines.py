"""The reference pipelines' state machines (SCENARIOS.md S2, S3, S4) through the pure core."""

from __future__ import annotations

from typing import Any

import headwater.asl as asl
from tests.asl.driver import run

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

S2 = {
    "Comment": "findmatches",
    "StartAt": "Find Match Job",
    "States": {
        "Find Match Job": {
            "Type": "Task",
            "Comment": "run the job",
            "Resource": "arn:aws:states:::glue:startJobRun.sync",
            "Parameters": {"JobName": "ml-lab-notebook-job"},
            "Next": "Crawl Dedup Data",
        },
        "Crawl Dedup Data": {
            "Type": "Task",
            "Comment": "crawl",
            "Resource": "arn:aws:states:::aws-sdk:glue:startCrawler",
            "Parameters": {"Name": "ml-final-crawler"},
            "End": True,
        },
    },
}

S3 = {
    "StartAt": "job1_start",
    "States": {
        "job1_start": {
            "Type": "Task",
            "Resource": "arn:aws:states:::glue:startJobRun.sync",
            "Parameters": {"JobName": "job1"},
            "Next": "crawler1_start",
        },
        "crawler1_start": {
            "Type": "Task",
            "Resource": "arn:aws:states:::lambda:invoke",
            "OutputPath": "$.Payload",
            "Retry": LAMBDA_RETRY,
            "Parameters": {
                "Payload": {"crawlername": "crawler1"},
                "FunctionName": "arn:aws:lambda:eu-west-1:1:function:f1:$LATEST",
            },
            "Next": "get_crawler1_state",
        },
        "get_crawler1_state": {
            "Type": "Task",
            "Resource": "arn:aws:states:::lambda:invoke",
            "OutputPath": "$.Payload",
            "Retry": LAMBDA_RETRY,
            "Parameters": {
                "Payload": {"crawlername": "crawler1"},
                "FunctionName": "arn:aws:lambda:eu-west-1:1:function:f2:$LATEST",
            },
            "Next": "Choice",
        },
        "Choice": {
            "Type": "Choice",
            "Choices": [{"Not": {"Variable": "$.state", "StringEquals": "READY"}, "Next": "Wait"}],
            "Default": "job2_start",
        },
        "Wait": {"Type": "Wait", "Seconds": 3, "Next": "get_crawler1_state"},
        "job2_start": {
            "Type": "Task",
            "Resource": "arn:aws:states:::glue:startJobRun.sync",
            "Parameters": {"JobName": "job2"},
            "Next": "crawler2_start",
        },
        "crawler2_start": {
            "Type": "Task",
            "Resource": "arn:aws:states:::lambda:invoke",
            "OutputPath": "$.Payload",
            "Parameters": {
                "Payload": {"crawlername": "crawler2"},
                "FunctionName": "arn:aws:lambda:eu-west-1:1:function:f1:$LATEST",
            },
            "End": True,
        },
    },
}

S4 = {
    "StartAt": "Check file extension",
    "States": {
        "Check file extension": {
            "Type": "Task",
            "Resource": "arn:aws:states:::lambda:invoke",
            "OutputPath": "$.Payload",
            "Retry": LAMBDA_RETRY,
            "Parameters": {"Payload.$": "$", "FunctionName": "arn:f"},
            "Next": "Choice",
        },
        "Choice": {
            "Type": "Choice",
            "Choices": [
                {"Variable": "$.file_extension ", "StringMatches": ".csv", "Next": "Process CSV"}
            ],
            "Default": "Pass - Invalid File Ext",
        },
        "Process CSV": {
            "Type": "Task",
            "Resource": "arn:aws:states:::lambda:invoke",
            "OutputPath": "$.Payload",
            "Retry": LAMBDA_RETRY,
            "Parameters": {"Payload.$": "$", "FunctionName": "arn:g"},
            "Catch": [
                {"ErrorEquals": ["States.ALL"], "Next": "SNS Publish", "ResultPath": "$.Payload"}
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
            "Parameters": {"TopicArn": "arn:aws:sns:us-east-2:1:topic", "Message.$": "$"},
            "Next": "Fail",
        },
        "Fail": {"Type": "Fail"},
    },
}


def _lambda(payload: Any) -> tuple[str, Any]:
    return ("ok", {"Payload": payload, "StatusCode": 200, "ExecutedVersion": "$LATEST"})


def _types(history: list[dict[str, Any]]) -> list[str]:
    return [e["type"] for e in history]


def test_s2_job_then_crawler() -> None:
    out = run(
        asl.compile_definition(S2),
        {"detail": {}},
        task_outcomes=[("ok", {"JobRunId": "jr_1", "JobRunState": "SUCCEEDED"}), ("ok", {})],
    )
    assert (out.status, out.output) == ("SUCCEEDED", {})
    scheduled = [
        e["taskScheduledEventDetails"] for e in out.history if e["type"] == "TaskScheduled"
    ]
    assert [(d["resourceType"], d["resource"]) for d in scheduled] == [
        ("glue", "startJobRun.sync"),
        ("aws-sdk:glue", "startCrawler"),
    ]


def test_s2_crawler_already_running_fails_the_execution() -> None:
    out = run(
        asl.compile_definition(S2),
        {},
        task_outcomes=[
            ("ok", {}),
            ("fail", ("Glue.CrawlerRunningException", "Crawler with name x has already started")),
        ],
    )
    assert (out.status, out.error) == ("FAILED", "Glue.CrawlerRunningException")


def test_s3_polling_loop_with_null_payload() -> None:
    outcomes = [
        ("ok", {"JobRunState": "SUCCEEDED"}),
        _lambda(None),
        ("fail", ("Lambda.ServiceException", "transient")),
        _lambda({"state": "RUNNING"}),
        _lambda({"state": "RUNNING"}),
        _lambda({"state": "READY"}),
        ("ok", {"JobRunState": "SUCCEEDED"}),
        _lambda(None),
    ]
    out = run(
        asl.compile_definition(S3), {"Comment": "Insert your JSON here"}, task_outcomes=outcomes
    )
    assert (out.status, out.output) == ("SUCCEEDED", None)
    types = _types(out.history)
    assert types.count("WaitStateEntered") == 2
    assert types.count("ChoiceStateEntered") == 3
    assert types.count("TaskScheduled") == 8  # one retry of get_crawler1_state


def test_s4_csv_success() -> None:
    out = run(
        asl.compile_definition(S4),
        {"detail": {"object": {"key": "chapter10/t.csv"}}},
        task_outcomes=[
            _lambda({"file_extension": ".csv", "bucket": "b", "key": "k"}),
            _lambda(10.0),
        ],
    )
    assert (out.status, out.output) == ("SUCCEEDED", 10.0)


def test_s4_function_error_is_caught_not_retried() -> None:
    cause = '{"errorMessage": "division by zero", "errorType": "ZeroDivisionError"}'
    out = run(
        asl.compile_definition(S4),
        {},
        task_outcomes=[
            _lambda({"file_extension": ".csv", "bucket": "b", "key": "k"}),
            ("fail", ("ZeroDivisionError", cause)),
            ("ok", {"MessageId": "m"}),
        ],
    )
    assert (out.status, out.error, out.cause) == ("FAILED", None, None)
    published = [e for e in out.history if e["type"] == "TaskScheduled"][-1]
    assert published["taskScheduledEventDetails"]["resource"] == "publish"
    assert (
        '"Payload":{"Error":"ZeroDivisionError"'
        in published["taskScheduledEventDetails"]["parameters"]
    )
    assert _types(out.history).count("TaskScheduled") == 3


def test_s4_invalid_extension_takes_the_default() -> None:
    out = run(
        asl.compile_definition(S4),
        {},
        task_outcomes=[
            _lambda({"file_extension": "", "bucket": "b", "key": "chapter10/"}),
            ("ok", {"MessageId": "m"}),
        ],
    )
    assert out.status == "FAILED"
    assert "PassStateEntered" in _types(out.history)
