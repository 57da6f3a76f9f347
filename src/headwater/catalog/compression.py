"""Compressed objects: detect the codec and inflate a (possibly truncated) sample.

The crawler reads only the head of a text object, so decompression must tolerate a cut-off
stream: gzip, bzip2, zstd and lz4 frames are inflated incrementally as far as the bytes go;
snappy is decoded block by block (raw, Hadoop-framed and the ``sNaPpY`` framing format).
"""

from __future__ import annotations

import bz2
import zlib
from enum import StrEnum

from headwater.catalog.errors import ClassificationError

__all__ = ["Compression", "decompress_sample", "detect_compression"]


class Compression(StrEnum):
    """Codec names as the crawler writes them into ``compressionType``."""

    NONE = "none"
    GZIP = "gzip"
    BZIP2 = "bzip2"
    SNAPPY = "snappy"
    ZSTD = "zstd"
    LZ4 = "lz4"


_EXTENSIONS = {
    ".gz": Compression.GZIP,
    ".gzip": Compression.GZIP,
    ".bz2": Compression.BZIP2,
    ".bzip2": Compression.BZIP2,
    ".snappy": Compression.SNAPPY,
    ".sz": Compression.SNAPPY,
    ".zst": Compression.ZSTD,
    ".zstd": Compression.ZSTD,
    ".lz4": Compression.LZ4,
}
_SNAPPY_STREAM = b"\xff\x06\x00\x00sNaPpY"


def detect_compression(key: str, head: bytes) -> Compression:
    """The codec of an object, from its magic bytes first and then its name.

    Parquet, ORC and Avro files compress internally and are reported as ``none``.
    """
    if head.startswith(b"\x1f\x8b"):
        return Compression.GZIP
    if head.startswith(b"BZh") and len(head) > 3 and head[3:4].isdigit():
        return Compression.BZIP2
    if head.startswith(b"\x28\xb5\x2f\xfd"):
        return Compression.ZSTD
    if head.startswith(b"\x04\x22\x4d\x18"):
        return Compression.LZ4
    if head.startswith(_SNAPPY_STREAM):
        return Compression.SNAPPY
    name = key.rsplit("/", 1)[-1].lower()
    for ext, codec in _EXTENSIONS.items():
        if name.endswith(ext):
            if codec is Compression.SNAPPY and (name.endswith(".parquet") or ".snappy." in name):
                continue
            return codec
    return Compression.NONE


def _inflate_gzip(data: bytes, limit: int) -> bytes:
    out = bytearray()
    while data and len(out) < limit:
        decoder = zlib.decompressobj(wbits=31)
        try:
            out += decoder.decompress(data, limit - len(out))
        except zlib.error as exc:
            if out:
                break
            raise ValueError(str(exc)) from exc
        # Concatenated gzip members (``cat a.gz b.gz``) continue after the end of the first.
        data = decoder.unused_data if decoder.eof else b""
    return bytes(out)


def _inflate_bz2(data: bytes, limit: int) -> bytes:
    out = bytearray()
    while data and len(out) < limit:
        decoder = bz2.BZ2Decompressor()
        try:
            out += decoder.decompress(data, limit - len(out))
        except (OSError, EOFError) as exc:
            if out:
                break
            raise ValueError(str(exc)) from exc
        data = decoder.unused_data if decoder.eof else b""
    return bytes(out)


def _varint(data: bytes, pos: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        if pos >= len(data):
            raise ValueError("truncated varint")
        byte = data[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return result, pos
        shift += 7


def _snappy_raw(block: bytes) -> bytes:
    """Decode one raw snappy block (the format every snappy framing wraps)."""
    length, pos = _varint(block, 0)
    out = bytearray()
    while pos < len(block) and len(out) < length:
        tag = block[pos]
        pos += 1
        kind = tag & 3
        if kind == 0:
            size = tag >> 2
            if size >= 60:
                extra = size - 59
                size = int.from_bytes(block[pos : pos + extra], "little")
                pos += extra
            size += 1
            out += block[pos : pos + size]
            pos += size
            continue
        if kind == 1:
            size = ((tag >> 2) & 7) + 4
            offset = ((tag >> 5) << 8) | block[pos]
            pos += 1
        elif kind == 2:
            size = (tag >> 2) + 1
            offset = int.from_bytes(block[pos : pos + 2], "little")
            pos += 2
        else:
            size = (tag >> 2) + 1
            offset = int.from_bytes(block[pos : pos + 4], "little")
            pos += 4
        if offset <= 0 or offset > len(out):
            raise ValueError("bad snappy copy offset")
        for _ in range(size):
            out.append(out[-offset])
    return bytes(out)


def _inflate_snappy(data: bytes, limit: int) -> bytes:
    out = bytearray()
    if data.startswith(_SNAPPY_STREAM):
        pos = len(_SNAPPY_STREAM)
        while pos + 4 <= len(data) and len(out) < limit:
            kind = data[pos]
            size = int.from_bytes(data[pos + 1 : pos + 4], "little")
            chunk = data[pos + 4 : pos + 4 + size]
            pos += 4 + size
            if len(chunk) < size:
                break
            if kind == 0x00:
                out += _snappy_raw(chunk[4:])
            elif kind == 0x01:
                out += chunk[4:]
        return bytes(out[:limit])
    # Hadoop's block framing: [uncompressed length][compressed length][raw block]...
    pos = 0
    hadoop = True
    while pos + 8 <= len(data) and len(out) < limit:
        total = int.from_bytes(data[pos : pos + 4], "big")
        size = int.from_bytes(data[pos + 4 : pos + 8], "big")
        if total <= 0 or size <= 0 or size > total + total // 6 + 64:
            hadoop = False
            break
        block = data[pos + 8 : pos + 8 + size]
        if len(block) < size:
            break
        out += _snappy_raw(block)
        pos += 8 + size
    if hadoop and out:
        return bytes(out[:limit])
    return _snappy_raw(data)[:limit]


def _inflate_arrow(codec: str, data: bytes, limit: int) -> bytes:
    import pyarrow as pa  # type: ignore[import-untyped]

    stream = pa.input_stream(pa.py_buffer(data), compression=codec)
    out = bytearray()
    try:
        while len(out) < limit:
            chunk = stream.read(min(65536, limit - len(out)))
            if not chunk:
                break
            out += chunk
    except (OSError, pa.ArrowInvalid) as exc:
        if not out:
            raise ValueError(str(exc)) from exc
    return bytes(out)


def decompress_sample(key: str, data: bytes, codec: Compression, limit: int) -> bytes:
    """Inflate up to ``limit`` bytes of ``data``; a cut-off stream yields what it holds.

    Raises:
        ClassificationError: the bytes are not valid for ``codec``.
    """
    try:
        if codec is Compression.NONE:
            return data[:limit]
        if codec is Compression.GZIP:
            return _inflate_gzip(data, limit)
        if codec is Compression.BZIP2:
            return _inflate_bz2(data, limit)
        if codec is Compression.SNAPPY:
            return _inflate_snappy(data, limit)
        return _inflate_arrow(str(codec), data, limit)
    except (ValueError, IndexError) as exc:
        raise ClassificationError(key, f"cannot decompress {codec} data: {exc}") from exc
