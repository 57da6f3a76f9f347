"""Intrinsic functions (``States.*``): parse once, evaluate many, one module per family.

:func:`compile_intrinsic` turns ``States.Format('x {}', $.a)`` into an :class:`Intrinsic` whose
``evaluate`` takes the resolver of path arguments and an :class:`Entropy` source.
"""

from headwater.asl.intrinsics.parser import (
    Intrinsic,
    IntrinsicSyntaxError,
    compile_intrinsic,
    looks_like_intrinsic,
)
from headwater.asl.intrinsics.registry import REGISTRY, Entropy, IntrinsicSpec

__all__ = [
    "REGISTRY",
    "Entropy",
    "Intrinsic",
    "IntrinsicSpec",
    "IntrinsicSyntaxError",
    "compile_intrinsic",
    "looks_like_intrinsic",
]
