"""Durability: executions survive a server restart; a transition is one transaction."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config

from headwater.cli.server import ServerConfig, ServerThread, free_port
from headwater.runtime.clock import VirtualClock
from headwater.store.states import StatesStore
from tests.conftest import eventually
from tests.stepfunctions.conftest import ROLE, run_to_end

pytestmark = pytest.mark.e2e

WAIT_THEN_PASS = {
    "StartAt": "W",
    "States": {
        "W": {"Type": "Wait", "Seconds": 60, "Next": "P"},
        "P": {"Type": "Pass", "Result": "done", "End": True},
    },
}
PARALLEL_AND_MAP = {
    "StartAt": "Both",
    "States": {
        "Both": {
            "Type": "Parallel",
            "Branches": [
                {
                    "StartAt": "Short",
                    "States": {"Short": {"Type": "Wait", "Seconds": 30, "End": True}},
                },
                {
                    "StartAt": "Each",
                    "States": {
                        "Each": {
                            "Type": "Map",
                            "ItemsPath": "$.items",
                            "ItemProcessor": {
                                "StartAt": "Nap",
                                "States": {
                                    "Nap": {"Type": "Wait", "SecondsPath": "$", "End": True}
                                },
                            },
                            "End": True,
                        }
                    },
                },
            ],
            "End": True,
        }
    },
}


def _client(endpoint: str) -> Any:
    return boto3.client(
        "stepfunctions",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
        config=Config(retries={"max_attempts": 1}, inject_host_prefix=False),
    )


class _Servers:
    """Start and restart a server on one data dir and port."""

    def __init__(self, data_dir: Path) -> None:
        self.config = ServerConfig(data_dir=data_dir, port=free_port(), time_scale=0)
        self.clock = VirtualClock()
        self.current: ServerThread | None = None

    def start(self) -> Any:
        self.current = ServerThread(self.config, clock=self.clock).start()
        return _client(self.current.endpoint)

    def restart(self) -> Any:
        assert self.current is not None
        self.current.stop()
        self.clock = VirtualClock(start=self.clock.now())  # the same time, a fresh process
        return self.start()

    def stop(self) -> None:
        if self.current is not None:
            self.current.stop()
            self.current = None


@pytest.fixture
def servers(tmp_path: Path) -> Iterator[_Servers]:
    """A private server that a test may restart on the same data dir."""
    found = _Servers(tmp_path / "data")
    yield found
    found.stop()


def _history(sfn: Any, arn: str) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = sfn.get_execution_history(executionArn=arn, maxResults=1000)[
        "events"
    ]
    return events


def _shape(events: list[dict[str, Any]]) -> list[tuple[int, int, str]]:
    return [(e["id"], e["previousEventId"], e["type"]) for e in events]


def test_restart_mid_wait_resumes_without_lost_or_doubled_events(servers: _Servers) -> None:
    sfn = servers.start()
    simple = sfn.create_state_machine(
        name="waiter", definition=json.dumps(WAIT_THEN_PASS), roleArn=ROLE
    )["stateMachineArn"]
    nested = sfn.create_state_machine(
        name="nested", definition=json.dumps(PARALLEL_AND_MAP), roleArn=ROLE
    )["stateMachineArn"]
    items = '{"items": [10, 40, 90]}'
    reference = sfn.start_execution(stateMachineArn=nested, input=items, name="ref")["executionArn"]
    run_to_end(sfn, servers.clock, reference)
    ref_events = _shape(_history(sfn, reference))

    waits = [
        sfn.start_execution(stateMachineArn=simple, name=f"w{i}")["executionArn"] for i in range(3)
    ]
    tree = sfn.start_execution(stateMachineArn=nested, input=items, name="tree")["executionArn"]
    eventually(lambda: servers.clock.pending() >= 7)  # 3 waits + 1 branch wait + 3 map waits
    servers.clock.advance(20)  # the first Map iteration (10 s) ends before the crash
    eventually(lambda: "MapIterationSucceeded" in [e["type"] for e in _history(sfn, tree)])
    before = {arn: _shape(_history(sfn, arn)) for arn in [*waits, tree]}

    sfn = servers.restart()
    for arn in [*waits, tree]:
        assert sfn.describe_execution(executionArn=arn)["status"] == "RUNNING"
        assert _shape(_history(sfn, arn)) == before[arn]
    eventually(lambda: servers.clock.pending() >= 6)  # deadlines re-armed from the store
    for arn in waits:
        done = run_to_end(sfn, servers.clock, arn)
        assert done["status"] == "SUCCEEDED"
        assert json.loads(done["output"]) == "done"
        assert (done["stopDate"] - done["startDate"]).total_seconds() == 60  # the stored deadline
        events = _shape(_history(sfn, arn))
        assert [t for _, _, t in events] == [
            "ExecutionStarted",
            "WaitStateEntered",
            "WaitStateExited",
            "PassStateEntered",
            "PassStateExited",
            "ExecutionSucceeded",
        ]
    done = run_to_end(sfn, servers.clock, tree)
    assert done["status"] == "SUCCEEDED"
    events = _shape(_history(sfn, tree))
    assert [e[0] for e in events] == list(range(1, len(events) + 1))
    assert sorted(t for _, _, t in events) == sorted(t for _, _, t in ref_events)


def test_restart_keeps_a_callback_token_valid(servers: _Servers) -> None:
    sfn = servers.start()
    activity = sfn.create_activity(name="human")["activityArn"]
    machine = sfn.create_state_machine(
        name="approval",
        definition=json.dumps(
            {
                "StartAt": "Ask",
                "States": {"Ask": {"Type": "Task", "Resource": activity, "End": True}},
            }
        ),
        roleArn=ROLE,
    )["stateMachineArn"]
    queued = sfn.start_execution(stateMachineArn=machine, name="queued")["executionArn"]
    taken = sfn.start_execution(stateMachineArn=machine, name="taken")["executionArn"]
    task = sfn.get_activity_task(activityArn=activity, workerName="before")
    sfn = servers.restart()
    sfn.send_task_success(taskToken=task["taskToken"], output='{"by": "before"}')
    later = sfn.get_activity_task(activityArn=activity, workerName="after")
    sfn.send_task_success(taskToken=later["taskToken"], output='{"by": "after"}')
    outputs = {
        arn: json.loads(run_to_end(sfn, servers.clock, arn)["output"])["by"]
        for arn in (queued, taken)
    }
    assert sorted(outputs.values()) == ["after", "before"]


def test_a_transition_is_one_transaction(
    servers: _Servers, monkeypatch: pytest.MonkeyPatch
) -> None:
    sfn = servers.start()
    machine = sfn.create_state_machine(
        name="atomic", definition=json.dumps(WAIT_THEN_PASS), roleArn=ROLE
    )["stateMachineArn"]
    arn = sfn.start_execution(stateMachineArn=machine, name="a")["executionArn"]
    assert servers.current is not None
    store = servers.current.app.env.store
    with store.read() as conn:
        state_before = StatesStore.execution_state(conn, arn)
    calls: list[int] = []
    write = StatesStore.write_transitions

    def broken(conn: Any, writes: list[Any]) -> None:
        write(conn, writes)  # every statement of the transition ran...
        calls.append(len(writes))
        raise RuntimeError("disk full")  # ...and the commit never happens

    monkeypatch.setattr(StatesStore, "write_transitions", staticmethod(broken))
    servers.clock.advance(60)
    eventually(lambda: calls)
    time.sleep(0.05)
    with store.read() as conn:
        assert StatesStore.execution_state(conn, arn) == state_before
        assert [e["type"] for e in StatesStore.history(conn, arn)][-1] == "WaitStateEntered"
        assert StatesStore.timers_of(conn, arn) != []  # the fired timer is still recorded
    monkeypatch.undo()
    sfn = servers.restart()  # the transition was never recorded: it happens after the restart
    done = run_to_end(sfn, servers.clock, arn)
    assert done["status"] == "SUCCEEDED"
    assert [e["id"] for e in _history(sfn, arn)] == [1, 2, 3, 4, 5, 6]
