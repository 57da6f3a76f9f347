"""The intrinsic-function registry: name -> implementation and arity, filled by the families."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from headwater.asl.errors import StatesError, StatesFailure

__all__ = ["REGISTRY", "Entropy", "IntrinsicSpec", "fail", "register"]


class Entropy(Protocol):
    """The injected source of randomness (see :class:`headwater.asl.entropy.SplitMix`)."""

    def random(self) -> float:
        """Return a float in [0, 1)."""
        ...

    def uuid4(self) -> str:
        """Return a random version-4 UUID string."""
        ...


@dataclass(frozen=True, slots=True, kw_only=True)
class IntrinsicSpec:
    """One intrinsic: its implementation and how many arguments it takes."""

    name: str
    fn: Callable[[list[Any], Entropy], Any]
    min_args: int
    max_args: int | None


REGISTRY: dict[str, IntrinsicSpec] = {}


def register(
    name: str, min_args: int, max_args: int | None = -1
) -> Callable[[Callable[[list[Any], Entropy], Any]], Callable[[list[Any], Entropy], Any]]:
    """Register ``fn`` as ``States.<name>``; ``max_args`` -1 means exactly ``min_args``."""

    def deco(fn: Callable[[list[Any], Entropy], Any]) -> Callable[[list[Any], Entropy], Any]:
        full = f"States.{name}"
        REGISTRY[full] = IntrinsicSpec(
            name=full, fn=fn, min_args=min_args, max_args=min_args if max_args == -1 else max_args
        )
        return fn

    return deco


def fail(cause: str) -> StatesFailure:
    """A States.IntrinsicFailure with ``cause`` (to raise)."""
    return StatesFailure(StatesError.INTRINSIC_FAILURE, cause)
