"""The EventBridge conformance corpus through the wire: TestEventPattern via boto3.

The pure matcher runs every case in tests/events; here the cases with a full event envelope
go through the server as a user's call would, so the API layer's error codes and messages are
checked too.
"""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.events.conftest import load_cases

# Known gaps: case name -> reason (xfail_strict: a case that starts passing must leave).
XFAIL: dict[str, str] = {}

CASES = [c for c in load_cases() if c["event_is_envelope"] or c["expected"] == "invalid"]


@pytest.fixture(scope="module")
def events_api(server: Any) -> Any:
    import boto3
    from botocore.config import Config

    return boto3.client(
        "events",
        endpoint_url=server.endpoint,
        region_name="us-east-1",
        aws_access_key_id="t",
        aws_secret_access_key="t",
        config=Config(retries={"max_attempts": 1}),
    )


@pytest.mark.parametrize(
    "case",
    [
        pytest.param(c, id=c["name"], marks=[pytest.mark.xfail(reason=XFAIL[c["name"]])])
        if c["name"] in XFAIL
        else pytest.param(c, id=c["name"])
        for c in CASES
    ],
)
def test_test_event_pattern(events_api: Any, case: dict[str, Any]) -> None:
    event_text = case["event_text"]
    if not case["event_is_envelope"] and case["invalid_input"] != "event":
        # an invalid pattern is refused before the event is looked at
        event_text = (
            '{"id":"1","source":"s","detail-type":"d","account":"123456789012",'
            '"region":"us-east-1","time":"2026-01-01T00:00:00Z","detail":{}}'
        )
    if case["expected"] == "invalid":
        with pytest.raises(ClientError) as exc:
            events_api.test_event_pattern(EventPattern=case["pattern_text"], Event=event_text)
        err = exc.value.response["Error"]
        if case["invalid_input"] == "event":
            assert err["Code"] == "ValidationException"
        else:
            assert err["Code"] == "InvalidEventPatternException"
        hint = case["error_hint"]
        if hint is not None:
            assert err["Message"].split("\n")[0] == hint.split("\n")[0]
        return
    result = events_api.test_event_pattern(EventPattern=case["pattern_text"], Event=event_text)
    assert result["Result"] is (case["expected"] == "match")
