"""Pattern validation: AWS's full InvalidEventPatternException messages, locations included.

The expected texts below are AWS's ``MessageRaw`` as recorded by localstack's snapshot tests
(tests/aws/services/events/test_events_patterns.snapshot.json), with the recorded placeholders
(``<partition>``, ``<region>``) put back to real values. The second group follows event-ruler's
and Jackson's sources (wording not recorded from AWS).
"""

from __future__ import annotations

import json

import pytest

from headwater.events import InvalidEventPatternError, compile_pattern


def _src(pattern: str, column: int) -> str:
    return f'\n at [Source: (String)"{pattern}"; line: 1, column: {column}]'


RAW: list[tuple[str, str]] = [
    ('{"int": 42}', '"int" must be an object or an array' + _src('{"int": 42}', 11)),
    (
        '{"string": "my-value"}',
        '"string" must be an object or an array' + _src('{"string": "my-value"}', 13),
    ),
    ('{"resources": []}', "Empty arrays are not allowed" + _src('{"resources": []}', 17)),
    (
        '{"detail": {"equal": [{"NUMERIC": ["=", 5]}]}}',
        "Unrecognized match type NUMERIC"
        + _src('{"detail": {"equal": [{"NUMERIC": ["=", 5]}]}}', 36),
    ),
    (
        '{"my_key": [{"EXISTS": true}]}',
        "Unrecognized match type EXISTS" + _src('{"my_key": [{"EXISTS": true}]}', 28),
    ),
    (
        '{"detail": {"c-count": [{"numeric": [">", 0, ">", 0]}]}}',
        "Bad numeric range operator: >"
        + _src('{"detail": {"c-count": [{"numeric": [">", 0, ">", 0]}]}}', 49),
    ),
    (
        '{"detail": {"c-count": [{"numeric": [">", 0, "<"]}]}}',
        "Value of < must be numeric"
        + _src('{"detail": {"c-count": [{"numeric": [">", 0, "<"]}]}}', 50),
    ),
    (
        '{"EventBusArn": [{"wildcard": "arn:aws:events:us-east-1:**:event-bus/*"}]}',
        "Consecutive wildcard characters at pos 26"
        + _src('{"EventBusArn": [{"wildcard": "arn:aws:events:us-east-1:**:event-bus/*"}]}', 72),
    ),
    (
        '{"detail-type": [{"equals-ignore-case": ["ec2 instance state-change notification"]}]}',
        "equals-ignore-case match pattern must be a string"
        + _src(
            '{"detail-type": [{"equals-ignore-case": ["ec2 instance state-change notification"]}]}',
            42,
        ),
    ),
    (
        '{"detail": {"state": [{"anything-but": {"equals-ignore-case": 123}}]}}',
        "Inside anything-but/equals-ignore-case list, number|start|null|boolean is not supported."
        + _src('{"detail": {"state": [{"anything-but": {"equals-ignore-case": 123}}]}}', 66),
    ),
    (
        '{"detail": {"state": [{"anything-but": {"equals-ignore-case": [123, 456]}}]}}',
        "Inside anything-but/equals-ignore-case list, number|start|null|boolean is not supported."
        + _src('{"detail": {"state": [{"anything-but": {"equals-ignore-case": [123, 456]}}]}}', 67)
        * 2,
    ),
    (
        '{"detail-type": [{"equals-ignore-case": {"prefix": "ec2"}}]}',
        "equals-ignore-case match pattern must be a string"
        + _src('{"detail-type": [{"equals-ignore-case": {"prefix": "ec2"}}]}', 42),
    ),
    (
        "{'bad': 'quotation'}",
        "Unexpected character (''' (code 39)): was expecting double-quote "
        "to start field name" + _src("{'bad': 'quotation'}", 2),
    ),
    (
        "this is valid json but not a dict",
        "Unrecognized token 'this': was expecting (JSON String, Number, Array, Object or token "
        "'null', 'true' or 'false')" + _src("this is valid json but not a dict", 5),
    ),
    (
        '{"EventBusArn": [{"wildcard": 123}]}',
        "wildcard match pattern must be a string"
        + _src('{"EventBusArn": [{"wildcard": 123}]}', 34),
    ),
    (
        '{"detail": {"state": [{"anything-but": {"wildcard": [123, "*/dir/*"]}}]}}',
        "wildcard match pattern must be a string"
        + _src('{"detail": {"state": [{"anything-but": {"wildcard": [123, "*/dir/*"]}}]}}', 57) * 2,
    ),
    (
        '{"detail": {"FileName": [{"anything-but": {"suffix": 123}}]}}',
        "prefix/suffix match pattern must be a string"
        + _src('{"detail": {"FileName": [{"anything-but": {"suffix": 123}}]}}', 57),
    ),
    (
        '{"time": [{"prefix": ["2022-07-13"]}]}',
        "prefix match pattern must be a string"
        + _src('{"time": [{"prefix": ["2022-07-13"]}]}', 23),
    ),
    (
        '{"FileName": [{"suffix": [".png"]}]}',
        "suffix match pattern must be a string" + _src('{"FileName": [{"suffix": [".png"]}]}', 27),
    ),
    (
        '{"detail": {"FileName": [{"anything-but": {"prefix": {"equals-ignore-case": "file"}}}]}}',
        "Value of anything-but must be an array or single string/number value."
        + _src(
            '{"detail": {"FileName": [{"anything-but": {"prefix": {"equals-ignore-case": '
            '"file"}}}]}}',
            55,
        ),
    ),
    (
        '{"detail": {"sourceIPAddress": [{"cidr": ["bad-type"]}]}}',
        "prefix match pattern must be a string"
        + _src('{"detail": {"sourceIPAddress": [{"cidr": ["bad-type"]}]}}', 43),
    ),
    # IllegalArgumentExceptions inside event-ruler come without a location
    (
        '{"detail": {"sourceIPAddress": [{"cidr": "bad-/64filter"}]}}',
        "Malformed CIDR, mask bits must be an integer",
    ),
    ('{"detail": {"sourceIPAddress": [{"cidr": "10.0.0.0"}]}}', "Malformed CIDR, one '/' required"),
    (
        '{"detail": {"sourceIPAddress": [{"cidr": "xx.11.xx/24"}]}}',
        "Nonstandard IP address: xx.11.xx",
    ),
    (
        '{"detail": {"sourceIPAddress": [{"cidr": "xxxx:db8:1234:1a00::/64"}]}}',
        "Nonstandard IP address: xxxx:db8:1234:1a00::",
    ),
    (
        '{"EventBusArn": [{"wildcard": "*:*:*:*:*:event-bus/*"}]}',
        "Rule is too complex - try using fewer wildcard characters or fewer repeating character "
        "sequences after a wildcard character",
    ),
]


