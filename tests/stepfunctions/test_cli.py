"""The real ``aws stepfunctions`` CLI against the server."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from headwater.runtime.clock import VirtualClock
from tests.stepfunctions.conftest import ROLE, run_to_end

pytestmark = pytest.mark.e2e

Aws = Callable[..., subprocess.CompletedProcess[str]]


def test_cli_create_start_describe_history(
    aws: Aws, tmp_path: Path, sfn: Any, clock: VirtualClock
) -> None:
    definition = {
        "StartAt": "Greet",
        "States": {
            "Greet": {"Type": "Pass", "Parameters": {"hello.$": "$.who"}, "Next": "Nap"},
            "Nap": {"Type": "Wait", "Seconds": 5, "End": True},
        },
    }
    path = tmp_path / "machine.json"
    path.write_text(json.dumps(definition))
    created = json.loads(
        aws(
            "stepfunctions",
            "create-state-machine",
            "--name",
            "cli-machine",
            "--definition",
            f"file://{path}",
            "--role-arn",
            ROLE,
        ).stdout
    )
    arn = created["stateMachineArn"]
    started = json.loads(
        aws(
            "stepfunctions",
            "start-execution",
            "--state-machine-arn",
            arn,
            "--name",
            "from-cli",
            "--input",
            '{"who": "world"}',
        ).stdout
    )
    run_to_end(sfn, clock, started["executionArn"])
    described = json.loads(
        aws(
            "stepfunctions", "describe-execution", "--execution-arn", started["executionArn"]
        ).stdout
    )
    assert described["status"] == "SUCCEEDED"
    assert json.loads(described["output"]) == {"hello": "world"}
    history = json.loads(
        aws(
            "stepfunctions",
            "get-execution-history",
            "--execution-arn",
            started["executionArn"],
            "--reverse-order",
        ).stdout
    )
    assert history["events"][0]["type"] == "ExecutionSucceeded"
    listed = json.loads(aws("stepfunctions", "list-executions", "--state-machine-arn", arn).stdout)
    assert [e["name"] for e in listed["executions"]] == ["from-cli"]
    bad = aws(
        "stepfunctions",
        "describe-state-machine",
        "--state-machine-arn",
        arn + "-nope",
        check=False,
    )
    assert bad.returncode != 0
    assert "StateMachineDoesNotExist" in bad.stderr
