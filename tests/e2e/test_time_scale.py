"""``--time-scale 0``: one-shot timers fire at once, recurring schedules are paced, not spun."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import boto3
import pytest

from headwater.cli.server import ServerConfig, ServerThread, free_port
from headwater.runtime.clock import SCHEDULE_PACE

pytestmark = pytest.mark.e2e

ROLE = "arn:aws:iam::000000000000:role/any"


def _client(name: str, endpoint: str) -> Any:
    return boto3.client(
        name,
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="x",
        aws_secret_access_key="y",
    )


def test_time_scale_zero_fires_waits_at_once_and_paces_schedules(tmp_path: Path) -> None:
    config = ServerConfig(data_dir=tmp_path / "hw", port=free_port(), time_scale=0)
    with ServerThread(config).running() as srv:
        sfn = _client("stepfunctions", srv.endpoint)
        waits = sfn.create_state_machine(
            name="hour",
            roleArn=ROLE,
            definition=json.dumps(
                {"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 3600, "End": True}}}
            ),
        )["stateMachineArn"]
        run = sfn.start_execution(stateMachineArn=waits)["executionArn"]
        deadline = time.monotonic() + 20
        while sfn.describe_execution(executionArn=run)["status"] == "RUNNING":
            assert time.monotonic() < deadline, "a one-hour Wait did not fire at once"
            time.sleep(0.05)
        described = sfn.describe_execution(executionArn=run)
        assert described["status"] == "SUCCEEDED"
        assert (described["stopDate"] - described["startDate"]).total_seconds() >= 3600

        target = sfn.create_state_machine(
            name="ticks",
            roleArn=ROLE,
            definition=json.dumps({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}),
        )["stateMachineArn"]
        events = _client("events", srv.endpoint)
        events.put_rule(Name="every-five", ScheduleExpression="rate(5 minutes)")
        events.put_targets(Rule="every-five", Targets=[{"Id": "1", "Arn": target, "RoleArn": ROLE}])
        started = time.monotonic()
        while not sfn.list_executions(stateMachineArn=target)["executions"]:
            assert time.monotonic() - started < 20, "the schedule never fired"
            time.sleep(0.05)
        time.sleep(2.5 * SCHEDULE_PACE)
        elapsed = time.monotonic() - started
        fired = len(sfn.list_executions(stateMachineArn=target)["executions"])
        # Each fire waits SCHEDULE_PACE real seconds: a spinning schedule would have made
        # hundreds of executions by now.
        assert 2 <= fired <= elapsed / SCHEDULE_PACE + 2
