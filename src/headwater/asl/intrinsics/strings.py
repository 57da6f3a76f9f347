"""String intrinsics: Format, StringSplit, UUID."""

from __future__ import annotations

from typing import Any

from headwater.asl.intrinsics.registry import Entropy, fail, register
from headwater.asl.values import dumps

__all__: list[str] = []


def _format_arg(value: Any) -> str:
    if isinstance(value, str):
        return value
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    return dumps(value)


@register("Format", 1, None)
def _format(args: list[Any], entropy: Entropy) -> Any:
    template = args[0]
    if not isinstance(template, str):
        raise fail("Invalid arguments in States.Format: the first argument must be a string")
    values = args[1:]
    out: list[str] = []
    used = 0
    i = 0
    while i < len(template):
        ch = template[i]
        if ch == "\\" and template[i + 1 : i + 2] in ("{", "}"):
            out.append(template[i + 1])
            i += 2
            continue
        if template.startswith("{}", i):
            if used >= len(values):
                raise fail(
                    "Invalid arguments in States.Format: the number of arguments does "
                    "not match the number of placeholders"
                )
            out.append(_format_arg(values[used]))
            used += 1
            i += 2
            continue
        out.append(ch)
        i += 1
    if used != len(values):
        raise fail(
            "Invalid arguments in States.Format: the number of arguments does not "
            "match the number of placeholders"
        )
    return "".join(out)


@register("StringSplit", 2)
def _string_split(args: list[Any], entropy: Entropy) -> Any:
    text, delimiters = args
    if not isinstance(text, str) or not isinstance(delimiters, str):
        raise fail("Invalid arguments in States.StringSplit: both arguments must be strings")
    if not delimiters:
        return [text] if text else []
    parts = [text]
    for delim in delimiters:
        parts = [piece for part in parts for piece in part.split(delim)]
    return [part for part in parts if part]


@register("UUID", 0)
def _uuid(args: list[Any], entropy: Entropy) -> Any:
    return entropy.uuid4()