@pytest.mark.parametrize(("pattern", "reason"), RAW, ids=[p for p, _ in RAW])
def test_aws_message(pattern: str, reason: str) -> None:
    with pytest.raises(InvalidEventPatternError) as exc:
        compile_pattern(pattern)
    assert exc.value.reason == reason
    assert exc.value.message == "Event pattern is not valid. Reason: " + reason
    assert exc.value.aws_code == "InvalidEventPatternException"


@pytest.mark.parametrize(
    ("pattern", "first_line"),
    [
        (
            '{"a": [1, 2',
            "Unexpected end-of-input: expected close marker for Array (start marker "
            'at [Source: (String)"{"a": [1, 2"; line: 1, column: 7])',
        ),
        (
            '{"a": [1 2]}',
            "Unexpected character ('2' (code 50)): was expecting comma to separate Array entries",
        ),
        (
            '{"a" [1]}',
            "Unexpected character ('[' (code 91)): was expecting a colon to separate "
            "field name and value",
        ),
        ('{"a": [01]}', "Invalid numeric value: Leading zeroes not allowed"),
        ('{"a": ["x\\q"]}', "Unrecognized character escape 'q' (code 113)"),
        (
            '{"a": [tru]}',
            "Unrecognized token 'tru': was expecting (JSON String, Number, Array, "
            "Object or token 'null', 'true' or 'false')",
        ),
        (
            '{"a": [1}',
            "Unexpected close marker '}': expected ']' (for Array starting at "
            '[Source: (String)"{"a": [1}"; line: 1, column: 7])',
        ),
        ("{}", "Empty objects are not allowed"),
        ('{"a": {}}', "Empty objects are not allowed"),
        ('{"a": [[1]]}', "Match value must be String, number, true, false, or null"),
        ('{"a": [{}]}', "Match expression name not found"),
        ('{"a": [{"prefix": "x", "suffix": "y"}]}', "Only one key allowed in match expression"),
        ('{"a": [{"numeric": [">", 1, "<", 1]}]}', "Bottom must be less than top"),
        ('{"a": [{"numeric": ["=", 1E309]}]}', "Value must be between -5.0E9 and 5.0E9, inclusive"),
        (
            '{"a": [{"numeric": [">", 0, "<", 5, "x"]}]}',
            "Too many terms in numeric range expression",
        ),
        ('{"a": [{"numeric": ["!", 0]}]}', "Unrecognized numeric range operator: !"),
        (
            '{"a": [{"anything-but": []}]}',
            "Inside anything but list, either all values are number "
            "or string, mixed type is not supported",
        ),
        ('{"a": [{"anything-but": {"prefix": ""}}]}', "Null prefix/suffix not allowed"),
        ('{"a": [{"anything-but": {"regex": "x"}}]}', "Unsupported anything-but pattern: regex"),
        ('{"a": [{"exists": "yes"}]}', "exists match pattern must be either true or false."),
        ('{"a": [{"cidr": "10.0.0.1/32"}]}', "IPv4 mask bits must be < 32"),
        ('{"a": [{"cidr": "10.0.0.256/8"}]}', "Invalid IP address: 10.0.0.256"),
        ('{"a": [{"wildcard": "a\\\\b"}]}', "Invalid escape character at pos 2"),
        ('{"$or": [{"a": ["1"]}]}', "There must have at least 2 Objects in $or relationship."),
        ('{"$or": {"a": ["1"]}}', "It must be an Array followed with $or."),
        ('{"$or": [{"a": ["1"]}, 2]}', "Only JSON object is allowed in array of $or relationship."),
        (
            '{"$or": [{"prefix": ["1"]}, {"b": ["2"]}]}',
            "prefix is Ruler reserved fieldName which cannot be used inside $or.",
        ),
    ],
)
def test_event_ruler_message(pattern: str, first_line: str) -> None:
    with pytest.raises(InvalidEventPatternError) as exc:
        compile_pattern(pattern)
    assert exc.value.first_line == "Event pattern is not valid. Reason: " + first_line


def test_size_limit() -> None:
    pattern = '{"a": ["' + "x" * 3000 + '"]}'
    with pytest.raises(InvalidEventPatternError):
        compile_pattern(pattern)
    assert compile_pattern(pattern, max_size=4096).source == pattern


def test_long_source_is_truncated_like_jackson() -> None:
    pattern = '{"a": "' + "x" * 600 + '"}'
    with pytest.raises(InvalidEventPatternError) as exc:
        compile_pattern(pattern)
    assert '"[truncated 109 chars]; line: 1, column: 8]' in exc.value.message


def test_multiline_location() -> None:
    with pytest.raises(InvalidEventPatternError) as exc:
        compile_pattern('{\n  "a": 1\n}')
    assert exc.value.message.endswith("; line: 2, column: 9]")


def test_accepted_wildcards() -> None:
    for wildcard in [
        "arn:aws:events:us-east-1:*:event-bus/*",
        "*/init/*",
        "/Users/*/dir/dir/dir/dir/dir/doc.txt",
        "*.png",
        "a\\*b*",
    ]:
        compile_pattern(json.dumps({"a": [{"wildcard": wildcard}]}))
