"""The local-folder lake: one folder per bucket, one file per object, atomic writes.

Bytes always reach the lake the same way: a complete temporary file in the staging folder
(same file system) is flushed to disk and then renamed over its final name with
``os.replace``. A reader therefore sees the old object or the new one, never half of one, and
a crash mid-upload leaves only a stray file in staging, which :meth:`LocalLake.clean_staging`
removes at start-up. Nothing is ever rewritten in place, so an open handle keeps reading the
version it opened even while the object is overwritten or deleted.

The lake knows paths, not objects: the caller (the S3 service) keeps each object's *storage*
string (relative to the bucket folder) in its metadata row and hands it back to read, replace
or remove the bytes. Storage strings come in three forms:

- ``raw/2026/data.csv``: the natural path, the key itself;
- ``raw/``: a zero-byte folder marker kept as the folder itself (reads give no bytes);
- ``.headwater-keys/...%~``: the escaped side path of an awkward key (see :mod:`.keys`).
"""

from __future__ import annotations

import errno
import hashlib
import io
import os
import re
import shutil
import stat
import uuid
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import IO

from headwater.lake.errors import LakeError, MissingDataError, PathConflictError, UnsafePathError
from headwater.lake.keys import natural_marker, natural_path, side_path

__all__ = ["Blob", "FsyncPolicy", "LocalLake"]

_COPY_CHUNK = 1 << 20
_TEMP_PREFIX = ".lake-"
_UPLOADS = "uploads"
_UPLOAD_ID = re.compile(r"[A-Za-z0-9_.-]{1,200}")
_O_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_O_CLOEXEC = getattr(os, "O_CLOEXEC", 0)


class FsyncPolicy(StrEnum):
    """How hard a write pushes its bytes to the disk before the rename makes them visible."""

    ALWAYS = "always"  # the file, then its folder: a returned write survives power loss
    FILE = "file"  # the file only: never a torn or empty object, the rename may be lost
    NEVER = "never"  # leave it to the OS (tests, scratch data)


@dataclass(frozen=True, slots=True, kw_only=True)
class Blob:
    """A complete temporary file in the staging folder, ready to be placed or kept as a part."""

    path: Path
    size: int
    md5_hex: str | None = None

    def discard(self) -> None:
        """Delete the temporary file if it is still there."""
        _unlink_quiet(self.path)


