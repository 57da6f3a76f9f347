"""S2 as the user runs it: ``aws s3 cp`` -> CloudTrail -> EventBridge -> Step Functions.

ETL-TTT Part 6 (SCENARIOS.md S2): a trail logs S3 Write data events under
``etl-ttt-demo/data_analytics_team_folder/``; the rule ``find-matches-rule`` matches the
``AWS API Call via CloudTrail`` event of the upload and starts ``findmatches-ML-dedup-workflow``:
"Find Match Job" (``glue:startJobRun.sync``, the job's script really runs) then "Crawl Dedup
Data" (``aws-sdk:glue:startCrawler``), and ``ml-final-crawler`` catalogs the job's output.

Headwater has no ML transforms, so the job stands in for FindMatches with SQL: rows with the
same e-mail address get the same ``match_id``. Everything else is the lab's.
"""

from __future__ import annotations

import csv
import io
import json
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq  # type: ignore[import-untyped]
import pytest

from tests.conftest import eventually
from tests.pipelines.conftest import ACCOUNT, REGION, athena_rows
from tests.stepfunctions.conftest import history_types

pytestmark = pytest.mark.e2e

BUCKET = f"etl-ttt-demo-{ACCOUNT}-{REGION}"
TRIGGER_PREFIX = "etl-ttt-demo/data_analytics_team_folder/"
FULL_PREFIX = "etl-ttt-demo/ml-lab/ml-customer-full/"
OUTPUT = "etl-ttt-demo/output/data_analytics_team_folder/top-customers/"
DATABASE = "glue_ttt_demo_db"
JOB = "ml-lab-notebook-job"
CRAWLER = "ml-final-crawler"
MACHINE = "findmatches-ML-dedup-workflow"
SFN_ROLE = f"arn:aws:iam::{ACCOUNT}:role/AWSStepFunctionRole-etl-ttt-demo"
EVENTS_ROLE = f"arn:aws:iam::{ACCOUNT}:role/AWSEventBridgeInvokeRole-etl-ttt-demo"
GLUE_ROLE = "AWSGlueServiceRole-etl-ttt-demo"
ATHENA_OUT = f"s3://{BUCKET}/athena-output/"

COLUMNS = [
    "c_customer_sk",
    "c_customer_id",
    "c_current_cdemo_sk",
    "c_current_addr_sk",
    "c_salutation",
    "c_first_name",
    "c_last_name",
    "c_birth_day",
    "c_birth_month",
    "c_birth_year",
    "c_birth_country",
    "c_login",
    "c_email_address",
    "c_last_review_date",
]
OUT_COLUMNS = [
    "c_customer_id",
    "c_current_addr_sk",
    "c_salutation",
    "c_first_name",
    "c_last_name",
    "c_birth_day",
    "c_birth_month",
    "c_birth_year",
    "c_birth_country",
    "c_login",
    "c_email_address",
    "match_id",
    "ib_range_id",
]
BIGINT = {"c_current_addr_sk", "c_birth_day", "c_birth_month", "c_birth_year", "match_id"}
PEOPLE = 10  # distinct customers; two of them appear twice with another c_customer_id


def full_top_customer_csv() -> bytes:
    """``full-top-customer.csv``: quoted CSV with a header, 12 rows, 2 duplicates."""
    rows = []
    for i in range(PEOPLE):
        rows.append(
            [
                str(i + 1),
                f"AAAAAAAA{i:08d}",
                str(1000 + i),
                str(500 + i),
                "Mr." if i % 2 else "Ms.",
                f"First{i}",
                f"Last{i}",
                str(1 + i % 28),
                str(1 + i % 12),
                str(1950 + i),
                "FRANCE",
                f"login{i}",
                f"person{i}@example.com",
                "2452500",
            ]
        )
    for i in (2, 7):  # the same people again, as FindMatches would find them
        dup = list(rows[i])
        dup[0], dup[1] = str(100 + i), f"BBBBBBBB{i:08d}"
        dup[12] = dup[12].upper()
        rows.append(dup)
    out = io.StringIO()
    writer = csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\n")
    writer.writerow(COLUMNS)
    writer.writerows(rows)
    return out.getvalue().encode()


