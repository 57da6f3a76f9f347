"""Job definitions and job runs through boto3: states, arguments, failures, retries, stops."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.glue_jobs.conftest import known_gap, wait_for

HELLO = """
import sys
from awsglue.utils import getResolvedOptions
args = getResolvedOptions(sys.argv, ["JOB_NAME", "greeting"])
print(args["greeting"], args["JOB_NAME"], args["JOB_RUN_ID"])
print("argv", sys.argv[1:])
"""

BOOM = """
print("about to fail")
x = 1 / 0
"""

SLEEPY = """
import time
print("sleeping", flush=True)
time.sleep(60)
"""


def test_create_get_list_update_delete(glue: Any, make_job: Any) -> None:
    make_job("etl", HELLO, DefaultArguments={"--greeting": "hi"}, Tags={"team": "data"})
    job = glue.get_job(JobName="etl")["Job"]
    assert job["Command"]["Name"] == "glueetl"
    assert job["Command"]["ScriptLocation"] == "s3://lake/scripts/etl.py"
    assert job["MaxRetries"] == 0
    assert job["Timeout"] == 2880
    assert job["MaxCapacity"] == 10.0
    assert job["ExecutionProperty"] == {"MaxConcurrentRuns": 1}
    with pytest.raises(ClientError) as err:
        make_job("etl", HELLO)
    assert err.value.response["Error"]["Code"] == "AlreadyExistsException"
    make_job("other", HELLO, command="pythonshell")
    assert glue.get_job(JobName="other")["Job"]["MaxCapacity"] == 0.0625
    assert glue.list_jobs()["JobNames"] == ["etl", "other"]
    assert glue.list_jobs(Tags={"team": "data"})["JobNames"] == ["etl"]
    assert [j["Name"] for j in glue.get_jobs()["Jobs"]] == ["etl", "other"]
    found = glue.batch_get_jobs(JobNames=["etl", "nope"])
    assert [j["Name"] for j in found["Jobs"]] == ["etl"]
    assert found["JobsNotFound"] == ["nope"]
    glue.update_job(
        JobName="etl",
        JobUpdate={
            "Role": "r",
            "Command": {"Name": "glueetl", "ScriptLocation": "s3://lake/scripts/etl.py"},
            "WorkerType": "G.1X",
            "NumberOfWorkers": 2,
            "GlueVersion": "4.0",
        },
    )
    job = glue.get_job(JobName="etl")["Job"]
    assert (job["WorkerType"], job["NumberOfWorkers"], job["GlueVersion"]) == ("G.1X", 2, "4.0")
    assert "MaxCapacity" not in job
    assert glue.delete_job(JobName="etl")["JobName"] == "etl"
    assert glue.delete_job(JobName="etl")["JobName"] == "etl"  # idempotent, as on AWS
    with pytest.raises(ClientError) as err:
        glue.get_job(JobName="etl")
    assert err.value.response["Error"]["Code"] == "EntityNotFoundException"


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"Command": {"Name": "spark"}}, "Command name"),
        ({"WorkerType": "G.1X"}, "Worker Type and Number of Workers"),
        ({"WorkerType": "G.1X", "NumberOfWorkers": 2, "MaxCapacity": 2.0}, "Max Capacity"),
        (
            {"Command": {"Name": "pythonshell", "ScriptLocation": "s3://b/k"}, "MaxCapacity": 3.0},
            "0.0625",
        ),
        ({"Command": {"Name": "glueetl", "ScriptLocation": "/tmp/x.py"}}, "S3 location"),
    ],
)
def test_create_job_validation(glue: Any, kwargs: dict[str, Any], fragment: str) -> None:
    params: dict[str, Any] = {
        "Name": "bad",
        "Role": "r",
        "Command": {"Name": "glueetl", "ScriptLocation": "s3://lake/x.py"},
    }
    params.update(kwargs)
    with pytest.raises(ClientError) as err:
        glue.create_job(**params)
    assert err.value.response["Error"]["Code"] == "InvalidInputException"
    assert fragment in err.value.response["Error"]["Message"]


def test_run_succeeds_with_arguments_logs_and_event(
    server: Any, glue: Any, client: Any, make_job: Any, run_ended: Any
) -> None:
    events = client("events")
    events.create_event_bus(Name="sink")
    events.put_rule(Name="glue-jobs", EventPattern=json.dumps({"source": ["aws.glue"]}))
    events.put_targets(
        Rule="glue-jobs",
        Targets=[{"Id": "sink", "Arn": "arn:aws:events:us-east-1:000000000000:event-bus/sink"}],
    )
    make_job("hello", HELLO, command="pythonshell", DefaultArguments={"--greeting": "hi"})
    run_id = glue.start_job_run(JobName="hello", Arguments={"--greeting": "hello"})["JobRunId"]
    assert run_id.startswith("jr_")
    assert len(run_id) == 67
    run = run_ended("hello", run_id)
    assert run["JobRunState"] == "SUCCEEDED"
    assert run["Attempt"] == 0
    assert run["Arguments"] == {"--greeting": "hello"}
    assert run["LogGroupName"] == "/aws-glue/jobs"
    assert run["StartedOn"] <= run["CompletedOn"]
    assert "ExecutionTime" in run
    assert "ErrorMessage" not in run
    logs = client("logs")

    def output() -> list[str]:
        try:
            got = logs.get_log_events(logGroupName="/aws-glue/jobs/output", logStreamName=run_id)
        except ClientError:
            return []
        return [e["message"] for e in got["events"]]

    lines = wait_for(output)
    assert lines[0] == f"hello hello {run_id}"
    argv = lines[1]
    assert "'--JOB_NAME', 'hello'" in argv
    assert "'--job-bookmark-option', 'job-bookmark-disable'" in argv
    deliveries = wait_for(
        lambda: [
            d for d in server.app.registry.get("events").deliveries() if d["rule"] == "glue-jobs"
        ]
    )
    event = json.loads(deliveries[0]["input"])
    assert event["source"] == "aws.glue"
    assert event["detail-type"] == "Glue Job State Change"
    assert event["detail"] == {
        "jobName": "hello",
        "severity": "INFO",
        "state": "SUCCEEDED",
        "jobRunId": run_id,
        "message": "Job run succeeded",
    }
    runs = glue.get_job_runs(JobName="hello")["JobRuns"]
    assert [r["Id"] for r in runs] == [run_id]


def test_failure_message_traceback_and_retries(
    glue: Any, client: Any, make_job: Any, run_ended: Any
) -> None:
    make_job("boom", BOOM, command="pythonshell", MaxRetries=1)
    run_id = glue.start_job_run(JobName="boom")["JobRunId"]
    first = run_ended("boom", run_id)
    assert first["JobRunState"] == "FAILED"
    assert first["ErrorMessage"] == "ZeroDivisionError: division by zero"
    retry_id = f"{run_id}_attempt_1"
    second = wait_for(
        lambda: [r for r in glue.get_job_runs(JobName="boom")["JobRuns"] if r["Id"] == retry_id]
    )[0]
    second = run_ended("boom", retry_id)
    assert second["Attempt"] == 1
    assert second["PreviousRunId"] == run_id
    assert second["JobRunState"] == "FAILED"
    assert len(glue.get_job_runs(JobName="boom")["JobRuns"]) == 2
    logs = client("logs")
    errors = wait_for(
        lambda: logs.get_log_events(logGroupName="/aws-glue/jobs/error", logStreamName=run_id)[
            "events"
        ]
    )
    text = "\n".join(e["message"] for e in errors)
    assert "Traceback" in text
    assert "ZeroDivisionError" in text


def test_missing_script_fails_the_run(glue: Any, make_job: Any, s3: Any, run_ended: Any) -> None:
    make_job("lost", HELLO)
    s3.delete_object(Bucket="lake", Key="scripts/lost.py")
    run = run_ended("lost", glue.start_job_run(JobName="lost")["JobRunId"])
    assert run["JobRunState"] == "FAILED"
    assert run["ErrorMessage"].startswith("Error downloading script")


def test_missing_required_argument_fails(glue: Any, make_job: Any, run_ended: Any) -> None:
    make_job("noarg", HELLO)
    run = run_ended("noarg", glue.start_job_run(JobName="noarg")["JobRunId"])
    assert run["JobRunState"] == "FAILED"
    assert run["ErrorMessage"] == (
        "GlueArgumentError: the following arguments are required: --greeting"
    )


def test_concurrent_runs_and_stop(glue: Any, make_job: Any, run_ended: Any) -> None:
    make_job("sleepy", SLEEPY, command="pythonshell")
    run_id = glue.start_job_run(JobName="sleepy")["JobRunId"]
    with pytest.raises(ClientError) as err:
        glue.start_job_run(JobName="sleepy")
    assert err.value.response["Error"]["Code"] == "ConcurrentRunsExceededException"
    wait_for(
        lambda: (
            glue.get_job_run(JobName="sleepy", RunId=run_id)["JobRun"]["JobRunState"] == "RUNNING"
        )
    )
    out = glue.batch_stop_job_run(JobName="sleepy", JobRunIds=[run_id, "jr_missing"])
    assert out["SuccessfulSubmissions"] == [{"JobName": "sleepy", "JobRunId": run_id}]
    assert out["Errors"][0]["JobRunId"] == "jr_missing"
    run = run_ended("sleepy", run_id)
    assert run["JobRunState"] == "STOPPED"
    again = glue.batch_stop_job_run(JobName="sleepy", JobRunIds=[run_id])
    assert again["Errors"][0]["ErrorDetail"]["ErrorCode"] == "InvalidInputException"


def test_timeout_on_the_virtual_clock(clock: Any, glue: Any, make_job: Any, run_ended: Any) -> None:
    make_job("slow", SLEEPY, command="pythonshell", Timeout=2)
    run_id = glue.start_job_run(JobName="slow", Timeout=1)["JobRunId"]
    wait_for(
        lambda: glue.get_job_run(JobName="slow", RunId=run_id)["JobRun"]["JobRunState"] == "RUNNING"
    )
    clock.advance(61)
    run = run_ended("slow", run_id)
    assert run["JobRunState"] == "TIMEOUT"
    assert run["Timeout"] == 1


def test_unknown_job_and_run(glue: Any, make_job: Any) -> None:
    with pytest.raises(ClientError) as err:
        glue.start_job_run(JobName="ghost")
    assert err.value.response["Error"]["Code"] == "EntityNotFoundException"
    make_job("real", HELLO)
    with pytest.raises(ClientError) as err:
        glue.get_job_run(JobName="real", RunId="jr_nope")
    assert err.value.response["Error"]["Code"] == "EntityNotFoundException"


def test_start_job_run_retrying_a_previous_run(glue: Any, make_job: Any, run_ended: Any) -> None:
    make_job("flaky", BOOM, command="pythonshell")
    first = glue.start_job_run(JobName="flaky")["JobRunId"]
    run_ended("flaky", first)
    again = glue.start_job_run(JobName="flaky", JobRunId=first)["JobRunId"]
    assert again != first
    assert run_ended("flaky", again)["PreviousRunId"] == first
    with pytest.raises(ClientError) as err:
        glue.start_job_run(JobName="flaky", JobRunId="jr_unknown")
    assert err.value.response["Error"]["Code"] == "EntityNotFoundException"


def test_extra_py_files_are_importable(glue: Any, s3: Any, make_job: Any, run_ended: Any) -> None:
    import io
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("helpers/__init__.py", "def shout(x):\n    return x.upper()\n")
    s3.put_object(Bucket="lake", Key="libs/helpers.zip", Body=buf.getvalue())
    s3.put_object(Bucket="lake", Key="libs/tools.py", Body=b"VALUE = 42\n")
    script = "import helpers, tools\nassert helpers.shout('a') == 'A'\nassert tools.VALUE == 42\n"
    make_job(
        "libs",
        script,
        command="pythonshell",
        DefaultArguments={"--extra-py-files": "s3://lake/libs/helpers.zip,s3://lake/libs/tools.py"},
    )
    run = run_ended("libs", glue.start_job_run(JobName="libs")["JobRunId"])
    assert run["JobRunState"] == "SUCCEEDED", run.get("ErrorMessage")


@known_gap("tag-operations")
def test_tags_of_jobs_workflows_and_triggers(glue: Any, make_job: Any) -> None:
    make_job("tagged", HELLO, Tags={"team": "data"})
    glue.create_workflow(Name="tw", Tags={"k": "v"})
    glue.create_trigger(
        Name="tt", Type="ON_DEMAND", Actions=[{"JobName": "tagged"}], Tags={"t": "1"}
    )
    arn = "arn:aws:glue:us-east-1:000000000000:{}"
    assert glue.get_tags(ResourceArn=arn.format("job/tagged"))["Tags"] == {"team": "data"}
    assert glue.get_tags(ResourceArn=arn.format("workflow/tw"))["Tags"] == {"k": "v"}
    glue.tag_resource(ResourceArn=arn.format("trigger/tt"), TagsToAdd={"u": "2"})
    assert glue.list_triggers(Tags={"u": "2"})["TriggerNames"] == ["tt"]
