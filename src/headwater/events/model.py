"""Compiled event patterns: one value-pattern class per operator, conditions and sub-rules.

A pattern compiles to sub-rules (one per ``$or`` branch combination). A sub-rule is a tuple of
``(path, Condition)`` sorted by path, where ``path`` joins the field names with ``.`` as
event-ruler does (so ``{"a": {"b": ...}}`` and ``{"a.b": ...}`` name the same field). A
condition is satisfied when any of its value patterns matches a leaf value at the path or,
when ``absent`` is set (``{"exists": false}``), when no array-consistent leaf exists there.

Each value pattern's ``matches(value)`` tests one leaf value (``str``, ``int``/``float``,
``bool`` or ``None``) that is present in the event; strings, numbers and literals never equal
one another.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeAlias

from headwater.events._values import FIVE_BILLION, glob_match, parse_ip

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = [
    "AnythingBut",
    "AnythingButIgnoreCase",
    "AnythingButPrefix",
    "AnythingButSuffix",
    "AnythingButWildcard",
    "Cidr",
    "Condition",
    "EqualsIgnoreCase",
    "EventPattern",
    "ExactLiteral",
    "ExactNumber",
    "ExactString",
    "Exists",
    "NumericRange",
    "Prefix",
    "PrefixIgnoreCase",
    "SubRule",
    "Suffix",
    "SuffixIgnoreCase",
    "ValuePattern",
    "Wildcard",
    "is_number",
]


def is_number(value: object) -> bool:
    """Whether a leaf value is a JSON number (``bool`` is not)."""
    t = type(value)
    return t is int or t is float


@dataclass(frozen=True, slots=True, kw_only=True)
class ExactString:
    """``"value"``: the leaf is this exact string."""

    value: str

    def matches(self, value: object) -> bool:
        """See the module docstring."""
        return type(value) is str and value == self.value


@dataclass(frozen=True, slots=True, kw_only=True)
class ExactNumber:
    """``123`` or ``{"numeric": ["=", 123]}``: the leaf is a number equal to this one."""

    value: int | float

    def matches(self, value: object) -> bool:
        """See the module docstring."""
        return is_number(value) and value == self.value


@dataclass(frozen=True, slots=True, kw_only=True)
class ExactLiteral:
    """``true`` / ``false`` / ``null``."""

    value: bool | None

    def matches(self, value: object) -> bool:
        """See the module docstring."""
        return value is self.value


@dataclass(frozen=True, slots=True, kw_only=True)
class Prefix:
    """``{"prefix": "..."}``."""

    value: str

    def matches(self, value: object) -> bool:
        """See the module docstring."""
        return type(value) is str and value.startswith(self.value)


@dataclass(frozen=True, slots=True, kw_only=True)
class Suffix:
    """``{"suffix": "..."}``."""

    value: str

    def matches(self, value: object) -> bool:
        """See the module docstring."""
        return type(value) is str and value.endswith(self.value)


@dataclass(frozen=True, slots=True, kw_only=True)
class PrefixIgnoreCase:
    """``{"prefix": {"equals-ignore-case": "..."}}``; ``value`` is lower-cased."""

    value: str

    def matches(self, value: object) -> bool:
        """See the module docstring."""
        return type(value) is str and value.lower().startswith(self.value)


@dataclass(frozen=True, slots=True, kw_only=True)
class SuffixIgnoreCase:
    """``{"suffix": {"equals-ignore-case": "..."}}``; ``value`` is lower-cased."""

    value: str

    def matches(self, value: object) -> bool:
        """See the module docstring."""
        return type(value) is str and value.lower().endswith(self.value)


@dataclass(frozen=True, slots=True, kw_only=True)
class EqualsIgnoreCase:
    """``{"equals-ignore-case": "..."}``; ``value`` is lower-cased."""

    value: str

    def matches(self, value: object) -> bool:
        """See the module docstring."""
        return type(value) is str and value.lower() == self.value


@dataclass(frozen=True, slots=True, kw_only=True)
class Wildcard:
    """``{"wildcard": "..."}``; ``segments`` are the literals between the ``*``."""

    text: str
    segments: tuple[str, ...]

    def matches(self, value: object) -> bool:
        """See the module docstring."""
        return type(value) is str and glob_match(self.segments, value)


@dataclass(frozen=True, slots=True, kw_only=True)
class NumericRange:
    """``{"numeric": [...]}`` (a missing bound is infinite); only numbers within +/-5e9 match."""

    low: float
    low_open: bool
    high: float
    high_open: bool

    def contains(self, value: float) -> bool:
        """Whether ``value`` (a comparable number) lies in the range."""
        if value < self.low or (self.low_open and value == self.low):
            return False
        return not (value > self.high or (self.high_open and value == self.high))

    def matches(self, value: object) -> bool:
        """See the module docstring."""
        if not is_number(value):
            return False
        number: float = value  # type: ignore[assignment]
        return -FIVE_BILLION <= number <= FIVE_BILLION and self.contains(number)


@dataclass(frozen=True, slots=True, kw_only=True)
class Cidr:
    """``{"cidr": "..."}``, or an exact string that is an IP address literal.

    ``bits`` is 32 or 128; the leaf must be an address of the same width within
    ``[low, high]``.
    """

    bits: int
    low: int
    high: int

    def matches(self, value: object) -> bool:
        """See the module docstring."""
        if type(value) is not str:
            return False
        parsed = parse_ip(value)
        return parsed is not None and parsed[0] == self.bits and self.low <= parsed[1] <= self.high


@dataclass(frozen=True, slots=True, kw_only=True)
class Exists:
    """``{"exists": true}``: any leaf value (``null`` included)."""

    def matches(self, value: object) -> bool:
        """See the module docstring."""
        return True


@dataclass(frozen=True, slots=True, kw_only=True)
class AnythingBut:
    """``{"anything-but": ...}`` with strings or numbers: any leaf not among them."""

    strings: frozenset[str] = frozenset()
    numbers: frozenset[int | float] = frozenset()

    def matches(self, value: object) -> bool:
        """See the module docstring."""
        t = type(value)
        if t is str:
            return value not in self.strings
        if t is int or t is float:
            return value not in self.numbers
        return True


@dataclass(frozen=True, slots=True, kw_only=True)
class AnythingButPrefix:
    """``{"anything-but": {"prefix": ...}}``: any leaf that is not a string with one of them."""

    values: frozenset[str]

    def matches(self, value: object) -> bool:
        """See the module docstring."""
        return type(value) is not str or not any(value.startswith(p) for p in self.values)


@dataclass(frozen=True, slots=True, kw_only=True)
class AnythingButSuffix:
    """``{"anything-but": {"suffix": ...}}``."""

    values: frozenset[str]

    def matches(self, value: object) -> bool:
        """See the module docstring."""
        return type(value) is not str or not any(value.endswith(s) for s in self.values)


@dataclass(frozen=True, slots=True, kw_only=True)
class AnythingButIgnoreCase:
    """``{"anything-but": {"equals-ignore-case": ...}}``; ``values`` are lower-cased."""

    values: frozenset[str]

    def matches(self, value: object) -> bool:
        """See the module docstring."""
        return type(value) is not str or value.lower() not in self.values


@dataclass(frozen=True, slots=True, kw_only=True)
class AnythingButWildcard:
    """``{"anything-but": {"wildcard": ...}}``."""

    wildcards: tuple[Wildcard, ...]

    def matches(self, value: object) -> bool:
        """See the module docstring."""
        if type(value) is not str:
            return True
        return not any(glob_match(w.segments, value) for w in self.wildcards)


ValuePattern: TypeAlias = (
    ExactString
    | ExactNumber
    | ExactLiteral
    | Prefix
    | Suffix
    | PrefixIgnoreCase
    | SuffixIgnoreCase
    | EqualsIgnoreCase
    | Wildcard
    | NumericRange
    | Cidr
    | Exists
    | AnythingBut
    | AnythingButPrefix
    | AnythingButSuffix
    | AnythingButIgnoreCase
    | AnythingButWildcard
)


@dataclass(frozen=True, slots=True, kw_only=True)
class Condition:
    """The alternatives listed for one field: any value pattern, or absence."""

    patterns: tuple[ValuePattern, ...]
    absent: bool = False

    def matches(self, value: object) -> bool:
        """Whether one present leaf value satisfies the condition."""
        return any(p.matches(value) for p in self.patterns)


SubRule: TypeAlias = tuple[tuple[str, Condition], ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class EventPattern:
    """A compiled, validated event pattern (see :func:`headwater.events.compile_pattern`).

    ``source`` is the pattern text as given (what DescribeRule returns); ``subrules`` are the
    alternatives ``$or`` expands to, each a tuple of ``(path, Condition)`` sorted by path.
    """

    source: str
    subrules: tuple[SubRule, ...]

    @property
    def paths(self) -> frozenset[str]:
        """Every field path the pattern looks at."""
        return frozenset(path for sub in self.subrules for path, _ in sub)

    def matches(self, event: Mapping[str, Any] | str | bytes) -> bool:
        """Whether the event (a parsed object or JSON text) matches, as TestEventPattern says.

        Raises:
            InvalidEventError: if JSON text does not parse or is not an object.
        """
        from headwater.events.index import single_rule_index  # import cycle

        return bool(single_rule_index(self).match(event))