JOB_SCRIPT = """
import sys
from awsglue.transforms import *
from awsglue.utils import getResolvedOptions
from pyspark.context import SparkContext
from awsglue.context import GlueContext
from awsglue.job import Job
from awsglue.dynamicframe import DynamicFrame
from pyspark.sql.functions import col, lit

args = getResolvedOptions(sys.argv, ["JOB_NAME"])
sc = SparkContext.getOrCreate()
glueContext = GlueContext(sc)
spark = glueContext.spark_session
job = Job(glueContext)
job.init(args["JOB_NAME"], args)

full = glueContext.create_dynamic_frame.from_catalog(
    database="glue_ttt_demo_db", table_name="ml_customer_full", transformation_ctx="full"
)
resolved = full.resolveChoice(
    choice="MATCH_CATALOG", database="glue_ttt_demo_db", table_name="ml_customer_full"
)
# FindMatches stand-in: one match_id per person (same e-mail address, any case).
resolved.toDF().createOrReplaceTempView("customers")
matched = spark.sql(
    "SELECT *, dense_rank() OVER (ORDER BY lower(c_email_address)) - 1 AS match_id "
    "FROM customers"
)
print("Duplicate count of matching IDs : " + str(matched.count()))
frame = DropNullFields.apply(frame=DynamicFrame.fromDF(matched, glueContext, "matched"))
deduped = frame.toDF().dropDuplicates(["match_id"]).withColumn("ib_range_id", lit(1))
final = deduped.select(%(columns)s).orderBy("match_id")
print("Rows after dedup : " + str(final.count()))
%(write)s
job.commit()
"""
WRITES = {
    "csv": 'final.coalesce(1).write.mode("overwrite").option("header", "true").csv("%s")',
    "parquet": 'final.coalesce(1).write.mode("overwrite").parquet("%s")',
}


def job_script(fmt: str) -> str:
    """The notebook job's script, writing ``fmt`` (the lab: one CSV file with a header)."""
    path = f"s3://{BUCKET}/{OUTPUT}"
    return JOB_SCRIPT % {"columns": repr(OUT_COLUMNS)[1:-1], "write": WRITES[fmt] % path}


def definition() -> dict[str, Any]:
    """``findmatches-ML-dedup-workflow``, as the lab's ASL has it."""
    return {
        "Comment": "Find matches in the customer data, then crawl the deduplicated output",
        "StartAt": "Find Match Job",
        "States": {
            "Find Match Job": {
                "Type": "Task",
                "Comment": "Run the FindMatches notebook job and wait for it",
                "Resource": "arn:aws:states:::glue:startJobRun.sync",
                "Parameters": {"JobName": JOB},
                "Next": "Crawl Dedup Data",
            },
            "Crawl Dedup Data": {
                "Type": "Task",
                "Comment": "Start the crawler of the deduplicated data",
                "Resource": "arn:aws:states:::aws-sdk:glue:startCrawler",
                "Parameters": {"Name": CRAWLER},
                "End": True,
            },
        },
    }


RULE_PATTERN = {
    "source": ["aws.s3"],
    "detail-type": ["AWS API Call via CloudTrail"],
    "detail": {
        "eventSource": ["s3.amazonaws.com"],
        "eventName": ["PutObject"],
        "requestParameters": {"bucketName": [BUCKET], "key": [{"prefix": TRIGGER_PREFIX}]},
    },
}


