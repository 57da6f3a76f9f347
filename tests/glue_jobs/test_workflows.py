"""Workflows and triggers end to end: the S0 pipeline, failures, AND / ANY, schedules."""

from __future__ import annotations

import io
import json
from typing import Any

import pyarrow.parquet as pq
import pytest
from botocore.exceptions import ClientError

from tests.glue_jobs.conftest import known_gap, wait_for

CSV = b"customerId,name,amount\r\n1,Ann,2.5\r\n2,Bob,3\r\n3,Cy,4.25\r\n"

TRANSFORM = """
import sys
from awsglue.transforms import *
from awsglue.utils import getResolvedOptions
from pyspark.context import SparkContext
from awsglue.context import GlueContext
from awsglue.job import Job

args = getResolvedOptions(sys.argv, ["JOB_NAME", "WORKFLOW_NAME", "WORKFLOW_RUN_ID"])
sc = SparkContext()
glueContext = GlueContext(sc)
job = Job(glueContext)
job.init(args["JOB_NAME"], args)
datasource0 = glueContext.create_dynamic_frame.from_options(
    connection_type="s3",
    connection_options={"paths": ["s3://lake/raw/customers/"], "recurse": True},
    format="csv",
    format_options={"withHeader": True, "separator": ","},
    transformation_ctx="datasource0",
)
print("rows", datasource0.count())
glueContext.write_dynamic_frame.from_options(
    frame=datasource0,
    connection_type="s3",
    connection_options={"path": "s3://lake/curated/customers/"},
    format="parquet",
    transformation_ctx="datasink4",
)
job.commit()
"""

CHECK = """
import boto3
s3 = boto3.client("s3")
keys = [o["Key"] for o in s3.list_objects_v2(Bucket="lake", Prefix="curated/")["Contents"]]
assert any(k.endswith(".snappy.parquet") for k in keys), keys
print("curated", keys)
"""

OK = "print('ok')\n"
BOOM = "raise ValueError('bad data')\n"


@pytest.fixture
def raw(s3: Any) -> None:
    s3.put_object(Bucket="lake", Key="raw/customers/LOAD00000001.csv", Body=CSV)


