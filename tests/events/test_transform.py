"""Target input: Input, InputPath and InputTransformer (InputPathsMap + InputTemplate)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from headwater.events import InvalidTargetInputError
from headwater.events.transform import (
    NOT_FOUND,
    compile_input_transformer,
    compile_json_path,
    compile_target_input,
)

RULE_ARN = "arn:aws:events:us-east-1:123456789012:rule/landing"
EC2_EVENT: dict[str, Any] = {
    "version": "0",
    "id": "7bf73129-1428-4cd3-a780-95db273d1602",
    "detail-type": "EC2 Instance State-change Notification",
    "source": "aws.ec2",
    "account": "123456789012",
    "time": "2015-11-11T21:29:54Z",
    "region": "us-east-1",
    "resources": ["arn:aws:ec2:us-east-1:123456789012:instance/i-abcd1111"],
    "detail": {"instance-id": "i-0123456789", "state": "RUNNING", "count": 3, "tags": ["a", "b"]},
}
PATHS = {"instance": "$.detail.instance-id", "state": "$.detail.state"}


def _render(
    template: str, paths: dict[str, str] | None = None, event: dict[str, Any] | None = None
) -> str:
    transformer = compile_input_transformer(
        PATHS if paths is None else paths, template, target_id="t1"
    )
    return transformer.render(event or EC2_EVENT, rule_arn=RULE_ARN, rule_name="landing")


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("$", EC2_EVENT),
        ("$.detail", EC2_EVENT["detail"]),
        ("$.detail-type", "EC2 Instance State-change Notification"),
        ("$.detail.instance-id", "i-0123456789"),
        ("$.resources[0]", EC2_EVENT["resources"][0]),
        ("$.detail.tags[*]", ["a", "b"]),
        ("$.detail.*", ["i-0123456789", "RUNNING", 3, ["a", "b"]]),
        ("$.detail.missing", NOT_FOUND),
        ("$.resources[5]", NOT_FOUND),
    ],
)
def test_json_path_select(path: str, expected: Any) -> None:
    compiled = compile_json_path(path)
    assert compiled is not None
    assert compiled.select(EC2_EVENT) == expected


@pytest.mark.parametrize("path", ["detail", "$.", "$..detail", "$.a[", "$.a[x]", "$detail", ""])
def test_json_path_invalid(path: str) -> None:
    assert compile_json_path(path) is None


def test_string_template_is_delivered_as_written() -> None:
    assert _render('"instance <instance> is in <state>"') == '"instance i-0123456789 is in RUNNING"'
    assert _render("<instance> is in state <state>") == "i-0123456789 is in state RUNNING"


def test_json_template_quotes_strings_outside_quotes() -> None:
    out = _render('{"instance": <instance>, "state": [9, <state>, true], "Transformed": "Yes"}')
    assert json.loads(out) == {
        "instance": "i-0123456789",
        "state": [9, "RUNNING", True],
        "Transformed": "Yes",
    }


def test_json_template_inserts_raw_text_inside_quotes() -> None:
    out = _render('{"message": "<instance> is in state \\"<state>\\""}')
    assert json.loads(out) == {"message": 'i-0123456789 is in state "RUNNING"'}


def test_values_of_other_types() -> None:
    paths = {"count": "$.detail.count", "tags": "$.detail.tags", "detail": "$.detail"}
    out = _render('{"count": <count>, "tags": <tags>, "d": <detail>}', paths)
    assert json.loads(out) == {"count": 3, "tags": ["a", "b"], "d": EC2_EVENT["detail"]}
    assert _render('"n=<count> t=<tags>"', paths) == '"n=3 t=[a,b]"'
    assert _render("Detail is <detail>", {"detail": "$.detail"}) == (
        "Detail is {instance-id:i-0123456789,state:RUNNING,count:3,tags:[a,b]}"
    )


def test_missing_paths() -> None:
    paths = {"gone": "$.detail.gone"}
    assert _render('"value: <gone>."', paths) == '"value: ."'
    assert json.loads(_render('{"v": <gone>, "s": "<gone>"}', paths)) == {"v": None, "s": ""}


def test_predefined_variables() -> None:
    out = _render(
        '{"ruleArn": <aws.events.rule-arn>, "ruleName": <aws.events.rule-name>, '
        '"at": <aws.events.event.ingestion-time>, "original": <aws.events.event.json>, '
        '"envelope": <aws.events.event>}',
        paths={},
    )
    body = json.loads(out)
    assert body["ruleArn"] == RULE_ARN
    assert body["ruleName"] == "landing"
    assert body["at"] == "2015-11-11T21:29:54Z"
    assert body["original"] == EC2_EVENT
    assert "detail" not in body["envelope"]
    assert body["envelope"]["detailType"] == EC2_EVENT["detail-type"]


def test_ingestion_time_can_be_given() -> None:
    transformer = compile_input_transformer(
        {}, '"<aws.events.event.ingestion-time>"', target_id="t"
    )
    out = transformer.render(
        EC2_EVENT, rule_arn=RULE_ARN, rule_name="r", ingestion_time="2024-01-01T00:00:00Z"
    )
    assert out == '"2024-01-01T00:00:00Z"'


def test_unknown_placeholder_is_rejected() -> None:
    with pytest.raises(InvalidTargetInputError) as exc:
        compile_input_transformer(PATHS, '{"a": <nope>}', target_id="t1")
    assert exc.value.message == "InputTemplate for target t1 contains invalid placeholder nope."


def test_angle_brackets_that_are_not_placeholders_stay() -> None:
    assert _render('"a < b and <state>"') == '"a < b and RUNNING"'


def test_invalid_path_in_map_is_rejected() -> None:
    with pytest.raises(InvalidTargetInputError):
        compile_input_transformer({"x": "detail.state"}, "<x>", target_id="t1")


def test_target_input_variants() -> None:
    plain = compile_target_input(target_id="t")
    assert json.loads(plain.render(EC2_EVENT, rule_arn=RULE_ARN, rule_name="r") or "") == EC2_EVENT
    constant = compile_target_input(target_id="t", input='{"fixed": 1}')
    assert constant.render(EC2_EVENT, rule_arn=RULE_ARN, rule_name="r") == '{"fixed": 1}'
    path = compile_target_input(target_id="t", input_path="$.detail.state")
    assert path.render(EC2_EVENT, rule_arn=RULE_ARN, rule_name="r") == '"RUNNING"'
    nothing = compile_target_input(target_id="t", input_path="$.detail.gone")
    assert nothing.render(EC2_EVENT, rule_arn=RULE_ARN, rule_name="r") is None
    transformed = compile_target_input(
        target_id="t", input_paths_map=PATHS, input_template='{"s": <state>}'
    )
    assert transformed.render(EC2_EVENT, rule_arn=RULE_ARN, rule_name="r") == '{"s": "RUNNING"}'


def test_target_input_validation_messages() -> None:
    with pytest.raises(InvalidTargetInputError) as exc:
        compile_target_input(target_id="t1", input="{}", input_path="$")
    assert exc.value.message == (
        "Only one of Input, InputPath, or InputTransformer must be provided for target t1."
    )
    with pytest.raises(InvalidTargetInputError) as exc:
        compile_target_input(target_id="t1", input="{not json")
    assert exc.value.message == "Input for target t1 is not a valid JSON text."
    with pytest.raises(InvalidTargetInputError):
        compile_target_input(target_id="t1", input_path="detail")


def test_non_ascii_is_not_escaped() -> None:
    event = dict(EC2_EVENT, detail={"name": "événement 🚀"})
    path = compile_target_input(target_id="t", input_path="$.detail")
    assert path.render(event, rule_arn=RULE_ARN, rule_name="r") == '{"name":"événement 🚀"}'
