"""RuleIndex: adding and removing rules, shared states, operators, arrays, many rules."""

from __future__ import annotations

import json
import random
from typing import Any

import pytest

from headwater.events import (
    InvalidEventError,
    InvalidEventPatternError,
    RuleIndex,
    compile_pattern,
    matches,
)


def _index(**rules: Any) -> RuleIndex:
    index = RuleIndex()
    for name, pattern in rules.items():
        index.add(name, json.dumps(pattern))
    return index


def test_add_match_remove(s3_event: dict[str, Any]) -> None:
    index = _index(
        raw={"source": ["aws.s3"], "detail": {"object": {"key": [{"prefix": "raw/"}]}}},
        curated={"source": ["aws.s3"], "detail": {"object": {"key": [{"prefix": "curated/"}]}}},
    )
    assert index.match(s3_event) == ["raw"]
    assert index.match(json.dumps(s3_event)) == ["raw"]
    assert index.remove("raw") is True
    assert index.match(s3_event) == []
    assert index.remove("raw") is False
    assert len(index) == 1
    assert "curated" in index


def test_replacing_a_rule_drops_its_old_pattern(s3_event: dict[str, Any]) -> None:
    index = _index(r={"source": ["aws.s3"]})
    assert index.match(s3_event) == ["r"]
    index.add("r", '{"source": ["aws.ec2"]}')
    assert index.match(s3_event) == []
    pattern = index.get("r")
    assert pattern is not None
    assert pattern.source == '{"source": ["aws.ec2"]}'


def test_shared_prefix_does_not_leak_alternatives() -> None:
    # Rules sharing a field but not its value list must not borrow each other's values.
    index = _index(both={"foo": ["a", "b"], "bar": ["x"]}, one={"foo": ["a"], "bar": ["x"]})
    assert index.match({"foo": "b", "bar": "x"}) == ["both"]
    assert index.match({"foo": "a", "bar": "x"}) == ["both", "one"]
    index.remove("both")
    assert index.match({"foo": "b", "bar": "x"}) == []
    assert index.match({"foo": "a", "bar": "x"}) == ["one"]


def test_or_branches_and_removal() -> None:
    index = _index(r={"$or": [{"a": ["1"]}, {"b": ["2"]}]}, s={"a": ["1"]})
    assert index.match({"a": "1"}) == ["r", "s"]
    assert index.match({"b": "2"}) == ["r"]
    index.remove("r")
    assert index.match({"b": "2"}) == []
    assert index.match({"a": "1"}) == ["s"]


def test_invalid_pattern_leaves_index_unchanged() -> None:
    index = _index(r={"a": ["1"]})
    with pytest.raises(InvalidEventPatternError):
        index.add("r", '{"a": []}')
    assert index.match({"a": "1"}) == ["r"]


def test_non_object_event_is_refused() -> None:
    with pytest.raises(InvalidEventError):
        RuleIndex().match("[1, 2]")
    with pytest.raises(InvalidEventError):
        RuleIndex().match("not json")


