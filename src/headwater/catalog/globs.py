r"""Glue crawler exclusion globs, compiled once into regular expressions.

Glue's rules (crawler "Include and exclude patterns"): a pattern is matched against the object
key relative to the include path. ``*`` matches any characters of one name component (never
``/``); ``**`` matches across folder boundaries; ``?`` matches one character of a component;
``[abc]``, ``[a-z]`` and ``[!a-z]`` match one character (inside brackets ``*``, ``?`` and ``\\``
are literal, ``-`` is literal first); ``{a,b}`` matches either alternative (no nesting);
``\\`` escapes the next character; a leading dot is an ordinary character.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from headwater.catalog.errors import InvalidPatternError

__all__ = ["ExclusionSet", "compile_glob"]


def _bracket(pattern: str, start: int) -> tuple[str, int]:
    """Translate ``[...]`` beginning at ``start``; return the regex and the index after it."""
    i = start + 1
    negate = False
    if i < len(pattern) and pattern[i] == "!":
        negate = True
        i += 1
    items: list[str] = []
    first = True
    while i < len(pattern):
        char = pattern[i]
        if char == "]" and not first:
            body = "".join(items)
            return (f"[^/{body}]" if negate else f"[{body}]"), i + 1
        if char == "-" and not first and i + 1 < len(pattern) and pattern[i + 1] != "]":
            items.append("-")
        else:
            items.append(re.escape(char) if char != "-" else r"\-")
        first = False
        i += 1
    raise InvalidPatternError(f"Invalid exclusion pattern {pattern!r}: missing ']'")


def compile_glob(pattern: str) -> re.Pattern[str]:
    """Compile one Glue glob to an anchored regular expression."""
    out: list[str] = []
    i = 0
    in_group = False
    while i < len(pattern):
        char = pattern[i]
        if char == "\\":
            if i + 1 >= len(pattern):
                raise InvalidPatternError(f"Invalid exclusion pattern {pattern!r}: trailing '\\'")
            out.append(re.escape(pattern[i + 1]))
            i += 2
            continue
        if char == "*":
            if pattern.startswith("**", i):
                out.append(".*")
                i += 2
            else:
                out.append("[^/]*")
                i += 1
            continue
        if char == "?":
            out.append("[^/]")
        elif char == "[":
            regex, i = _bracket(pattern, i)
            out.append(regex)
            continue
        elif char == "{":
            if in_group:
                raise InvalidPatternError(
                    f"Invalid exclusion pattern {pattern!r}: groups cannot be nested"
                )
            in_group = True
            out.append("(?:")
        elif char == "}" and in_group:
            in_group = False
            out.append(")")
        elif char == "," and in_group:
            out.append("|")
        else:
            out.append(re.escape(char))
        i += 1
    if in_group:
        raise InvalidPatternError(f"Invalid exclusion pattern {pattern!r}: missing '}}'")
    return re.compile("".join(out) + r"\Z", re.DOTALL)


@dataclass(frozen=True, slots=True)
class ExclusionSet:
    """A compiled set of exclusion patterns for one crawl target."""

    patterns: tuple[str, ...]
    compiled: tuple[re.Pattern[str], ...]

    @classmethod
    def compile(cls, patterns: Iterable[str]) -> ExclusionSet:
        """Compile ``patterns`` (raises :class:`InvalidPatternError` on a bad one)."""
        pats = tuple(p for p in patterns if p)
        return cls(patterns=pats, compiled=tuple(compile_glob(p) for p in pats))

    def excludes(self, relative_key: str) -> bool:
        """True when the key (relative to the include path) or one of its folders is excluded.

        A matching folder prunes everything below it, as the crawler stops descending there.
        """
        if not self.compiled:
            return False
        if any(rx.match(relative_key) for rx in self.compiled):
            return True
        parts = relative_key.split("/")
        for depth in range(1, len(parts)):
            folder = "/".join(parts[:depth])
            if any(rx.match(folder) or rx.match(folder + "/") for rx in self.compiled):
                return True
        return False
