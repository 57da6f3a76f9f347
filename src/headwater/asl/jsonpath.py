"""JSONPath as Step Functions evaluates it (Jayway semantics): compile once, query many.

A path is ``$`` (the current input), ``$$`` (the context object) or ``$name`` (a variable),
followed by segments: ``.name``, ``['name']``, ``[0]``, ``[-1]``, ``[0,2]``, ``['a','b']``,
``[*]``/``.*``, ``..name`` (deep scan), ``[start:end:step]`` and filters ``[?(@.x > 1)]``.
A *definite* path (names and single indexes only) yields one value; any other yields the list
of matches, as AWS does. Surrounding whitespace is tolerated.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

__all__ = [
    "NOT_FOUND",
    "JsonPath",
    "JsonPathSyntaxError",
    "PathRoot",
    "compile_path",
    "is_path_text",
]


class JsonPathSyntaxError(ValueError):
    """The text is not a valid JSONPath."""


class _NotFound:
    __slots__ = ()

    def __repr__(self) -> str:
        return "NOT_FOUND"


NOT_FOUND: Any = _NotFound()


class PathRoot(StrEnum):
    """What a path is evaluated against."""

    INPUT = "$"
    CONTEXT = "$$"
    VARIABLE = "var"


# A segment maps one node to the nodes it selects.
_Selector = Callable[[Any, Any], Iterator[Any]]


@dataclass(frozen=True, slots=True)
class _Segment:
    select: _Selector
    text: str  # canonical bracket form, e.g. ['name'] or [0]
    key: str | int | None  # for definite segments: the single name or index


def _sel_name(name: str) -> _Selector:
    def select(node: Any, _root: Any) -> Iterator[Any]:
        if isinstance(node, dict) and name in node:
            yield node[name]

    return select


def _sel_names(names: tuple[str, ...]) -> _Selector:
    def select(node: Any, _root: Any) -> Iterator[Any]:
        if isinstance(node, dict):
            for name in names:
                if name in node:
                    yield node[name]

    return select


def _sel_indexes(indexes: tuple[int, ...]) -> _Selector:
    def select(node: Any, _root: Any) -> Iterator[Any]:
        if isinstance(node, list):
            size = len(node)
            for i in indexes:
                j = i + size if i < 0 else i
                if 0 <= j < size:
                    yield node[j]

    return select


def _sel_wildcard(node: Any, _root: Any) -> Iterator[Any]:
    if isinstance(node, dict):
        yield from node.values()
    elif isinstance(node, list):
        yield from node


def _sel_slice(start: int | None, end: int | None, step: int | None) -> _Selector:
    def select(node: Any, _root: Any) -> Iterator[Any]:
        if isinstance(node, list):
            yield from node[slice(start, end, step)]

    return select


def _descendants(node: Any) -> Iterator[Any]:
    yield node
    if isinstance(node, dict):
        for value in node.values():
            yield from _descendants(value)
    elif isinstance(node, list):
        for value in node:
            yield from _descendants(value)


def _sel_deep(inner: _Selector) -> _Selector:
    def select(node: Any, root: Any) -> Iterator[Any]:
        for sub in _descendants(node):
            yield from inner(sub, root)

    return select


def _sel_filter(pred: Callable[[Any, Any], bool]) -> _Selector:
    def select(node: Any, root: Any) -> Iterator[Any]:
        items = (
            node
            if isinstance(node, list)
            else (list(node.values()) if isinstance(node, dict) else [])
        )
        for item in items:
            if pred(item, root):
                yield item

    return select


@dataclass(frozen=True, slots=True)
class JsonPath:
    """A compiled JSONPath."""

    text: str
    root: PathRoot
    variable: str | None
    segments: tuple[_Segment, ...]
    definite: bool

    @property
    def canonical(self) -> str:
        """The path in Jayway's bracket notation, as AWS quotes it in error causes."""
        head = "$" if self.root is not PathRoot.VARIABLE else f"${self.variable}"
        if self.root is PathRoot.CONTEXT:
            head = "$$"
        return head + "".join(s.text for s in self.segments)

    def find(self, doc: Any) -> Any:
        """Return the value (definite path) or list of matches, or NOT_FOUND."""
        if self.definite:
            node = doc
            for seg in self.segments:
                key = seg.key
                if isinstance(key, str):
                    if not isinstance(node, dict) or key not in node:
                        return NOT_FOUND
                    node = node[key]
                else:
                    assert key is not None
                    if not isinstance(node, list):
                        return NOT_FOUND
                    idx = key + len(node) if key < 0 else key
                    if not 0 <= idx < len(node):
                        return NOT_FOUND
                    node = node[idx]
            return node
        nodes: list[Any] = [doc]
        for seg in self.segments:
            nodes = [out for node in nodes for out in seg.select(node, doc)]
        return nodes

    def set(self, doc: Any, value: Any) -> Any:
        """Return ``doc`` with ``value`` placed at this (definite, name-only) path; copies."""
        if not self.segments:
            return value
        root = dict(doc) if isinstance(doc, dict) else None
        if root is None:
            raise KeyError(self.text)
        node = root
        for seg in self.segments[:-1]:
            if not isinstance(seg.key, str):
                raise KeyError(self.text)
            child = node.get(seg.key)
            child = (
                dict(child)
                if isinstance(child, dict)
                else {}
                if child is None or (seg.key not in node)
                else None
            )
            if child is None:
                raise KeyError(self.text)
            node[seg.key] = child
            node = child
        last = self.segments[-1].key
        if not isinstance(last, str):
            raise KeyError(self.text)
        node[last] = value
        return root


