"""JSON intrinsics: StringToJson, JsonToString, JsonMerge."""

from __future__ import annotations

import json
from typing import Any

from headwater.asl.intrinsics.registry import Entropy, fail, register
from headwater.asl.values import dumps

__all__: list[str] = []


@register("StringToJson", 1)
def _string_to_json(args: list[Any], entropy: Entropy) -> Any:
    text = args[0]
    if not isinstance(text, str):
        raise fail("Invalid arguments in States.StringToJson: expected a string")
    if not text.strip():
        return None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise fail(f"Invalid arguments in States.StringToJson: '{text}' is not valid JSON") from exc


@register("JsonToString", 1)
def _json_to_string(args: list[Any], entropy: Entropy) -> Any:
    return dumps(args[0])


def _merge_deep(left: dict[str, Any], right: dict[str, Any]) -> dict[str, Any]:
    out = dict(left)
    for key, value in right.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge_deep(out[key], value)
        else:
            out[key] = value
    return out


@register("JsonMerge", 3)
def _json_merge(args: list[Any], entropy: Entropy) -> Any:
    left, right, deep = args
    if not isinstance(left, dict) or not isinstance(right, dict):
        raise fail("Invalid arguments in States.JsonMerge: both inputs must be JSON objects")
    if not isinstance(deep, bool):
        raise fail("Invalid arguments in States.JsonMerge: the third argument must be a boolean")
    if deep:
        raise fail(
            "Invalid arguments in States.JsonMerge: deep merging is not supported; pass false"
        )
    return {**left, **right}
