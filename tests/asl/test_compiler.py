"""Definition validation: what AWS rejects is rejected, with its message style and location."""

from __future__ import annotations

from typing import Any

import pytest

import headwater.asl as asl


def _pass(**extra: Any) -> dict[str, Any]:
    return {"Type": "Pass", "End": True, **extra}


def _machine(states: dict[str, Any], start: str = "A", **top: Any) -> dict[str, Any]:
    return {"StartAt": start, "States": states, **top}


CASES = [
    (
        _machine({"A": {"Type": "Pass", "Next": "Nope"}}),
        "MISSING_TRANSITION_TARGET",
        "Missing 'Next' target: Nope",
        "/States/A/Next",
    ),
    (
        _machine({"A": _pass()}, start="B"),
        "MISSING_TRANSITION_TARGET",
        "Missing 'Next' target: B",
        "/StartAt",
    ),
    (
        _machine({"A": _pass(), "B": _pass()}),
        "UNREACHABLE_STATE",
        "State 'B' is not reachable",
        "/States/B",
    ),
    (
        _machine({"A": _pass(Foo=1)}),
        "SCHEMA_VALIDATION_FAILED",
        "The field 'Foo' is not supported by Step Functions",
        "/States/A",
    ),
    (
        _machine({"A": _pass(InputPath="a.b")}),
        "SCHEMA_VALIDATION_FAILED",
        "The value for the field 'InputPath' must be a valid JSONPath",
        "/States/A/InputPath",
    ),
    (
        _machine({"A": _pass(ResultPath="$.a[*]")}),
        "SCHEMA_VALIDATION_FAILED",
        "The value for the field 'ResultPath' must be a valid ReferencePath",
        "/States/A/ResultPath",
    ),
    (
        _machine({"A": _pass(Parameters={"x.$": "States.Nope(1)"})}),
        "SCHEMA_VALIDATION_FAILED",
        "The value for the field 'x.$' must be a valid JSONPath or a valid intrinsic function call",
        "/States/A/Parameters",
    ),
    (
        _machine({"A": _pass(Output="{% $states.input + %}")}, QueryLanguage="JSONata"),
        "SCHEMA_VALIDATION_FAILED",
        "The value for the field 'Output' must be a valid JSONata expression",
        "/States/A/Output",
    ),
    (
        _machine({"A": _pass(Output="{% $eval('1') %}")}, QueryLanguage="JSONata"),
        "SCHEMA_VALIDATION_FAILED",
        "The JSONata expression '$eval('1')' uses the unsupported function '$eval'",
        "/States/A/Output",
    ),
    (
        _machine({"A": _pass(InputPath="$")}, QueryLanguage="JSONata"),
        "SCHEMA_VALIDATION_FAILED",
        "The field 'InputPath' is not supported for the JSONata query language",
        "/States/A",
    ),
    (
        _machine({"A": {"Type": "Pass"}}),
        "MISSING_TRANSITION_TARGET",
        "These fields are required: [Next]",
        "/States/A",
    ),
    (
        _machine({"A": {"Type": "Pass", "Next": "A", "End": True}}),
        "SCHEMA_VALIDATION_FAILED",
        "The fields 'Next' and 'End' are mutually exclusive",
        "/States/A",
    ),
    (
        _machine({"A": {"Type": "Nope"}}),
        "SCHEMA_VALIDATION_FAILED",
        "The field 'Type' should have one of these values: [Task, Wait, Pass, Succeed, Fail, "
        "Choice, Parallel, Map]",
        "/States/A/Type",
    ),
    (
        _machine(
            {
                "A": {
                    "Type": "Task",
                    "Resource": "arn:aws:states:::lambda:invoke",
                    "End": True,
                    "Retry": [{"ErrorEquals": ["States.ALL", "X"]}],
                }
            }
        ),
        "SCHEMA_VALIDATION_FAILED",
        "'States.ALL' must appear alone in 'ErrorEquals'",
        "/States/A/Retry/0/ErrorEquals",
    ),
    (
        _machine(
            {
                "A": {
                    "Type": "Task",
                    "Resource": "arn:aws:states:::lambda:invoke",
                    "End": True,
                    "Retry": [{"ErrorEquals": ["X"], "BackoffRate": 0.5}],
                }
            }
        ),
        "SCHEMA_VALIDATION_FAILED",
        "The value for the field 'BackoffRate' must be between 1.0 and inf",
        "/States/A/Retry/0/BackoffRate",
    ),
    (
        _machine({"A": {"Type": "Wait", "Timestamp": "2016-03-14 01:59:00Z", "End": True}}),
        "SCHEMA_VALIDATION_FAILED",
        "String does not match RFC3339 timestamp",
        "/States/A/Timestamp",
    ),
    (
        _machine({"A": {"Type": "Wait", "Seconds": 1, "SecondsPath": "$.s", "End": True}}),
        "SCHEMA_VALIDATION_FAILED",
        "A Wait state must have exactly one of 'Seconds', "
        "'SecondsPath', 'Timestamp' or 'TimestampPath'",
        "/States/A",
    ),
    (
        _machine(
            {
                "A": {
                    "Type": "Choice",
                    "Choices": [{"Variable": "$.x", "NumericEquals": "1", "Next": "A"}],
                }
            }
        ),
        "SCHEMA_VALIDATION_FAILED",
        "The value for the field 'NumericEquals' must be a NUMBER",
        "/States/A/Choices/0/NumericEquals",
    ),
    (
        _machine(
            {
                "A": {
                    "Type": "Map",
                    "End": True,
                    "ItemProcessor": {
                        "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                        "StartAt": "I",
                        "States": {"I": _pass()},
                    },
                    "Label": "bad:label",
                }
            }
        ),
        "SCHEMA_VALIDATION_FAILED",
        "Label contains invalid character: ':'",
        "/States/A/Label",
    ),
    (
        _machine(
            {
                "A": {
                    "Type": "Map",
                    "End": True,
                    "ItemProcessor": {
                        "StartAt": "I",
                        "States": {"I": {"Type": "Pass", "Next": "Z"}},
                    },
                }
            }
        ),
        "MISSING_TRANSITION_TARGET",
        "Missing 'Next' target: Z",
        "/States/A/ItemProcessor/States/I/Next",
    ),
    ({"States": {}}, "SCHEMA_VALIDATION_FAILED", "These fields are required: [StartAt]", "/"),
    (
        _machine(
            {
                "A": {
                    "Type": "Parallel",
                    "End": True,
                    "Branches": [{"StartAt": "A", "States": {"A": _pass()}}],
                }
            }
        ),
        "SCHEMA_VALIDATION_FAILED",
        "Duplicate State name: A",
        "/States/A",
    ),
]