class LocalLake:
    """Object bytes under ``root/<bucket>/``, staged through ``staging``."""

    def __init__(
        self, root: Path, staging: Path, *, fsync: FsyncPolicy = FsyncPolicy.ALWAYS
    ) -> None:
        self.root = root
        self.staging = staging
        self.fsync = FsyncPolicy(fsync)
        root.mkdir(parents=True, exist_ok=True)
        staging.mkdir(parents=True, exist_ok=True)

    # -- buckets -------------------------------------------------------------------------

    def bucket_dir(self, bucket: str) -> Path:
        """Return the folder of ``bucket`` (the name must already be a valid bucket name)."""
        if not bucket or "/" in bucket or bucket in (".", "..") or "\x00" in bucket:
            raise UnsafePathError(f"not a bucket folder name: {bucket!r}")
        return self.root / bucket

    def create_bucket(self, bucket: str) -> None:
        """Create the bucket's folder (keeping whatever is already in it)."""
        self.bucket_dir(bucket).mkdir(parents=True, exist_ok=True)

    def delete_bucket(self, bucket: str) -> None:
        """Remove the bucket's folder and whatever is left in it (stray files only)."""
        folder = self.bucket_dir(bucket)
        if folder.is_symlink():
            folder.unlink()
            return
        shutil.rmtree(folder, ignore_errors=True)

    # -- staging -------------------------------------------------------------------------

    def temp_path(self) -> Path:
        """Return a fresh path in the staging folder for a file about to be written."""
        return self.staging / f"{_TEMP_PREFIX}{uuid.uuid4().hex}"

    def write_temp(self, data: bytes | Iterable[bytes]) -> Blob:
        """Write ``data`` to a new temporary file, computing its size and MD5."""
        path = self.temp_path()
        digest = hashlib.md5(usedforsecurity=False)
        size = 0
        chunks: Iterable[bytes] = [data] if isinstance(data, bytes | bytearray) else data
        try:
            with open(path, "xb") as out:
                for chunk in chunks:
                    digest.update(chunk)
                    out.write(chunk)
                    size += len(chunk)
                self._sync_file(out)
        except BaseException:
            _unlink_quiet(path)
            raise
        return Blob(path=path, size=size, md5_hex=digest.hexdigest())

    def copy_to_temp(self, source: IO[bytes], offset: int, length: int, *, md5: bool) -> Blob:
        """Copy ``length`` bytes of an open file from ``offset`` into a new temporary file.

        Without ``md5`` the kernel copies (``copy_file_range``) where it can.
        """
        path = self.temp_path()
        digest = hashlib.md5(usedforsecurity=False) if md5 else None
        try:
            with open(path, "xb") as out:
                _copy_range(source, out, offset, length, digest)
                self._sync_file(out)
        except BaseException:
            _unlink_quiet(path)
            raise
        return Blob(path=path, size=length, md5_hex=digest.hexdigest() if digest else None)

    def concat_to_temp(self, sources: Sequence[Path]) -> Blob:
        """Concatenate files (multipart parts) into a new temporary file, on disk."""
        path = self.temp_path()
        size = 0
        try:
            with open(path, "xb") as out:
                for src in sources:
                    with open(src, "rb") as part:
                        length = os.fstat(part.fileno()).st_size
                        _copy_range(part, out, 0, length, None)
                        size += length
                self._sync_file(out)
        except FileNotFoundError as exc:
            _unlink_quiet(path)
            raise MissingDataError(f"a part file is missing: {exc.filename}") from exc
        except BaseException:
            _unlink_quiet(path)
            raise
        return Blob(path=path, size=size)

    def clean_staging(self, *, live_uploads: Collection[str] = ()) -> int:
        """Remove stray files from staging and the parts of uploads no longer known.

        Call it at start-up, before requests are served: every temporary file left then
        belongs to a request that died with the previous process.

        Returns:
            How many files and upload folders were removed.
        """
        removed = 0
        for entry in os.scandir(self.staging):
            if entry.is_file(follow_symlinks=False) or entry.is_symlink():
                _unlink_quiet(Path(entry.path))
                removed += 1
        uploads = self.staging / _UPLOADS
        if uploads.is_dir():
            keep = set(live_uploads)
            for entry in os.scandir(uploads):
                if entry.name not in keep:
                    shutil.rmtree(entry.path, ignore_errors=True)
                    _unlink_quiet(Path(entry.path))
                    removed += 1
        return removed

    # -- multipart parts -----------------------------------------------------------------

    def _upload_dir(self, upload_id: str) -> Path:
        if not _UPLOAD_ID.fullmatch(upload_id) or upload_id in (".", ".."):
            raise UnsafePathError(f"not an upload id: {upload_id!r}")
        return self.staging / _UPLOADS / upload_id

    def part_file(self, ref: str) -> Path:
        """Return the file of a part reference that :meth:`keep_part` returned."""
        parts = ref.split("/")
        if len(parts) != 3 or parts[0] != _UPLOADS or parts[2] in ("", ".", ".."):
            raise UnsafePathError(f"not a part reference: {ref!r}")
        return self._upload_dir(parts[1]) / parts[2]

    def keep_part(self, upload_id: str, part_number: int, source: Path) -> str:
        """Move a complete temporary file into place as a part; return its reference.

        Each call gets a fresh file name, so a part uploaded again never changes a file that
        a completion may be reading; the caller discards the replaced part's file.
        """
        folder = self._upload_dir(upload_id)
        folder.mkdir(parents=True, exist_ok=True)
        name = f"{int(part_number):05d}-{uuid.uuid4().hex[:12]}"
        if self.fsync is not FsyncPolicy.NEVER:
            _fsync_path(source)
        os.replace(source, folder / name)
        return f"{_UPLOADS}/{upload_id}/{name}"

    def discard_part(self, ref: str) -> None:
        """Delete one part's file."""
        _unlink_quiet(self.part_file(ref))

    def concat_parts(self, refs: Sequence[str]) -> Blob:
        """Concatenate parts, in order, into a new temporary file."""
        return self.concat_to_temp([self.part_file(r) for r in refs])

    def drop_upload(self, upload_id: str) -> None:
        """Delete every part of an upload."""
        shutil.rmtree(self._upload_dir(upload_id), ignore_errors=True)

    # -- objects -------------------------------------------------------------------------

    def path(self, bucket: str, storage: str) -> Path:
        """Return the absolute path of stored bytes (for DuckDB, pyarrow and other readers)."""
        base = self.bucket_dir(bucket)
        parts = storage.rstrip("/").split("/")
        if not storage or any(p in ("", ".", "..") or "\x00" in p for p in parts):
            raise UnsafePathError(f"not a storage path: {storage!r}")
        return base.joinpath(*parts)

    def place(
        self,
        bucket: str,
        key: str,
        source: Path,
        *,
        current: str | None = None,
        synced: bool = False,
    ) -> str:
        """Rename a complete file into place as the bytes of ``key``; return its storage.

        ``current`` is the object's present storage, if any: a file there is replaced where
        it is, so an overwrite never moves an object. Otherwise the natural path is used when
        the file tree allows it, else the side path. ``synced`` says ``source`` is already
        flushed (the lake's own temporary files are).
        """
        if self.fsync is not FsyncPolicy.NEVER and not synced:
            _fsync_path(source)
        base = self.bucket_dir(bucket)
        candidates: list[str] = []
        if current and not current.endswith("/"):
            candidates.append(current)
        natural = natural_path(key)
        if natural is not None and natural not in candidates:
            candidates.append(natural)
        side = side_path(key)
        if side not in candidates:
            candidates.append(side)
        for storage in candidates:
            target = self._prepare(base, storage)
            if target is None:
                continue
            try:
                os.replace(source, target)
            except OSError as exc:
                if exc.errno in (errno.EISDIR, errno.ENOTDIR, errno.ENOTEMPTY, errno.EEXIST):
                    continue
                raise _translate(exc, key) from exc
            self._sync_dir(target.parent)
            return storage
        raise PathConflictError(
            f"no place for key {key!r} in bucket {bucket!r}: the folder "
            f"tree under {base} has been changed by hand"
        )

    def place_marker(self, bucket: str, key: str, *, current: str | None = None) -> str:
        """Store a zero-byte key ending in ``/`` as its folder when possible; return storage."""
        base = self.bucket_dir(bucket)
        marker = natural_marker(key)
        if marker is not None and (current is None or current == marker):
            target = self._prepare(base, marker.rstrip("/") + "/x")
            if target is not None:
                folder = target.parent
                try:
                    folder.mkdir(exist_ok=True)
                except OSError:
                    pass
                else:
                    if stat.S_ISDIR(os.lstat(folder).st_mode):
                        self._sync_dir(folder.parent)
                        return marker
        blob = self.write_temp(b"")
        try:
            return self.place(bucket, key, blob.path, current=current, synced=True)
        except BaseException:
            blob.discard()
            raise

    def open(self, bucket: str, storage: str) -> IO[bytes]:
        """Open stored bytes for reading; the handle keeps its version through overwrites."""
        if storage.endswith("/"):
            return io.BytesIO(b"")
        path = self.path(bucket, storage)
        try:
            fd = os.open(path, os.O_RDONLY | _O_NOFOLLOW | _O_CLOEXEC)
        except FileNotFoundError as exc:
            raise MissingDataError(f"the file of {storage!r} is missing from {path}") from exc
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                raise MissingDataError(f"{path} was replaced by a symlink") from exc
            raise _translate(exc, storage) from exc
        return os.fdopen(fd, "rb")

    def remove(
        self, bucket: str, storage: str, *, keep: Callable[[str], bool] | None = None
    ) -> None:
        """Delete stored bytes, then prune folders left empty.

        ``keep(folder)`` (a relative path ending in ``/``) tells which folders must stay
        because they are folder-marker objects themselves.
        """
        base = self.bucket_dir(bucket)
        path = self.path(bucket, storage)
        if storage.endswith("/"):
            try:
                os.rmdir(path)
            except OSError:
                return
        else:
            _unlink_quiet(path)
        folder = path.parent
        while folder != base and base in folder.parents:
            rel = folder.relative_to(base).as_posix() + "/"
            if keep is not None and keep(rel):
                break
            try:
                os.rmdir(folder)
            except OSError:
                break
            folder = folder.parent

    # -- internals -----------------------------------------------------------------------

    def _prepare(self, base: Path, storage: str) -> Path | None:
        """Create the folders leading to ``storage``; None if the tree is in the way."""
        parts = storage.split("/")
        if any(p in ("", ".", "..") for p in parts):
            raise UnsafePathError(f"not a storage path: {storage!r}")
        if not base.is_dir() or base.is_symlink():
            raise PathConflictError(f"bucket folder {base} is missing or not a folder")
        folder = base
        for part in parts[:-1]:
            folder = folder / part
            try:
                mode = os.lstat(folder).st_mode
            except FileNotFoundError:
                try:
                    os.mkdir(folder)
                except FileExistsError:
                    mode = os.lstat(folder).st_mode
                except OSError as exc:
                    if exc.errno == errno.ENAMETOOLONG:
                        raise _translate(exc, storage) from exc
                    return None
                else:
                    continue
            if not stat.S_ISDIR(mode):  # a file or a symlink: never follow, never replace
                return None
        target = folder / parts[-1]
        try:
            if stat.S_ISDIR(os.lstat(target).st_mode):
                return None
        except FileNotFoundError:
            pass
        return target

    def _sync_file(self, handle: IO[bytes]) -> None:
        if self.fsync is not FsyncPolicy.NEVER:
            handle.flush()
            os.fsync(handle.fileno())

    def _sync_dir(self, folder: Path) -> None:
        if self.fsync is FsyncPolicy.ALWAYS:
            fd = os.open(folder, os.O_RDONLY | _O_CLOEXEC)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)


