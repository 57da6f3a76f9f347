"""Reading samples of objects through the caller's range reader, without touching storage.

The crawler never opens paths: the caller hands it an :class:`ObjectReader` (``read(bucket,
key, offset, length) -> bytes``, S3's ranged GetObject) and :class:`ObjectSample` turns that
into the two views classifiers need: the decompressed head of a text object and a seekable
file for columnar footers (pyarrow reads Parquet and ORC metadata through it).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from headwater.catalog.compression import Compression, decompress_sample, detect_compression
from headwater.catalog.errors import ClassificationError

__all__ = ["ObjectReader", "ObjectSample", "RangeFile", "S3Object"]


class ObjectReader(Protocol):
    """Reads ``length`` bytes of an object from ``offset`` (fewer at its end)."""

    def __call__(self, bucket: str, key: str, offset: int, length: int) -> bytes:
        """The bytes ``[offset, offset + length)`` of ``s3://bucket/key``."""
        ...


@dataclass(frozen=True, slots=True, kw_only=True)
class S3Object:
    """One entry of a ListObjectsV2 listing."""

    key: str
    size: int
    last_modified: datetime | None = None
    etag: str | None = None


class RangeFile(io.RawIOBase):
    """A read-only, seekable file over an object, fetched by ranges on demand."""

    def __init__(self, reader: ObjectReader, bucket: str, key: str, size: int) -> None:
        super().__init__()
        self._reader = reader
        self._bucket = bucket
        self._key = key
        self._size = size
        self._pos = 0

    def readable(self) -> bool:
        """Always true."""
        return True

    def seekable(self) -> bool:
        """Always true."""
        return True

    def tell(self) -> int:
        """The current position."""
        return self._pos

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        """Move the position; returns it."""
        if whence == io.SEEK_SET:
            self._pos = offset
        elif whence == io.SEEK_CUR:
            self._pos += offset
        else:
            self._pos = self._size + offset
        self._pos = max(0, self._pos)
        return self._pos

    def readinto(self, buffer: memoryview | bytearray) -> int:  # type: ignore[override]
        """Fill ``buffer`` from the current position."""
        want = min(len(buffer), max(0, self._size - self._pos))
        if want <= 0:
            return 0
        data = self._reader(self._bucket, self._key, self._pos, want)
        n = len(data)
        buffer[:n] = data
        self._pos += n
        return n

    def read(self, size: int = -1) -> bytes:
        """Read ``size`` bytes (all that remain when negative)."""
        if size is None or size < 0:
            size = max(0, self._size - self._pos)
        size = min(size, max(0, self._size - self._pos))
        if size == 0:
            return b""
        data = self._reader(self._bucket, self._key, self._pos, size)
        self._pos += len(data)
        return data

    def size(self) -> int:
        """The object's size in bytes."""
        return self._size


class ObjectSample:
    """Lazy views of one object for the classifiers, each read at most once."""

    def __init__(
        self,
        reader: ObjectReader,
        bucket: str,
        obj: S3Object,
        *,
        sample_bytes: int,
    ) -> None:
        self.reader = reader
        self.bucket = bucket
        self.obj = obj
        self.key = obj.key
        self.size = obj.size
        self.sample_bytes = sample_bytes
        self._head: bytes | None = None
        self._text: bytes | None = None
        self._compression: Compression | None = None

    def _read(self, offset: int, length: int) -> bytes:
        try:
            return self.reader(self.bucket, self.key, offset, length)
        except ClassificationError:
            raise
        except Exception as exc:
            raise ClassificationError(self.key, f"cannot read object: {exc}") from exc

    @property
    def head(self) -> bytes:
        """The first ``sample_bytes`` raw bytes."""
        if self._head is None:
            self._head = self._read(0, min(self.size, self.sample_bytes))
        return self._head

    @property
    def raw_complete(self) -> bool:
        """True when :attr:`head` holds the whole object."""
        return len(self.head) >= self.size

    @property
    def compression(self) -> Compression:
        """The codec of a text object (``none`` for plain and for columnar files)."""
        if self._compression is None:
            self._compression = detect_compression(self.key, self.head[:16])
        return self._compression

    @property
    def text(self) -> bytes:
        """The decompressed head, at most ``sample_bytes`` long."""
        if self._text is None:
            self._text = decompress_sample(self.key, self.head, self.compression, self.sample_bytes)
        return self._text

    @property
    def text_complete(self) -> bool:
        """True when :attr:`text` holds the whole (decompressed) content."""
        return self.raw_complete and len(self.text) < self.sample_bytes

    def tail(self, length: int) -> bytes:
        """The last ``length`` bytes."""
        start = max(0, self.size - length)
        if self.raw_complete:
            return self.head[start:]
        return self._read(start, self.size - start)

    def open(self) -> RangeFile:
        """A seekable file over the object (for footers)."""
        return RangeFile(self._guarded_reader, self.bucket, self.key, self.size)

    def _guarded_reader(self, bucket: str, key: str, offset: int, length: int) -> bytes:
        if self.raw_complete and offset + length <= len(self.head):
            return self.head[offset : offset + length]
        return self._read(offset, length)