def build_s2(
    client: Callable[..., Any],
    s3: Any,
    glue: Any,
    sfn: Any,
    data_trail: Callable[[str, str], None],
    crawler_ready: Callable[[str], dict[str, Any]],
    fmt: str,
) -> str:
    """Every prerequisite and resource of S2; returns the state machine's ARN."""
    s3.create_bucket(Bucket=BUCKET)
    data_trail("etl-ttt-demo-trail", f"{BUCKET}/{TRIGGER_PREFIX}")
    # Part 5's leftovers: the full customer file, crawled into the catalog.
    s3.put_object(
        Bucket=BUCKET, Key=f"{FULL_PREFIX}full-top-customer.csv", Body=full_top_customer_csv()
    )
    glue.create_database(DatabaseInput={"Name": DATABASE})
    glue.create_crawler(
        Name="ml-bootstrap-crawler",
        Role=GLUE_ROLE,
        DatabaseName=DATABASE,
        Targets={"S3Targets": [{"Path": f"s3://{BUCKET}/{FULL_PREFIX}"}]},
    )
    glue.start_crawler(Name="ml-bootstrap-crawler")
    assert crawler_ready("ml-bootstrap-crawler")["LastCrawl"]["Status"] == "SUCCEEDED"
    glue.get_table(DatabaseName=DATABASE, Name="ml_customer_full")
    s3.put_object(Bucket=BUCKET, Key="scripts/ml-lab-notebook-job.py", Body=job_script(fmt))
    glue.create_job(
        Name=JOB,
        Role=GLUE_ROLE,
        Command={"Name": "glueetl", "ScriptLocation": f"s3://{BUCKET}/scripts/{JOB}.py"},
        GlueVersion="3.0",
    )
    # The lab's own resources.
    glue.create_crawler(
        Name=CRAWLER,
        Role=GLUE_ROLE,
        DatabaseName=DATABASE,
        TablePrefix="ml_final_",
        Targets={"S3Targets": [{"Path": f"s3://{BUCKET}/{OUTPUT}"}]},
    )
    arn = str(
        sfn.create_state_machine(
            name=MACHINE, definition=json.dumps(definition()), roleArn=SFN_ROLE, type="STANDARD"
        )["stateMachineArn"]
    )
    events = client("events")
    events.put_rule(Name="find-matches-rule", EventPattern=json.dumps(RULE_PATTERN))
    events.put_targets(
        Rule="find-matches-rule",
        Targets=[
            {
                "Id": MACHINE,
                "Arn": f"arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:{MACHINE}",
                "RoleArn": EVENTS_ROLE,
            }
        ],
    )
    return arn


def upload(aws: Callable[..., Any], tmp_path: Path) -> None:
    """The user's ``aws s3 cp`` of the local file into the watched folder."""
    local = tmp_path / "full-top-customer.csv"
    local.write_bytes(full_top_customer_csv())
    aws("s3", "cp", str(local), f"s3://{BUCKET}/{TRIGGER_PREFIX}")


