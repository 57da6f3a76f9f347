"""The demo pipeline's definitions: the sample CSV, the Lambda, the Glue job, the state machine."""

from __future__ import annotations

import io
import json
import textwrap
import zipfile
from typing import Any

__all__ = [
    "BAD_CSV",
    "BUCKET",
    "CRAWLER",
    "DATABASE",
    "FUNCTION",
    "JOB",
    "MACHINE",
    "QUERY",
    "ROLE_POLICY",
    "RULE",
    "SAMPLE_CSV",
    "TABLE",
    "TOPIC",
    "definition",
    "function_zip",
    "job_script",
    "rule_pattern",
]

BUCKET = "headwater-demo"
DATABASE = "demo_lake"
TABLE = "orders"
FUNCTION = "demo-validate-csv"
JOB = "demo-csv-to-parquet"
CRAWLER = "demo-curated-crawler"
MACHINE = "demo-pipeline"
RULE = "demo-raw-object-created"
TOPIC = "demo-pipeline-failures"
# One role for every service of the demo (roles are stored, not enforced).
ROLE_POLICY = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {
                    "Service": [
                        "lambda.amazonaws.com",
                        "glue.amazonaws.com",
                        "states.amazonaws.com",
                        "events.amazonaws.com",
                    ]
                },
                "Action": "sts:AssumeRole",
            }
        ],
    }
)

SAMPLE_CSV = (
    "order_id,customer,amount,order_date\n"
    "1,alice,12.50,2026-11-01\n"
    "2,bob,7.25,2026-11-01\n"
    "3,carol,30.00,2026-11-02\n"
    "4,alice,5.00,2026-11-03\n"
)
BAD_CSV = "id;what\n1;not the orders file\n"
QUERY = (
    f"SELECT customer, count(*) AS orders, sum(amount) AS total FROM {TABLE} "
    "GROUP BY customer ORDER BY total DESC"
)

_VALIDATE = '''
import csv
import io

import boto3

EXPECTED = ["order_id", "customer", "amount", "order_date"]
s3 = boto3.client("s3")


def lambda_handler(event, context):
    """Check the new object is an orders CSV; say where the Glue job reads and writes."""
    bucket = event["detail"]["bucket"]["name"]
    key = event["detail"]["object"]["key"]
    if not key.endswith(".csv"):
        raise ValueError(f"s3://{bucket}/{key} is not a .csv file")
    text = s3.get_object(Bucket=bucket, Key=key)["Body"].read().decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    if not rows or rows[0] != EXPECTED:
        raise ValueError(f"s3://{bucket}/{key}: header {rows[0] if rows else []} is not {EXPECTED}")
    folder = key.rsplit("/", 1)[0]
    return {
        "bucket": bucket,
        "key": key,
        "rows": len(rows) - 1,
        "source": f"s3://{bucket}/{key}",
        "target": f"s3://{bucket}/curated/{folder.split('/', 1)[-1]}/",
    }
'''

_JOB = """
import sys
from awsglue.transforms import *
from awsglue.utils import getResolvedOptions
from pyspark.context import SparkContext
from awsglue.context import GlueContext
from awsglue.job import Job

args = getResolvedOptions(sys.argv, ["JOB_NAME", "source", "target"])
glueContext = GlueContext(SparkContext.getOrCreate())
job = Job(glueContext)
job.init(args["JOB_NAME"], args)
orders = glueContext.create_dynamic_frame.from_options(
    connection_type="s3",
    connection_options={"paths": [args["source"]]},
    format="csv",
    format_options={"withHeader": True, "separator": ","},
)
print(f"read {orders.count()} rows from {args['source']}")
glueContext.write_dynamic_frame.from_options(
    frame=orders,
    connection_type="s3",
    connection_options={"path": args["target"]},
    format="parquet",
)
job.commit()
"""


def function_zip() -> bytes:
    """The validating function's deployment package."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("lambda_function.py", textwrap.dedent(_VALIDATE).lstrip())
    return buf.getvalue()


def job_script() -> bytes:
    """The Glue job: CSV in, Parquet out."""
    return _JOB.lstrip().encode()


def rule_pattern() -> str:
    """Object Created events of the demo bucket under ``raw/``."""
    return json.dumps(
        {
            "source": ["aws.s3"],
            "detail-type": ["Object Created"],
            "detail": {"bucket": {"name": [BUCKET]}, "object": {"key": [{"prefix": "raw/"}]}},
        }
    )


def definition(function_arn: str, topic_arn: str) -> str:
    """The state machine: validate, CSV to Parquet, crawl and poll until READY; SNS on failure."""
    catch = [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "Notify failure"}]
    states: dict[str, Any] = {
        "Validate file": {
            "Type": "Task",
            "Resource": "arn:aws:states:::lambda:invoke",
            "Parameters": {"FunctionName": f"{function_arn}:$LATEST", "Payload.$": "$"},
            "OutputPath": "$.Payload",
            "Catch": catch,
            "Next": "CSV to Parquet",
        },
        "CSV to Parquet": {
            "Type": "Task",
            "Resource": "arn:aws:states:::glue:startJobRun.sync",
            "Parameters": {
                "JobName": JOB,
                "Arguments": {"--source.$": "$.source", "--target.$": "$.target"},
            },
            "ResultSelector": {"JobRunId.$": "$.Id", "JobRunState.$": "$.JobRunState"},
            "ResultPath": "$.job",
            "Catch": catch,
            "Next": "Start crawler",
        },
        "Start crawler": {
            "Type": "Task",
            "Resource": "arn:aws:states:::aws-sdk:glue:startCrawler",
            "Parameters": {"Name": CRAWLER},
            "ResultPath": None,
            "Catch": catch,
            "Next": "Get crawler",
        },
        "Get crawler": {
            "Type": "Task",
            "Resource": "arn:aws:states:::aws-sdk:glue:getCrawler",
            "Parameters": {"Name": CRAWLER},
            "ResultSelector": {"State.$": "$.Crawler.State"},
            "ResultPath": "$.crawler",
            "Catch": catch,
            "Next": "Crawler ready?",
        },
        "Crawler ready?": {
            "Type": "Choice",
            "Choices": [{"Variable": "$.crawler.State", "StringEquals": "READY", "Next": "Done"}],
            "Default": "Wait for crawler",
        },
        "Wait for crawler": {"Type": "Wait", "Seconds": 2, "Next": "Get crawler"},
        "Done": {"Type": "Succeed"},
        "Notify failure": {
            "Type": "Task",
            "Resource": "arn:aws:states:::sns:publish",
            "Parameters": {
                "TopicArn": topic_arn,
                "Subject": "Headwater demo pipeline failed",
                "Message.$": "$",
            },
            "ResultPath": None,
            "Next": "Failed",
        },
        "Failed": {"Type": "Fail", "Error": "PipelineFailed", "Cause": "see the SNS message"},
    }
    return json.dumps(
        {
            "Comment": "Headwater demo: raw CSV -> validated -> Parquet -> crawled table",
            "StartAt": "Validate file",
            "States": states,
        }
    )