@pytest.mark.parametrize(
    ("pattern", "event", "expected"),
    [
        ({"a": ["x"]}, {"a": "x"}, True),
        ({"a": ["x"]}, {"a": "X"}, False),
        ({"a": [5]}, {"a": 5.0}, True),
        ({"a": [5]}, {"a": "5"}, False),
        ({"a": ["5"]}, {"a": 5}, False),
        ({"a": [True]}, {"a": True}, True),
        ({"a": [True]}, {"a": 1}, False),
        ({"a": [1]}, {"a": True}, False),
        ({"a": [None]}, {"a": None}, True),
        ({"a": [None]}, {}, False),
        ({"a": [{"prefix": "ra"}]}, {"a": "raw"}, True),
        ({"a": [{"prefix": ""}]}, {"a": ""}, True),
        ({"a": [{"prefix": "ra"}]}, {"a": 12}, False),
        ({"a": [{"suffix": ".csv"}]}, {"a": "x.csv"}, True),
        ({"a": [{"suffix": ".csv"}]}, {"a": "x.CSV"}, False),
        ({"a": [{"suffix": {"equals-ignore-case": ".csv"}}]}, {"a": "x.CSV"}, True),
        ({"a": [{"prefix": {"equals-ignore-case": "RAW/"}}]}, {"a": "raw/x"}, True),
        ({"a": [{"equals-ignore-case": "PutObject"}]}, {"a": "putobject"}, True),
        ({"a": [{"wildcard": "raw/*/x*.csv"}]}, {"a": "raw/2024/x1.csv"}, True),
        ({"a": [{"wildcard": "raw/*/x*.csv"}]}, {"a": "raw/2024/y1.csv"}, False),
        ({"a": [{"wildcard": "a\\*b"}]}, {"a": "a*b"}, True),
        ({"a": [{"wildcard": "a\\*b"}]}, {"a": "axb"}, False),
        ({"a": [{"numeric": [">", 0, "<=", 5]}]}, {"a": 5}, True),
        ({"a": [{"numeric": [">", 0, "<=", 5]}]}, {"a": 0}, False),
        ({"a": [{"numeric": [">=", 0]}]}, {"a": 6e9}, False),
        ({"a": [{"numeric": ["<", 10]}]}, {"a": "3"}, False),
        ({"a": [{"numeric": ["=", 3.018e2]}]}, {"a": 301.8}, True),
        ({"a": [{"cidr": "10.0.0.0/24"}]}, {"a": "10.0.0.255"}, True),
        ({"a": [{"cidr": "10.0.0.0/24"}]}, {"a": "10.0.1.0"}, False),
        ({"a": [{"cidr": "2001:db8::/32"}]}, {"a": "2001:db8:ffff::1"}, True),
        ({"a": [{"cidr": "2001:db8::/32"}]}, {"a": "2001:db9::1"}, False),
        ({"a": [{"cidr": "10.0.0.0/8"}]}, {"a": "::ffff:10.1.2.3"}, False),
        ({"a": ["10.0.0.1"]}, {"a": "10.0.0.1"}, True),
        ({"a": [{"exists": True}]}, {"a": None}, True),
        ({"a": [{"exists": True}]}, {"a": {"b": 1}}, False),
        ({"a": [{"exists": False}]}, {"a": []}, True),
        ({"a": [{"exists": False}]}, {"b": 1}, True),
        ({"a": [{"anything-but": "x"}]}, {"a": None}, True),
        ({"a": [{"anything-but": "x"}]}, {"a": "x"}, False),
        ({"a": [{"anything-but": "x"}]}, {}, False),
        ({"a": [{"anything-but": [1, 2]}]}, {"a": "1"}, True),
        ({"a": [{"anything-but": [1, 2]}]}, {"a": 2.0}, False),
        ({"a": [{"anything-but": {"prefix": "in"}}]}, {"a": 5}, True),
        ({"a": [{"anything-but": {"suffix": ".tmp"}}]}, {"a": "x.tmp"}, False),
        ({"a": [{"anything-but": {"equals-ignore-case": ["Yes"]}}]}, {"a": "yES"}, False),
        ({"a": [{"anything-but": {"wildcard": "*tmp*"}}]}, {"a": "a-tmp-b"}, False),
        ({"a": [{"anything-but": {"wildcard": "*tmp*"}}]}, {"a": "ok"}, True),
        ({"a": {"b": ["x"]}}, {"a.b": "x"}, True),
        ({"a.b": ["x"]}, {"a": {"b": "x"}}, True),
        ({"a": ["x", {"prefix": "y"}]}, {"a": "yes"}, True),
    ],
)
def test_operator(pattern: dict[str, Any], event: dict[str, Any], expected: bool) -> None:
    assert matches(json.dumps(pattern), event) is expected
    # the same rule among others gives the same answer
    index = _index(target=pattern, other={"zzz": ["1"]}, third={"a": [{"exists": True}]})
    assert ("target" in index.match(event)) is expected


def test_arrays_any_element_matches() -> None:
    assert matches('{"r": ["b"]}', {"r": ["a", "b"]})
    assert not matches('{"r": ["c"]}', {"r": ["a", "b"]})
    assert not matches('{"r": [{"exists": true}]}', {"r": []})


def test_array_consistency_uses_one_element() -> None:
    event = {"e": [{"first": "John", "last": "Doe"}, {"first": "Anna", "last": "Smith"}]}
    assert matches('{"e": {"first": ["Anna"], "last": ["Smith"]}}', event)
    assert not matches('{"e": {"first": ["Anna"], "last": ["Doe"]}}', event)


