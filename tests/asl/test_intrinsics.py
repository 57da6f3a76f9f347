"""Intrinsic functions: results and AWS's argument checks."""

from __future__ import annotations

from typing import Any

import pytest

from headwater.asl.entropy import SplitMix
from headwater.asl.errors import StatesFailure
from headwater.asl.intrinsics import IntrinsicSyntaxError, compile_intrinsic
from headwater.asl.jsonpath import JsonPath

DOC = {"arr": [1, 2, 2, 3], "s": "a,b;;c", "n": 4, "obj": {"a": 1}, "text": "hello"}


def _resolve(path: JsonPath) -> Any:
    value = path.find(DOC)
    assert isinstance(value, int | str | list | dict)
    return value


def _eval(text: str, seed: int = 1) -> Any:
    return compile_intrinsic(text).evaluate(_resolve, SplitMix(seed))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("States.Array(1, 'a', true, null)", [1, "a", True, None]),
        ("States.Array()", []),
        ("States.ArrayPartition($.arr, 3)", [[1, 2, 2], [3]]),
        ("States.ArrayContains($.arr, 3)", True),
        ("States.ArrayContains($.arr, 9)", False),
        ("States.ArrayRange(1, 9, 2)", [1, 3, 5, 7, 9]),
        ("States.ArrayRange(5, 1, -2)", [5, 3, 1]),
        ("States.ArrayGetItem($.arr, 3)", 3),
        ("States.ArrayLength($.arr)", 4),
        ("States.ArrayUnique($.arr)", [1, 2, 3]),
        ("States.Base64Encode('Hello World')", "SGVsbG8gV29ybGQ="),
        ("States.Base64Decode('SGVsbG8gV29ybGQ=')", "Hello World"),
        ("States.Hash('abc', 'MD5')", "900150983cd24fb0d6963f7d28e17f72"),
        ("States.JsonMerge($.obj, States.StringToJson('{\"b\":2}'), false)", {"a": 1, "b": 2}),
        ("States.JsonToString($.obj)", '{"a":1}'),
        ("States.StringToJson('[1,2]')", [1, 2]),
        ("States.MathAdd($.n, -1)", 3),
        ("States.MathAdd(1.5, -1.5)", 1),
        ("States.StringSplit($.s, ',;')", ["a", "b", "c"]),
        ("States.Format('x={} y={}', $.n, $.obj)", 'x=4 y={"a":1}'),
        ("States.Format('literal \\{\\} and {}', 'v')", "literal {} and v"),
        ("States.Format('it\\'s {}', $.text)", "it's hello"),
    ],
)
def test_intrinsic_results(text: str, expected: Any) -> None:
    assert _eval(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "States.ArrayPartition($.arr, 0)",
        "States.ArrayPartition($.n, 1)",
        "States.ArrayGetItem($.arr, 4)",
        "States.ArrayRange(1, 2, 0)",
        "States.ArrayRange(0, 2000, 1)",
        "States.Hash($.text, 'SHA-3')",
        "States.JsonMerge($.obj, $.arr, false)",
        "States.JsonMerge($.obj, $.obj, true)",
        "States.StringToJson('{not json')",
        "States.Format('{} {}', 'only one')",
        "States.Format('{}', 'a', 'b')",
        "States.MathRandom(5, 1)",
        "States.Base64Decode($.n)",
    ],
)
def test_intrinsic_argument_errors(text: str) -> None:
    with pytest.raises(StatesFailure) as info:
        _eval(text)
    assert info.value.error == "States.IntrinsicFailure"
    assert info.value.cause is not None
    assert "Invalid arguments in States." in info.value.cause


@pytest.mark.parametrize(
    "text",
    [
        "States.Nope(1)",
        "States.ArrayLength()",
        "States.ArrayLength($.a, $.b)",
        "States.Format('unterminated)",
        "States.StringToJson('bad \\\" escape')",
        "States.Array(1,",
        "States.Array(1) trailing",
        "States.Array(&)",
    ],
)
def test_intrinsic_syntax_errors(text: str) -> None:
    with pytest.raises(IntrinsicSyntaxError):
        compile_intrinsic(text)


def test_random_and_uuid_come_from_the_injected_source() -> None:
    first = [_eval("States.MathRandom(1, 100)", seed=3) for _ in range(3)]
    assert first == [_eval("States.MathRandom(1, 100)", seed=3) for _ in range(3)]
    assert all(1 <= v < 100 for v in first)
    uuid = _eval("States.UUID()", seed=9)
    assert uuid == _eval("States.UUID()", seed=9)
    assert len(uuid) == 36
    assert uuid[14] == "4"
    assert uuid[19] in "89ab"


def test_nested_calls_and_context_paths() -> None:
    call = compile_intrinsic("States.ArrayGetItem(States.StringSplit($$.Name, '-'), 1)")
    assert call.evaluate(lambda p: p.find({"Name": "a-b-c"}), SplitMix(1)) == "b"
    assert [p.text for p in call.paths()] == ["$$.Name"]