def one_execution(sfn: Any, arn: str) -> str:
    """The one execution EventBridge started."""
    found = eventually(lambda: sfn.list_executions(stateMachineArn=arn)["executions"])
    assert len(found) == 1, found
    return str(found[0]["executionArn"])


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_s2_upload_runs_job_then_crawler(
    client: Callable[..., Any],
    aws: Callable[..., Any],
    s3: Any,
    glue: Any,
    sfn: Any,
    data_trail: Callable[[str, str], None],
    crawler_ready: Callable[[str], dict[str, Any]],
    finish: Callable[[str], dict[str, Any]],
    tmp_path: Path,
    fmt: str,
) -> None:
    arn = build_s2(client, s3, glue, sfn, data_trail, crawler_ready, fmt)
    upload(aws, tmp_path)

    execution = one_execution(sfn, arn)
    described = finish(execution)
    assert described["status"] == "SUCCEEDED", (described.get("error"), described.get("cause"))
    started = json.loads(described["input"])
    assert started["detail-type"] == "AWS API Call via CloudTrail"
    assert started["detail"]["eventName"] == "PutObject"
    assert started["detail"]["requestParameters"] == {
        **started["detail"]["requestParameters"],
        "bucketName": BUCKET,
        "key": f"{TRIGGER_PREFIX}full-top-customer.csv",
    }
    assert json.loads(described["output"]) == {}  # StartCrawler's empty answer

    history = sfn.get_execution_history(executionArn=execution)["events"]
    types = [e["type"] for e in history]
    assert types[0] == "ExecutionStarted"
    assert types[-1] == "ExecutionSucceeded"
    for expected in ("TaskScheduled", "TaskStarted", "TaskSubmitted", "TaskSucceeded"):
        assert expected in types
    entered = [
        e["stateEnteredEventDetails"]["name"] for e in history if "stateEnteredEventDetails" in e
    ]
    assert entered == ["Find Match Job", "Crawl Dedup Data"]
    scheduled = [
        e["taskScheduledEventDetails"] for e in history if "taskScheduledEventDetails" in e
    ]
    assert [(s["resourceType"], s["resource"]) for s in scheduled] == [
        ("glue", "startJobRun.sync"),
        ("aws-sdk:glue", "startCrawler"),
    ]
    job_output = json.loads(
        next(e for e in history if e["type"] == "TaskSucceeded")["taskSucceededEventDetails"][
            "output"
        ]
    )
    assert job_output["JobName"] == JOB
    assert job_output["JobRunState"] == "SUCCEEDED"

    runs = glue.get_job_runs(JobName=JOB)["JobRuns"]
    assert [(r["Id"], r["JobRunState"]) for r in runs] == [(job_output["Id"], "SUCCEEDED")]
    logs = client("logs").get_log_events(
        logGroupName="/aws-glue/jobs/output", logStreamName=runs[0]["Id"]
    )["events"]
    printed = "\n".join(e["message"] for e in logs)
    assert "Duplicate count of matching IDs : 12" in printed
    assert f"Rows after dedup : {PEOPLE}" in printed

    # The job's output: one file (the lab's coalesce(1)), PEOPLE rows, match_id 0..PEOPLE-1.
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET, Prefix=OUTPUT)["Contents"]]
    data_keys = [k for k in keys if not k.rsplit("/", 1)[-1].startswith(("_", "."))]
    assert len(data_keys) == 1, keys
    body = s3.get_object(Bucket=BUCKET, Key=data_keys[0])["Body"].read()
    if fmt == "parquet":
        assert data_keys[0].endswith(".parquet")
        table = pq.read_table(io.BytesIO(body))
        assert table.column_names == OUT_COLUMNS
        assert table.column("match_id").to_pylist() == list(range(PEOPLE))
    else:
        rows = list(csv.DictReader(io.StringIO(body.decode())))
        assert list(rows[0]) == OUT_COLUMNS
        assert [int(r["match_id"]) for r in rows] == list(range(PEOPLE))

    # The crawler ran once, from the state machine, and made ml_final_top_customers.
    crawler = crawler_ready(CRAWLER)
    assert crawler["LastCrawl"]["Status"] == "SUCCEEDED"
    metrics = glue.get_crawler_metrics(CrawlerNameList=[CRAWLER])["CrawlerMetricsList"][0]
    assert metrics["TablesCreated"] == 1
    table = glue.get_table(DatabaseName=DATABASE, Name="ml_final_top_customers")["Table"]
    assert table["Parameters"]["classification"] == fmt
    sd = table["StorageDescriptor"]
    assert sd["Location"].rstrip("/") == f"s3://{BUCKET}/{OUTPUT}".rstrip("/")
    columns = {c["Name"]: c["Type"] for c in sd["Columns"]}
    assert list(columns) == OUT_COLUMNS
    for name in ("c_current_addr_sk", "c_birth_day", "c_birth_month", "c_birth_year"):
        assert columns[name] == "bigint", columns
    assert columns["c_customer_id"] == columns["c_email_address"] == "string"
    if fmt == "csv":
        assert sd["SerdeInfo"]["SerializationLibrary"].endswith("LazySimpleSerDe")
        assert table["Parameters"]["skip.header.line.count"] == "1"

    # "Table ml_final_top_customers exists, with about 500 rows" (here PEOPLE): Athena counts.
    assert athena_rows(
        client, DATABASE, ATHENA_OUT, "SELECT count(*) FROM ml_final_top_customers"
    ) == [[str(PEOPLE)]]
    sql = "SELECT c_first_name, c_birth_year + 1 FROM ml_final_top_customers WHERE match_id = 2"
    assert athena_rows(client, DATABASE, ATHENA_OUT, sql) == [["First2", "1953"]]

    # The job's output is outside the rule's prefix: no second execution.
    assert len(sfn.list_executions(stateMachineArn=arn)["executions"]) == 1
    assert "ExecutionFailed" not in history_types(sfn, execution)


