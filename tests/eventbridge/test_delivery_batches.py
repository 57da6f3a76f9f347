"""Batched delivery: many events, one execution each; failures stay per delivery; restarts."""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
import sqlalchemy as sa
from botocore.config import Config

from headwater.cli.server import ServerConfig, ServerThread, free_port
from headwater.runtime.clock import VirtualClock
from headwater.services.base import RequestContext
from headwater.services.errors import ServiceError
from headwater.services.events import TargetError, register_target
from headwater.store import Store
from headwater.store.events import deliveries
from tests.conftest import eventually

SUCCEED = json.dumps({"StartAt": "Done", "States": {"Done": {"Type": "Succeed"}}})
ROLE = "arn:aws:iam::000000000000:role/test"


def _deliveries(endpoint: str, rule: str | None = None) -> list[dict[str, Any]]:
    url = f"{endpoint}/_headwater/events/deliveries?limit=5000"
    with urllib.request.urlopen(url, timeout=10) as resp:
        found = list(json.load(resp))
    return [d for d in found if rule is None or d["rule"] == rule]


def _executions(sfn: Any, arn: str) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for page in sfn.get_paginator("list_executions").paginate(stateMachineArn=arn):
        out.extend(page["executions"])
    return out


def _put(events: Any, n: int, source: str = "batch.app") -> None:
    for start in range(0, n, 10):
        entries = [
            {"Source": source, "DetailType": "t", "Detail": json.dumps({"i": i})}
            for i in range(start, min(n, start + 10))
        ]
        assert events.put_events(Entries=entries)["FailedEntryCount"] == 0


def test_a_burst_of_events_starts_one_execution_each(client: Any, endpoint: str) -> None:
    sfn = client("stepfunctions")
    arn = sfn.create_state_machine(name="burst", definition=SUCCEED, roleArn=ROLE)[
        "stateMachineArn"
    ]
    events = client("events")
    events.put_rule(Name="burst", EventPattern=json.dumps({"source": ["batch.app"]}))
    events.put_targets(Rule="burst", Targets=[{"Id": "sfn", "Arn": arn}])
    _put(events, 300)  # more than one dispatcher batch

    def all_done() -> list[dict[str, Any]] | None:
        found = _deliveries(endpoint, "burst")
        return found if sum(d["status"] == "SUCCEEDED" for d in found) == 300 else None

    done = eventually(all_done, timeout=60)
    assert len(done) == 300
    executions = _executions(sfn, arn)
    assert len(executions) == 300
    assert {d["result"]["executionArn"] for d in done} == {e["executionArn"] for e in executions}
    inputs = {json.loads(d["input"])["detail"]["i"] for d in done}
    assert inputs == set(range(300))


def test_a_missing_state_machine_fails_only_its_own_deliveries(client: Any, endpoint: str) -> None:
    sfn = client("stepfunctions")
    arn = sfn.create_state_machine(name="here", definition=SUCCEED, roleArn=ROLE)["stateMachineArn"]
    events = client("events")
    pattern = json.dumps({"source": ["batch.app"]})
    events.put_rule(Name="to-here", EventPattern=pattern)
    events.put_targets(Rule="to-here", Targets=[{"Id": "sfn", "Arn": arn}])
    events.put_rule(Name="to-nowhere", EventPattern=pattern)
    gone = arn.replace(":here", ":gone")
    events.put_targets(Rule="to-nowhere", Targets=[{"Id": "sfn", "Arn": gone}])
    _put(events, 20)
    eventually(lambda: len([d for d in _deliveries(endpoint) if d["status"] != "PENDING"]) == 40)
    ok = _deliveries(endpoint, "to-here")
    dead = _deliveries(endpoint, "to-nowhere")
    assert {d["status"] for d in ok} == {"SUCCEEDED"}
    assert {d["status"] for d in dead} == {"FAILED"}
    assert all(d["attempts"] == 1 and "StateMachineDoesNotExist" in d["lastError"] for d in dead)
    assert len(_executions(sfn, arn)) == 20


def test_start_executions_answers_each_request_as_start_execution_would(
    client: Any, endpoint: str, server: ServerThread
) -> None:
    sfn = client("stepfunctions")
    arn = sfn.create_state_machine(name="many", definition=SUCCEED, roleArn=ROLE)["stateMachineArn"]
    taken = sfn.start_execution(stateMachineArn=arn, name="taken", input="{}")["executionArn"]
    eventually(lambda: sfn.describe_execution(executionArn=taken)["status"] == "SUCCEEDED")
    service = server.app.registry.get("stepfunctions")
    assert service is not None
    ctx = RequestContext(
        request_id="r",
        region="us-east-1",
        account_id="000000000000",
        service="events",
        operation="StartExecution",
        user_agent="test",
    )
    requests = [
        (ctx, {"stateMachineArn": arn, "name": "taken", "input": "{}"}),
        (ctx, {"stateMachineArn": arn, "name": "fresh", "input": '{"a": 1}'}),
        (ctx, {"stateMachineArn": arn, "name": "fresh", "input": '{"a": 2}'}),
        (ctx, {"stateMachineArn": arn.replace(":many", ":none"), "name": "x"}),
        (ctx, {"stateMachineArn": arn, "name": "other", "input": "not json"}),
        (ctx, {"stateMachineArn": arn, "name": "second", "input": "{}"}),
    ]
    answers = service.start_executions(requests)  # type: ignore[attr-defined]
    codes = [a.code if isinstance(a, ServiceError) else "ok" for a in answers]
    assert codes == [
        "ExecutionAlreadyExists",
        "ok",
        "ExecutionAlreadyExists",
        "StateMachineDoesNotExist",
        "InvalidExecutionInput",
        "ok",
    ]
    fresh = answers[1]["executionArn"]
    eventually(lambda: sfn.describe_execution(executionArn=fresh)["status"] == "SUCCEEDED")
    assert sfn.describe_execution(executionArn=fresh)["input"] == '{"a": 1}'
    names = sorted(e["name"] for e in _executions(sfn, arn))
    assert names == ["fresh", "second", "taken"]
    assert service.driver.live() == []  # type: ignore[attr-defined]


