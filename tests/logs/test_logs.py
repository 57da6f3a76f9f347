"""CloudWatch Logs through boto3 and the aws CLI, and filter patterns on their own."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError

from headwater.services.errors import ServiceError
from headwater.services.logs import compile_filter

GROUP = "/app/pipeline"


def _error(exc: pytest.ExceptionInfo[ClientError]) -> tuple[str, str]:
    return exc.value.response["Error"]["Code"], exc.value.response["Error"]["Message"]


@pytest.mark.e2e
def test_groups_streams_and_events(client: Callable[..., Any]) -> None:
    logs = client("logs")
    logs.create_log_group(logGroupName=GROUP, tags={"team": "data"})
    with pytest.raises(ClientError) as dup:
        logs.create_log_group(logGroupName=GROUP)
    assert _error(dup) == (
        "ResourceAlreadyExistsException",
        "The specified log group already exists",
    )
    logs.create_log_stream(logGroupName=GROUP, logStreamName="s1")
    logs.create_log_stream(logGroupName=GROUP, logStreamName="s2")
    with pytest.raises(ClientError) as no_group:
        logs.create_log_stream(logGroupName="/nope", logStreamName="s")
    assert _error(no_group) == (
        "ResourceNotFoundException",
        "The specified log group does not exist.",
    )
    t0 = 1_700_000_000_000
    logs.put_log_events(
        logGroupName=GROUP,
        logStreamName="s1",
        logEvents=[{"timestamp": t0 + i, "message": f"line {i}"} for i in range(5)],
    )
    logs.put_log_events(
        logGroupName=GROUP,
        logStreamName="s2",
        logEvents=[{"timestamp": t0 + 2, "message": "ERROR disk full"}],
    )
    with pytest.raises(ClientError) as order:
        logs.put_log_events(
            logGroupName=GROUP,
            logStreamName="s1",
            logEvents=[{"timestamp": t0 + 9, "message": "b"}, {"timestamp": t0, "message": "a"}],
        )
    assert _error(order)[0] == "InvalidParameterException"

    groups = logs.describe_log_groups(logGroupNamePrefix="/app")["logGroups"]
    assert [g["logGroupName"] for g in groups] == [GROUP]
    assert groups[0]["arn"] == f"arn:aws:logs:us-east-1:000000000000:log-group:{GROUP}:*"
    assert logs.list_tags_log_group(logGroupName=GROUP)["tags"] == {"team": "data"}
    streams = logs.describe_log_streams(logGroupName=GROUP)["logStreams"]
    assert [s["logStreamName"] for s in streams] == ["s1", "s2"]
    assert streams[0]["firstEventTimestamp"] == t0
    assert streams[0]["lastEventTimestamp"] == t0 + 4

    tail = logs.get_log_events(logGroupName=GROUP, logStreamName="s1", limit=2)
    assert [e["message"] for e in tail["events"]] == ["line 3", "line 4"]
    back = logs.get_log_events(
        logGroupName=GROUP, logStreamName="s1", limit=2, nextToken=tail["nextBackwardToken"]
    )
    assert [e["message"] for e in back["events"]] == ["line 1", "line 2"]
    head = logs.get_log_events(logGroupName=GROUP, logStreamName="s1", startFromHead=True, limit=3)
    assert [e["message"] for e in head["events"]] == ["line 0", "line 1", "line 2"]
    rest = logs.get_log_events(
        logGroupName=GROUP, logStreamName="s1", nextToken=head["nextForwardToken"]
    )
    assert [e["message"] for e in rest["events"]] == ["line 3", "line 4"]
    end = logs.get_log_events(
        logGroupName=GROUP, logStreamName="s1", nextToken=rest["nextForwardToken"]
    )
    assert end["events"] == []
    assert end["nextForwardToken"] == rest["nextForwardToken"]  # the end: the same token

    interleaved = logs.filter_log_events(logGroupName=GROUP, startTime=t0 + 1, endTime=t0 + 3)
    assert [(e["logStreamName"], e["message"]) for e in interleaved["events"]] == [
        ("s1", "line 1"),
        ("s1", "line 2"),
        ("s2", "ERROR disk full"),
    ]
    errors = logs.filter_log_events(logGroupName=GROUP, filterPattern="ERROR")["events"]
    assert [e["message"] for e in errors] == ["ERROR disk full"]
    paged = logs.get_paginator("filter_log_events").paginate(
        logGroupName=GROUP, PaginationConfig={"PageSize": 2}
    )
    assert sum(len(p["events"]) for p in paged) == 6

    logs.delete_log_group(logGroupName=GROUP)
    assert logs.describe_log_groups()["logGroups"] == []


@pytest.mark.e2e
def test_cli_reads_logs(aws: Callable[..., Any], client: Callable[..., Any]) -> None:
    aws("logs", "create-log-group", "--log-group-name", "/cli/group")
    aws("logs", "create-log-stream", "--log-group-name", "/cli/group", "--log-stream-name", "main")
    aws(
        "logs",
        "put-log-events",
        "--log-group-name",
        "/cli/group",
        "--log-stream-name",
        "main",
        "--log-events",
        "timestamp=1700000000000,message=hello from the cli",
    )
    out = json.loads(aws("logs", "filter-log-events", "--log-group-name", "/cli/group").stdout)
    assert [e["message"] for e in out["events"]] == ["hello from the cli"]


@pytest.mark.parametrize(
    ("pattern", "message", "expected"),
    [
        ("", "anything", True),
        ("ERROR", "an ERROR happened", True),
        ("ERROR", "an error happened", False),
        ("ERROR disk", "ERROR: disk full", True),
        ("ERROR disk", "ERROR: memory", False),
        ('"disk full"', "ERROR: disk full", True),
        ('"disk full"', "full disk", False),
        ("?ERROR ?WARN", "WARN low", True),
        ("?ERROR ?WARN", "INFO ok", False),
        ("ERROR -timeout", "ERROR timeout", False),
        ("ERROR -timeout", "ERROR crash", True),
        ('{ $.level = "ERROR" }', '{"level": "ERROR"}', True),
        ('{ $.level = "ERROR" }', '{"level": "INFO"}', False),
        ('{ $.level = "ERROR" }', "not json", False),
        ('{ $.latency > 100 && $.level = "WARN" }', '{"latency": 150, "level": "WARN"}', True),
        ('{ $.latency > 100 && $.level = "WARN" }', '{"latency": 50, "level": "WARN"}', False),
        ('{ ($.a = 1) || ($.b = "x*") }', '{"b": "xyz"}', True),
        ("{ $.user.id = 7 }", '{"user": {"id": 7}}', True),
        ("{ $.items[0] = 3 }", '{"items": [3, 4]}', True),
        ("{ $.flag = true }", '{"flag": true}', True),
        ("{ $.gone NOT EXISTS }", '{"flag": true}', None),
    ],
)
def test_filter_patterns(pattern: str, message: str, expected: bool | None) -> None:
    if expected is None:  # syntax Headwater does not support: refused, never silently wrong
        with pytest.raises(ServiceError) as err:
            compile_filter(pattern)
        assert err.value.code == "InvalidParameterException"
        return
    assert compile_filter(pattern).matches(message) is expected


@pytest.mark.parametrize("pattern", ["[ip, user, status=404]", '{ $.a = "x"', "{ level = 1 }"])
def test_unsupported_or_broken_patterns_are_refused(pattern: str) -> None:
    with pytest.raises(ServiceError) as err:
        compile_filter(pattern)
    assert err.value.code == "InvalidParameterException"
