"""JSONPath as Step Functions evaluates it."""

from __future__ import annotations

from typing import Any

import pytest

from headwater.asl.jsonpath import NOT_FOUND, JsonPathSyntaxError, PathRoot, compile_path

DOC = {
    "a": {"b": [10, 20, 30], "c": None},
    "items": [{"n": 1, "t": "x"}, {"n": 5, "t": "y"}, {"t": "z"}],
    "odd key": 7,
    "q'uote": 8,
}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("$", DOC),
        ("  $.a.b  ", [10, 20, 30]),
        ("$.a.b[0]", 10),
        ("$.a.b[-1]", 30),
        ("$['a']['b'][1]", 20),
        ('$["a"].c', None),
        ("$['odd key']", 7),
        ("$['q\\'uote']", 8),
        ("$.a.b[*]", [10, 20, 30]),
        ("$.a.b[0:2]", [10, 20]),
        ("$.a.b[0,2]", [10, 30]),
        ("$.items[*].n", [1, 5]),
        ("$..n", [1, 5]),
        ("$.items[?(@.n > 1)].t", ["y"]),
        ("$.items[?(@.t == 'z')]", [{"t": "z"}]),
        ("$.items[?(@.n)].t", ["x", "y"]),
        ("$.items[?(@.n >= 1 && @.t != 'x')].n", [5]),
        ("$.items[?(@.t =~ /[xy]/)].n", [1, 5]),
        ("$.missing[*]", []),
    ],
)
def test_find(text: str, expected: Any) -> None:
    assert compile_path(text).find(DOC) == expected


@pytest.mark.parametrize("text", ["$.missing", "$.a.b[3]", "$.a.c.d", "$.odd"])
def test_definite_paths_report_absence(text: str) -> None:
    assert compile_path(text).find(DOC) is NOT_FOUND


@pytest.mark.parametrize("text", ["", "a.b", "$.", "$[", "$.a[?(@.x > 1]", "$[1:2:3:4]"])
def test_syntax_errors(text: str) -> None:
    with pytest.raises(JsonPathSyntaxError):
        compile_path(text)


def test_roots_and_canonical_form() -> None:
    assert compile_path("$$.Execution.Id").root is PathRoot.CONTEXT
    var = compile_path("$myVar.x[0]")
    assert (var.root, var.variable) == (PathRoot.VARIABLE, "myVar")
    assert compile_path("$.no.such[2]").canonical == "$['no']['such'][2]"
    assert compile_path("$.a[*]").definite is False
    assert compile_path("$.a['b'][0]").definite is True


def test_set_copies_along_the_path() -> None:
    doc = {"x": {"y": 1}, "z": 2}
    out = compile_path("$.x.w").set(doc, 5)
    assert out == {"x": {"y": 1, "w": 5}, "z": 2}
    assert doc == {"x": {"y": 1}, "z": 2}
    assert compile_path("$.new.deep").set({}, 1) == {"new": {"deep": 1}}
    with pytest.raises(KeyError):
        compile_path("$.z.w").set(doc, 1)