def test_s0_byod_workflow_through_the_cli(
    aws: Any, glue: Any, s3: Any, raw: None, make_job: Any, workflow_done: Any
) -> None:
    make_job("byod-customers-job", TRANSFORM, GlueVersion="2.0", MaxCapacity=20.0)
    make_job("byod-check-curated", CHECK, command="pythonshell")
    aws("glue", "create-workflow", "--name", "byod")
    aws(
        "glue",
        "create-trigger",
        "--name",
        "trigger-parquet-job",
        "--workflow-name",
        "byod",
        "--type",
        "SCHEDULED",
        "--schedule",
        "cron(0 6 * * ? *)",
        "--start-on-creation",
        "--actions",
        "JobName=byod-customers-job",
    )
    predicate = {
        "Logical": "AND",
        "Conditions": [
            {"LogicalOperator": "EQUALS", "JobName": "byod-customers-job", "State": "SUCCEEDED"}
        ],
    }
    aws(
        "glue",
        "create-trigger",
        "--name",
        "trigger-crawler-parquet",
        "--workflow-name",
        "byod",
        "--type",
        "CONDITIONAL",
        "--predicate",
        json.dumps(predicate),
        "--start-on-creation",
        "--actions",
        "JobName=byod-check-curated",
    )
    wf = json.loads(aws("glue", "get-workflow", "--name", "byod", "--include-graph").stdout)
    graph = wf["Workflow"]["Graph"]
    assert sorted((n["Type"], n["Name"]) for n in graph["Nodes"]) == [
        ("JOB", "byod-check-curated"),
        ("JOB", "byod-customers-job"),
        ("TRIGGER", "trigger-crawler-parquet"),
        ("TRIGGER", "trigger-parquet-job"),
    ]
    assert len(graph["Edges"]) == 3
    sched = next(n for n in graph["Nodes"] if n["Name"] == "trigger-parquet-job")
    assert sched["TriggerDetails"]["Trigger"]["Schedule"] == "cron(0 6 * * ? *)"
    assert sched["TriggerDetails"]["Trigger"]["State"] == "ACTIVATED"

    run_id = json.loads(aws("glue", "start-workflow-run", "--name", "byod").stdout)["RunId"]
    assert run_id.startswith("wr_")
    run = workflow_done("byod", run_id)
    assert run["Status"] == "COMPLETED"
    assert run["Statistics"]["TotalActions"] == 2
    assert run["Statistics"]["SucceededActions"] == 2
    assert run["Statistics"]["FailedActions"] == 0
    jobs = {n["Name"]: n for n in run["Graph"]["Nodes"] if n["Type"] == "JOB"}
    transform = jobs["byod-customers-job"]["JobDetails"]["JobRuns"][0]
    assert transform["JobRunState"] == "SUCCEEDED"
    assert transform["TriggerName"] == "trigger-parquet-job"
    check = jobs["byod-check-curated"]["JobDetails"]["JobRuns"][0]
    assert check["PredecessorRuns"] == [{"JobName": "byod-customers-job", "RunId": transform["Id"]}]
    listed = json.loads(aws("glue", "get-workflow-runs", "--name", "byod").stdout)["Runs"]
    assert [r["WorkflowRunId"] for r in listed] == [run_id]
    assert (
        json.loads(aws("glue", "get-workflow", "--name", "byod").stdout)["Workflow"]["LastRun"][
            "WorkflowRunId"
        ]
        == run_id
    )

    keys = [o["Key"] for o in s3.list_objects_v2(Bucket="lake", Prefix="curated/")["Contents"]]
    assert len(keys) == 1
    assert keys[0].startswith("curated/customers/run-")
    assert keys[0].endswith(".snappy.parquet")
    body = s3.get_object(Bucket="lake", Key=keys[0])["Body"].read()
    table = pq.read_table(io.BytesIO(body))
    assert table.column_names == ["customerId", "name", "amount"]
    assert table.column("amount").to_pylist() == [2.5, 3.0, 4.25]
    assert pq.ParquetFile(io.BytesIO(body)).metadata.row_group(0).column(0).compression == "SNAPPY"


def test_failed_job_completes_the_run_without_firing(
    glue: Any, make_job: Any, workflow_done: Any
) -> None:
    make_job("transform", BOOM, command="pythonshell")
    make_job("after", OK, command="pythonshell")
    glue.create_workflow(Name="wf")
    glue.create_trigger(
        Name="start", WorkflowName="wf", Type="ON_DEMAND", Actions=[{"JobName": "transform"}]
    )
    glue.create_trigger(
        Name="next",
        WorkflowName="wf",
        Type="CONDITIONAL",
        StartOnCreation=True,
        Predicate={"Conditions": [{"JobName": "transform", "State": "SUCCEEDED"}]},
        Actions=[{"JobName": "after"}],
    )
    run_id = glue.start_workflow_run(Name="wf")["RunId"]
    run = workflow_done("wf", run_id)
    assert run["Status"] == "COMPLETED"
    stats = run["Statistics"]
    assert (stats["TotalActions"], stats["FailedActions"], stats["SucceededActions"]) == (1, 1, 0)
    nodes = {n["Name"]: n for n in run["Graph"]["Nodes"]}
    failed = nodes["transform"]["JobDetails"]["JobRuns"][0]
    assert failed["JobRunState"] == "FAILED"
    assert failed["ErrorMessage"] == "ValueError: bad data"
    assert nodes["after"]["JobDetails"]["JobRuns"] == []
    assert glue.get_job_runs(JobName="after")["JobRuns"] == []


