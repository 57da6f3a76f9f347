"""Deterministic, seedable randomness (SplitMix64) whose state lives in the execution state."""

from __future__ import annotations

__all__ = ["SplitMix"]

_MASK = (1 << 64) - 1


class SplitMix:
    """A SplitMix64 generator: ``SplitMix(seed, counter)``; persist ``(seed, counter)``."""

    __slots__ = ("counter", "seed")

    def __init__(self, seed: int, counter: int = 0) -> None:
        self.seed = seed & _MASK
        self.counter = counter

    def next_u64(self) -> int:
        """Return the next 64-bit unsigned integer."""
        self.counter += 1
        z = (self.seed + self.counter * 0x9E3779B97F4A7C15) & _MASK
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK
        return z ^ (z >> 31)

    def random(self) -> float:
        """Return a float in [0, 1)."""
        return (self.next_u64() >> 11) / float(1 << 53)

    def uuid4(self) -> str:
        """Return a random version-4 UUID string."""
        value = (self.next_u64() << 64) | self.next_u64()
        value = (value & ~(0xF << 76)) | (0x4 << 76)
        value = (value & ~(0x3 << 62)) | (0x2 << 62)
        h = f"{value:032x}"
        return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"
