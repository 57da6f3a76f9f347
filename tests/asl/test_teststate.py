"""The recorded TestState calls, run through :func:`headwater.asl.teststate.run_test_state`."""

from __future__ import annotations

import json
from typing import Any

import pytest

import headwater.asl as asl
from headwater.asl.teststate import run_test_state
from tests.asl.conftest import load_cases
from tests.asl.test_conformance import _matches, _norm, _redact

CASES = load_cases("test_state")
INFO = asl.ExecutionInfo(
    execution_arn="arn:aws:states:us-east-1:111111111111:express:sm:exec",
    name="exec",
    state_machine_arn="arn:aws:states:us-east-1:111111111111:stateMachine:sm",
    state_machine_name="sm",
    role_arn="arn:aws:iam::111111111111:role/r",
    account="111111111111",
    machine_type="STANDARD",
)

_SCHEMA = (
    "the service layer validates mocks against the integration's API schema "
    "(fieldValidationMode) and rejects bad TestState arguments: not the core's job"
)
XFAIL: dict[str, str] = {c["name"]: _SCHEMA for c in CASES if c["expected"]["status"] == "REJECTED"}


def _param(case: dict[str, Any]) -> Any:
    marks = (
        [pytest.mark.xfail(reason=XFAIL[case["name"]], strict=True)]
        if case["name"] in XFAIL
        else []
    )
    return pytest.param(case, id=case["name"], marks=marks)


def _deep_parse(value: Any) -> Any:
    """The recorder parsed some JSON strings of inspectionData and not others: parse all."""
    if isinstance(value, str) and value[:1] in "[{":
        try:
            return _deep_parse(json.loads(value))
        except json.JSONDecodeError:
            return value
    if isinstance(value, dict):
        return {k: _deep_parse(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_deep_parse(v) for v in value]
    return value


@pytest.mark.parametrize("case", [_param(c) for c in CASES])
def test_test_state_case(case: dict[str, Any]) -> None:
    args = case["test_state_arguments"]
    try:
        result = run_test_state(
            case["definition"],
            case["input"],
            info=INFO,
            time=1_700_000_000.0,
            seed=1,
            state_name=args.get("stateName"),
            inspection_level=args.get("inspectionLevel", "INFO"),
            mock=args.get("mock"),
            variables=args.get("variables"),
            context=args.get("context"),
            state_configuration=args.get("stateConfiguration"),
        )
    except (asl.DefinitionError, asl.InterpreterError) as exc:
        pytest.fail(f"rejected: {exc}")
    got = _deep_parse(result.to_wire())
    want = _deep_parse(case["expected"])
    assert got["status"] == want["status"], got
    for key in ("error", "cause", "nextState"):
        assert got.get(key) == want.get(key), key
    if "output" in want:
        want_out, have_out = want["output"], got.get("output")
        for red in case.get("redactions") or []:
            if red.get("field") == "output":
                want_out = _redact(want_out, red["path"], "<redacted>")
                have_out = _redact(have_out, red["path"], "<redacted>")
        assert _matches(_norm(want_out), _norm(have_out)), have_out
    assert _matches(_norm(want.get("inspectionData")), _norm(got.get("inspectionData"))), got.get(
        "inspectionData"
    )