@pytest.mark.parametrize(
    ("logical", "second", "fires"),
    [("AND", OK, True), ("AND", BOOM, False), ("ANY", BOOM, True), ("ANY", OK, True)],
)
def test_and_versus_any_with_two_jobs(
    glue: Any, make_job: Any, workflow_done: Any, logical: str, second: str, fires: bool
) -> None:
    make_job("a", OK, command="pythonshell")
    make_job("b", second, command="pythonshell")
    make_job("c", OK, command="pythonshell")
    glue.create_workflow(Name="two")
    glue.create_trigger(
        Name="go",
        WorkflowName="two",
        Type="ON_DEMAND",
        Actions=[{"JobName": "a"}, {"JobName": "b"}],
    )
    glue.create_trigger(
        Name="join",
        WorkflowName="two",
        Type="CONDITIONAL",
        StartOnCreation=True,
        Predicate={
            "Logical": logical,
            "Conditions": [
                {"LogicalOperator": "EQUALS", "JobName": "a", "State": "SUCCEEDED"},
                {"LogicalOperator": "EQUALS", "JobName": "b", "State": "SUCCEEDED"},
            ],
        },
        Actions=[{"JobName": "c"}],
    )
    run = workflow_done("two", glue.start_workflow_run(Name="two")["RunId"])
    assert run["Status"] == "COMPLETED"
    c_runs = glue.get_job_runs(JobName="c")["JobRuns"]
    assert len(c_runs) == (1 if fires else 0)
    assert run["Statistics"]["TotalActions"] == (3 if fires else 2)


def test_run_properties_and_workflow_arguments(
    glue: Any, make_job: Any, workflow_done: Any
) -> None:
    script = """
import sys, boto3
from awsglue.utils import getResolvedOptions
args = getResolvedOptions(sys.argv, ["WORKFLOW_NAME", "WORKFLOW_RUN_ID"])
glue = boto3.client("glue")
run = {"Name": args["WORKFLOW_NAME"], "RunId": args["WORKFLOW_RUN_ID"]}
props = glue.get_workflow_run_properties(**run)["RunProperties"]
props["seen"] = props["color"]
glue.put_workflow_run_properties(RunProperties=props, **run)
"""
    make_job("props", script, command="pythonshell")
    glue.create_workflow(Name="pw", DefaultRunProperties={"color": "blue", "size": "s"})
    glue.create_trigger(
        Name="s", WorkflowName="pw", Type="ON_DEMAND", Actions=[{"JobName": "props"}]
    )
    run_id = glue.start_workflow_run(Name="pw", RunProperties={"color": "red"})["RunId"]
    run = workflow_done("pw", run_id)
    assert run["Status"] == "COMPLETED", run
    props = glue.get_workflow_run_properties(Name="pw", RunId=run_id)["RunProperties"]
    assert props == {"color": "red", "size": "s", "seen": "red"}


def test_trigger_crud_and_errors(glue: Any, make_job: Any) -> None:
    make_job("j", OK, command="pythonshell")
    with pytest.raises(ClientError) as err:
        glue.create_trigger(Name="t", Type="ON_DEMAND", Actions=[{"JobName": "ghost"}])
    assert err.value.response["Error"]["Code"] == "EntityNotFoundException"
    with pytest.raises(ClientError) as err:
        glue.create_trigger(
            Name="t", Type="SCHEDULED", Schedule="rate(1 day)", Actions=[{"JobName": "j"}]
        )
    assert err.value.response["Error"]["Code"] == "InvalidInputException"
    with pytest.raises(ClientError) as err:
        glue.create_trigger(
            Name="t", Type="ON_DEMAND", StartOnCreation=True, Actions=[{"JobName": "j"}]
        )
    assert err.value.response["Error"]["Code"] == "InvalidInputException"
    glue.create_trigger(
        Name="t", Type="SCHEDULED", Schedule="cron(15 12 * * ? *)", Actions=[{"JobName": "j"}]
    )
    assert glue.get_trigger(Name="t")["Trigger"]["State"] == "CREATED"
    glue.start_trigger(Name="t")
    assert glue.get_trigger(Name="t")["Trigger"]["State"] == "ACTIVATED"
    updated = glue.update_trigger(Name="t", TriggerUpdate={"Schedule": "cron(0 1 * * ? *)"})
    assert updated["Trigger"]["Schedule"] == "cron(0 1 * * ? *)"
    assert updated["Trigger"]["Actions"] == [{"JobName": "j"}]
    glue.stop_trigger(Name="t")
    assert glue.get_trigger(Name="t")["Trigger"]["State"] == "DEACTIVATED"
    assert glue.list_triggers(DependentJobName="j")["TriggerNames"] == ["t"]
    assert [t["Name"] for t in glue.get_triggers()["Triggers"]] == ["t"]
    glue.delete_trigger(Name="t")
    with pytest.raises(ClientError) as err:
        glue.get_trigger(Name="t")
    assert err.value.response["Error"]["Code"] == "EntityNotFoundException"


