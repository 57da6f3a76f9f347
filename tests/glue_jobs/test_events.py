"""EVENT triggers: NotifyEvent batching, EventBridge rules with a Glue workflow target."""

from __future__ import annotations

import json
import uuid
from typing import Any

from headwater.services.base import RequestContext
from tests.glue_jobs.conftest import wait_for

OK = "print('ok')\n"
WORKFLOW_ARN = "arn:aws:glue:us-east-1:000000000000:workflow/{}"
ROLE = "arn:aws:iam::000000000000:role/AWSEventBridgeInvokeRole-etl-ttt-demo"


def event_workflow(glue: Any, make_job: Any, name: str, size: int, window: int = 900) -> None:
    make_job(f"{name}-job", OK, command="pythonshell")
    glue.create_workflow(Name=name)
    glue.create_trigger(
        Name=f"{name}-trigger",
        WorkflowName=name,
        Type="EVENT",
        Actions=[{"JobName": f"{name}-job"}],
        EventBatchingCondition={"BatchSize": size, "BatchWindow": window},
    )


def notify(server: Any, workflow: str, event_id: str) -> None:
    ctx = RequestContext(request_id=str(uuid.uuid4()), service="events", operation="NotifyEvent")
    raw = json.dumps({"version": "0", "id": event_id, "source": "test", "detail": {}})
    server.app.registry.call(ctx, "glue", "NotifyEvent", {"Name": workflow, "RawEvent": raw})


def test_batch_size_two_starts_one_run(
    server: Any, glue: Any, make_job: Any, workflow_done: Any
) -> None:
    event_workflow(glue, make_job, "etl-ttt-event-driven-workflow", size=2)
    assert glue.get_trigger(Name="etl-ttt-event-driven-workflow-trigger")["Trigger"]["State"] == (
        "CREATED"
    )
    notify(server, "etl-ttt-event-driven-workflow", "e-1")
    assert glue.get_workflow_runs(Name="etl-ttt-event-driven-workflow")["Runs"] == []
    notify(server, "etl-ttt-event-driven-workflow", "e-2")
    runs = glue.get_workflow_runs(Name="etl-ttt-event-driven-workflow")["Runs"]
    assert len(runs) == 1
    run = workflow_done("etl-ttt-event-driven-workflow", runs[0]["WorkflowRunId"])
    assert run["Status"] == "COMPLETED"
    assert run["StartingEventBatchCondition"] == {"BatchSize": 2}
    assert run["WorkflowRunProperties"]["aws:eventIds"] == "[e-1, e-2]"
    props = glue.get_workflow_run_properties(
        Name="etl-ttt-event-driven-workflow", RunId=run["WorkflowRunId"]
    )["RunProperties"]
    assert props["aws:eventIds"] == "[e-1, e-2]"
    trigger = next(n for n in run["Graph"]["Nodes"] if n["Type"] == "TRIGGER")
    assert trigger["TriggerDetails"]["Trigger"]["EventBatchingCondition"] == {
        "BatchSize": 2,
        "BatchWindow": 900,
    }


def test_batch_window_fires_on_the_clock(
    server: Any, clock: Any, glue: Any, make_job: Any, workflow_done: Any
) -> None:
    event_workflow(glue, make_job, "windowed", size=5, window=60)
    notify(server, "windowed", "only-one")
    clock.advance(30)
    assert glue.get_workflow_runs(Name="windowed")["Runs"] == []
    clock.advance(31)
    runs = wait_for(lambda: glue.get_workflow_runs(Name="windowed")["Runs"])
    run = workflow_done("windowed", runs[0]["WorkflowRunId"])
    assert run["StartingEventBatchCondition"] == {"BatchWindow": 60}
    assert run["WorkflowRunProperties"]["aws:eventIds"] == "[only-one]"


def test_eventbridge_rule_with_a_glue_workflow_target(
    client: Any, glue: Any, make_job: Any, workflow_done: Any
) -> None:
    event_workflow(glue, make_job, "from-rule", size=2)
    events = client("events")
    events.put_rule(Name="total-clicks-rule", EventPattern=json.dumps({"source": ["my.app"]}))
    events.put_targets(
        Rule="total-clicks-rule",
        Targets=[{"Id": "from-rule", "Arn": WORKFLOW_ARN.format("from-rule"), "RoleArn": ROLE}],
    )
    ids = []
    for n in range(2):
        out = events.put_events(
            Entries=[{"Source": "my.app", "DetailType": "click", "Detail": json.dumps({"n": n})}]
        )
        ids.append(out["Entries"][0]["EventId"])
    runs = wait_for(lambda: glue.get_workflow_runs(Name="from-rule")["Runs"])
    run = workflow_done("from-rule", runs[0]["WorkflowRunId"])
    assert run["Status"] == "COMPLETED"
    assert run["WorkflowRunProperties"]["aws:eventIds"] == f"[{ids[0]}, {ids[1]}]"


def test_job_output_events_start_the_next_workflow(
    client: Any, glue: Any, s3: Any, make_job: Any, workflow_done: Any
) -> None:
    writer = """
import pyarrow as pa
from awsglue.context import GlueContext
from awsglue.dynamicframe import DynamicFrame
from pyspark.context import SparkContext
ctx = GlueContext(SparkContext.getOrCreate())
frame = DynamicFrame(pa.table({"id": [1, 2]}), ctx, "f")
ctx.write_dynamic_frame.from_options(
    frame=frame, connection_type="s3",
    connection_options={"path": "s3://lake/curated/ids/"}, format="parquet")
"""
    make_job("writer", writer, command="pythonshell")
    event_workflow(glue, make_job, "downstream", size=1)
    s3.put_bucket_notification_configuration(
        Bucket="lake", NotificationConfiguration={"EventBridgeConfiguration": {}}
    )
    events = client("events")
    pattern = {
        "source": ["aws.s3"],
        "detail-type": ["Object Created"],
        "detail": {"object": {"key": [{"prefix": "curated/"}]}},
    }
    events.put_rule(Name="curated-written", EventPattern=json.dumps(pattern))
    events.put_targets(
        Rule="curated-written",
        Targets=[{"Id": "d", "Arn": WORKFLOW_ARN.format("downstream"), "RoleArn": ROLE}],
    )
    glue.start_job_run(JobName="writer")
    runs = wait_for(lambda: glue.get_workflow_runs(Name="downstream")["Runs"])
    run = workflow_done("downstream", runs[0]["WorkflowRunId"])
    assert run["Status"] == "COMPLETED"
    assert run["StartingEventBatchCondition"] == {"BatchSize": 1}
