"""Math intrinsics: MathAdd, MathRandom."""

from __future__ import annotations

import math
from typing import Any

from headwater.asl.intrinsics.registry import Entropy, fail, register
from headwater.asl.values import is_number

__all__: list[str] = []


def _integer(fn: str, value: Any) -> int:
    if is_number(value):
        if isinstance(value, int):
            return value
        if math.isfinite(value):
            # AWS rounds decimal arguments half up (Java's Math.round).
            return math.floor(float(value) + 0.5)
    raise fail(f"Invalid arguments in {fn}: expected a number")


@register("MathAdd", 2)
def _math_add(args: list[Any], entropy: Entropy) -> Any:
    return _integer("States.MathAdd", args[0]) + _integer("States.MathAdd", args[1])


@register("MathRandom", 2, 3)
def _math_random(args: list[Any], entropy: Entropy) -> Any:
    start = _integer("States.MathRandom", args[0])
    end = _integer("States.MathRandom", args[1])
    if end <= start:
        raise fail("Invalid arguments in States.MathRandom: the end must be greater than the start")
    # A seed argument is accepted as AWS accepts it; the injected source stays authoritative.
    return start + int(entropy.random() * (end - start))