def test_scheduled_trigger_fires_on_the_clock(
    clock: Any, glue: Any, make_job: Any, workflow_done: Any
) -> None:
    make_job("nightly", OK, command="pythonshell")
    glue.create_workflow(Name="sched")
    glue.create_trigger(
        Name="every-minute",
        WorkflowName="sched",
        Type="SCHEDULED",
        Schedule="cron(* * * * ? *)",
        StartOnCreation=True,
        Actions=[{"JobName": "nightly"}],
    )
    clock.advance(61)
    runs = wait_for(lambda: glue.get_workflow_runs(Name="sched")["Runs"])
    run = workflow_done("sched", runs[0]["WorkflowRunId"])
    assert run["Status"] == "COMPLETED"
    job_run = glue.get_job_runs(JobName="nightly")["JobRuns"][0]
    assert job_run["TriggerName"] == "every-minute"
    glue.stop_trigger(Name="every-minute")


def test_standalone_conditional_trigger(glue: Any, make_job: Any, run_ended: Any) -> None:
    make_job("first", OK, command="pythonshell")
    make_job("second", OK, command="pythonshell")
    glue.create_trigger(
        Name="chain",
        Type="CONDITIONAL",
        StartOnCreation=True,
        Predicate={"Conditions": [{"JobName": "first", "State": "SUCCEEDED"}]},
        Actions=[{"JobName": "second", "Arguments": {"--from": "chain"}}],
    )
    run_ended("first", glue.start_job_run(JobName="first")["JobRunId"])
    runs = wait_for(lambda: glue.get_job_runs(JobName="second")["JobRuns"])
    assert runs[0]["TriggerName"] == "chain"
    assert runs[0]["Arguments"] == {"--from": "chain"}


def test_stop_workflow_run(glue: Any, make_job: Any, workflow_done: Any) -> None:
    make_job("slow", "import time\ntime.sleep(1)\n", command="pythonshell")
    make_job("never", OK, command="pythonshell")
    glue.create_workflow(Name="st")
    glue.create_trigger(
        Name="s", WorkflowName="st", Type="ON_DEMAND", Actions=[{"JobName": "slow"}]
    )
    glue.create_trigger(
        Name="c",
        WorkflowName="st",
        Type="CONDITIONAL",
        Predicate={"Conditions": [{"JobName": "slow", "State": "SUCCEEDED"}]},
        Actions=[{"JobName": "never"}],
    )
    run_id = glue.start_workflow_run(Name="st")["RunId"]
    glue.stop_workflow_run(Name="st", RunId=run_id)
    run = workflow_done("st", run_id)
    assert run["Status"] == "STOPPED"
    assert glue.get_job_runs(JobName="never")["JobRuns"] == []
    with pytest.raises(ClientError) as err:
        glue.stop_workflow_run(Name="st", RunId=run_id)
    assert err.value.response["Error"]["Code"] == "IllegalWorkflowStateException"


def test_workflow_crud(glue: Any) -> None:
    glue.create_workflow(Name="w1", Description="d", MaxConcurrentRuns=1)
    with pytest.raises(ClientError) as err:
        glue.create_workflow(Name="w1")
    assert err.value.response["Error"]["Code"] == "AlreadyExistsException"
    glue.update_workflow(Name="w1", Description="new", DefaultRunProperties={"k": "v"})
    wf = glue.get_workflow(Name="w1")["Workflow"]
    assert (wf["Description"], wf["DefaultRunProperties"], wf["MaxConcurrentRuns"]) == (
        "new",
        {"k": "v"},
        1,
    )
    assert glue.list_workflows()["Workflows"] == ["w1"]
    got = glue.batch_get_workflows(Names=["w1", "w2"])
    assert got["MissingWorkflows"] == ["w2"]
    glue.delete_workflow(Name="w1")
    with pytest.raises(ClientError) as err:
        glue.get_workflow(Name="w1")
    assert err.value.response["Error"]["Code"] == "EntityNotFoundException"