_NAME_RE = re.compile(r"[^.\[\]\s()]+")
_INT_RE = re.compile(r"\s*(-?\d+)\s*")


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    def error(self, why: str) -> JsonPathSyntaxError:
        return JsonPathSyntaxError(f"Invalid JSONPath '{self.text}': {why}")

    def peek(self, n: int = 1) -> str:
        return self.text[self.pos : self.pos + n]

    def parse(self) -> JsonPath:
        text = self.text
        variable: str | None = None
        if text.startswith("$$"):
            root = PathRoot.CONTEXT
            self.pos = 2
        elif text.startswith("$"):
            self.pos = 1
            m = re.compile(r"[A-Za-z_][A-Za-z0-9_]*").match(text, 1)
            if m:
                root = PathRoot.VARIABLE
                variable = m.group(0)
                self.pos = m.end()
            else:
                root = PathRoot.INPUT
        else:
            raise self.error("must start with '$'")
        segments: list[_Segment] = []
        definite = True
        while self.pos < len(text):
            seg, seg_definite = self.segment()
            segments.append(seg)
            definite = definite and seg_definite
        return JsonPath(
            text=text, root=root, variable=variable, segments=tuple(segments), definite=definite
        )

    def segment(self) -> tuple[_Segment, bool]:
        text = self.text
        if text.startswith("..", self.pos):
            self.pos += 2
            if self.peek() == "[":
                inner, _ = self.bracket()
            elif self.peek() == "*":
                self.pos += 1
                inner = _Segment(_sel_wildcard, "[*]", None)
            else:
                name = self.name()
                inner = _Segment(_sel_name(name), f"['{name}']", name)
            return _Segment(_sel_deep(inner.select), ".." + inner.text, None), False
        if self.peek() == ".":
            self.pos += 1
            if self.peek() == "*":
                self.pos += 1
                return _Segment(_sel_wildcard, "[*]", None), False
            if self.peek() == "[":
                return self.bracket()
            name = self.name()
            if self.peek(2) == "()":
                raise self.error("functions are not supported")
            return _Segment(_sel_name(name), f"['{name}']", name), True
        if self.peek() == "[":
            return self.bracket()
        raise self.error(f"unexpected character at position {self.pos}")

    def name(self) -> str:
        m = _NAME_RE.match(self.text, self.pos)
        if not m:
            raise self.error(f"expected a name at position {self.pos}")
        self.pos = m.end()
        return m.group(0)

    def bracket(self) -> tuple[_Segment, bool]:
        text = self.text
        start = self.pos
        self.pos += 1
        if self.peek(2) == "?(":
            depth = 0
            i = self.pos + 1
            while i < len(text):
                ch = text[i]
                if ch in "'\"":
                    end = text.find(ch, i + 1)
                    i = end if end > 0 else len(text)
                elif ch == "(":
                    depth += 1
                elif ch == ")":
                    depth -= 1
                    if depth == 0:
                        break
                i += 1
            if i >= len(text) or text[i + 1 : i + 2] != "]":
                raise self.error("unterminated filter")
            expr = text[self.pos + 2 : i]
            self.pos = i + 2
            return _Segment(
                _sel_filter(_compile_filter(expr, self.text)), f"[?({expr})]", None
            ), False
        end = self._bracket_end()
        body = text[self.pos : end].strip()
        self.pos = end + 1
        if body == "*":
            return _Segment(_sel_wildcard, "[*]", None), False
        if body and body[0] in "'\"":
            names = _split_quoted(body)
            if names is None:
                raise self.error(f"bad bracket at position {start}")
            canon = "[" + ",".join(f"'{n}'" for n in names) + "]"
            if len(names) == 1:
                return _Segment(_sel_name(names[0]), canon, names[0]), True
            return _Segment(_sel_names(tuple(names)), canon, None), False
        if ":" in body:
            parts = body.split(":")
            if len(parts) > 3:
                raise self.error(f"bad slice at position {start}")
            try:
                nums = [int(p) if p.strip() else None for p in parts]
            except ValueError as exc:
                raise self.error(f"bad slice at position {start}") from exc
            while len(nums) < 3:
                nums.append(None)
            return _Segment(_sel_slice(nums[0], nums[1], nums[2]), f"[{body}]", None), False
        try:
            idx = tuple(int(p) for p in body.split(","))
        except ValueError as exc:
            raise self.error(f"bad index at position {start}") from exc
        if len(idx) == 1:
            return _Segment(_sel_indexes(idx), f"[{idx[0]}]", idx[0]), True
        return _Segment(_sel_indexes(idx), f"[{body}]", None), False

    def _bracket_end(self) -> int:
        text = self.text
        i = self.pos
        while i < len(text):
            ch = text[i]
            if ch in "'\"":
                j = i + 1
                while j < len(text) and text[j] != ch:
                    j += 2 if text[j] == "\\" else 1
                i = j + 1
                continue
            if ch == "]":
                return i
            i += 1
        raise self.error("unterminated bracket")