@pytest.mark.parametrize(("definition", "code", "message", "location"), CASES)
def test_rejected(definition: dict[str, Any], code: str, message: str, location: str) -> None:
    with pytest.raises(asl.DefinitionError) as info:
        asl.compile_definition(definition)
    first = info.value.diagnostics[0]
    assert (first.code, first.message, first.location) == (code, message, location)
    assert str(info.value) == (
        f"Invalid State Machine Definition: '{code}: {message} at {location}'"
    )
    result = asl.validate_definition(definition)
    assert result.result == "FAIL"
    assert result.diagnostics[0] == first


def test_express_rejects_callbacks() -> None:
    definition = _machine(
        {
            "A": {
                "Type": "Task",
                "End": True,
                "Resource": "arn:aws:states:::states:startExecution.sync:2",
            }
        }
    )
    asl.compile_definition(definition)
    with pytest.raises(asl.DefinitionError, match=r"does not support '\.sync'"):
        asl.compile_definition(definition, machine_type="EXPRESS")


def test_text_definitions_and_invalid_json() -> None:
    machine = asl.compile_definition('{"StartAt": "A", "States": {"A": {"Type": "Succeed"}}}')
    assert machine.root.start_at == "A"
    result = asl.validate_definition("{nope")
    assert result.diagnostics[0].code == "INVALID_JSON_DESCRIPTION"


def test_accepted_definitions_are_ok() -> None:
    definition = _machine(
        {
            "A": {"Type": "Pass", "Parameters": {"x.$": "States.Format('{}', $.a)"}, "Next": "B"},
            "B": {
                "Type": "Choice",
                "Choices": [
                    {
                        "And": [
                            {"Variable": "$.x", "StringMatches": "a*"},
                            {"Not": {"Variable": "$.y", "IsPresent": True}},
                        ],
                        "Next": "C",
                    }
                ],
                "Default": "C",
            },
            "C": {
                "Type": "Parallel",
                "Branches": [{"StartAt": "D", "States": {"D": _pass()}}],
                "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "E"}],
                "Next": "E",
            },
            "E": {
                "Type": "Map",
                "ItemsPath": "$",
                "MaxConcurrencyPath": "$.n",
                "Iterator": {"StartAt": "F", "States": {"F": _pass()}},
                "End": True,
            },
        }
    )
    result = asl.validate_definition(definition)
    assert result.to_wire() == {"result": "OK", "diagnostics": [], "truncated": False}
    machine = asl.compile_definition(definition)
    assert set(machine.blocks) == {"", "/C/0", "/E"}
