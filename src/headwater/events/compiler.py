"""Compile and validate event patterns the way EventBridge does, reason texts included.

The compiler walks the pattern's token stream in event-ruler's order, so the first error AWS
would report is the one raised, with the same wording and Jackson location. Operators are a
registry (``OPERATORS``) of readers, one per match-expression name.

Limits: the pattern text is limited to ``max_size`` characters (AWS's default quota is 2,048,
raisable to 4,096), and wildcards are limited by :mod:`headwater.events._complexity`.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum

from headwater.events._complexity import MAX_WILDCARD_COMPLEXITY, wildcard_complexity
from headwater.events._jackson import JacksonReader, JsonSyntaxError, Tok
from headwater.events._values import (
    IllegalArgument,
    check_comparable,
    cidr_range,
    parse_ip,
    parse_wildcard,
    to_number,
)
from headwater.events.errors import InvalidEventPatternError
from headwater.events.model import (
    AnythingBut,
    AnythingButIgnoreCase,
    AnythingButPrefix,
    AnythingButSuffix,
    AnythingButWildcard,
    Cidr,
    Condition,
    EqualsIgnoreCase,
    EventPattern,
    ExactLiteral,
    ExactNumber,
    ExactString,
    Exists,
    NumericRange,
    Prefix,
    PrefixIgnoreCase,
    SubRule,
    Suffix,
    SuffixIgnoreCase,
    ValuePattern,
    Wildcard,
)

__all__ = ["DEFAULT_MAX_PATTERN_SIZE", "OPERATORS", "compile_pattern"]

DEFAULT_MAX_PATTERN_SIZE = 2048
OR = "$or"
TOO_COMPLEX = (
    "Rule is too complex - try using fewer wildcard characters or fewer repeating "
    "character sequences after a wildcard character"
)
# Names event-ruler reserves inside $or (operators, comparison signs, future operators).
RESERVED_IN_OR = frozenset(
    {
        "exactly",
        "equals-ignore-case",
        "prefix",
        "suffix",
        "anything-but",
        "exists",
        "wildcard",
        "numeric",
        "cidr",
        "=",
        "<",
        "<=",
        ">",
        ">=",
        "regex",
        "not-wildcard",
        "not-equals-ignore-case",
        "date-after",
        "date-on-or-after",
        "date-before",
        "date-on-or-before",
        "in-date-range",
        "ip-address-in-range",
        "ip-address-not-in-range",
    }
)
_NUMERIC_TOKENS = (Tok.INT, Tok.FLOAT)
_INF = float("inf")


class _Absent:
    """``{"exists": false}`` while compiling (it becomes ``Condition.absent``)."""


_ABSENT = _Absent()
_Item = ValuePattern | _Absent
_Fields = dict[str, list[_Item]]


class _ButKind(StrEnum):
    PLAIN = "anything-but"
    IGNORE_CASE = "equals-ignore-case"
    PREFIX = "prefix"
    SUFFIX = "suffix"
    WILDCARD = "wildcard"


def _barf(r: JacksonReader, message: str) -> JsonSyntaxError:
    return r.error(message)


def _expect_end(
    r: JacksonReader, message: str = "Only one key allowed in match expression"
) -> None:
    if r.next_token() is not Tok.END_OBJECT:
        raise _barf(r, message)


def _too_many(r: JacksonReader) -> JsonSyntaxError:
    return _barf(r, "Too many elements in numeric expression")


def _wildcard(r: JacksonReader, text: str) -> Wildcard:
    try:
        return Wildcard(text=text, segments=parse_wildcard(text))
    except ValueError as exc:
        raise _barf(r, str(exc)) from None


# -- operators ----------------------------------------------------------------------------


def _exactly(r: JacksonReader) -> _Item:
    if r.next_token() is not Tok.STRING:
        raise _barf(r, "exact match pattern must be a string")
    pattern = ExactString(value=r.text())
    _expect_end(r)
    return pattern


def _affix_ignore_case(r: JacksonReader, which: str) -> _Item:
    if r.next_token() is not Tok.FIELD_NAME:
        raise _barf(r, f"{which.capitalize()} expression name not found")
    if r.name != "equals-ignore-case":
        raise _barf(r, f"Unsupported {which} pattern: {r.name}")
    if r.next_token() is not Tok.STRING:
        raise _barf(r, "equals-ignore-case match pattern must be a string")
    text = r.text().lower()
    pattern: _Item = (
        PrefixIgnoreCase(value=text) if which == "prefix" else SuffixIgnoreCase(value=text)
    )
    _expect_end(r)
    _expect_end(r)
    return pattern


def _prefix(r: JacksonReader) -> _Item:
    token = r.next_token()
    if token is Tok.START_OBJECT:
        return _affix_ignore_case(r, "prefix")
    if token is not Tok.STRING:
        raise _barf(r, "prefix match pattern must be a string")
    pattern = Prefix(value=r.text())
    _expect_end(r)
    return pattern


def _suffix(r: JacksonReader) -> _Item:
    token = r.next_token()
    if token is Tok.START_OBJECT:
        return _affix_ignore_case(r, "suffix")
    if token is not Tok.STRING:
        raise _barf(r, "suffix match pattern must be a string")
    pattern = Suffix(value=r.text())
    _expect_end(r)
    return pattern


def _equals_ignore_case(r: JacksonReader) -> _Item:
    if r.next_token() is not Tok.STRING:
        raise _barf(r, "equals-ignore-case match pattern must be a string")
    pattern = EqualsIgnoreCase(value=r.text().lower())
    _expect_end(r)
    return pattern


def _wildcard_op(r: JacksonReader) -> _Item:
    if r.next_token() is not Tok.STRING:
        raise _barf(r, "wildcard match pattern must be a string")
    pattern = _wildcard(r, r.text())
    _expect_end(r)
    return pattern


def _cidr(r: JacksonReader) -> _Item:
    if r.next_token() is not Tok.STRING:
        raise _barf(r, "prefix match pattern must be a string")
    bits, low, high = cidr_range(r.text())  # IllegalArgument: AWS reports it unlocated
    _expect_end(r)
    return Cidr(bits=bits, low=low, high=high)


def _exists(r: JacksonReader) -> _Item:
    token = r.next_token()
    if token is Tok.TRUE:
        pattern: _Item = Exists()
    elif token is Tok.FALSE:
        pattern = _ABSENT
    else:
        raise _barf(r, "exists match pattern must be either true or false.")
    _expect_end(r)
    return pattern


def _numeric_operand(r: JacksonReader, token: Tok | None, operator: str) -> str:
    if token not in _NUMERIC_TOKENS:
        name = "equals" if operator == "=" else operator
        raise _barf(r, f"Value of {name} must be numeric")
    return r.text()


def _numeric_body(r: JacksonReader) -> _Item:
    if r.next_token() is not Tok.STRING:
        raise _barf(r, f"Invalid member in numeric match: {r.text()}")
    operator = r.text()
    token = r.next_token()
    try:
        if operator == "=":
            text = _numeric_operand(r, token, operator)
            if r.next_token() is not Tok.END_ARRAY:
                raise _too_many(r)
            return ExactNumber(value=check_comparable(text))
        if operator in (">", ">="):
            low = _numeric_operand(r, token, operator)
            token = r.next_token()
            if token is Tok.END_ARRAY:
                return NumericRange(
                    low=check_comparable(low), low_open=operator == ">", high=_INF, high_open=False
                )
            return _numeric_range_top(r, token, low, low_open=operator == ">")
        if operator in ("<", "<="):
            high = _numeric_operand(r, token, operator)
            if r.next_token() is not Tok.END_ARRAY:
                raise _too_many(r)
            return NumericRange(
                low=-_INF, low_open=False, high=check_comparable(high), high_open=operator == "<"
            )
        raise _barf(r, f"Unrecognized numeric range operator: {operator}")
    except IllegalArgument as exc:
        raise _barf(r, exc.message) from None


def _numeric_range_top(
    r: JacksonReader, token: Tok | None, low: str, *, low_open: bool
) -> NumericRange:
    if token is not Tok.STRING:
        raise _barf(r, f"Bad value in numeric range: {r.text()}")
    operator = r.text()
    if operator not in ("<", "<="):
        raise _barf(r, f"Bad numeric range operator: {operator}")
    high = _numeric_operand(r, r.next_token(), operator)
    if r.next_token() is not Tok.END_ARRAY:
        raise _barf(r, "Too many terms in numeric range expression")
    bottom, top = check_comparable(low), check_comparable(high)
    if not bottom < top:
        raise IllegalArgument("Bottom must be less than top")
    return NumericRange(low=bottom, low_open=low_open, high=top, high_open=operator == "<")


def _numeric(r: JacksonReader) -> _Item:
    if r.next_token() is not Tok.START_ARRAY:
        raise _barf(r, "Value of numeric must be an array.")
    pattern = _numeric_body(r)
    if r.next_token() is not Tok.END_OBJECT:
        raise _too_many(r)
    return pattern


def _but_type_error(r: JacksonReader, kind: _ButKind) -> JsonSyntaxError:
    if kind is _ButKind.IGNORE_CASE:
        return _barf(
            r,
            "Inside anything-but/equals-ignore-case list, "
            "number|start|null|boolean is not supported.",
        )
    if kind is _ButKind.WILDCARD:
        return _barf(r, "wildcard match pattern must be a string")
    return _barf(r, "prefix/suffix match pattern must be a string")


def _but_text(r: JacksonReader, kind: _ButKind) -> str:
    text = r.text()
    if kind in (_ButKind.PREFIX, _ButKind.SUFFIX) and not text:
        raise _barf(r, "Null prefix/suffix not allowed")
    return text


def _but_set(r: JacksonReader, kind: _ButKind, texts: list[str]) -> _Item:
    if kind is _ButKind.IGNORE_CASE:
        return AnythingButIgnoreCase(values=frozenset(t.lower() for t in texts))
    if kind is _ButKind.PREFIX:
        return AnythingButPrefix(values=frozenset(texts))
    if kind is _ButKind.SUFFIX:
        return AnythingButSuffix(values=frozenset(texts))
    unique = sorted(set(texts))
    return AnythingButWildcard(wildcards=tuple(_wildcard(r, t) for t in unique))


def _but_plain_list(r: JacksonReader) -> _Item:
    strings: set[str] = set()
    numbers: set[int | float] = set()
    try:
        while (token := r.next_token()) is not Tok.END_ARRAY:
            if token is Tok.STRING:
                strings.add(r.text())
            elif token in _NUMERIC_TOKENS:
                numbers.add(check_comparable(r.text()))
            else:
                raise _barf(r, "Inside anything but list, start|null|boolean is not supported.")
    except JsonSyntaxError as exc:  # event-ruler re-wraps IOExceptions: the location doubles
        raise _barf(r, exc.message) from None
    except IllegalArgument as exc:
        raise _barf(r, exc.message) from None
    if bool(strings) == bool(numbers):
        raise _barf(
            r,
            "Inside anything but list, either all values are number or string, "
            "mixed type is not supported",
        )
    return AnythingBut(strings=frozenset(strings), numbers=frozenset(numbers))


def _but_kind_list(r: JacksonReader, kind: _ButKind) -> _Item:
    texts: list[str] = []
    try:
        while (token := r.next_token()) is not Tok.END_ARRAY:
            if token is not Tok.STRING:
                raise _but_type_error(r, kind)
            texts.append(_but_text(r, kind))
    except JsonSyntaxError as exc:
        raise _barf(r, exc.message) from None
    return _but_set(r, kind, texts)


def _anything_but(r: JacksonReader) -> _Item:
    kind = _ButKind.PLAIN
    token = r.next_token()
    if token is Tok.START_OBJECT:
        if r.next_token() is not Tok.FIELD_NAME:
            raise _barf(r, "Anything-But expression name not found")
        name = r.name or ""
        if name not in ("equals-ignore-case", "prefix", "suffix", "wildcard"):
            raise _barf(r, f"Unsupported anything-but pattern: {name}")
        kind = _ButKind(name)
        token = r.next_token()
    if token not in (Tok.START_ARRAY, Tok.STRING, Tok.INT, Tok.FLOAT):
        raise _barf(r, "Value of anything-but must be an array or single string/number value.")
    if token is Tok.START_ARRAY:
        pattern = _but_plain_list(r) if kind is _ButKind.PLAIN else _but_kind_list(r, kind)
    elif kind is _ButKind.PLAIN:
        if token is Tok.STRING:
            pattern = AnythingBut(strings=frozenset({r.text()}))
        else:  # an out-of-range number is an unlocated IllegalArgument here, as in AWS
            pattern = AnythingBut(numbers=frozenset({check_comparable(r.text())}))
    else:
        if token is not Tok.STRING:
            raise _but_type_error(r, kind)
        pattern = _but_set(r, kind, [_but_text(r, kind)])
    if r.next_token() is not Tok.END_OBJECT:
        raise _too_many(r)
    if kind is not _ButKind.PLAIN and r.next_token() is not Tok.END_OBJECT:
        raise _too_many(r)
    return pattern


OPERATORS: dict[str, Callable[[JacksonReader], _Item]] = {
    "exactly": _exactly,
    "prefix": _prefix,
    "suffix": _suffix,
    "numeric": _numeric,
    "anything-but": _anything_but,
    "exists": _exists,
    "cidr": _cidr,
    "equals-ignore-case": _equals_ignore_case,
    "wildcard": _wildcard_op,
}


# -- structure ----------------------------------------------------------------------------


def _match_expression(r: JacksonReader) -> _Item:
    if r.next_token() is not Tok.FIELD_NAME:
        raise _barf(r, "Match expression name not found")
    name = r.name or ""
    reader = OPERATORS.get(name)
    if reader is None:
        raise _barf(r, f"Unrecognized match type {name}")
    return reader(r)


def _write_rules(rules: list[_Fields], name: str, r: JacksonReader) -> None:
    values: list[_Item] = []
    while (token := r.next_token()) is not Tok.END_ARRAY:
        if token is Tok.START_OBJECT:
            values.append(_match_expression(r))
        elif token is Tok.STRING:
            text = r.text()
            ip = parse_ip(text)
            values.append(
                ExactString(value=text) if ip is None else Cidr(bits=ip[0], low=ip[1], high=ip[1])
            )
        elif token in _NUMERIC_TOKENS:
            values.append(ExactNumber(value=to_number(r.text())))
        elif token is Tok.TRUE or token is Tok.FALSE or token is Tok.NULL:
            values.append(ExactLiteral(value=None if token is Tok.NULL else token is Tok.TRUE))
        else:
            raise _barf(r, "Match value must be String, number, true, false, or null")
    if not values:
        raise _barf(r, "Empty arrays are not allowed")
    if not rules:
        rules.append({})
    for rule in rules:
        rule[name] = values  # a repeated key overrides the earlier one, as in event-ruler


def _parse_object(rules: list[_Fields], path: list[str], r: JacksonReader, *, in_or: bool) -> None:
    present = False
    while r.next_token() is not Tok.END_OBJECT:
        present = True
        name = r.name or ""
        if name == OR:
            _parse_or(rules, path, r)
            continue
        if in_or and name in RESERVED_IN_OR:
            raise _barf(r, f"{name} is Ruler reserved fieldName which cannot be used inside {OR}.")
        token = r.next_token()
        if token is Tok.START_OBJECT:
            path.append(name)
            _parse_object(rules, path, r, in_or=in_or)
            path.pop()
        elif token is Tok.START_ARRAY:
            _write_rules(rules, ".".join([*path, name]), r)
        else:
            raise _barf(r, f'"{name}" must be an object or an array')
    if not present:
        raise _barf(r, "Empty objects are not allowed")


def _parse_or(rules: list[_Fields], path: list[str], r: JacksonReader) -> None:
    current = [dict(rule) for rule in rules]
    rules.clear()
    if r.next_token() is not Tok.START_ARRAY:
        raise _barf(r, f"It must be an Array followed with {OR}.")
    count = 0
    while (token := r.next_token()) is not Tok.END_ARRAY:
        count += 1
        if token is not Tok.START_OBJECT:
            raise _barf(r, f"Only JSON object is allowed in array of {OR} relationship.")
        branch = [dict(rule) for rule in current] or [{}]
        _parse_object(branch, path, r, in_or=True)
        rules.extend(branch)
    if count < 2:
        raise _barf(r, f"There must have at least 2 Objects in {OR} relationship.")


def _condition(items: list[_Item]) -> Condition:
    patterns: list[ValuePattern] = []
    absent = False
    for item in items:
        if isinstance(item, _Absent):
            absent = True
        elif item not in patterns:
            patterns.append(item)
    return Condition(patterns=tuple(patterns), absent=absent)


def _subrule(fields: _Fields) -> SubRule:
    return tuple(
        sorted(
            ((path, _condition(items)) for path, items in fields.items()),
            key=lambda field: field[0],
        )
    )


def _check_complexity(subrules: tuple[SubRule, ...]) -> None:
    by_path: dict[str, set[tuple[str, ...]]] = {}
    for sub in subrules:
        for path, condition in sub:
            for pattern in condition.patterns:
                if isinstance(pattern, Wildcard):
                    by_path.setdefault(path, set()).add(pattern.segments)
                elif isinstance(pattern, AnythingButWildcard):
                    by_path.setdefault(path, set()).update(w.segments for w in pattern.wildcards)
    for globs in by_path.values():
        if wildcard_complexity(sorted(globs)) > MAX_WILDCARD_COMPLEXITY:
            raise InvalidEventPatternError(TOO_COMPLEX)


def compile_pattern(
    source: str, *, max_size: int | None = DEFAULT_MAX_PATTERN_SIZE
) -> EventPattern:
    """Compile an event pattern given as JSON text (duplicate keys and escapes honoured).

    Args:
        source: the EventPattern text, exactly as the caller sent it.
        max_size: the largest pattern accepted, in characters (``None``: no limit).

    Raises:
        InvalidEventPatternError: with AWS's reason text.
    """
    if max_size is not None and len(source) > max_size:
        raise InvalidEventPatternError(
            f"Event pattern is too long: {len(source)} characters, the maximum is {max_size}"
        )
    r = JacksonReader(source)
    rules: list[_Fields] = []
    try:
        if r.next_token() is not Tok.START_OBJECT:
            raise _barf(r, "Filter is not an object")
        _parse_object(rules, [], r, in_or=False)
    except JsonSyntaxError as exc:
        raise InvalidEventPatternError(exc.message) from None
    except IllegalArgument as exc:
        raise InvalidEventPatternError(exc.message) from None
    subrules = tuple(dict.fromkeys(_subrule(fields) for fields in rules))
    _check_complexity(subrules)
    return EventPattern(source=source, subrules=subrules)
