"""S3 as written: Step Functions + Lambda functions that start and poll Glue crawlers.

"Building ETL pipeline using AWS Glue and Step Function" (SCENARIOS.md S3, Dojo scripts):
job1 (``.sync``) copies the source customers table to CSV under ``raw/customers``; Lambda
``startcrawlerfunction`` starts ``crawler1`` with boto3 from inside the function; Lambda
``getcrawlerfunction`` reads its state, and a Choice/Wait loop polls until READY; job2 reads
``raw_customers`` and writes Parquet under ``Cleansed/customers``; ``crawler2`` is started and
the execution ends while it runs.

The lab's source is an RDS table; job scripts here cannot read JDBC, so the source table is a
CSV folder crawled by ``Source_Crawler`` into ``mydatabase``, as the catalog would show it.
"""

from __future__ import annotations

import io
import json
import threading
from collections.abc import Callable
from typing import Any

import pyarrow.parquet as pq  # type: ignore[import-untyped]
import pytest

from headwater.runtime.clock import VirtualClock
from tests.conftest import eventually
from tests.pipelines.conftest import ACCOUNT, REGION, athena_rows

pytestmark = pytest.mark.e2e

BUCKET = "etl-pipeline"
DATABASE = "mydatabase"
GLUE_ROLE = f"arn:aws:iam::{ACCOUNT}:role/glue-etl-role"
SFN_ROLE = f"arn:aws:iam::{ACCOUNT}:role/StepFunctions-etl-role"
SOURCE = (
    "customer_id,first_name,last_name,email,city\n"
    "1,Ann,Lee,ann@example.com,Lyon\n"
    "2,Bob,Ray,bob@example.com,Oslo\n"
    "3,Cy,Ng,cy@example.com,Rome\n"
    "4,Di,Ko,di@example.com,Kyiv\n"
)
COLUMNS = ["customer_id", "first_name", "last_name", "email", "city"]

START_CRAWLER = """
    import json
    import boto3

    glue = boto3.client("glue")

    def lambda_handler(event, context):
        crawler_name = event["crawlername"]
        glue.start_crawler(Name=crawler_name)
"""
GET_CRAWLER = """
    import json
    import boto3

    glue = boto3.client("glue")

    def lambda_handler(event, context):
        crawler_name = event["crawlername"]
        response = glue.get_crawler(Name=crawler_name)
        return {"state": response["Crawler"]["State"]}
"""
JOB_HEAD = """
import sys
from awsglue.transforms import *
from awsglue.utils import getResolvedOptions
from pyspark.context import SparkContext
from awsglue.context import GlueContext
from awsglue.job import Job

args = getResolvedOptions(sys.argv, ["JOB_NAME"])
sc = SparkContext()
glueContext = GlueContext(sc)
spark = glueContext.spark_session
job = Job(glueContext)
job.init(args["JOB_NAME"], args)
"""
JOB1 = (
    JOB_HEAD
    + """
AWSGlueDataCatalog_node1 = glueContext.create_dynamic_frame.from_catalog(
    database="mydatabase",
    table_name="customers",
    redshift_tmp_dir=args.get("TempDir"),
    transformation_ctx="AWSGlueDataCatalog_node1",
)
AmazonS3_node2 = glueContext.write_dynamic_frame.from_options(
    frame=AWSGlueDataCatalog_node1,
    connection_type="s3",
    format="csv",
    connection_options={"path": "s3://etl-pipeline/raw/customers/", "partitionKeys": []},
    transformation_ctx="AmazonS3_node2",
)
job.commit()
"""
)
JOB2 = (
    JOB_HEAD
    + """
AWSGlueDataCatalog_node1 = glueContext.create_dynamic_frame.from_catalog(
    database="mydatabase", table_name="raw_Customers", transformation_ctx="AWSGlueDataCatalog_node1"
)
ChangeSchema_node2 = ApplyMapping.apply(
    frame=AWSGlueDataCatalog_node1,
    mappings=[
        ("customer_id", "long", "customer_id", "long"),
        ("first_name", "string", "first_name", "string"),
        ("last_name", "string", "last_name", "string"),
        ("email", "string", "email", "string"),
        ("city", "string", "city", "string"),
    ],
    transformation_ctx="ChangeSchema_node2",
)
AmazonS3_node3 = glueContext.write_dynamic_frame.from_options(
    frame=ChangeSchema_node2,
    connection_type="s3",
    format="parquet",
    connection_options={"path": "s3://etl-pipeline/Cleansed/customers/", "partitionKeys": []},
    transformation_ctx="AmazonS3_node3",
)
job.commit()
"""
)
LAMBDA_RETRY = [
    {
        "ErrorEquals": [
            "Lambda.ServiceException",
            "Lambda.AWSLambdaException",
            "Lambda.SdkClientException",
        ],
        "IntervalSeconds": 2,
        "MaxAttempts": 6,
        "BackoffRate": 2,
    }
]


