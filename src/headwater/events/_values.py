r"""Value semantics shared by the pattern compiler and the matcher: numbers, IP addresses, globs.

These follow AWS's event-ruler: numeric operands must lie in [-5e9, 5e9]; IP literals are
recognised by event-ruler's two regular expressions and parsed like Java's ``InetAddress``
(IPv4-mapped IPv6 becomes IPv4); a CIDR's range starts at the address as written, not at the
network address; ``*`` in a wildcard matches any run of characters and ``\\*`` / ``\\\\`` are
the only escapes.
"""

from __future__ import annotations

import ipaddress
import re

__all__ = [
    "FIVE_BILLION",
    "IllegalArgument",
    "cidr_range",
    "glob_match",
    "parse_ip",
    "parse_wildcard",
    "to_number",
    "check_comparable",
]

FIVE_BILLION = 5e9
_IPV4 = re.compile(r"[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+")
_IPV6 = re.compile(r"[0-9a-fA-F:]*:[0-9a-fA-F:]*")
_JAVA_INT = re.compile(r"[+-]?[0-9]+")


class IllegalArgument(Exception):
    """An ``IllegalArgumentException`` inside event-ruler: AWS reports it without a location."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def to_number(text: str) -> int | float:
    """A JSON number token as a Python number (integers stay exact)."""
    if "." in text or "e" in text or "E" in text:
        return float(text)
    return int(text)


def check_comparable(text: str) -> float:
    """Event-ruler's ``ComparableNumber``: the operand as a double, within +/-5e9."""
    value = float(text)
    if not -FIVE_BILLION <= value <= FIVE_BILLION:
        raise IllegalArgument("Value must be between -5.0E9 and 5.0E9, inclusive")
    return value


def _ipv4_value(text: str) -> int | None:
    value = 0
    for part in text.split("."):
        octet = int(part)
        if octet > 255:
            return None
        value = value * 256 + octet
    return value


def parse_ip(text: str) -> tuple[int, int] | None:
    """``(bits, value)`` for an IP literal (32 or 128 bits), ``None`` if ``text`` is not one."""
    if _IPV4.fullmatch(text):
        v4 = _ipv4_value(text)
        return None if v4 is None else (32, v4)
    if _IPV6.fullmatch(text):
        try:
            addr = ipaddress.IPv6Address(text)
        except ValueError:
            return None
        mapped = addr.ipv4_mapped
        if mapped is not None:
            return 32, int(mapped)
        return 128, int(addr)
    return None


def _ip_bytes(text: str) -> tuple[int, int]:
    if _IPV4.fullmatch(text) or _IPV6.fullmatch(text):
        parsed = parse_ip(text)
        if parsed is None:
            raise IllegalArgument(f"Invalid IP address: {text}")
        return parsed
    raise IllegalArgument(f"Nonstandard IP address: {text}")


def cidr_range(text: str) -> tuple[int, int, int]:
    """``(bits, low, high)`` of a ``cidr`` operand, with event-ruler's error messages."""
    parts = text.split("/")
    while parts and parts[-1] == "":  # Java's String.split drops trailing empty strings
        parts.pop()
    if len(parts) != 2:
        raise IllegalArgument("Malformed CIDR, one '/' required")
    if not _JAVA_INT.fullmatch(parts[1]) or not -(2**31) <= int(parts[1]) < 2**31:
        raise IllegalArgument("Malformed CIDR, mask bits must be an integer")
    mask = int(parts[1])
    if mask < 0:
        raise IllegalArgument("Malformed CIDR, mask bits must not be negative")
    bits, value = _ip_bytes(parts[0])
    if bits == 32 and mask > 31:
        raise IllegalArgument("IPv4 mask bits must be < 32")
    if bits == 128 and mask > 127:
        raise IllegalArgument("IPv6 mask bits must be < 128")
    return bits, value, value | ((1 << (bits - mask)) - 1)


def parse_wildcard(text: str) -> tuple[str, ...]:
    """The literal segments between a wildcard's unescaped ``*`` characters.

    Raises:
        ValueError: with event-ruler's message; positions are UTF-8 byte offsets in the value
            with its surrounding quotes, as event-ruler counts them.
    """
    segments: list[str] = []
    current: list[str] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch == "*":
            if i + 1 < n and text[i + 1] == "*":
                raise ValueError(f"Consecutive wildcard characters at pos {_byte_pos(text, i)}")
            segments.append("".join(current))
            current = []
        elif ch == "\\":
            if i + 1 < n and text[i + 1] in "*\\":
                current.append(text[i + 1])
                i += 2
                continue
            raise ValueError(f"Invalid escape character at pos {_byte_pos(text, i)}")
        else:
            current.append(ch)
        i += 1
    segments.append("".join(current))
    return tuple(segments)


def _byte_pos(text: str, index: int) -> int:
    return 1 + len(text[:index].encode("utf-8"))


def glob_match(segments: tuple[str, ...], value: str) -> bool:
    """Whether ``value`` matches a parsed wildcard (linear time: no regex backtracking)."""
    if len(segments) == 1:
        return value == segments[0]
    head, tail = segments[0], segments[-1]
    if len(value) < len(head) + len(tail) or not value.startswith(head) or not value.endswith(tail):
        return False
    pos, end = len(head), len(value) - len(tail)
    for segment in segments[1:-1]:
        found = value.find(segment, pos, end)
        if found < 0:
            return False
        pos = found + len(segment)
    return True
