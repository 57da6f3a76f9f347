"""Choice rules: comparison operators (and their ``...Path`` forms), Is* tests, And/Or/Not."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from headwater.asl.context import EvalContext
from headwater.asl.jsonata_expr import JsonataTemplate
from headwater.asl.jsonpath import NOT_FOUND, JsonPath
from headwater.asl.timestamps import parse_timestamp
from headwater.asl.values import is_number

__all__ = ["COMPARATORS", "ChoiceRule", "compile_string_matches"]


def _same_kind(kind: str, value: Any) -> bool:
    if kind == "String":
        return isinstance(value, str)
    if kind == "Numeric":
        return is_number(value)
    if kind == "Boolean":
        return isinstance(value, bool)
    return parse_timestamp(value) is not None


def _cmp(kind: str, op: str) -> Callable[[Any, Any], bool]:
    def compare(a: Any, b: Any) -> bool:
        if not _same_kind(kind, a) or not _same_kind(kind, b):
            return False
        if kind == "Timestamp":
            a, b = parse_timestamp(a), parse_timestamp(b)
        if op == "Equals":
            return bool(a == b)
        if op == "LessThan":
            return bool(a < b)
        if op == "GreaterThan":
            return bool(a > b)
        if op == "LessThanEquals":
            return bool(a <= b)
        return bool(a >= b)

    return compare


COMPARATORS: dict[str, Callable[[Any, Any], bool]] = {}
for _kind in ("String", "Numeric", "Timestamp"):
    for _op in ("Equals", "LessThan", "GreaterThan", "LessThanEquals", "GreaterThanEquals"):
        COMPARATORS[f"{_kind}{_op}"] = _cmp(_kind, _op)
COMPARATORS["BooleanEquals"] = _cmp("Boolean", "Equals")


def compile_string_matches(pattern: str) -> re.Pattern[str]:
    r"""Compile a StringMatches pattern: ``*`` is any run of characters; ``\*``, ``\\`` escape."""
    out: list[str] = []
    i = 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\" and i + 1 < len(pattern):
            out.append(re.escape(pattern[i + 1]))
            i += 2
            continue
        out.append(".*" if ch == "*" else re.escape(ch))
        i += 1
    return re.compile("".join(out), re.DOTALL)


def _is_test(name: str, value: Any) -> bool:
    if name == "IsNull":
        return value is None
    if name == "IsNumeric":
        return is_number(value)
    if name == "IsString":
        return isinstance(value, str)
    if name == "IsBoolean":
        return isinstance(value, bool)
    return parse_timestamp(value) is not None


IS_TESTS = ("IsNull", "IsPresent", "IsNumeric", "IsString", "IsBoolean", "IsTimestamp")


@dataclass(frozen=True, slots=True, kw_only=True)
class ChoiceRule:
    """A compiled choice rule; top-level rules carry ``next`` (and JSONata ``output``/assign)."""

    operator: str
    variable: JsonPath | None = None
    operand: Any = None
    operand_path: JsonPath | None = None
    pattern: re.Pattern[str] | None = None
    children: tuple[ChoiceRule, ...] = ()
    condition: JsonataTemplate | None = None
    next: str | None = None
    assign: Any = None
    output: JsonataTemplate | None = None

    def evaluate(self, ctx: EvalContext, doc: Any) -> bool:
        """Evaluate the rule against ``doc`` (the effective input)."""
        op = self.operator
        if op == "Condition":
            assert self.condition is not None
            value = self.condition.evaluate(ctx)
            if not isinstance(value, bool):
                text = self.condition.expression_text
                raise ctx.query_error(
                    f"The JSONata expression '{text}' specified for the field 'Condition' "
                    f"returned an unexpected result type. Expected 'boolean', but was "
                    f"'{type(value).__name__}' for value: {value}"
                )
            return value
        if op == "And":
            return all(child.evaluate(ctx, doc) for child in self.children)
        if op == "Or":
            return any(child.evaluate(ctx, doc) for child in self.children)
        if op == "Not":
            return not self.children[0].evaluate(ctx, doc)
        assert self.variable is not None
        value = ctx.lookup(self.variable, doc)
        if op == "IsPresent":
            return (value is not NOT_FOUND) is bool(self.operand)
        if value is NOT_FOUND:
            raise ctx.runtime_error(
                f"Invalid path '{self.variable.text}': The choice state's condition path "
                f"references an invalid value."
            )
        if op in IS_TESTS:
            return _is_test(op, value) is bool(self.operand)
        if op == "StringMatches":
            assert self.pattern is not None
            return isinstance(value, str) and self.pattern.fullmatch(value) is not None
        if op.endswith("Path"):
            assert self.operand_path is not None
            other = ctx.lookup(self.operand_path, doc)
            if other is NOT_FOUND:
                raise ctx.runtime_error(
                    f"Invalid path '{self.operand_path.text}': The choice state's condition "
                    f"path references an invalid value."
                )
            return COMPARATORS[op[:-4]](value, other)
        return COMPARATORS[op](value, self.operand)