def _split_quoted(body: str) -> list[str] | None:
    names: list[str] = []
    i = 0
    while i < len(body):
        while i < len(body) and body[i] in " ,":
            i += 1
        if i >= len(body):
            break
        quote = body[i]
        if quote not in "'\"":
            return None
        j = i + 1
        buf: list[str] = []
        while j < len(body) and body[j] != quote:
            # Jayway keeps backslashes literally except before the closing quote character.
            if body[j] == "\\" and j + 1 < len(body) and body[j + 1] == quote:
                j += 1
            buf.append(body[j])
            j += 1
        if j >= len(body):
            return None
        names.append("".join(buf))
        i = j + 1
    return names


# ---------------------------------------------------------------- filter expressions

_FILTER_TOKEN = re.compile(
    r"\s*(?:(?P<num>-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)|(?P<str>'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\")"
    r"|(?P<op>==|!=|<=|>=|=~|&&|\|\||[<>!()])|(?P<path>[@$](?:\.\.?[^\s.\[\]()=!<>&|]+|\[[^\]]*\])*)"
    r"|(?P<word>true|false|null)|(?P<regex>/(?:[^/\\]|\\.)*/[a-z]*))"
)


def _compile_filter(expr: str, whole: str) -> Callable[[Any, Any], bool]:
    tokens: list[tuple[str, str]] = []
    pos = 0
    while pos < len(expr):
        if expr[pos:].strip() == "":
            break
        m = _FILTER_TOKEN.match(expr, pos)
        if not m or m.end() == pos:
            raise JsonPathSyntaxError(f"Invalid JSONPath '{whole}': bad filter '{expr}'")
        kind = m.lastgroup or ""
        tokens.append((kind, m.group(kind)))
        pos = m.end()
    parser = _FilterParser(tokens, whole)
    fn = parser.parse_or()
    if parser.i != len(tokens):
        raise JsonPathSyntaxError(f"Invalid JSONPath '{whole}': bad filter '{expr}'")
    return lambda item, root: bool(_truthy(fn(item, root)))


def _truthy(value: Any) -> bool:
    return value is not NOT_FOUND and value is not False and value is not None