def invoke(function_arn: str, crawler: str, nxt: str | None) -> dict[str, Any]:
    """A Workflow Studio Lambda invoke state with a static ``crawlername`` payload."""
    state: dict[str, Any] = {
        "Type": "Task",
        "Resource": "arn:aws:states:::lambda:invoke",
        "OutputPath": "$.Payload",
        "Parameters": {
            "Payload": {"crawlername": crawler},
            "FunctionName": f"{function_arn}:$LATEST",
        },
        "Retry": LAMBDA_RETRY,
    }
    state.update({"Next": nxt} if nxt else {"End": True})
    return state


def definition(start_arn: str, get_arn: str) -> dict[str, Any]:
    """The write-up's state machine (Dojo ARNs replaced by this server's)."""
    return {
        "Comment": "ETL pipeline: job1, crawl raw, poll until READY, job2, crawl cleansed",
        "StartAt": "job1_start",
        "States": {
            "job1_start": {
                "Type": "Task",
                "Resource": "arn:aws:states:::glue:startJobRun.sync",
                "Parameters": {"JobName": "job1"},
                "Next": "crawler1_start",
            },
            "crawler1_start": invoke(start_arn, "crawler1", "get_crawler1_state"),
            "get_crawler1_state": invoke(get_arn, "crawler1", "Choice"),
            "Choice": {
                "Type": "Choice",
                "Choices": [
                    {
                        "Not": {"Variable": "$.state", "StringEquals": "READY"},
                        "Next": "Wait",
                    }
                ],
                "Default": "job2_start",
            },
            "Wait": {"Type": "Wait", "Seconds": 3, "Next": "get_crawler1_state"},
            "job2_start": {
                "Type": "Task",
                "Resource": "arn:aws:states:::glue:startJobRun.sync",
                "Parameters": {"JobName": "job2"},
                "Next": "crawler2_start",
            },
            "crawler2_start": invoke(start_arn, "crawler2", None),
        },
    }