@known_gap("crawler-action")
def test_s0_conditional_trigger_starts_a_crawler(
    glue: Any, s3: Any, raw: None, make_job: Any, workflow_done: Any
) -> None:
    make_job("byod-customers-job", TRANSFORM)
    glue.create_database(DatabaseInput={"Name": "byod_curated"})
    glue.create_crawler(
        Name="crawler-parquet",
        Role="glue-processor-role",
        DatabaseName="byod_curated",
        Targets={"S3Targets": [{"Path": "s3://lake/curated"}]},
    )
    glue.create_workflow(Name="byod")
    glue.create_trigger(
        Name="start",
        WorkflowName="byod",
        Type="ON_DEMAND",
        Actions=[{"JobName": "byod-customers-job"}],
    )
    glue.create_trigger(
        Name="trigger-crawler-parquet",
        WorkflowName="byod",
        Type="CONDITIONAL",
        StartOnCreation=True,
        Predicate={
            "Logical": "AND",
            "Conditions": [{"JobName": "byod-customers-job", "State": "SUCCEEDED"}],
        },
        Actions=[{"CrawlerName": "crawler-parquet"}],
    )
    run = workflow_done("byod", glue.start_workflow_run(Name="byod")["RunId"])
    assert run["Status"] == "COMPLETED"
    assert run["Statistics"]["SucceededActions"] == 2
    crawler = next(n for n in run["Graph"]["Nodes"] if n["Type"] == "CRAWLER")
    assert crawler["CrawlerDetails"]["Crawls"][0]["State"] == "SUCCEEDED"
    tables = glue.get_tables(DatabaseName="byod_curated")["TableList"]
    # Which table names the crawler picks is the catalog side's business (and tested there).
    assert len(tables) == 1
    assert tables[0]["StorageDescriptor"]["Location"].startswith("s3://lake/curated")
    assert tables[0]["Parameters"]["classification"] == "parquet"


def test_resume_a_failed_node(glue: Any, s3: Any, make_job: Any, workflow_done: Any) -> None:
    flaky = """
import boto3
s3 = boto3.client("s3")
if not s3.list_objects_v2(Bucket="lake", Prefix="fixed").get("Contents"):
    raise RuntimeError("not yet")
"""
    make_job("flaky", flaky, command="pythonshell")
    make_job("after", OK, command="pythonshell")
    glue.create_workflow(Name="rs")
    glue.create_trigger(
        Name="s", WorkflowName="rs", Type="ON_DEMAND", Actions=[{"JobName": "flaky"}]
    )
    glue.create_trigger(
        Name="c",
        WorkflowName="rs",
        Type="CONDITIONAL",
        StartOnCreation=True,
        Predicate={"Conditions": [{"JobName": "flaky", "State": "SUCCEEDED"}]},
        Actions=[{"JobName": "after"}],
    )
    first = glue.start_workflow_run(Name="rs")["RunId"]
    run = workflow_done("rs", first)
    assert run["Statistics"]["FailedActions"] == 1
    node = next(n["UniqueId"] for n in run["Graph"]["Nodes"] if n["Name"] == "flaky")
    s3.put_object(Bucket="lake", Key="fixed", Body=b"")
    resumed = glue.resume_workflow_run(Name="rs", RunId=first, NodeIds=[node])
    assert resumed["NodeIds"] == [node]
    assert resumed["RunId"] != first
    again = workflow_done("rs", resumed["RunId"])
    assert again["Status"] == "COMPLETED"
    assert again["PreviousRunId"] == first
    assert len(glue.get_job_runs(JobName="after")["JobRuns"]) == 1
    with pytest.raises(ClientError) as err:
        glue.resume_workflow_run(Name="rs", RunId=resumed["RunId"], NodeIds=[node])
    assert err.value.response["Error"]["Code"] == "InvalidInputException"