def _copy_range(
    source: IO[bytes], out: IO[bytes], offset: int, length: int, digest: hashlib._Hash | None
) -> None:
    src_fd, dst_fd = source.fileno(), out.fileno()
    if digest is None and hasattr(os, "copy_file_range"):
        out.flush()
        pos, remaining = offset, length
        try:
            while remaining > 0:
                done = os.copy_file_range(src_fd, dst_fd, min(remaining, 1 << 30), pos)
                if done == 0:
                    break
                pos += done
                remaining -= done
        except OSError as exc:
            if exc.errno not in (errno.EXDEV, errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP):
                raise
        else:
            if remaining == 0:
                return
            raise MissingDataError(f"source ended {remaining} bytes early")
        # the kernel path failed before copying anything useful: fall back to user space
        offset, length = pos, remaining
        os.lseek(dst_fd, 0, os.SEEK_END)
    remaining = length
    pos = offset
    while remaining > 0:
        chunk = os.pread(src_fd, min(remaining, _COPY_CHUNK), pos)
        if not chunk:
            raise MissingDataError(f"source ended {remaining} bytes early")
        if digest is not None:
            digest.update(chunk)
        out.write(chunk)
        pos += len(chunk)
        remaining -= len(chunk)


def _fsync_path(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | _O_CLOEXEC)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _unlink_quiet(path: Path) -> None:
    try:
        os.unlink(path)
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
        pass
    except PermissionError:
        if not path.is_dir():
            raise


def _translate(exc: OSError, what: str) -> LakeError:
    if exc.errno == errno.ENAMETOOLONG:
        return UnsafePathError(f"the path for {what!r} is longer than the file system allows")
    if exc.errno == errno.ENOSPC:
        return LakeError("the disk holding the lake is full")
    return LakeError(f"cannot store {what!r}: {exc.strerror}")