def test_absence_is_checked_against_the_chosen_element() -> None:
    event = {"t": [{"state": "ACTIVE"}, {"state": "IDLE", "x": 1}]}
    assert matches('{"t": {"state": ["ACTIVE"], "x": [{"exists": false}]}}', event)
    assert not matches('{"t": {"state": ["IDLE"], "x": [{"exists": false}]}}', event)


def test_absence_only_sees_elements_chosen_by_earlier_fields() -> None:
    # event-ruler checks fields in sorted order: "t.gone" sorts before "t.state", so when the
    # absence is checked no element is chosen yet and the leaf in element 1 counts.
    event = {"t": [{"state": "ACTIVE"}, {"state": "IDLE", "gone": 1}]}
    assert not matches('{"t": {"state": ["ACTIVE"], "gone": [{"exists": false}]}}', event)


def test_scalar_array_elements_share_their_parent_membership() -> None:
    event = {"p": [[{"pp": "i0"}, 1.5, 2.5], [{"pp": "i1"}, 3.5]]}
    assert matches('{"p": [2.5], "p.pp": ["i0"]}', event)
    assert not matches('{"p": [3.5], "p.pp": ["i0"]}', event)


def _random_pattern(rng: random.Random) -> dict[str, Any]:
    fields = ["a", "b", "c.d", "c.e", "f"]
    operators = [
        lambda: rng.choice(["x", "y", "z"]),
        lambda: rng.choice([1, 2, 3]),
        lambda: {"prefix": rng.choice(["x", "y", ""])},
        lambda: {"suffix": rng.choice(["1", "2"])},
        lambda: {"anything-but": rng.choice(["x", "y"])},
        lambda: {"numeric": [">", rng.choice([0, 1, 2])]},
        lambda: {"exists": rng.choice([True, False])},
        lambda: {"wildcard": rng.choice(["x*", "*1", "*"])},
        lambda: {"equals-ignore-case": rng.choice(["X", "Y"])},
    ]
    pattern: dict[str, Any] = {}
    for field in rng.sample(fields, rng.randint(1, 3)):
        pattern[field] = [rng.choice(operators)() for _ in range(rng.randint(1, 2))]
    if rng.random() < 0.2:
        pattern["$or"] = [{"g": ["x"]}, {"h": [{"exists": True}]}]
    return pattern


def _random_event(rng: random.Random) -> dict[str, Any]:
    values: list[Any] = ["x", "y", "z", "x1", "Y2", 1, 2, 3, None, True]
    event: dict[str, Any] = {}
    for field in ["a", "b", "f", "g", "h"]:
        if rng.random() < 0.7:
            event[field] = rng.choice(values)
    if rng.random() < 0.7:
        event["c"] = {"d": rng.choice(values), "e": rng.choice(values)}
    if rng.random() < 0.2:
        event["a"] = [rng.choice(values), rng.choice(values)]
    return event


def test_index_agrees_with_single_rule_checks() -> None:
    rng = random.Random(7)
    patterns = {f"r{i}": _random_pattern(rng) for i in range(300)}
    index = RuleIndex()
    for name, pattern in patterns.items():
        index.add(name, json.dumps(pattern))
    compiled = {name: compile_pattern(json.dumps(p)) for name, p in patterns.items()}
    events = [_random_event(rng) for _ in range(300)]
    for event in events:
        expected = sorted(n for n, p in compiled.items() if p.matches(event))
        assert index.match(event) == expected
    for name in list(compiled)[::2]:
        index.remove(name)
        del compiled[name]
    for event in events:
        expected = sorted(n for n, p in compiled.items() if p.matches(event))
        assert index.match(event) == expected


def test_many_rules_route_by_bucket(s3_event: dict[str, Any]) -> None:
    index = RuleIndex()
    for i in range(5000):
        pattern = {
            "source": ["aws.s3"],
            "detail-type": ["Object Created"],
            "detail": {
                "bucket": {"name": [f"bucket-{i}"]},
                "object": {"key": [{"prefix": "raw/"}]},
            },
        }
        index.add(f"rule-{i}", json.dumps(pattern))
    s3_event["detail"]["bucket"]["name"] = "bucket-4321"
    assert index.match(s3_event) == ["rule-4321"]
    for i in range(5000):
        index.remove(f"rule-{i}")
    assert index.match(s3_event) == []
    assert len(index) == 0
