"""GetPartitions' ``Expression``: a SQL WHERE-like filter over partition keys, compiled once.

Glue accepts ``=``, ``<>`` (and ``!=``), ``<``, ``<=``, ``>``, ``>=``, ``AND``, ``OR``, ``NOT``,
``[NOT] IN (...)``, ``[NOT] BETWEEN a AND b``, ``[NOT] LIKE 'pattern'`` (``%`` and ``_``),
``IS [NOT] NULL`` and parentheses. Keys are compared by their declared type: integer types
(``tinyint``, ``smallint``, ``int``, ``bigint``, ``long``) numerically, ``decimal`` /
``double`` / ``float`` as numbers, everything else (``string``, ``date``, ``timestamp``) as
text, which orders ISO dates correctly. :func:`compile_expression` raises
:class:`ExpressionError` (mapped to ``InvalidInputException``) for a bad expression or an
unknown key.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

__all__ = ["ExpressionError", "PartitionFilter", "compile_expression"]

_INTEGER = {"tinyint", "smallint", "int", "integer", "bigint", "long"}
_NUMBER = {"double", "float", "real"}

_TOKEN = re.compile(
    r"\s*(?:"
    r"(?P<str>'(?:[^']|'')*')"
    r"|(?P<num>-?\d+(?:\.\d+)?)"
    r"|(?P<op><>|!=|<=|>=|=|<|>|\(|\)|,)"
    r"|(?P<qid>`[^`]+`|\"[^\"]+\")"
    r"|(?P<word>[A-Za-z_][\w$.]*)"
    r")"
)
_KEYWORDS = {"AND", "OR", "NOT", "IN", "BETWEEN", "LIKE", "IS", "NULL"}


class ExpressionError(ValueError):
    """The expression does not parse, or names a key the table does not have."""


@dataclass(frozen=True, slots=True)
class _Tok:
    kind: str  # str | num | op | id | kw | end
    text: str


def _tokens(text: str) -> list[_Tok]:
    out: list[_Tok] = []
    pos = 0
    while pos < len(text):
        if text[pos:].strip() == "":
            break
        match = _TOKEN.match(text, pos)
        if match is None or match.end() == pos:
            raise ExpressionError(f"Unsupported expression near {text[pos : pos + 20]!r}")
        pos = match.end()
        kind = match.lastgroup or ""
        value = match.group(kind)
        if kind == "str":
            out.append(_Tok("str", value[1:-1].replace("''", "'")))
        elif kind == "qid":
            out.append(_Tok("id", value[1:-1]))
        elif kind == "word":
            upper = value.upper()
            out.append(_Tok("kw", upper) if upper in _KEYWORDS else _Tok("id", value))
        else:
            out.append(_Tok(kind, value))
    out.append(_Tok("end", ""))
    return out


Predicate = Callable[[Mapping[str, str | None]], bool]


def _like(pattern: str) -> re.Pattern[str]:
    parts = []
    for ch in pattern:
        parts.append(".*" if ch == "%" else "." if ch == "_" else re.escape(ch))
    return re.compile("".join(parts), re.DOTALL)


class _Parser:
    def __init__(self, text: str, key_types: Mapping[str, str]) -> None:
        self.toks = _tokens(text)
        self.i = 0
        self.types = {k.lower(): t.lower() for k, t in key_types.items()}

    def peek(self) -> _Tok:
        return self.toks[self.i]

    def take(self) -> _Tok:
        tok = self.toks[self.i]
        self.i += 1
        return tok

    def accept_kw(self, word: str) -> bool:
        if self.peek().kind == "kw" and self.peek().text == word:
            self.i += 1
            return True
        return False

    def expect_op(self, op: str) -> None:
        tok = self.take()
        if tok.kind != "op" or tok.text != op:
            raise ExpressionError(f"Expected {op!r} but found {tok.text or 'end of expression'!r}")

    def parse(self) -> Predicate:
        pred = self.or_()
        if self.peek().kind != "end":
            raise ExpressionError(f"Unexpected {self.peek().text!r} in expression")
        return pred

    def or_(self) -> Predicate:
        terms = [self.and_()]
        while self.accept_kw("OR"):
            terms.append(self.and_())
        if len(terms) == 1:
            return terms[0]
        return lambda row: any(t(row) for t in terms)

    def and_(self) -> Predicate:
        terms = [self.not_()]
        while self.accept_kw("AND"):
            terms.append(self.not_())
        if len(terms) == 1:
            return terms[0]
        return lambda row: all(t(row) for t in terms)

    def not_(self) -> Predicate:
        if self.accept_kw("NOT"):
            inner = self.not_()
            return lambda row: not inner(row)
        if self.peek().kind == "op" and self.peek().text == "(":
            self.take()
            inner = self.or_()
            self.expect_op(")")
            return inner
        return self.predicate()

    def key(self) -> str:
        tok = self.take()
        if tok.kind != "id":
            raise ExpressionError(f"Expected a partition key but found {tok.text!r}")
        name = tok.text.lower()
        if name not in self.types:
            raise ExpressionError(f"Unknown partition key: {tok.text}")
        return name

    def literal(self) -> str:
        tok = self.take()
        if tok.kind in ("str", "num"):
            return tok.text
        raise ExpressionError(f"Expected a value but found {tok.text or 'end of expression'!r}")

    def converter(self, key: str) -> Callable[[str | None], Any]:
        kind = re.sub(r"\(.*\)", "", self.types[key]).strip()
        if kind in _INTEGER:
            return _as_int
        if kind in _NUMBER or kind == "decimal":
            return _as_decimal
        return lambda v: v

    def predicate(self) -> Predicate:
        key = self.key()
        conv = self.converter(key)
        negate = self.accept_kw("NOT")
        tok = self.peek()
        pred: Predicate
        if tok.kind == "kw" and tok.text == "IN":
            self.take()
            self.expect_op("(")
            values = [conv(self.literal())]
            while self.peek().kind == "op" and self.peek().text == ",":
                self.take()
                values.append(conv(self.literal()))
            self.expect_op(")")
            pred = _in(key, conv, values)
        elif tok.kind == "kw" and tok.text == "BETWEEN":
            self.take()
            low = conv(self.literal())
            if not self.accept_kw("AND"):
                raise ExpressionError("BETWEEN needs AND")
            high = conv(self.literal())
            pred = _between(key, conv, low, high)
        elif tok.kind == "kw" and tok.text == "LIKE":
            self.take()
            regex = _like(self.literal())
            pred = _matches(key, regex)
        elif tok.kind == "kw" and tok.text == "IS" and not negate:
            self.take()
            is_not = self.accept_kw("NOT")
            if not self.accept_kw("NULL"):
                raise ExpressionError("IS needs NULL")
            return (
                (lambda row: row.get(key) is not None)
                if is_not
                else (lambda row: row.get(key) is None)
            )
        elif (
            tok.kind == "op" and tok.text in ("=", "<>", "!=", "<", "<=", ">", ">=") and not negate
        ):
            self.take()
            pred = _compare(key, conv, tok.text, conv(self.literal()))
            return pred
        else:
            raise ExpressionError(f"Unsupported expression near {tok.text!r}")
        if negate:
            inner = pred
            return lambda row: not inner(row)
        return pred


def _as_int(value: str | None) -> Any:
    if value is None:
        return None
    try:
        return int(Decimal(value))
    except (InvalidOperation, ValueError):
        return None


def _as_decimal(value: str | None) -> Any:
    if value is None:
        return None
    try:
        return Decimal(value)
    except (InvalidOperation, ValueError):
        return None


_OPS: dict[str, Callable[[Any, Any], bool]] = {
    "=": lambda a, b: bool(a == b),
    "<>": lambda a, b: bool(a != b),
    "!=": lambda a, b: bool(a != b),
    "<": lambda a, b: bool(a < b),
    "<=": lambda a, b: bool(a <= b),
    ">": lambda a, b: bool(a > b),
    ">=": lambda a, b: bool(a >= b),
}


def _compare(key: str, conv: Callable[[str | None], Any], op: str, value: Any) -> Predicate:
    fn = _OPS[op]

    def test(row: Mapping[str, str | None]) -> bool:
        have = conv(row.get(key))
        if have is None or value is None:
            return False
        try:
            return fn(have, value)
        except TypeError:
            return False

    return test


def _in(key: str, conv: Callable[[str | None], Any], values: list[Any]) -> Predicate:
    return lambda row: conv(row.get(key)) in values


def _between(key: str, conv: Callable[[str | None], Any], low: Any, high: Any) -> Predicate:
    def test(row: Mapping[str, str | None]) -> bool:
        have = conv(row.get(key))
        if have is None or low is None or high is None:
            return False
        try:
            return bool(low <= have <= high)
        except TypeError:
            return False

    return test


def _matches(key: str, regex: re.Pattern[str]) -> Predicate:
    def test(row: Mapping[str, str | None]) -> bool:
        have = row.get(key)
        return have is not None and regex.fullmatch(have) is not None

    return test


@dataclass(frozen=True, slots=True)
class PartitionFilter:
    """A compiled expression over a table's partition keys."""

    keys: tuple[str, ...]
    predicate: Predicate

    def matches(self, values: Sequence[str]) -> bool:
        """True when a partition with these values passes the filter."""
        row = dict(zip(self.keys, values, strict=False))
        return self.predicate(row)


def compile_expression(text: str, keys: Sequence[tuple[str, str]]) -> PartitionFilter:
    """Compile ``text`` for a table whose partition keys are ``(name, type)`` pairs."""
    if not text or not text.strip():
        return PartitionFilter(tuple(k.lower() for k, _ in keys), lambda _row: True)
    parser = _Parser(text, dict(keys))
    return PartitionFilter(tuple(k.lower() for k, _ in keys), parser.parse())
