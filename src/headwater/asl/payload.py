"""JSONPath payload templates (Parameters, ResultSelector, ItemSelector, Assign, ...).

Keys ending in ``.$`` take a path (``$``, ``$$``, ``$var``) or an intrinsic call; everything
else is copied. Compiled once; a template without dynamic parts evaluates to a shared constant.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from headwater.asl.context import EvalContext
from headwater.asl.intrinsics import (
    Intrinsic,
    IntrinsicSyntaxError,
    compile_intrinsic,
    looks_like_intrinsic,
)
from headwater.asl.jsonpath import JsonPath, JsonPathSyntaxError, compile_path

__all__ = ["PayloadTemplate", "TemplateError", "compile_payload"]


class TemplateError(ValueError):
    """A payload template is invalid; ``field`` names the offending key, ``location`` its path."""

    def __init__(self, message: str, location: str) -> None:
        super().__init__(message)
        self.message = message
        self.location = location


@dataclass(frozen=True, slots=True)
class _Const:
    value: Any

    def evaluate(self, ctx: EvalContext, doc: Any) -> Any:
        value = self.value
        if isinstance(value, dict | list):
            return copy.deepcopy(value)
        return value


@dataclass(frozen=True, slots=True)
class _Path:
    path: JsonPath
    field_name: str

    def evaluate(self, ctx: EvalContext, doc: Any) -> Any:
        return ctx.resolve(self.path, doc, self.field_name)


@dataclass(frozen=True, slots=True)
class _Call:
    call: Intrinsic
    field_name: str

    def evaluate(self, ctx: EvalContext, doc: Any) -> Any:
        return self.call.evaluate(lambda p: ctx.resolve(p, doc, self.field_name), ctx.entropy)


@dataclass(frozen=True, slots=True)
class _Obj:
    entries: tuple[tuple[str, Any], ...]

    def evaluate(self, ctx: EvalContext, doc: Any) -> Any:
        return {key: node.evaluate(ctx, doc) for key, node in self.entries}


@dataclass(frozen=True, slots=True)
class _Arr:
    items: tuple[Any, ...]

    def evaluate(self, ctx: EvalContext, doc: Any) -> Any:
        return [node.evaluate(ctx, doc) for node in self.items]


@dataclass(frozen=True, slots=True)
class PayloadTemplate:
    """A compiled payload template."""

    root: Any
    variables: frozenset[str]

    def evaluate(self, ctx: EvalContext, doc: Any) -> Any:
        """Build the payload from ``doc`` (the effective input) and the context."""
        return self.root.evaluate(ctx, doc)


def _compile_value(key: str, text: Any, location: str, refs: set[str]) -> Any:
    if not isinstance(text, str):
        raise TemplateError(f"The value for the field '{key}' must be a STRING", location)
    stripped = text.strip()
    if looks_like_intrinsic(stripped):
        try:
            call = compile_intrinsic(stripped)
        except IntrinsicSyntaxError as exc:
            raise TemplateError(
                f"The value for the field '{key}' must be a valid JSONPath or a valid "
                f"intrinsic function call",
                location,
            ) from exc
        for p in call.paths():
            if p.variable:
                refs.add(p.variable)
        return _Call(call, key)
    try:
        path = compile_path(stripped)
    except JsonPathSyntaxError as exc:
        raise TemplateError(
            f"The value for the field '{key}' must be a valid JSONPath or a valid intrinsic "
            f"function call",
            location,
        ) from exc
    if path.variable:
        refs.add(path.variable)
    return _Path(path, key)


def _compile(value: Any, location: str, refs: set[str]) -> Any:
    if isinstance(value, dict):
        entries: list[tuple[str, Any]] = []
        dynamic = False
        for key, sub in value.items():
            if key.endswith(".$"):
                entries.append((key[:-2], _compile_value(key, sub, location, refs)))
                dynamic = True
            else:
                node = _compile(sub, f"{location}/{key}", refs)
                dynamic = dynamic or not isinstance(node, _Const)
                entries.append((key, node))
        if not dynamic:
            return _Const(value)
        return _Obj(tuple(entries))
    if isinstance(value, list):
        items = [_compile(sub, f"{location}/{i}", refs) for i, sub in enumerate(value)]
        if all(isinstance(node, _Const) for node in items):
            return _Const(value)
        return _Arr(tuple(items))
    return _Const(value)


def compile_payload(value: Any, location: str) -> PayloadTemplate:
    """Compile a JSONPath-language payload template; raises TemplateError."""
    refs: set[str] = set()
    return PayloadTemplate(root=_compile(value, location, refs), variables=frozenset(refs))
