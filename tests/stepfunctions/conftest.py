"""Fixtures for the Step Functions tests: clients, a machine factory, running to the end."""

from __future__ import annotations

import io
import itertools
import json
import textwrap
import time
import zipfile
from collections.abc import Callable
from typing import Any

import pytest

from headwater.cli.server import ServerThread
from headwater.runtime.clock import VirtualClock

ROLE = "arn:aws:iam::000000000000:role/sfn-role"
_names = itertools.count()


@pytest.fixture
def sfn(client: Callable[..., Any]) -> Any:
    """A boto3 Step Functions client (no host prefix: ``sync-127.0.0.1`` would not resolve)."""
    return client("stepfunctions", inject_host_prefix=False, read_timeout=120)


@pytest.fixture
def service(server: ServerThread) -> Any:
    """The running StepFunctionsService object."""
    return server.app.registry.get("stepfunctions")


@pytest.fixture
def make_machine(sfn: Any) -> Callable[..., str]:
    """Create a state machine from a definition dict; return its ARN."""

    def make(definition: dict[str, Any], name: str | None = None, **kwargs: Any) -> str:
        out = sfn.create_state_machine(
            name=name or f"machine-{next(_names)}",
            definition=json.dumps(definition),
            roleArn=ROLE,
            **kwargs,
        )
        return str(out["stateMachineArn"])

    return make


def run_to_end(
    sfn: Any, clock: VirtualClock, arn: str, timeout: float = 20.0, advance: bool = True
) -> dict[str, Any]:
    """Describe ``arn`` until it ends, moving the virtual clock to each pending timer."""
    deadline = time.monotonic() + timeout
    while True:
        out: dict[str, Any] = sfn.describe_execution(executionArn=arn)
        if out["status"] != "RUNNING":
            return out
        if time.monotonic() > deadline:
            raise AssertionError(f"{arn} still RUNNING after {timeout} s")
        if advance:
            nxt = clock.next_deadline()
            if nxt is not None:
                clock.set(nxt)
        time.sleep(0.005)


def history_types(sfn: Any, arn: str) -> list[str]:
    """The event types of an execution's whole history."""
    events: list[str] = []
    kwargs: dict[str, Any] = {"executionArn": arn, "maxResults": 1000}
    while True:
        out = sfn.get_execution_history(**kwargs)
        events += [e["type"] for e in out["events"]]
        if not out.get("nextToken"):
            return events
        kwargs["nextToken"] = out["nextToken"]


@pytest.fixture
def finish(sfn: Any, clock: VirtualClock) -> Callable[..., dict[str, Any]]:
    """``finish(execution_arn)``: run it to its end on the virtual clock; return Describe."""

    def go(arn: str, timeout: float = 20.0, advance: bool = True) -> dict[str, Any]:
        return run_to_end(sfn, clock, arn, timeout, advance)

    return go


@pytest.fixture
def make_function(client: Callable[..., Any]) -> Callable[..., str]:
    """Create a Python Lambda function from handler source (``app.handler``); return its ARN."""
    lam = client("lambda", read_timeout=120)

    def make(name: str, source: str) -> str:
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as zf:
            zf.writestr("app.py", textwrap.dedent(source))
        out = lam.create_function(
            FunctionName=name,
            Runtime="python3.11",
            Role="arn:aws:iam::000000000000:role/lambda-role",
            Handler="app.handler",
            Code={"ZipFile": buf.getvalue()},
        )
        return str(out["FunctionArn"])

    return make
