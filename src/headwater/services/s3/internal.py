"""The Python API other services use to read and write objects (Glue jobs, Athena results).

Every write goes through the same path as PutObject: staged file, atomic rename, metadata row
and change record in one transaction, so EventBridge and CloudTrail see jobs' writes as they
see the API's.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from headwater.lake import LakeError
from headwater.services.base import RequestContext
from headwater.services.s3 import errors
from headwater.services.s3._core import S3Core
from headwater.services.s3._values import EventName, check_key, quote_etag
from headwater.store import s3 as port
from headwater.store.s3 import ObjectRecord

__all__ = ["InternalApi"]


class InternalApi(S3Core):
    """In-process object access: bytes, files, streams and local paths."""

    def put_bytes(
        self,
        bucket: str,
        key: str,
        data: bytes,
        *,
        content_type: str | None = None,
        metadata: dict[str, str] | None = None,
        tags: dict[str, str] | None = None,
        ctx: RequestContext | None = None,
        event_name: EventName = EventName.PUT_OBJECT,
    ) -> ObjectRecord:
        """Write ``data`` as ``s3://bucket/key`` and return the new object's record."""
        check_key(key)
        blob = self.lake.write_temp(data)
        assert blob.md5_hex is not None
        try:
            return self._commit_object(
                ctx or self.internal_context("PutObject"),
                bucket=bucket,
                key=key,
                source=blob.path,
                synced=True,
                size=blob.size,
                etag=blob.md5_hex,
                event_name=event_name,
                content_type=content_type,
                metadata=metadata,
                tags=tags,
            )
        except BaseException:
            blob.discard()
            raise

    def put_file(
        self,
        bucket: str,
        key: str,
        path: Path,
        *,
        move: bool = False,
        content_type: str | None = None,
        metadata: dict[str, str] | None = None,
        tags: dict[str, str] | None = None,
        ctx: RequestContext | None = None,
        event_name: EventName = EventName.PUT_OBJECT,
    ) -> ObjectRecord:
        """Store the file at ``path`` as ``s3://bucket/key`` (streamed, never in memory).

        With ``move`` the file itself is renamed into the lake when it is on the lake's file
        system (a job's output written under the staging folder, say), else it is copied and
        then removed; without it, ``path`` is copied and left alone.
        """
        check_key(key)
        size, md5 = _size_and_md5(path)
        source, synced, temp = path, False, None
        if not move or os.stat(path).st_dev != os.stat(self.lake.staging).st_dev:
            with open(path, "rb") as src:
                try:
                    blob = self.lake.copy_to_temp(src, 0, size, md5=False)
                except LakeError as exc:
                    raise errors.internal_error(f"Cannot read {path}: {exc}") from exc
            source, synced, temp = blob.path, True, blob.path
        try:
            record = self._commit_object(
                ctx or self.internal_context("PutObject"),
                bucket=bucket,
                key=key,
                source=source,
                synced=synced,
                size=size,
                etag=md5,
                event_name=event_name,
                content_type=content_type,
                metadata=metadata,
                tags=tags,
            )
        finally:
            if temp is not None:
                temp.unlink(missing_ok=True)
        if move:
            path.unlink(missing_ok=True)
        return record

    @contextmanager
    def writer(
        self,
        bucket: str,
        key: str,
        *,
        content_type: str | None = None,
        metadata: dict[str, str] | None = None,
        ctx: RequestContext | None = None,
    ) -> Iterator[IO[bytes]]:
        """Yield a binary file to write the object into; it is stored when the block ends.

        If the block raises, nothing is stored. ``pyarrow.parquet.write_table(t, f)`` and
        ``shutil.copyfileobj(src, f)`` work on the handle.
        """
        check_key(key)
        temp = self.lake.temp_path()
        try:
            with open(temp, "xb") as handle:
                yield handle
            self.put_file(
                bucket, key, temp, move=True, content_type=content_type, metadata=metadata, ctx=ctx
            )
        finally:
            temp.unlink(missing_ok=True)

    def get_bytes(self, bucket: str, key: str) -> bytes:
        """Return an object's bytes (small objects only)."""
        _, handle = self.open_object(bucket, key)
        with handle:
            return handle.read()

    def open_object(self, bucket: str, key: str) -> tuple[ObjectRecord, IO[bytes]]:
        """Return an object's record and a handle on exactly that version; the caller closes it.

        Raises:
            S3Error: NoSuchBucket or NoSuchKey.
        """
        _, obj, handle = self._open_current(bucket, check_key(key))
        return obj, handle

    def head(self, bucket: str, key: str) -> ObjectRecord | None:
        """Return an object's record, or None if the bucket or the key does not exist."""
        with self.env.store.read() as conn:
            return port.get_object(conn, bucket, key)

    def delete_key(self, bucket: str, key: str, *, ctx: RequestContext | None = None) -> bool:
        """Delete an object; True if it existed."""
        removed = self._remove_objects(
            ctx or self.internal_context("DeleteObject"),
            bucket,
            [check_key(key)],
            EventName.DELETE_OBJECT,
        )
        return bool(removed)

    def local_path(self, bucket: str, key: str) -> Path:
        """Return the file holding an object's bytes, for DuckDB, pyarrow and other readers.

        Read it, never write it: writes go through :meth:`put_file` or :meth:`writer`.
        A folder-marker object has no file (its path is the folder).
        """
        with self.env.store.read() as conn:
            self._bucket(conn, bucket)
            obj = self._object(conn, bucket, key)
        return self.lake.path(bucket, obj.storage)

    def local_paths(self, bucket: str, prefix: str = "") -> list[tuple[str, Path]]:
        """Return (key, file) of every object under ``prefix``, in key order.

        Folder markers (keys ending in ``/`` with no bytes) are left out. Use this rather than
        globbing the bucket folder: awkward keys live in the side folder.
        """
        found: list[tuple[str, Path]] = []
        after: str | None = None
        with self.env.store.read() as conn:
            self._bucket(conn, bucket)
            while True:
                batch = port.list_objects(conn, bucket, prefix=prefix, after=after, limit=1000)
                for obj in batch:
                    if not obj.storage.endswith("/"):
                        found.append((obj.key, self.lake.path(bucket, obj.storage)))
                if len(batch) < 1000:
                    return found
                after = batch[-1].key

    def bucket_path(self, bucket: str) -> Path:
        """Return the bucket's folder in the lake."""
        return self.lake.bucket_dir(bucket)

    def etag_of(self, record: ObjectRecord) -> str:
        """Return a record's ETag as S3 sends it (quoted)."""
        return quote_etag(record.etag)

    def copy_out(self, bucket: str, key: str, target: Path) -> int:
        """Copy an object's bytes to ``target`` (streamed); return the byte count."""
        _, handle = self.open_object(bucket, key)
        with handle, open(target, "wb") as out:
            shutil.copyfileobj(handle, out, 1 << 20)
            return out.tell()


def _size_and_md5(path: Path) -> tuple[int, str]:
    digest = hashlib.md5(usedforsecurity=False)
    size = 0
    with open(path, "rb") as src:
        while chunk := src.read(1 << 20):
            digest.update(chunk)
            size += len(chunk)
    return size, digest.hexdigest()