def build_s3(
    s3: Any,
    glue: Any,
    make_function: Callable[[str, str], str],
    crawler_ready: Callable[[str], dict[str, Any]],
) -> tuple[str, str]:
    """The bucket, folders, source table, crawlers, jobs and functions; their two ARNs."""
    s3.create_bucket(Bucket=BUCKET)
    for folder in ("raw/", "Cleansed/", "Scripts/"):
        s3.put_object(Bucket=BUCKET, Key=folder, Body=b"")  # console "Create folder"
    s3.put_object(Bucket=BUCKET, Key="source/customers/customers.csv", Body=SOURCE.encode())
    glue.create_database(DatabaseInput={"Name": DATABASE})
    crawlers = {
        "Source_Crawler": ("source/customers", ""),
        "crawler1": ("raw/customers", "raw_"),
        "crawler2": ("Cleansed/customers", "cleansed_"),
    }
    for name, (path, prefix) in crawlers.items():
        glue.create_crawler(
            Name=name,
            Role=GLUE_ROLE,
            DatabaseName=DATABASE,
            TablePrefix=prefix,
            Targets={"S3Targets": [{"Path": f"s3://{BUCKET}/{path}"}]},
        )
    glue.start_crawler(Name="Source_Crawler")
    assert crawler_ready("Source_Crawler")["LastCrawl"]["Status"] == "SUCCEEDED"
    for name, script in (("job1", JOB1), ("job2", JOB2)):
        s3.put_object(Bucket=BUCKET, Key=f"Scripts/{name}.py", Body=script.encode())
        glue.create_job(
            Name=name,
            Role=GLUE_ROLE,
            Command={"Name": "glueetl", "ScriptLocation": f"s3://{BUCKET}/Scripts/{name}.py"},
            DefaultArguments={"--TempDir": f"s3://{BUCKET}/Scripts/", "--job-language": "python"},
            GlueVersion="4.0",
        )
    start_arn = make_function("startcrawlerfunction", START_CRAWLER)
    get_arn = make_function("getcrawlerfunction", GET_CRAWLER)
    return start_arn, get_arn


def entered(history: list[dict[str, Any]]) -> list[str]:
    """The names of the states entered, in order."""
    return [
        e["stateEnteredEventDetails"]["name"] for e in history if "stateEnteredEventDetails" in e
    ]


def full_history(sfn: Any, arn: str) -> list[dict[str, Any]]:
    """Every history event of an execution."""
    events: list[dict[str, Any]] = []
    kwargs: dict[str, Any] = {"executionArn": arn, "maxResults": 1000}
    while True:
        out = sfn.get_execution_history(**kwargs)
        events += out["events"]
        if not out.get("nextToken"):
            return events
        kwargs["nextToken"] = out["nextToken"]