def test_s2_crawler_already_running_fails_the_execution(
    client: Callable[..., Any],
    aws: Callable[..., Any],
    s3: Any,
    glue: Any,
    sfn: Any,
    data_trail: Callable[[str, str], None],
    crawler_ready: Callable[[str], dict[str, Any]],
    finish: Callable[[str], dict[str, Any]],
    hold_crawls: threading.Event,
    tmp_path: Path,
) -> None:
    hold_crawls.set()  # the bootstrap crawl runs normally
    arn = build_s2(client, s3, glue, sfn, data_trail, crawler_ready, "csv")
    hold_crawls.clear()
    glue.start_crawler(Name=CRAWLER)  # someone started it by hand: it is still RUNNING
    assert glue.get_crawler(Name=CRAWLER)["Crawler"]["State"] == "RUNNING"

    upload(aws, tmp_path)
    described = finish(one_execution(sfn, arn))
    hold_crawls.set()

    assert described["status"] == "FAILED", described
    assert described["error"] == "Glue.CrawlerRunningException"
    assert CRAWLER in described["cause"]
    history = sfn.get_execution_history(executionArn=described["executionArn"])["events"]
    failed = next(e for e in history if e["type"] == "TaskFailed")["taskFailedEventDetails"]
    assert failed["error"] == "Glue.CrawlerRunningException"
    assert (failed["resourceType"], failed["resource"]) == ("aws-sdk:glue", "startCrawler")
    # The job itself succeeded before the crawler refused to start.
    assert glue.get_job_runs(JobName=JOB)["JobRuns"][0]["JobRunState"] == "SUCCEEDED"
    assert crawler_ready(CRAWLER)["LastCrawl"]["Status"] == "SUCCEEDED"


def test_s2_large_upload_is_multipart_and_does_not_start_the_machine(
    client: Callable[..., Any],
    aws: Callable[..., Any],
    s3: Any,
    glue: Any,
    sfn: Any,
    data_trail: Callable[[str, str], None],
    crawler_ready: Callable[[str], dict[str, Any]],
    tmp_path: Path,
) -> None:
    """SCENARIOS.md §0's trap: above 8 MB ``aws s3 cp`` emits CompleteMultipartUpload."""
    arn = build_s2(client, s3, glue, sfn, data_trail, crawler_ready, "csv")
    # A second rule sees every data event of the folder, so we know when the upload's came.
    witness = sfn.create_state_machine(
        name="witness",
        definition=json.dumps({"StartAt": "Seen", "States": {"Seen": {"Type": "Succeed"}}}),
        roleArn=SFN_ROLE,
    )["stateMachineArn"]
    detail: dict[str, Any] = dict(RULE_PATTERN["detail"])  # type: ignore[arg-type]
    del detail["eventName"]
    pattern = {**RULE_PATTERN, "detail": detail}
    events = client("events")
    events.put_rule(Name="witness-rule", EventPattern=json.dumps(pattern))
    events.put_targets(
        Rule="witness-rule", Targets=[{"Id": "w", "Arn": witness, "RoleArn": EVENTS_ROLE}]
    )
    big = tmp_path / "full-top-customer.csv"
    head = full_top_customer_csv()
    big.write_bytes(head + b"\n" * (9 * 1024 * 1024))
    aws("s3", "cp", str(big), f"s3://{BUCKET}/{TRIGGER_PREFIX}")

    seen = eventually(lambda: sfn.list_executions(stateMachineArn=witness)["executions"])
    event = json.loads(sfn.describe_execution(executionArn=seen[0]["executionArn"])["input"])
    assert event["detail"]["eventName"] == "CompleteMultipartUpload"
    assert event["detail"]["requestParameters"]["key"] == f"{TRIGGER_PREFIX}full-top-customer.csv"
    assert sfn.list_executions(stateMachineArn=arn)["executions"] == []