class _FilterParser:
    def __init__(self, tokens: list[tuple[str, str]], whole: str) -> None:
        self.tokens = tokens
        self.i = 0
        self.whole = whole

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def take(self) -> tuple[str, str]:
        tok = self.peek()
        if tok is None:
            raise JsonPathSyntaxError(f"Invalid JSONPath '{self.whole}': truncated filter")
        self.i += 1
        return tok

    def parse_or(self) -> Callable[[Any, Any], Any]:
        left = self.parse_and()
        while self.peek() == ("op", "||"):
            self.take()
            right = self.parse_and()
            left = (lambda a, b: lambda n, r: _truthy(a(n, r)) or _truthy(b(n, r)))(left, right)
        return left

    def parse_and(self) -> Callable[[Any, Any], Any]:
        left = self.parse_cmp()
        while self.peek() == ("op", "&&"):
            self.take()
            right = self.parse_cmp()
            left = (lambda a, b: lambda n, r: _truthy(a(n, r)) and _truthy(b(n, r)))(left, right)
        return left

    def parse_cmp(self) -> Callable[[Any, Any], Any]:
        left = self.parse_unary()
        tok = self.peek()
        if tok and tok[0] == "op" and tok[1] in ("==", "!=", "<", "<=", ">", ">=", "=~"):
            self.take()
            op = tok[1]
            right = self.parse_unary()
            return (lambda a, b, o: lambda n, r: _compare(o, a(n, r), b(n, r)))(left, right, op)
        return left

    def parse_unary(self) -> Callable[[Any, Any], Any]:
        kind, text = self.take()
        if kind == "op" and text == "!":
            inner = self.parse_unary()
            return lambda n, r: not _truthy(inner(n, r))
        if kind == "op" and text == "(":
            inner = self.parse_or()
            if self.take() != ("op", ")"):
                raise JsonPathSyntaxError(f"Invalid JSONPath '{self.whole}': unbalanced filter")
            return inner
        if kind == "num":
            num: Any = float(text) if any(c in text for c in ".eE") else int(text)
            return lambda n, r: num
        if kind == "str":
            value = text[1:-1].replace("\\'", "'").replace('\\"', '"')
            return lambda n, r: value
        if kind == "word":
            lit = {"true": True, "false": False, "null": None}[text]
            return lambda n, r: lit
        if kind == "regex":
            body, _, flags = text[1:].rpartition("/")
            rx = re.compile(body, re.IGNORECASE if "i" in flags else 0)
            return lambda n, r: rx
        if kind == "path":
            sub = compile_path("$" + text[1:])
            if text.startswith("@"):
                return lambda n, r: sub.find(n)
            return lambda n, r: sub.find(r)
        raise JsonPathSyntaxError(f"Invalid JSONPath '{self.whole}': unexpected '{text}'")


def _compare(op: str, a: Any, b: Any) -> bool:
    if a is NOT_FOUND or b is NOT_FOUND:
        return op == "!=" and not (a is NOT_FOUND and b is NOT_FOUND)
    if op == "=~":
        return isinstance(a, str) and isinstance(b, re.Pattern) and b.fullmatch(a) is not None
    if op == "==":
        return _json_equal(a, b)
    if op == "!=":
        return not _json_equal(a, b)
    numeric = (
        isinstance(a, int | float)
        and not isinstance(a, bool)
        and isinstance(b, int | float)
        and not isinstance(b, bool)
    )
    if not numeric and not (isinstance(a, str) and isinstance(b, str)):
        return False
    if op == "<":
        return bool(a < b)
    if op == "<=":
        return bool(a <= b)
    if op == ">":
        return bool(a > b)
    return bool(a >= b)


def _json_equal(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    return bool(a == b)


_CACHE: dict[str, JsonPath] = {}


def compile_path(text: str) -> JsonPath:
    """Compile a JSONPath (surrounding whitespace tolerated); raises JsonPathSyntaxError."""
    cached = _CACHE.get(text)
    if cached is not None:
        return cached
    stripped = text.strip()
    if not stripped:
        raise JsonPathSyntaxError("Invalid JSONPath '': empty")
    path = _Parser(stripped).parse()
    if len(_CACHE) < 4096:
        _CACHE[text] = path
    return path


def is_path_text(text: str) -> bool:
    """Tell whether ``text`` parses as a JSONPath."""
    try:
        compile_path(text)
    except JsonPathSyntaxError:
        return False
    return True
