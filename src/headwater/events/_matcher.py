"""Per-field value matchers of the rule index: every operator answered by lookups.

A matcher holds, for one field of one index state, all the value patterns of the conditions
that continue from that state, and maps a leaf value to the next states whose condition it
satisfies. Exact values (strings, numbers, literals, case-folded strings) are dictionary
lookups; prefixes and suffixes are one lookup per distinct length; numeric ranges and CIDR
blocks live in interval trees; only wildcards and the anything-but family are tested one by
one (each anything-but matches almost every value, so they are output-sized anyway; AWS caps
wildcard rules at 30 per bus).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Generic, TypeVar

from headwater.events._values import FIVE_BILLION, parse_ip
from headwater.events.model import (
    Cidr,
    EqualsIgnoreCase,
    ExactLiteral,
    ExactNumber,
    ExactString,
    Exists,
    NumericRange,
    Prefix,
    PrefixIgnoreCase,
    Suffix,
    SuffixIgnoreCase,
    ValuePattern,
)

__all__ = ["ValueMatcher"]

S = TypeVar("S")
_EMPTY: tuple[Any, ...] = ()


class _Intervals(Generic[S]):
    """A static centred interval tree over ``(low, low_open, high, high_open, states)``."""

    __slots__ = ("by_high", "by_low", "center", "left", "right")

    def __init__(self, items: list[tuple[float, bool, float, bool, list[S]]]) -> None:
        points = sorted(p for item in items for p in (item[0], item[2]))
        center = points[len(points) // 2]
        mid = [it for it in items if it[0] <= center <= it[2]]
        left = [it for it in items if it[2] < center]
        right = [it for it in items if it[0] > center]
        self.center = center
        self.by_low = sorted(mid, key=lambda it: it[0])
        self.by_high = sorted(mid, key=lambda it: it[2], reverse=True)
        self.left = _Intervals(left) if left else None
        self.right = _Intervals(right) if right else None

    def query(self, v: float, out: list[S]) -> None:
        node: _Intervals[S] | None = self
        while node is not None:
            if v < node.center:
                for low, low_open, _high, _high_open, states in node.by_low:
                    if low > v:
                        break
                    if not (low_open and low == v):
                        out.extend(states)
                node = node.left
            elif v > node.center:
                for _low, _low_open, high, high_open, states in node.by_high:
                    if high < v:
                        break
                    if not (high_open and high == v):
                        out.extend(states)
                node = node.right
            else:
                for low, low_open, high, high_open, states in node.by_low:
                    if not ((low_open and low == v) or (high_open and high == v)):
                        out.extend(states)
                return


def _lengths(table: dict[str, list[S]]) -> tuple[int, ...]:
    return tuple(sorted({len(key) for key in table}))


class ValueMatcher(Generic[S]):
    """Maps one leaf value to the states whose condition it satisfies (see module doc)."""

    __slots__ = (
        "_dirty",
        "any",
        "ci_exact",
        "ci_prefix",
        "ci_prefix_lens",
        "ci_suffix",
        "ci_suffix_lens",
        "cidr4",
        "cidr6",
        "entries",
        "fast_str",
        "has_ci",
        "lit_exact",
        "num_exact",
        "only_strings",
        "prefix",
        "prefix_lens",
        "ranges",
        "slow",
        "str_exact",
        "suffix",
        "suffix_lens",
    )

    def __init__(self) -> None:
        self.entries: dict[ValuePattern, list[S]] = {}
        self._dirty = True
        self.str_exact: dict[str, list[S]] = {}
        self.num_exact: dict[int | float, list[S]] = {}
        self.lit_exact: dict[bool | None, list[S]] = {}
        self.prefix: dict[str, list[S]] = {}
        self.prefix_lens: tuple[int, ...] = ()
        self.suffix: dict[str, list[S]] = {}
        self.suffix_lens: tuple[int, ...] = ()
        self.ci_exact: dict[str, list[S]] = {}
        self.ci_prefix: dict[str, list[S]] = {}
        self.ci_prefix_lens: tuple[int, ...] = ()
        self.ci_suffix: dict[str, list[S]] = {}
        self.ci_suffix_lens: tuple[int, ...] = ()
        self.ranges: _Intervals[S] | None = None
        self.cidr4: _Intervals[S] | None = None
        self.cidr6: _Intervals[S] | None = None
        self.slow: list[tuple[Callable[[object], bool], list[S]]] = []
        self.any: list[S] = []
        self.has_ci = False
        self.fast_str = True
        self.only_strings = False

    def __bool__(self) -> bool:
        return bool(self.entries)

    def add(self, pattern: ValuePattern, state: S) -> None:
        """Route values matching ``pattern`` to ``state``."""
        self.entries.setdefault(pattern, []).append(state)
        self._dirty = True

    def remove(self, pattern: ValuePattern, state: S) -> None:
        """Undo one :meth:`add`."""
        states = self.entries[pattern]
        for i, s in enumerate(states):
            if s is state:
                del states[i]
                break
        if not states:
            del self.entries[pattern]
        self._dirty = True

    @property
    def stale(self) -> bool:
        """Whether patterns changed since the lookup tables were built."""
        return self._dirty

    def compile(self) -> None:
        """Rebuild the lookup tables (done lazily on the first match after a change)."""
        self._compile()

    def _compile(self) -> None:
        str_exact: dict[str, list[S]] = {}
        num_exact: dict[int | float, list[S]] = {}
        lit_exact: dict[bool | None, list[S]] = {}
        prefix: dict[str, list[S]] = {}
        suffix: dict[str, list[S]] = {}
        ci_exact: dict[str, list[S]] = {}
        ci_prefix: dict[str, list[S]] = {}
        ci_suffix: dict[str, list[S]] = {}
        ranges: list[tuple[float, bool, float, bool, list[S]]] = []
        cidrs: dict[int, list[tuple[float, bool, float, bool, list[S]]]] = {32: [], 128: []}
        slow: list[tuple[Callable[[object], bool], list[S]]] = []
        any_states: list[S] = []
        for pattern, states in self.entries.items():
            if isinstance(pattern, ExactString):
                str_exact.setdefault(pattern.value, []).extend(states)
            elif isinstance(pattern, ExactNumber):
                num_exact.setdefault(pattern.value, []).extend(states)
            elif isinstance(pattern, ExactLiteral):
                lit_exact.setdefault(pattern.value, []).extend(states)
            elif isinstance(pattern, Prefix):
                prefix.setdefault(pattern.value, []).extend(states)
            elif isinstance(pattern, Suffix):
                suffix.setdefault(pattern.value, []).extend(states)
            elif isinstance(pattern, EqualsIgnoreCase):
                ci_exact.setdefault(pattern.value, []).extend(states)
            elif isinstance(pattern, PrefixIgnoreCase):
                ci_prefix.setdefault(pattern.value, []).extend(states)
            elif isinstance(pattern, SuffixIgnoreCase):
                ci_suffix.setdefault(pattern.value, []).extend(states)
            elif isinstance(pattern, NumericRange):
                ranges.append(
                    (pattern.low, pattern.low_open, pattern.high, pattern.high_open, list(states))
                )
            elif isinstance(pattern, Cidr):
                cidrs[pattern.bits].append((pattern.low, False, pattern.high, False, list(states)))
            elif isinstance(pattern, Exists):
                any_states.extend(states)
            else:
                slow.append((pattern.matches, list(states)))
        self.str_exact, self.num_exact, self.lit_exact = str_exact, num_exact, lit_exact
        self.prefix, self.prefix_lens = prefix, _lengths(prefix)
        self.suffix, self.suffix_lens = suffix, _lengths(suffix)
        self.ci_exact, self.ci_prefix, self.ci_suffix = ci_exact, ci_prefix, ci_suffix
        self.ci_prefix_lens, self.ci_suffix_lens = _lengths(ci_prefix), _lengths(ci_suffix)
        self.has_ci = bool(ci_exact or ci_prefix or ci_suffix)
        self.ranges = _Intervals(ranges) if ranges else None
        self.cidr4 = _Intervals(cidrs[32]) if cidrs[32] else None
        self.cidr6 = _Intervals(cidrs[128]) if cidrs[128] else None
        self.slow, self.any = slow, any_states
        self.fast_str = not (prefix or suffix or self.has_ci or self.cidr4 or self.cidr6 or slow)
        # Only exact strings: the index looks values up in ``str_exact`` itself.
        self.only_strings = self.fast_str and not (num_exact or lit_exact or ranges or any_states)
        self._dirty = False

    def match(self, v: object) -> Sequence[S]:
        """The states whose condition the leaf value ``v`` satisfies (may repeat a state)."""
        if self._dirty:
            self._compile()
        t = type(v)
        if t is str:
            s: str = v  # type: ignore[assignment]
            hit = self.str_exact.get(s)
            if self.fast_str:
                if self.any:
                    return hit + self.any if hit else self.any
                return hit or _EMPTY
            out: list[S] = list(hit) if hit else []
            n = len(s)
            for length in self.prefix_lens:
                if length > n:
                    break
                found = self.prefix.get(s[:length])
                if found:
                    out.extend(found)
            for length in self.suffix_lens:
                if length > n:
                    break
                found = self.suffix.get(s[n - length :])
                if found:
                    out.extend(found)
            if self.has_ci:
                self._match_ci(s.lower(), out)
            if self.cidr4 is not None or self.cidr6 is not None:
                ip = parse_ip(s)
                if ip is not None:
                    tree = self.cidr4 if ip[0] == 32 else self.cidr6
                    if tree is not None:
                        tree.query(ip[1], out)
        elif t is int or t is float:
            number: float = v  # type: ignore[assignment]
            hit = self.num_exact.get(number)
            out = list(hit) if hit else []
            if self.ranges is not None and -FIVE_BILLION <= number <= FIVE_BILLION:
                self.ranges.query(number, out)
        else:
            literal: bool | None = v  # type: ignore[assignment]
            hit = self.lit_exact.get(literal) if t is bool or v is None else None
            out = list(hit) if hit else []
        for test, states in self.slow:
            if test(v):
                out.extend(states)
        if self.any:
            out.extend(self.any)
        return out

    def _match_ci(self, lowered: str, out: list[S]) -> None:
        found = self.ci_exact.get(lowered)
        if found:
            out.extend(found)
        n = len(lowered)
        for length in self.ci_prefix_lens:
            if length > n:
                break
            found = self.ci_prefix.get(lowered[:length])
            if found:
                out.extend(found)
        for length in self.ci_suffix_lens:
            if length > n:
                break
            found = self.ci_suffix.get(lowered[n - length :])
            if found:
                out.extend(found)
