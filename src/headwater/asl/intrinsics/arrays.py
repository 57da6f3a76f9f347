"""Array intrinsics: Array, ArrayPartition, ArrayContains, ArrayRange, ArrayGetItem, ...Unique."""

from __future__ import annotations

from typing import Any

from headwater.asl.intrinsics.registry import Entropy, fail, register
from headwater.asl.values import dumps, is_number

__all__: list[str] = []


def _array(fn: str, value: Any) -> list[Any]:
    if not isinstance(value, list):
        raise fail(f"Invalid arguments in {fn}: expected an array but got {dumps(value)}")
    return value


def _integer(fn: str, value: Any) -> int:
    if is_number(value) and float(value).is_integer():
        return int(value)
    raise fail(f"Invalid arguments in {fn}: expected an integer but got {dumps(value)}")


def _equal(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    return bool(a == b)


@register("Array", 0, None)
def _states_array(args: list[Any], entropy: Entropy) -> Any:
    return list(args)


@register("ArrayPartition", 2)
def _array_partition(args: list[Any], entropy: Entropy) -> Any:
    items = _array("States.ArrayPartition", args[0])
    size = _integer("States.ArrayPartition", args[1])
    if size <= 0:
        raise fail(
            "Invalid arguments in States.ArrayPartition: chunk size must be "
            f"greater than 0 but was {size}"
        )
    return [items[i : i + size] for i in range(0, len(items), size)]


@register("ArrayContains", 2)
def _array_contains(args: list[Any], entropy: Entropy) -> Any:
    items = _array("States.ArrayContains", args[0])
    return any(_equal(item, args[1]) for item in items)


@register("ArrayRange", 3)
def _array_range(args: list[Any], entropy: Entropy) -> Any:
    start = _integer("States.ArrayRange", args[0])
    end = _integer("States.ArrayRange", args[1])
    step = _integer("States.ArrayRange", args[2])
    if step == 0:
        raise fail("Invalid arguments in States.ArrayRange: step cannot be 0")
    out = list(range(start, end + (1 if step > 0 else -1), step))
    if len(out) > 1000:
        raise fail(
            "Invalid arguments in States.ArrayRange: the array cannot have more than 1000 items"
        )
    return out


@register("ArrayGetItem", 2)
def _array_get_item(args: list[Any], entropy: Entropy) -> Any:
    items = _array("States.ArrayGetItem", args[0])
    index = _integer("States.ArrayGetItem", args[1])
    if not 0 <= index < len(items):
        raise fail(
            f"Invalid arguments in States.ArrayGetItem: index {index} is out of bounds "
            f"for an array of length {len(items)}"
        )
    return items[index]


@register("ArrayLength", 1)
def _array_length(args: list[Any], entropy: Entropy) -> Any:
    return len(_array("States.ArrayLength", args[0]))


@register("ArrayUnique", 1)
def _array_unique(args: list[Any], entropy: Entropy) -> Any:
    out: list[Any] = []
    for item in _array("States.ArrayUnique", args[0]):
        if not any(_equal(item, seen) and type(item) is type(seen) for seen in out):
            out.append(item)
    return out