_FLAKY = {"down": True}


def _flaky(_events: Any, delivery: Any) -> dict[str, Any]:
    if _FLAKY["down"]:
        raise TargetError("ServiceUnavailable", "the flaky target is down", retryable=True)
    return {"ok": delivery.delivery_key}


register_target("headwater-flaky", _flaky)


class _Servers:
    """A private server that a test restarts on the same data dir."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.config = ServerConfig(data_dir=data_dir, port=free_port(), time_scale=0)
        self.clock = VirtualClock()
        self.current: ServerThread | None = None

    def start(self) -> ServerThread:
        self.current = ServerThread(self.config, clock=self.clock).start()
        return self.current

    def stop(self) -> None:
        if self.current is not None:
            self.current.stop()
            self.current = None
            self.clock = VirtualClock(start=self.clock.now())  # the same time, a fresh process

    def client(self, name: str) -> Any:
        assert self.current is not None
        return boto3.client(
            name,
            endpoint_url=self.current.endpoint,
            region_name="us-east-1",
            aws_access_key_id="test",
            aws_secret_access_key="test",
            config=Config(retries={"max_attempts": 1}),
        )


@pytest.fixture
def servers(tmp_path: Path) -> Iterator[_Servers]:
    """A restartable server."""
    found = _Servers(tmp_path / "data")
    yield found
    found.stop()
    _FLAKY["down"] = True


def test_a_restart_resumes_pending_deliveries_and_repeats_no_execution(
    servers: _Servers,
) -> None:
    server = servers.start()
    sfn = servers.client("stepfunctions")
    arn = sfn.create_state_machine(name="kept", definition=SUCCEED, roleArn=ROLE)["stateMachineArn"]
    events = servers.client("events")
    pattern = json.dumps({"source": ["batch.app"]})
    events.put_rule(Name="sfn", EventPattern=pattern)
    events.put_targets(Rule="sfn", Targets=[{"Id": "sfn", "Arn": arn}])
    events.put_rule(Name="flaky", EventPattern=pattern)
    events.put_targets(
        Rule="flaky",
        Targets=[{"Id": "f", "Arn": "arn:aws:headwater-flaky:us-east-1:000000000000:thing/f"}],
    )
    _put(events, 30)
    eventually(
        lambda: sum(d["status"] == "SUCCEEDED" for d in _deliveries(server.endpoint, "sfn")) == 30
    )
    eventually(lambda: all(d["attempts"] >= 1 for d in _deliveries(server.endpoint, "flaky")))
    assert {d["status"] for d in _deliveries(server.endpoint, "flaky")} == {"PENDING"}
    servers.stop()

    # As if the server had died after starting these executions but before recording it.
    store = Store.open(servers.data_dir)
    with store.transaction() as conn:
        redo = conn.execute(
            sa.select(deliveries.c.id).where(deliveries.c.rule == "sfn").limit(10)
        ).scalars()
        conn.execute(
            sa.update(deliveries)
            .where(deliveries.c.id.in_(list(redo)))
            .values(status="PENDING", attempts=0, result=None)
        )
    store.close()

    _FLAKY["down"] = False
    server = servers.start()
    servers.clock.advance(3600)  # the flaky deliveries' next attempts are due
    eventually(
        lambda: all(d["status"] == "SUCCEEDED" for d in _deliveries(server.endpoint)), timeout=30
    )
    done = _deliveries(server.endpoint)
    assert len(done) == 60
    assert len(_executions(servers.client("stepfunctions"), arn)) == 30
    again = [d for d in done if d["rule"] == "sfn" and d["result"].get("alreadyStarted")]
    assert len(again) == 10
    assert all(
        d["result"]["executionArn"].startswith(arn.replace("stateMachine", "execution"))
        for d in again
    )


def test_a_failed_round_is_retried_not_fatal(
    client: Any, endpoint: str, server: ServerThread, monkeypatch: pytest.MonkeyPatch
) -> None:
    events_service = server.app.registry.get("events")
    assert events_service is not None
    dispatcher = events_service.dispatcher  # type: ignore[attr-defined]
    real = dispatcher.deliver_due
    failures = {"left": 1}

    def flaky_round(now: float, limit: int = 256) -> int:
        if failures["left"]:
            failures["left"] -= 1
            raise RuntimeError("the store is briefly unavailable")
        return int(real(now, limit))

    monkeypatch.setattr(dispatcher, "deliver_due", flaky_round)
    sfn = client("stepfunctions")
    arn = sfn.create_state_machine(name="later", definition=SUCCEED, roleArn=ROLE)[
        "stateMachineArn"
    ]
    events = client("events")
    events.put_rule(Name="later", EventPattern=json.dumps({"source": ["batch.app"]}))
    events.put_targets(Rule="later", Targets=[{"Id": "sfn", "Arn": arn}])
    _put(events, 3)
    eventually(lambda: [d["status"] for d in _deliveries(endpoint, "later")] == ["SUCCEEDED"] * 3)
    assert failures["left"] == 0
