"""Validation of parsed parameters against an operation's input shape, in AWS's words.

Messages follow the AWS (Coral) form: ``1 validation error detected: Value null at 'name'
failed to satisfy constraint: Member must not be null``; members are named in lowerCamelCase,
list items as ``tags.1.member.key``.
"""

from __future__ import annotations

import functools
import re
from typing import Any

from botocore.model import Shape

__all__ = ["validation_errors", "format_validation_message"]

_STREAMING_TYPES = ("blob",)


def _camel(name: str) -> str:
    return name[:1].lower() + name[1:] if name else name


def _show(value: Any) -> str:
    if isinstance(value, str):
        return f"'{value}'"
    if isinstance(value, bool):
        return "'true'" if value else "'false'"
    if isinstance(value, int | float):
        return f"'{value}'"
    return f"'{value}'"


@functools.lru_cache(maxsize=2048)
def _pattern(text: str) -> re.Pattern[str] | None:
    try:
        return re.compile(text)
    except re.error:
        return None  # a Java-only construct; AWS's own check stays unenforced here


def validation_errors(
    shape: Shape | None, params: Any, *, check_constraints: bool = True, path: str = ""
) -> list[str]:
    """Return every constraint ``params`` breaks, as AWS phrases each one."""
    if shape is None:
        return []
    errors: list[str] = []
    _check(shape, params, path, errors, check_constraints)
    return errors


def format_validation_message(errors: list[str]) -> str:
    """Join errors the way AWS does."""
    n = len(errors)
    noun = "error" if n == 1 else "errors"
    return f"{n} validation {noun} detected: " + "; ".join(errors)


def _check(shape: Shape, value: Any, path: str, errors: list[str], constraints: bool) -> None:
    kind = shape.type_name
    meta = shape.metadata
    if kind == "structure":
        if not isinstance(value, dict):
            return
        for name in shape.required_members:
            if value.get(name) is None:
                where = f"{path}.{_camel(name)}" if path else _camel(name)
                errors.append(
                    f"Value null at '{where}' failed to satisfy constraint: Member must not be null"
                )
        for name, member in shape.members.items():
            if name in value and value[name] is not None:
                where = f"{path}.{_camel(name)}" if path else _camel(name)
                _check(member, value[name], where, errors, constraints)
        return
    if not constraints:
        return
    if kind == "list":
        if isinstance(value, list):
            _length(meta, len(value), value, path, errors)
            for i, item in enumerate(value):
                _check(shape.member, item, f"{path}.{i + 1}.member", errors, constraints)
        return
    if kind == "map":
        if isinstance(value, dict):
            _length(meta, len(value), value, path, errors)
            for k, item in value.items():
                _check(shape.value, item, f"{path}.{k}", errors, constraints)
        return
    if kind == "string" and isinstance(value, str):
        _length(meta, len(value), value, path, errors)
        enum = shape.enum
        if enum and value not in enum:
            errors.append(
                f"Value {_show(value)} at '{path}' failed to satisfy constraint: "
                f"Member must satisfy enum value set: [{', '.join(enum)}]"
            )
        pattern = meta.get("pattern")
        if pattern:
            compiled = _pattern(pattern)
            if compiled is not None and compiled.fullmatch(value) is None:
                errors.append(
                    f"Value {_show(value)} at '{path}' failed to satisfy constraint: "
                    f"Member must satisfy regular expression pattern: {pattern}"
                )
        return
    if kind in ("integer", "long", "float", "double") and isinstance(value, int | float):
        low, high = meta.get("min"), meta.get("max")
        if low is not None and value < low:
            errors.append(
                f"Value {_show(value)} at '{path}' failed to satisfy constraint: "
                f"Member must have value greater than or equal to {low}"
            )
        if high is not None and value > high:
            errors.append(
                f"Value {_show(value)} at '{path}' failed to satisfy constraint: "
                f"Member must have value less than or equal to {high}"
            )


def _length(meta: dict[str, Any], length: int, value: Any, path: str, errors: list[str]) -> None:
    low, high = meta.get("min"), meta.get("max")
    if low is not None and length < low:
        errors.append(
            f"Value {_show(value)} at '{path}' failed to satisfy constraint: "
            f"Member must have length greater than or equal to {low}"
        )
    if high is not None and length > high:
        errors.append(
            f"Value {_show(value)} at '{path}' failed to satisfy constraint: "
            f"Member must have length less than or equal to {high}"
        )
