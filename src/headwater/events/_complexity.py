"""The "Rule is too complex" limit on wildcards.

EventBridge rejects a rule when a worst-case value could keep too many partial wildcard
matches alive at once (event-ruler's ``MachineComplexityEvaluator``). This module measures the
same thing on its own automaton: the wildcards of one field (each wrapped in quotes, as
event-ruler stores them) become one NFA, and the complexity is the largest set of NFA states a
single input can reach, found by exploring the subset construction.

The limit is calibrated on what AWS accepted and refused: ``*/init/*`` with ``*/dir/*`` and
``*/datasync/*.bif`` with ``*/datasync/*.tif`` (10) are accepted; ``*:*:*:*:*:event-bus/*``
(13) and ``*.bif``, ``*.tiff``, ``*.tif``, ``*.svs`` on one field (12) are refused. Values
between those observations are a judgement call.
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["MAX_WILDCARD_COMPLEXITY", "wildcard_complexity"]

MAX_WILDCARD_COMPLEXITY = 10
_STAR = ""  # token for "*": every literal token is one character
_OTHER = "\x00other"
_MAX_SUBSETS = 20_000


def _tokens(segments: tuple[str, ...]) -> list[str]:
    tokens = ['"']
    for index, segment in enumerate(segments):
        if index:
            tokens.append(_STAR)
        tokens.extend(segment)
    tokens.append('"')
    return tokens


def wildcard_complexity(globs: Sequence[tuple[str, ...]]) -> int:
    """The largest number of simultaneously live NFA states over the wildcards of a field.

    Args:
        globs: parsed wildcards (:func:`headwater.events._values.parse_wildcard`).

    Returns:
        The measure, exact up to ``MAX_WILDCARD_COMPLEXITY + 1`` (it stops counting past it).
    """
    table = [_tokens(g) for g in globs]

    def closure(states: set[tuple[int, int]]) -> frozenset[tuple[int, int]]:
        stack = list(states)
        while stack:
            g, i = stack.pop()
            tokens = table[g]
            if i < len(tokens) and tokens[i] == _STAR and (g, i + 1) not in states:
                states.add((g, i + 1))
                stack.append((g, i + 1))
        return frozenset(states)

    alphabet = {t for tokens in table for t in tokens if t != _STAR}
    alphabet.add(_OTHER)
    start = closure({(g, 0) for g in range(len(table))})
    seen = {start}
    queue = [start]
    best = len(start)
    while queue:
        current = queue.pop()
        for symbol in alphabet:
            step: set[tuple[int, int]] = set()
            for g, i in current:
                tokens = table[g]
                if i < len(tokens):
                    token = tokens[i]
                    if token == _STAR:
                        step.add((g, i))
                    elif token == symbol:
                        step.add((g, i + 1))
            if not step:
                continue
            following = closure(step)
            if following in seen:
                continue
            best = max(best, len(following))
            if best > MAX_WILDCARD_COMPLEXITY or len(seen) >= _MAX_SUBSETS:
                return best
            seen.add(following)
            queue.append(following)
    return best
