"""Parse an intrinsic-function call into an immutable tree, checked against the registry."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

# Importing the families fills the registry.
from headwater.asl.intrinsics import arrays, encoding, json_fns, math_fns, strings  # noqa: F401
from headwater.asl.intrinsics.registry import REGISTRY, Entropy, IntrinsicSpec
from headwater.asl.jsonpath import JsonPath, JsonPathSyntaxError, compile_path

__all__ = ["Intrinsic", "IntrinsicSyntaxError", "compile_intrinsic", "looks_like_intrinsic"]

Resolver = Callable[[JsonPath], Any]


class IntrinsicSyntaxError(ValueError):
    """The text is not a valid intrinsic-function call."""


@dataclass(frozen=True, slots=True)
class _Literal:
    value: Any

    def evaluate(self, resolve: Resolver, entropy: Entropy) -> Any:
        return self.value


@dataclass(frozen=True, slots=True)
class _PathArg:
    path: JsonPath

    def evaluate(self, resolve: Resolver, entropy: Entropy) -> Any:
        return resolve(self.path)


@dataclass(frozen=True, slots=True)
class Intrinsic:
    """A compiled call ``States.Name(arg, ...)``."""

    text: str
    spec: IntrinsicSpec
    args: tuple[_Literal | _PathArg | Intrinsic, ...]

    @property
    def name(self) -> str:
        """The function's full name, e.g. ``States.Format``."""
        return self.spec.name

    def evaluate(self, resolve: Resolver, entropy: Entropy) -> Any:
        """Evaluate the call; path arguments go through ``resolve``."""
        values = [arg.evaluate(resolve, entropy) for arg in self.args]
        return self.spec.fn(values, entropy)

    def paths(self) -> list[JsonPath]:
        """Every path argument, nested calls included."""
        out: list[JsonPath] = []
        for arg in self.args:
            if isinstance(arg, _PathArg):
                out.append(arg.path)
            elif isinstance(arg, Intrinsic):
                out.extend(arg.paths())
        return out


_NAME = re.compile(r"States\.[A-Za-z0-9]+")
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?")
_PATH_END = set(",)")


def looks_like_intrinsic(text: str) -> bool:
    """Tell whether ``text`` is meant as an intrinsic call (starts with ``States.``)."""
    return text.lstrip().startswith("States.")


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    def error(self, why: str) -> IntrinsicSyntaxError:
        return IntrinsicSyntaxError(f"Invalid intrinsic function call '{self.text}': {why}")

    def skip_ws(self) -> None:
        while self.pos < len(self.text) and self.text[self.pos] in " \t\n\r":
            self.pos += 1

    def call(self) -> Intrinsic:
        start = self.pos
        m = _NAME.match(self.text, self.pos)
        if not m:
            raise self.error("expected a function name")
        name = m.group(0)
        spec = REGISTRY.get(name)
        if spec is None:
            raise self.error(f"unknown function {name}")
        self.pos = m.end()
        self.skip_ws()
        if self.text[self.pos : self.pos + 1] != "(":
            raise self.error("expected '('")
        self.pos += 1
        args: list[_Literal | _PathArg | Intrinsic] = []
        self.skip_ws()
        if self.text[self.pos : self.pos + 1] == ")":
            self.pos += 1
        else:
            while True:
                self.skip_ws()
                args.append(self.arg())
                self.skip_ws()
                ch = self.text[self.pos : self.pos + 1]
                self.pos += 1
                if ch == ")":
                    break
                if ch != ",":
                    raise self.error("expected ',' or ')'")
        n = len(args)
        if n < spec.min_args or (spec.max_args is not None and n > spec.max_args):
            raise self.error(f"wrong number of arguments for {name}")
        return Intrinsic(text=self.text[start : self.pos], spec=spec, args=tuple(args))

    def arg(self) -> _Literal | _PathArg | Intrinsic:
        text = self.text
        ch = text[self.pos : self.pos + 1]
        if ch == "'":
            return _Literal(self.string())
        if ch == "$":
            start = self.pos
            depth = 0
            while self.pos < len(text):
                c = text[self.pos]
                if c == "[":
                    depth += 1
                elif c == "]":
                    depth -= 1
                elif c == "'" and depth > 0:
                    end = text.find("'", self.pos + 1)
                    self.pos = end if end > 0 else len(text)
                elif depth == 0 and c in _PATH_END:
                    break
                self.pos += 1
            try:
                return _PathArg(compile_path(text[start : self.pos].strip()))
            except JsonPathSyntaxError as exc:
                raise self.error(str(exc)) from exc
        if text.startswith("States.", self.pos):
            return self.call()
        m = _NUMBER.match(text, self.pos)
        if m:
            self.pos = m.end()
            num = m.group(0)
            return _Literal(float(num) if any(c in num for c in ".eE") else int(num))
        for word, value in (("true", True), ("false", False), ("null", None)):
            if text.startswith(word, self.pos):
                self.pos += len(word)
                return _Literal(value)
        raise self.error(f"unexpected argument at position {self.pos}")

    def string(self) -> str:
        text = self.text
        self.pos += 1
        buf: list[str] = []
        while self.pos < len(text):
            ch = text[self.pos]
            if ch == "\\":
                nxt = text[self.pos + 1 : self.pos + 2]
                if nxt in ("'", "\\"):
                    buf.append(nxt)
                elif nxt in ("{", "}"):
                    # Kept escaped so that States.Format can tell literal braces apart.
                    buf.append("\\" + nxt)
                else:
                    raise self.error(f"illegal escape '\\{nxt}'")
                self.pos += 2
                continue
            if ch == "'":
                self.pos += 1
                return "".join(buf)
            buf.append(ch)
            self.pos += 1
        raise self.error("unterminated string literal")


def compile_intrinsic(text: str) -> Intrinsic:
    """Compile an intrinsic call; raises IntrinsicSyntaxError."""
    parser = _Parser(text.strip())
    call = parser.call()
    parser.skip_ws()
    if parser.pos != len(parser.text):
        raise parser.error("unexpected text after the call")
    return call
