"""Request bodies: the ``aws-chunked`` content encoding and spooling uploads to disk."""

from __future__ import annotations

import asyncio
import hashlib
import os
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from headwater.services.base import StagedFile
from headwater.services.errors import ServiceError

__all__ = ["ChunkedDecoder", "read_body", "spool_body"]

Receive = Callable[[], Awaitable[dict[str, Any]]]
_FLUSH = 4 << 20


class ChunkedDecoder:
    r"""Incremental decoder of ``Content-Encoding: aws-chunked`` (SigV4 streaming) bodies.

    Each chunk is ``<hex size>[;chunk-signature=...]\\r\\n<data>\\r\\n``; a zero-size chunk
    ends the data and may be followed by trailing headers (``x-amz-checksum-crc32:...``).
    """

    def __init__(self) -> None:
        self._buf = bytearray()
        self._state = "size"
        self._need = 0
        self.trailers: dict[str, str] = {}

    def feed(self, data: bytes) -> bytes:
        """Consume raw bytes and return the decoded payload bytes they complete."""
        self._buf += data
        out = bytearray()
        while True:
            if self._state == "size":
                end = self._buf.find(b"\r\n")
                if end < 0:
                    return bytes(out)
                line = bytes(self._buf[:end]).split(b";", 1)[0].strip()
                del self._buf[: end + 2]
                try:
                    self._need = int(line, 16)
                except ValueError as exc:
                    raise ServiceError(
                        "IncompleteBody", "The request body is not valid aws-chunked data"
                    ) from exc
                self._state = "data" if self._need else "trailer"
            elif self._state == "data":
                take = min(len(self._buf), self._need)
                out += self._buf[:take]
                del self._buf[:take]
                self._need -= take
                if self._need:
                    return bytes(out)
                self._state = "crlf"
            elif self._state == "crlf":
                if len(self._buf) < 2:
                    return bytes(out)
                del self._buf[:2]
                self._state = "size"
            else:
                self._parse_trailers()
                return bytes(out)

    def _parse_trailers(self) -> None:
        text = bytes(self._buf).decode("latin-1")
        for line in text.split("\r\n"):
            if ":" in line:
                k, v = line.split(":", 1)
                self.trailers[k.strip().lower()] = v.strip()


def _is_chunked(headers: dict[str, str]) -> bool:
    sha = headers.get("x-amz-content-sha256", "")
    return sha.startswith("STREAMING-") or "aws-chunked" in headers.get("content-encoding", "")


async def read_body(receive: Receive, headers: dict[str, str], limit: int) -> bytes:
    """Read a whole (small) request body into memory, decoding aws-chunked."""
    decoder = ChunkedDecoder() if _is_chunked(headers) else None
    parts: list[bytes] = []
    total = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise ConnectionError("client disconnected")
        chunk = message.get("body", b"")
        if decoder is not None:
            chunk = decoder.feed(chunk)
        total += len(chunk)
        if total > limit:
            raise ServiceError(
                "RequestEntityTooLargeException",
                f"Request must be smaller than {limit} bytes",
                status=413,
            )
        parts.append(chunk)
        if not message.get("more_body", False):
            return b"".join(parts)


async def spool_body(receive: Receive, headers: dict[str, str], staging: Path) -> StagedFile:
    """Stream a request body into a staging file, hashing it on the way (off the loop)."""
    staging.mkdir(parents=True, exist_ok=True)
    path = staging / f"upload-{uuid.uuid4().hex}"
    decoder = ChunkedDecoder() if _is_chunked(headers) else None
    md5 = hashlib.md5(usedforsecurity=False)
    loop = asyncio.get_running_loop()
    fh = open(path, "wb")  # noqa: SIM115  (closed in finally; written from a worker thread)
    size = 0
    pending: list[bytes] = []
    pending_size = 0

    def flush(data: bytes) -> None:
        md5.update(data)
        fh.write(data)

    try:
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                raise ConnectionError("client disconnected")
            chunk = message.get("body", b"")
            if decoder is not None:
                chunk = decoder.feed(chunk)
            if chunk:
                pending.append(chunk)
                pending_size += len(chunk)
                size += len(chunk)
            more = message.get("more_body", False)
            if pending_size >= _FLUSH or (not more and pending):
                data = pending[0] if len(pending) == 1 else b"".join(pending)
                pending.clear()
                pending_size = 0
                if len(data) > 65536:
                    await loop.run_in_executor(None, flush, data)
                else:
                    flush(data)
            if not more:
                break
        fh.close()
    except BaseException:
        fh.close()
        os.unlink(path)
        raise
    checksums = {
        k: v
        for k, v in (decoder.trailers if decoder else {}).items()
        if k.startswith("x-amz-checksum-")
    }
    for k, v in headers.items():
        if k.startswith("x-amz-checksum-") and k != "x-amz-checksum-algorithm":
            checksums.setdefault(k, v)
    return StagedFile(path=path, size=size, md5_hex=md5.hexdigest(), checksums=checksums)
