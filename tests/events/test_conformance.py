"""The shared EventBridge conformance corpus through the compiler, matcher and TestEventPattern."""

from __future__ import annotations

from typing import Any

import pytest

from headwater.events import (
    InvalidEventError,
    InvalidEventPatternError,
    compile_pattern,
    evaluate_event_pattern,
    validate_event_envelope,
)
from tests.events.conftest import load_cases

# Known gaps: case name -> reason. xfail_strict is on, so a case that starts passing fails
# the suite until it is taken out of here.
XFAIL: dict[str, str] = {}

CASES = load_cases()


def _check(case: dict[str, Any]) -> None:
    pattern_text, event_text = case["pattern_text"], case["event_text"]
    if case["expected"] == "invalid" and case["invalid_input"] == "event":
        compile_pattern(pattern_text)
        with pytest.raises(InvalidEventError) as rejected:
            evaluate_event_pattern(pattern_text, event_text)
        assert rejected.value.message == case["error_hint"]
        return
    if case["expected"] == "invalid":
        with pytest.raises(InvalidEventPatternError) as invalid:
            compile_pattern(pattern_text)
        hint = case["error_hint"]
        if hint is not None:
            got = invalid.value.message if "\n" in hint else invalid.value.first_line
            assert got == hint
        return
    expected = case["expected"] == "match"
    pattern = compile_pattern(pattern_text)
    assert pattern.matches(event_text) is expected
    if case["event_is_envelope"]:
        validate_event_envelope(event_text)
        assert evaluate_event_pattern(pattern_text, event_text) is expected


@pytest.mark.parametrize(
    "case",
    [
        pytest.param(c, id=c["name"], marks=[pytest.mark.xfail(reason=XFAIL[c["name"]])])
        if c["name"] in XFAIL
        else pytest.param(c, id=c["name"])
        for c in CASES
    ],
)
def test_case(case: dict[str, Any]) -> None:
    _check(case)


def test_corpus_present() -> None:
    assert len(CASES) > 300, "the shared conformance corpus was not found beside the repo"


def test_xfail_names_exist() -> None:
    names = {c["name"] for c in CASES}
    assert set(XFAIL) <= names
