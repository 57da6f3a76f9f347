"""Step Functions ``arn:aws:states:::glue:startJobRun.sync`` waits for the job run (S2, S3)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.glue_jobs.conftest import known_gap, wait_for

ROLE = "arn:aws:iam::000000000000:role/AWSStepFunctionRole-etl-ttt-demo"


def machine(job: str) -> str:
    return json.dumps(
        {
            "Comment": "Find matches, then crawl",
            "StartAt": "Find Match Job",
            "States": {
                "Find Match Job": {
                    "Type": "Task",
                    "Resource": "arn:aws:states:::glue:startJobRun.sync",
                    "Parameters": {"JobName": job},
                    "End": True,
                }
            },
        }
    )


@pytest.mark.parametrize(
    ("script", "status"),
    [("print('matched')\n", "SUCCEEDED"), ("raise RuntimeError('no labels')\n", "FAILED")],
)
def test_start_job_run_sync(
    client: Any, glue: Any, make_job: Any, script: str, status: str
) -> None:
    make_job("ml-lab-notebook-job", script, command="pythonshell")
    sfn = client("stepfunctions")
    arn = sfn.create_state_machine(
        name="findmatches-ML-dedup-workflow",
        definition=machine("ml-lab-notebook-job"),
        roleArn=ROLE,
    )["stateMachineArn"]
    execution = sfn.start_execution(stateMachineArn=arn, input="{}")["executionArn"]
    described = wait_for(
        lambda: (d := sfn.describe_execution(executionArn=execution))["status"] != "RUNNING" and d
    )
    assert described["status"] == status, described
    runs = glue.get_job_runs(JobName="ml-lab-notebook-job")["JobRuns"]
    assert len(runs) == 1
    if status == "SUCCEEDED":
        output = json.loads(described["output"])
        assert output["JobRunState"] == "SUCCEEDED"
        assert output["Id"] == runs[0]["Id"]
        assert output["JobName"] == "ml-lab-notebook-job"
        assert isinstance(output["StartedOn"], int)
    else:
        assert described["error"] == "States.TaskFailed"
        cause = json.loads(described["cause"])
        assert cause["JobRunState"] == "FAILED"
        assert cause["ErrorMessage"] == "RuntimeError: no labels"
    history = sfn.get_execution_history(executionArn=execution)["events"]
    assert "TaskSubmitted" in [e["type"] for e in history]


@known_gap("crawler-action")
def test_s2_job_sync_then_sdk_start_crawler(client: Any, glue: Any, make_job: Any) -> None:
    make_job("ml-lab-notebook-job", "print('dedup')\n", command="pythonshell")
    glue.create_database(DatabaseInput={"Name": "glue_ttt_demo_db"})
    glue.create_crawler(
        Name="ml-final-crawler",
        Role="AWSGlueServiceRole-etl-ttt-demo",
        DatabaseName="glue_ttt_demo_db",
        TablePrefix="ml_final_",
        Targets={"S3Targets": [{"Path": "s3://lake/output/top-customers/"}]},
    )
    definition = json.loads(machine("ml-lab-notebook-job"))
    definition["States"]["Find Match Job"].pop("End")
    definition["States"]["Find Match Job"]["Next"] = "Crawl Dedup Data"
    definition["States"]["Crawl Dedup Data"] = {
        "Type": "Task",
        "Resource": "arn:aws:states:::aws-sdk:glue:startCrawler",
        "Parameters": {"Name": "ml-final-crawler"},
        "End": True,
    }
    sfn = client("stepfunctions")
    arn = sfn.create_state_machine(
        name="findmatches", definition=json.dumps(definition), roleArn=ROLE
    )["stateMachineArn"]
    execution = sfn.start_execution(stateMachineArn=arn, input="{}")["executionArn"]
    described = wait_for(
        lambda: (d := sfn.describe_execution(executionArn=execution))["status"] != "RUNNING" and d
    )
    assert described["status"] == "SUCCEEDED", described
    assert glue.get_job_runs(JobName="ml-lab-notebook-job")["JobRuns"][0]["JobRunState"] == (
        "SUCCEEDED"
    )
    assert glue.get_crawler(Name="ml-final-crawler")["Crawler"]["State"] in (
        "RUNNING",
        "STOPPING",
        "READY",
    )
