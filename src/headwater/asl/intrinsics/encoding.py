"""Encoding intrinsics: Base64Encode, Base64Decode, Hash."""

from __future__ import annotations

import base64
import binascii
import hashlib
from typing import Any

from headwater.asl.intrinsics.registry import Entropy, fail, register

__all__: list[str] = []

_MAX_INPUT = 10_000
_ALGORITHMS = {
    "MD5": "md5",
    "SHA-1": "sha1",
    "SHA-256": "sha256",
    "SHA-384": "sha384",
    "SHA-512": "sha512",
}


def _string(fn: str, value: Any) -> str:
    if not isinstance(value, str):
        raise fail(f"Invalid arguments in {fn}: expected a string")
    if len(value) > _MAX_INPUT:
        raise fail(
            f"Invalid arguments in {fn}: the input string cannot be longer than "
            f"{_MAX_INPUT} characters"
        )
    return value


@register("Base64Encode", 1)
def _b64encode(args: list[Any], entropy: Entropy) -> Any:
    text = _string("States.Base64Encode", args[0])
    return base64.b64encode(text.encode("utf-8")).decode("ascii")


@register("Base64Decode", 1)
def _b64decode(args: list[Any], entropy: Entropy) -> Any:
    text = _string("States.Base64Decode", args[0])
    try:
        return base64.b64decode(text, validate=False).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError) as exc:
        raise fail(
            "Invalid arguments in States.Base64Decode: the input is not valid base64"
        ) from exc


@register("Hash", 2)
def _hash(args: list[Any], entropy: Entropy) -> Any:
    data, algorithm = args
    if data is None:
        raise fail("Invalid arguments in States.Hash: the data to hash cannot be null")
    if not isinstance(data, str):
        raise fail("Invalid arguments in States.Hash: the data to hash must be a string")
    _string("States.Hash", data)
    name = _ALGORITHMS.get(algorithm) if isinstance(algorithm, str) else None
    if name is None:
        raise fail(
            f"Invalid arguments in States.Hash: unsupported algorithm {algorithm}; "
            f"use one of {', '.join(_ALGORITHMS)}"
        )
    return hashlib.new(name, data.encode("utf-8")).hexdigest()
