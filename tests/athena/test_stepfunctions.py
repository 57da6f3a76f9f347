"""Step Functions' Athena tasks: startQueryExecution (.sync), getQueryResults, stop."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from headwater.runtime.clock import VirtualClock
from tests.athena.conftest import RESULTS, wait_done
from tests.conftest import eventually
from tests.stepfunctions.conftest import run_to_end

ROLE = "arn:aws:iam::000000000000:role/sfn-role"


def machine(sfn: Any, name: str, definition: dict[str, Any]) -> str:
    out = sfn.create_state_machine(name=name, definition=json.dumps(definition), roleArn=ROLE)
    return str(out["stateMachineArn"])


def test_sync_query_then_results(
    athena: Any, client: Callable[..., Any], clock: VirtualClock
) -> None:
    sfn = client("stepfunctions", inject_host_prefix=False)
    definition = {
        "StartAt": "Query",
        "States": {
            "Query": {
                "Type": "Task",
                "Resource": "arn:aws:states:::athena:startQueryExecution.sync",
                "Parameters": {
                    "QueryString": "SELECT 6 * 7 AS answer",
                    "WorkGroup": "primary",
                    "ResultConfiguration": {"OutputLocation": RESULTS},
                },
                "Next": "Results",
            },
            "Results": {
                "Type": "Task",
                "Resource": "arn:aws:states:::athena:getQueryResults",
                "Parameters": {"QueryExecutionId.$": "$.QueryExecution.QueryExecutionId"},
                "End": True,
            },
        },
    }
    arn = sfn.start_execution(stateMachineArn=machine(sfn, "athena-sync", definition))[
        "executionArn"
    ]
    done = run_to_end(sfn, clock, arn)
    assert done["status"] == "SUCCEEDED", done
    output = json.loads(done["output"])
    rows = output["ResultSet"]["Rows"]
    assert rows[1]["Data"][0]["VarCharValue"] == "42"
    history = sfn.get_execution_history(executionArn=arn)["events"]
    succeeded = next(e for e in history if e["type"] == "TaskSucceeded")
    first = json.loads(succeeded["taskSucceededEventDetails"]["output"])
    assert first["QueryExecution"]["Status"]["State"] == "SUCCEEDED"
    assert isinstance(first["QueryExecution"]["Status"]["SubmissionDateTime"], int)


def test_sync_query_failure_is_caught(
    athena: Any, client: Callable[..., Any], clock: VirtualClock
) -> None:
    sfn = client("stepfunctions", inject_host_prefix=False)
    definition = {
        "StartAt": "Query",
        "States": {
            "Query": {
                "Type": "Task",
                "Resource": "arn:aws:states:::athena:startQueryExecution.sync",
                "Parameters": {
                    "QueryString": "SELECT * FROM no_such_table",
                    "ResultConfiguration": {"OutputLocation": RESULTS},
                },
                "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Failed"}],
                "End": True,
            },
            "Failed": {"Type": "Pass", "End": True},
        },
    }
    arn = sfn.start_execution(stateMachineArn=machine(sfn, "athena-fail", definition))[
        "executionArn"
    ]
    done = run_to_end(sfn, clock, arn)
    assert done["status"] == "SUCCEEDED"
    caught = json.loads(done["output"])
    assert caught["Error"] == "States.TaskFailed"
    cause = json.loads(caught["Cause"])
    assert cause["QueryExecution"]["Status"]["State"] == "FAILED"


def test_plain_start_and_stop(athena: Any, client: Callable[..., Any], clock: VirtualClock) -> None:
    sfn = client("stepfunctions", inject_host_prefix=False)
    long_query = (
        "SELECT count(*) FROM UNNEST(sequence(1, 300000)) AS a(x) "
        "CROSS JOIN UNNEST(sequence(1, 300000)) AS b(y) WHERE (x * y) % 7 = 3"
    )
    definition = {
        "StartAt": "Start",
        "States": {
            "Start": {
                "Type": "Task",
                "Resource": "arn:aws:states:::athena:startQueryExecution",
                "Parameters": {
                    "QueryString": long_query,
                    "ResultConfiguration": {"OutputLocation": RESULTS},
                },
                "Next": "Stop",
            },
            "Stop": {
                "Type": "Task",
                "Resource": "arn:aws:states:::athena:stopQueryExecution",
                "Parameters": {"QueryExecutionId.$": "$.QueryExecutionId"},
                "ResultPath": None,
                "End": True,
            },
        },
    }
    arn = sfn.start_execution(stateMachineArn=machine(sfn, "athena-stop", definition))[
        "executionArn"
    ]
    done = run_to_end(sfn, clock, arn)
    assert done["status"] == "SUCCEEDED", done
    qid = json.loads(done["output"])["QueryExecutionId"]
    assert wait_done(athena, qid)["Status"]["State"] == "CANCELLED"


def test_state_change_events_reach_eventbridge_rules(
    athena: Any, client: Callable[..., Any], run: Callable[..., Any]
) -> None:
    sfn = client("stepfunctions", inject_host_prefix=False)
    events = client("events")
    target = machine(
        sfn,
        "on-athena-done",
        {"StartAt": "Seen", "States": {"Seen": {"Type": "Pass", "End": True}}},
    )
    events.put_rule(
        Name="athena-succeeded",
        EventPattern=json.dumps(
            {
                "source": ["aws.athena"],
                "detail-type": ["Athena Query State Change"],
                "detail": {"currentState": ["SUCCEEDED"]},
            }
        ),
    )
    events.put_targets(
        Rule="athena-succeeded", Targets=[{"Id": "sfn", "Arn": target, "RoleArn": ROLE}]
    )
    qid = run("SELECT 1")["QueryExecutionId"]

    def started() -> list[dict[str, Any]]:
        found = []
        for item in sfn.list_executions(stateMachineArn=target)["executions"]:
            event = json.loads(sfn.describe_execution(executionArn=item["executionArn"])["input"])
            if event["detail"]["queryExecutionId"] == qid:
                found.append(event)
        return found

    event = eventually(started)[0]
    assert event["source"] == "aws.athena"
    assert event["detail"]["queryExecutionId"] == qid
    assert event["detail"]["previousState"] == "RUNNING"
    assert event["detail"]["workgroupName"] == "primary"
