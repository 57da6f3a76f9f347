"""kill -9 of a real ``headwater up`` in the middle of runs: every execution resumes on restart.

The machine has a Parallel state (two branches, each waiting) and an inline Map whose
iterations wait, so the kill lands while branches and iterations are in flight. After the
restart every execution must finish SUCCEEDED with the output it would have had, and its history
must have each event once: ids 1..n without a gap, one WaitStateEntered and one WaitStateExited
per branch and per item.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config

from headwater.cli.server import free_port

pytestmark = pytest.mark.e2e

ITEMS = [1, 2, 3, 4, 5]
DEFINITION = {
    "StartAt": "Both",
    "States": {
        "Both": {
            "Type": "Parallel",
            "Branches": [
                {
                    "StartAt": "WaitA",
                    "States": {
                        "WaitA": {"Type": "Wait", "Seconds": 15, "Next": "A"},
                        "A": {"Type": "Pass", "Result": "a", "End": True},
                    },
                },
                {
                    "StartAt": "WaitB",
                    "States": {
                        "WaitB": {"Type": "Wait", "Seconds": 25, "Next": "B"},
                        "B": {"Type": "Pass", "Result": "b", "End": True},
                    },
                },
            ],
            "ResultPath": "$.branches",
            "Next": "Each",
        },
        "Each": {
            "Type": "Map",
            "ItemsPath": "$.items",
            "MaxConcurrency": 2,
            "ItemProcessor": {
                "StartAt": "Nap",
                "States": {
                    "Nap": {"Type": "Wait", "Seconds": 10, "Next": "Double"},
                    "Double": {
                        "Type": "Pass",
                        "Parameters": {"v.$": "States.MathAdd($, $)"},
                        "End": True,
                    },
                },
            },
            "ResultPath": "$.doubled",
            "End": True,
        },
    },
}


class _Server:
    """``headwater up`` in a child process, on one data dir and port across restarts."""

    def __init__(self, data_dir: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.data_dir = data_dir
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        cmd = [
            sys.executable,
            "-m",
            "headwater.cli.main",
            "up",
            "--port",
            str(self.port),
            "--data-dir",
            str(self.data_dir),
            "--time-scale",
            "0.1",  # a 10 s Wait takes 1 s
        ]
        self.proc = subprocess.Popen(
            cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=dict(os.environ)
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"headwater up exited with {self.proc.returncode}")
            try:
                with urllib.request.urlopen(f"{self.url}/_headwater/health", timeout=1):
                    return
            except OSError:
                time.sleep(0.1)
        raise AssertionError("headwater up did not become healthy in 30 s")

    def kill9(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()

    def sfn(self) -> Any:
        return boto3.client(
            "stepfunctions",
            endpoint_url=self.url,
            aws_access_key_id="x",
            aws_secret_access_key="y",
            region_name="us-east-1",
            config=Config(retries={"max_attempts": 1}),
        )


@pytest.fixture
def server(tmp_path: Path) -> Iterator[_Server]:
    found = _Server(tmp_path / "hw")
    found.start()
    yield found
    found.stop()


def _history(sfn: Any, arn: str) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = []
    kwargs: dict[str, Any] = {"executionArn": arn, "maxResults": 1000}
    while True:
        out = sfn.get_execution_history(**kwargs)
        events += out["events"]
        if not out.get("nextToken"):
            return events
        kwargs["nextToken"] = out["nextToken"]


def test_kill_9_mid_run_then_every_execution_resumes(server: _Server) -> None:
    sfn = server.sfn()
    machine = sfn.create_state_machine(
        name="resumable",
        definition=json.dumps(DEFINITION),
        roleArn="arn:aws:iam::000000000000:role/sfn",
    )["stateMachineArn"]
    runs = [
        sfn.start_execution(
            stateMachineArn=machine, name=f"run-{i}", input=json.dumps({"items": ITEMS})
        )["executionArn"]
        for i in range(4)
    ]
    # Kill once every run is inside its Parallel waits, before any branch has finished.
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if all(
            sum(e["type"] == "WaitStateEntered" for e in _history(sfn, arn)) >= 2 for arn in runs
        ):
            break
        time.sleep(0.05)
    server.kill9()
    server.start()
    sfn = server.sfn()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        statuses = [sfn.describe_execution(executionArn=arn)["status"] for arn in runs]
        if "RUNNING" not in statuses:
            break
        time.sleep(0.2)
    assert statuses == ["SUCCEEDED"] * len(runs)
    for arn in runs:
        output = json.loads(sfn.describe_execution(executionArn=arn)["output"])
        assert output["branches"] == ["a", "b"]
        assert output["doubled"] == [{"v": 2 * i} for i in ITEMS]
        history = _history(sfn, arn)
        assert [e["id"] for e in history] == list(range(1, len(history) + 1))
        kinds = Counter(e["type"] for e in history)
        waits = 2 + len(ITEMS)
        assert kinds["WaitStateEntered"] == waits
        assert kinds["WaitStateExited"] == waits
        assert kinds["ExecutionStarted"] == 1
        assert kinds["ExecutionSucceeded"] == 1
        assert kinds["MapIterationSucceeded"] == len(ITEMS)