def test_s3_lambda_crawler_polling_loop(
    client: Callable[..., Any],
    s3: Any,
    glue: Any,
    sfn: Any,
    clock: VirtualClock,
    make_function: Callable[[str, str], str],
    crawler_ready: Callable[[str], dict[str, Any]],
    finish: Callable[[str], dict[str, Any]],
    hold_crawls: threading.Event,
) -> None:
    hold_crawls.set()
    start_arn, get_arn = build_s3(s3, glue, make_function, crawler_ready)
    machine = sfn.create_state_machine(
        name="etl-pipeline-state-machine",
        definition=json.dumps(definition(start_arn, get_arn)),
        roleArn=SFN_ROLE,
    )["stateMachineArn"]
    # crawler1 is held RUNNING (a real crawl takes minutes) until the loop has waited twice.
    hold_crawls.clear()
    execution = sfn.start_execution(
        stateMachineArn=machine,
        input=json.dumps({"Comment": "Insert your JSON here"}),  # the console's sample input
    )["executionArn"]

    def waited_twice() -> bool:
        nxt = clock.next_deadline()
        if nxt is not None and nxt - clock.now() <= 60:
            clock.set(nxt)
        types = [e["type"] for e in full_history(sfn, execution)]
        return types.count("WaitStateExited") >= 2

    eventually(waited_twice, timeout=15.0)
    hold_crawls.set()
    described = finish(execution)
    assert described["status"] == "SUCCEEDED", (described.get("error"), described.get("cause"))
    assert json.loads(described["output"]) is None  # crawler2_start: the Lambda returned None

    history = full_history(sfn, execution)
    names = entered(history)
    assert names[:3] == ["job1_start", "crawler1_start", "get_crawler1_state"]
    assert names[-2:] == ["job2_start", "crawler2_start"]
    loop = names[2:-2]
    assert loop.count("Wait") >= 2
    assert loop == ["get_crawler1_state", "Choice", "Wait"] * loop.count("Wait") + [
        "get_crawler1_state",
        "Choice",
    ]
    # crawler1_start's state output is null: the function returned nothing.
    exited = {
        e["stateExitedEventDetails"]["name"]: e["stateExitedEventDetails"].get("output")
        for e in history
        if "stateExitedEventDetails" in e
    }
    assert json.loads(exited["crawler1_start"]) is None
    states = [
        json.loads(e["stateExitedEventDetails"]["output"])
        for e in history
        if e.get("stateExitedEventDetails", {}).get("name") == "get_crawler1_state"
    ]
    assert states[0] == {"state": "RUNNING"}
    assert states[-1] == {"state": "READY"}
    types = [e["type"] for e in history]
    for expected in ("ChoiceStateEntered", "WaitStateEntered", "TaskSubmitted"):
        assert expected in types

    # Both job runs succeeded, one each, started by the machine.
    for job in ("job1", "job2"):
        runs = glue.get_job_runs(JobName=job)["JobRuns"]
        assert [r["JobRunState"] for r in runs] == ["SUCCEEDED"], runs

    # raw/customers: CSV with a header; the catalog has raw_customers (csv).
    keys = [
        o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET, Prefix="raw/customers/")["Contents"]
    ]
    assert keys
    assert all("part-r-" in k for k in keys), keys
    text = "".join(s3.get_object(Bucket=BUCKET, Key=k)["Body"].read().decode() for k in keys)
    assert text.splitlines()[0] == ",".join(COLUMNS)
    raw = glue.get_table(DatabaseName=DATABASE, Name="raw_customers")["Table"]
    assert raw["Parameters"]["classification"] == "csv"
    assert [c["Name"] for c in raw["StorageDescriptor"]["Columns"]] == COLUMNS

    # Cleansed/customers: Parquet; crawler2 ran after the execution ended.
    keys = [
        o["Key"]
        for o in s3.list_objects_v2(Bucket=BUCKET, Prefix="Cleansed/customers/")["Contents"]
    ]
    assert keys
    assert all(k.endswith(".snappy.parquet") for k in keys), keys
    rows = []
    for key in keys:
        body = s3.get_object(Bucket=BUCKET, Key=key)["Body"].read()
        rows += pq.read_table(io.BytesIO(body)).to_pylist()
    assert sorted(r["customer_id"] for r in rows) == [1, 2, 3, 4]
    assert crawler_ready("crawler2")["LastCrawl"]["Status"] == "SUCCEEDED"
    cleansed = eventually(
        lambda: glue.get_tables(DatabaseName=DATABASE, Expression="cleansed_*")["TableList"]
    )
    assert [t["Name"] for t in cleansed] == ["cleansed_customers"]
    assert cleansed[0]["Parameters"]["classification"] == "parquet"
    columns = {c["Name"]: c["Type"] for c in cleansed[0]["StorageDescriptor"]["Columns"]}
    assert columns == {
        "customer_id": "bigint",
        "first_name": "string",
        "last_name": "string",
        "email": "string",
        "city": "string",
    }
    tables = sorted(t["Name"] for t in glue.get_tables(DatabaseName=DATABASE)["TableList"])
    assert tables == ["cleansed_customers", "customers", "raw_customers"]
    sql = "SELECT count(*), max(city) FROM cleansed_customers"
    assert athena_rows(client, DATABASE, f"s3://{BUCKET}/athena-results/", sql) == [["4", "Rome"]]
    assert {REGION} == {arn.split(":")[3] for arn in (start_arn, get_arn)}


