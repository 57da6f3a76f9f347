"""S1: CloudTrail data events -> EventBridge rule -> Glue EVENT trigger (BatchSize 2) -> crawler."""

from __future__ import annotations

import json
from typing import Any

from tests.glue_jobs.conftest import known_gap, wait_for

BUCKET = "etl-ttt-demo-000000000000-us-east-1"
PREFIX = "etl-ttt-demo/output/gluestreaming/total_clicks/"
PART = "ingest_year=2026/ingest_month=01/ingest_day=01/ingest_hour=00/"
ROLE = "arn:aws:iam::000000000000:role/AWSEventBridgeInvokeRole-etl-ttt-demo"


@known_gap("crawler-action")
def test_s1_event_driven_workflow(client: Any, glue: Any, workflow_done: Any) -> None:
    s3 = client("s3")
    s3.create_bucket(Bucket=BUCKET)
    trail = client("cloudtrail")
    s3.create_bucket(Bucket="trail-logs")
    trail.create_trail(Name="etl-ttt-demo-trail", S3BucketName="trail-logs")
    trail.put_event_selectors(
        TrailName="etl-ttt-demo-trail",
        EventSelectors=[
            {
                "ReadWriteType": "WriteOnly",
                "IncludeManagementEvents": False,
                "DataResources": [
                    {"Type": "AWS::S3::Object", "Values": [f"arn:aws:s3:::{BUCKET}/{PREFIX}"]}
                ],
            }
        ],
    )
    trail.start_logging(Name="etl-ttt-demo-trail")
    glue.create_database(DatabaseInput={"Name": "glue_ttt_demo_db"})
    glue.create_crawler(
        Name="crawl-streammed-data",
        Role="AWSGlueServiceRole-etl-ttt-demo",
        DatabaseName="glue_ttt_demo_db",
        Targets={"S3Targets": [{"Path": f"s3://{BUCKET}/{PREFIX}", "Exclusions": ["**00001"]}]},
    )
    glue.create_workflow(Name="etl-ttt-event-driven-workflow")
    glue.create_trigger(
        Name="s3-object-trigger",
        WorkflowName="etl-ttt-event-driven-workflow",
        Type="EVENT",
        Actions=[{"CrawlerName": "crawl-streammed-data"}],
        EventBatchingCondition={"BatchSize": 2, "BatchWindow": 900},
    )
    events = client("events")
    pattern = {
        "source": ["aws.s3"],
        "detail-type": ["AWS API Call via CloudTrail"],
        "detail": {
            "eventSource": ["s3.amazonaws.com"],
            "eventName": ["PutObject"],
            "requestParameters": {"bucketName": [BUCKET], "key": [{"prefix": PREFIX}]},
        },
    }
    events.put_rule(Name="total-clicks-rule", EventPattern=json.dumps(pattern))
    events.put_targets(
        Rule="total-clicks-rule",
        Targets=[
            {
                "Id": "etl-ttt-event-driven-workflow",
                "Arn": "arn:aws:glue:us-east-1:000000000000:workflow/etl-ttt-event-driven-workflow",
                "RoleArn": ROLE,
            }
        ],
    )
    body = b"c_full_name,c_email_address,total_clicks\nJoshua Carman,j@x.org,3\nAnn Lee,a@x.org,2\n"
    s3.put_object(Bucket=BUCKET, Key=f"{PREFIX}{PART}run-1-part-r-00000", Body=body)
    s3.put_object(Bucket=BUCKET, Key="elsewhere/x.csv", Body=body)  # not traced: no event
    s3.put_object(Bucket=BUCKET, Key=f"{PREFIX}{PART}run-1-part-r-00002", Body=body)
    runs = wait_for(lambda: glue.get_workflow_runs(Name="etl-ttt-event-driven-workflow")["Runs"])
    run = workflow_done("etl-ttt-event-driven-workflow", runs[0]["WorkflowRunId"])
    assert run["Status"] == "COMPLETED"
    assert run["StartingEventBatchCondition"] == {"BatchSize": 2}
    assert run["WorkflowRunProperties"]["aws:eventIds"].count(",") == 1
    crawl = next(n for n in run["Graph"]["Nodes"] if n["Type"] == "CRAWLER")
    assert crawl["CrawlerDetails"]["Crawls"][0]["State"] == "SUCCEEDED"
    table = glue.get_table(DatabaseName="glue_ttt_demo_db", Name="total_clicks")["Table"]
    assert [c["Name"] for c in table["StorageDescriptor"]["Columns"]] == [
        "c_full_name",
        "c_email_address",
        "total_clicks",
    ]
    assert [k["Name"] for k in table["PartitionKeys"]] == [
        "ingest_year",
        "ingest_month",
        "ingest_day",
        "ingest_hour",
    ]
    assert len(glue.get_workflow_runs(Name="etl-ttt-event-driven-workflow")["Runs"]) == 1
