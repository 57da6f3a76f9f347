"""The rule index of a bus: all its patterns compiled into one machine, as event-ruler does.

Each sub-rule (a ``$or`` branch) is a path of ``(field, condition)`` steps, fields in sorted
order; sub-rules that start with the same steps share the states of that prefix. Matching an
event walks from the start state: at each state, every field that some continuing condition
names is looked up once in the flattened event and its leaf values are routed by a
:class:`~headwater.events._matcher.ValueMatcher` (dictionary lookups, prefix tables, interval
trees) to the next states. The work per event therefore follows the event's fields and the
conditions it satisfies, not the number of rules on the bus.

Array consistency follows event-ruler's ``ACFinder``: the walk carries the array elements
chosen so far, a leaf from another element of the same array cannot be used, and an
``{"exists": false}`` step passes when no leaf consistent with the elements chosen by the
fields sorted before it exists.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator, Mapping
from functools import lru_cache
from typing import Any

from headwater.events._matcher import ValueMatcher
from headwater.events.compiler import compile_pattern
from headwater.events.errors import InvalidEventError
from headwater.events.flatten import FlattenPlan, consistent, merge
from headwater.events.model import Condition, EventPattern

__all__ = ["RuleIndex", "load_event", "matches", "single_rule_index"]


class _State:
    __slots__ = ("absent", "children", "matchers", "refs", "rules", "steps")

    def __init__(self) -> None:
        self.children: dict[tuple[str, Condition], _State] = {}
        self.matchers: dict[str, ValueMatcher[_State]] = {}
        self.steps: tuple[tuple[str, ValueMatcher[_State]], ...] = ()  # matchers, as a tuple
        self.absent: list[tuple[str, _State]] = []
        self.rules: dict[str, int] = {}
        self.refs = 0


def load_event(event: Mapping[str, Any] | str | bytes) -> Mapping[str, Any]:
    """The event as an object: JSON text is parsed; anything but an object is refused.

    Raises:
        InvalidEventError: if the text is not JSON or not an object.
    """
    if isinstance(event, Mapping):
        return event
    try:
        loaded = json.loads(event)
    except (ValueError, TypeError):
        raise InvalidEventError() from None
    if not isinstance(loaded, dict):
        raise InvalidEventError()
    return loaded


class RuleIndex:
    """All event patterns of one bus, matched together.

    Example::

        index = RuleIndex()
        index.add("to-sfn", '{"source": ["aws.s3"], "detail": {"bucket": {"name": ["raw"]}}}')
        index.match(event)          # -> ["to-sfn"] (sorted rule names)
        index.remove("to-sfn")

    Writers must be serialised; :meth:`prepare` after writing lets several threads match at
    once (or build a new index and swap it in).
    """

    __slots__ = ("_path_refs", "_plan", "_root", "_rules", "_stale")

    def __init__(self) -> None:
        self._root = _State()
        self._rules: dict[str, EventPattern] = {}
        self._path_refs: Counter[str] = Counter()
        self._plan: FlattenPlan | None = None
        self._stale: list[ValueMatcher[_State]] = []

    # -- the rule set ---------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._rules)

    def __contains__(self, name: object) -> bool:
        return name in self._rules

    def __iter__(self) -> Iterator[str]:
        return iter(self._rules)

    def get(self, name: str) -> EventPattern | None:
        """The compiled pattern of a rule, if present."""
        return self._rules.get(name)

    def add(self, name: str, pattern: EventPattern | str) -> EventPattern:
        """Add (or replace) the rule ``name``; a text pattern is compiled first.

        Raises:
            InvalidEventPatternError: if a text pattern does not compile.
        """
        compiled = compile_pattern(pattern) if isinstance(pattern, str) else pattern
        if name in self._rules:
            self.remove(name)
        for sub in compiled.subrules:
            state = self._root
            state.refs += 1
            for path, condition in sub:
                state = self._descend(state, path, condition)
            state.rules[name] = state.rules.get(name, 0) + 1
        self._rules[name] = compiled
        return compiled

    def remove(self, name: str) -> bool:
        """Remove the rule ``name``; ``False`` if there was none."""
        compiled = self._rules.pop(name, None)
        if compiled is None:
            return False
        for sub in compiled.subrules:
            trail: list[tuple[_State, str, Condition, _State]] = []
            state = self._root
            for path, condition in sub:
                child = state.children[(path, condition)]
                trail.append((state, path, condition, child))
                state = child
            count = state.rules[name] - 1
            if count:
                state.rules[name] = count
            else:
                del state.rules[name]
            for parent, path, condition, child in reversed(trail):
                self._release(parent, path, condition, child)
            self._root.refs -= 1
        return True

    def _descend(self, state: _State, path: str, condition: Condition) -> _State:
        key = (path, condition)
        child = state.children.get(key)
        if child is None:
            child = _State()
            state.children[key] = child
            if condition.patterns:
                matcher = state.matchers.get(path)
                if matcher is None:
                    matcher = state.matchers[path] = ValueMatcher()
                    state.steps = tuple(state.matchers.items())
                for pattern in condition.patterns:
                    matcher.add(pattern, child)
                self._stale.append(matcher)
            if condition.absent:
                state.absent.append((path, child))
            self._path_refs[path] += 1
            if self._path_refs[path] == 1:
                self._plan = None
        child.refs += 1
        return child

    def _release(self, state: _State, path: str, condition: Condition, child: _State) -> None:
        child.refs -= 1
        if child.refs:
            return
        del state.children[(path, condition)]
        if condition.patterns:
            matcher = state.matchers[path]
            for pattern in condition.patterns:
                matcher.remove(pattern, child)
            if matcher:
                self._stale.append(matcher)
            else:
                del state.matchers[path]
                state.steps = tuple(state.matchers.items())
        if condition.absent:
            state.absent = [(p, s) for p, s in state.absent if s is not child]
        self._path_refs[path] -= 1
        if not self._path_refs[path]:
            del self._path_refs[path]
            self._plan = None

    # -- matching -------------------------------------------------------------------------

    def prepare(self) -> FlattenPlan:
        """Build what matching needs after rules changed (otherwise done by the next match).

        After ``prepare()`` and until the next ``add`` / ``remove``, :meth:`match` only reads
        the index, so several threads may match concurrently.
        """
        if self._stale:
            for stale in self._stale:
                if stale.stale:
                    stale.compile()
            self._stale.clear()
        plan = self._plan
        if plan is None:
            plan = self._plan = FlattenPlan(self._path_refs)
        return plan

    def match(self, event: Mapping[str, Any] | str | bytes) -> list[str]:
        """The names of the rules the event matches, sorted.

        Args:
            event: the event as a parsed object, or its JSON text.

        Raises:
            InvalidEventError: if JSON text does not parse to an object.
        """
        if type(event) is not dict:
            event = load_event(event)
        plan = self._plan
        if plan is None or self._stale:
            plan = self.prepare()
        fields = plan.flatten(event)
        found: set[str] = set()
        stack: list[tuple[_State, dict[int, int] | None]] = [(self._root, None)]
        pop, push = stack.pop, stack.append
        while stack:
            state, chosen = pop()
            if state.rules:
                found.update(state.rules)
            for path, matcher in state.steps:
                leaves = fields.get(path)
                if leaves is None:
                    continue
                after: dict[int, int] | None
                if matcher.only_strings:  # the common case, without a call per value
                    exact = matcher.str_exact
                    for value, chain in leaves:
                        if type(value) is not str:
                            continue
                        hits = exact.get(value)
                        if hits is None:
                            continue
                        if chain:
                            if chosen is not None and not consistent(chain, chosen):
                                continue
                            after = merge(chain, chosen)
                        else:
                            after = chosen
                        for following in hits:
                            push((following, after))
                    continue
                for value, chain in leaves:
                    if chain:
                        if chosen is not None and not consistent(chain, chosen):
                            continue
                        after = merge(chain, chosen)
                    else:
                        after = chosen
                    for following in matcher.match(value):
                        push((following, after))
            for path, following in state.absent:
                leaves = fields.get(path)
                if leaves is not None:
                    if chosen is None:
                        continue
                    if any(consistent(chain, chosen) for _, chain in leaves):
                        continue
                push((following, chosen))
        return sorted(found)


@lru_cache(maxsize=512)
def single_rule_index(pattern: EventPattern) -> RuleIndex:
    """A one-rule index for ``pattern`` (cached), for single checks like TestEventPattern."""
    index = RuleIndex()
    index.add("pattern", pattern)
    return index


def matches(pattern: EventPattern | str, event: Mapping[str, Any] | str | bytes) -> bool:
    """Whether ``event`` matches ``pattern`` (text is compiled first), like TestEventPattern.

    Raises:
        InvalidEventPatternError: if a text pattern does not compile.
        InvalidEventError: if JSON text does not parse to an object.
    """
    compiled = compile_pattern(pattern) if isinstance(pattern, str) else pattern
    return compiled.matches(event)