def test_s3_missing_raw_table_fails_job2_and_the_execution(
    s3: Any,
    glue: Any,
    sfn: Any,
    make_function: Callable[[str, str], str],
    crawler_ready: Callable[[str], dict[str, Any]],
    finish: Callable[[str], dict[str, Any]],
) -> None:
    start_arn, get_arn = build_s3(s3, glue, make_function, crawler_ready)
    # The write-up's case trap: crawler1 pointed at Raw/customers, job1 writes raw/customers.
    glue.update_crawler(
        Name="crawler1", Targets={"S3Targets": [{"Path": f"s3://{BUCKET}/Raw/customers"}]}
    )
    machine = sfn.create_state_machine(
        name="etl-pipeline-state-machine",
        definition=json.dumps(definition(start_arn, get_arn)),
        roleArn=SFN_ROLE,
    )["stateMachineArn"]
    execution = sfn.start_execution(stateMachineArn=machine, input="{}")["executionArn"]
    described = finish(execution)

    assert described["status"] == "FAILED"
    assert described["error"] == "States.TaskFailed"
    cause = json.loads(described["cause"])
    assert cause["JobName"] == "job2"
    assert cause["JobRunState"] == "FAILED"
    assert "EntityNotFoundException" in cause["ErrorMessage"]
    # The loop ended on READY (it never looks at LastCrawl): crawler1 found nothing to add.
    assert crawler_ready("crawler1")["LastCrawl"]["Status"] == "SUCCEEDED"
    assert "raw_customers" not in {
        t["Name"] for t in glue.get_tables(DatabaseName=DATABASE)["TableList"]
    }
    names = entered(full_history(sfn, execution))
    assert names[-1] == "job2_start"
    assert glue.get_crawler(Name="crawler2")["Crawler"].get("LastCrawl") is None


ORCHESTRATOR = """
    import boto3

    glue = boto3.client("glue")
    # The write-up keeps this in the DynamoDB table pipelineconfig (source, target, targettype).
    PIPELINECONFIG = {
        "job1": ("crawler1", "crawler"),
        "crawler1": ("job2", "job"),
        "job2": ("crawler2", "crawler"),
    }

    def lambda_handler(event, context):
        detail = event["detail"]
        if event["detail-type"] == "Glue Job State Change":
            source, done = detail["jobName"], detail["state"] == "SUCCEEDED"
        else:
            source, done = detail["crawlerName"], detail["state"] == "Succeeded"
        if not done or source not in PIPELINECONFIG:
            return None
        target, targettype = PIPELINECONFIG[source]
        if targettype == "crawler":
            glue.start_crawler(Name=target)
        else:
            glue.start_job_run(JobName=target)
        return target
"""


def test_s3_event_variant_glue_state_change_events_drive_the_next_step(
    client: Callable[..., Any],
    s3: Any,
    glue: Any,
    make_function: Callable[[str, str], str],
    crawler_ready: Callable[[str], dict[str, Any]],
) -> None:
    """The write-up's event-based variant: Glue state-change events -> rule -> one Lambda."""
    build_s3(s3, glue, make_function, crawler_ready)
    orchestrator = make_function("pipeline-orchestrator", ORCHESTRATOR)
    events = client("events")
    events.put_rule(
        Name="glue-state-change-rule",
        EventPattern=json.dumps(
            {
                "source": ["aws.glue"],
                "detail-type": ["Glue Job State Change", "Glue Crawler State Change"],
            }
        ),
    )
    events.put_targets(
        Rule="glue-state-change-rule", Targets=[{"Id": "orchestrator", "Arn": orchestrator}]
    )
    glue.start_job_run(JobName="job1")

    def cleansed() -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = glue.get_tables(
            DatabaseName=DATABASE, Expression="cleansed_*"
        )["TableList"]
        return found

    tables = eventually(cleansed, timeout=30.0)
    assert [t["Name"] for t in tables] == ["cleansed_customers"]
    for job in ("job1", "job2"):
        assert [r["JobRunState"] for r in glue.get_job_runs(JobName=job)["JobRuns"]] == [
            "SUCCEEDED"
        ]
    assert crawler_ready("crawler2")["LastCrawl"]["Status"] == "SUCCEEDED"
    names = {t["Name"] for t in glue.get_tables(DatabaseName=DATABASE)["TableList"]}
    assert names == {"customers", "raw_customers", "cleansed_customers"}
