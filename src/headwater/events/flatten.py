"""Flatten an event into the leaf values the rules look at, with array membership.

Paths join field names with ``.`` (event-ruler's convention). Only fields on a path some rule
uses are visited, so the cost depends on the rules' fields, not on the event's size.

Array membership follows event-ruler: an object or array nested in an array records which
element of which array it came from, as a chain of ``(array_id, index)`` pairs, outermost
first; a scalar element adds nothing of its own (``{"a": [1, 2]}`` gives two leaves at ``a``
whose chains are equal). Two leaves may be used together by one rule only if their chains
agree on every array they share (:func:`consistent`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, TypeAlias

__all__ = ["Chain", "Fields", "FlattenPlan", "Leaf", "consistent", "merge"]

Chain: TypeAlias = tuple[tuple[int, int], ...]
Leaf: TypeAlias = tuple[Any, Chain]
Fields: TypeAlias = dict[str, list[Leaf]]
# For one object: event key -> (full path, a leaf path, a prefix of a longer path)
_Table: TypeAlias = dict[str, tuple[str, bool, bool]]
_MISSING = object()


def consistent(chain: Chain, membership: dict[int, int]) -> bool:
    """Whether a leaf's chain agrees with the array elements already chosen."""
    for array_id, index in chain:
        chosen = membership.get(array_id)
        if chosen is not None and chosen != index:
            return False
    return True


def merge(chain: Chain, membership: dict[int, int] | None) -> dict[int, int]:
    """The chosen array elements after also choosing a leaf with ``chain``."""
    merged = dict(membership) if membership else {}
    merged.update(chain)
    return merged


class FlattenPlan:
    """The keys to follow from each path prefix, derived once from the set of rule paths."""

    __slots__ = ("paths", "tables")

    def __init__(self, paths: Iterable[str]) -> None:
        self.paths = frozenset(paths)
        tables: dict[str, _Table] = {}
        for path in self.paths:
            dots = [i for i, ch in enumerate(path) if ch == "."]
            starts = [-1, *dots]
            ends = [*dots, len(path)]
            for start in starts:
                prefix = path[:start] if start >= 0 else ""
                table = tables.setdefault(prefix, {})
                for end in ends:
                    if end <= start:
                        continue
                    key = path[start + 1 : end]
                    full = path[:end]
                    leaf, deeper = end == len(path), end < len(path)
                    old = table.get(key)
                    if old is not None:
                        leaf, deeper = leaf or old[1], deeper or old[2]
                    table[key] = (full, leaf, deeper)
        self.tables = tables

    def flatten(self, event: Mapping[str, Any]) -> Fields:
        """The leaves of ``event`` on the plan's paths."""
        out: Fields = {}
        tables = self.tables
        counter = [0]

        def visit_array(
            items: list[Any], full: str, leaf: bool, deeper: bool, chain: Chain
        ) -> None:
            array_id = counter[0]
            counter[0] += 1
            for index, item in enumerate(items):
                t = type(item)
                if t is dict:
                    if deeper:
                        visit(item, full, (*chain, (array_id, index)))
                elif t is list:
                    visit_array(item, full, leaf, deeper, (*chain, (array_id, index)))
                elif leaf:
                    found = out.get(full)
                    if found is None:
                        out[full] = [(item, chain)]
                    else:
                        found.append((item, chain))

        def visit(node: Mapping[str, Any], prefix: str, chain: Chain) -> None:
            table = tables.get(prefix)
            if not table:
                return
            if len(node) < len(table):  # walk the smaller side: the object or the plan's keys
                for key, value in node.items():
                    entry = table.get(key)
                    if entry is None:
                        continue
                    full, leaf, deeper = entry
                    t = type(value)
                    if t is dict:
                        if deeper:
                            visit(value, full, chain)
                    elif t is list:
                        visit_array(value, full, leaf, deeper, chain)
                    elif leaf:
                        found = out.get(full)
                        if found is None:
                            out[full] = [(value, chain)]
                        else:
                            found.append((value, chain))
                return
            for key, (full, leaf, deeper) in table.items():
                value = node.get(key, _MISSING)
                if value is _MISSING:
                    continue
                t = type(value)
                if t is dict:
                    if deeper:
                        visit(value, full, chain)
                elif t is list:
                    visit_array(value, full, leaf, deeper, chain)
                elif leaf:
                    found = out.get(full)
                    if found is None:
                        out[full] = [(value, chain)]
                    else:
                        found.append((value, chain))

        visit(event, "", ())
        return out
