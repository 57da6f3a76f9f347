"""Function and layer code on disk: archives kept by content, unpacked safely, hot-reload folders.

Layout under ``<data-dir>/lambda/``::

    <function>/code/<sha256-hex>.zip    the archive as uploaded
    <function>/<sha256-hex>/            its contents: the task root of the workers
    layers/<layer>/<version>/           an unpacked layer (``python/`` inside goes on sys.path)

No member of an archive can land outside its folder: absolute names, ``..`` components and
symlinks that point outside are refused, as is an archive that unpacks past Lambda's size
limit.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import io
import os
import shutil
import stat
import uuid
import zipfile
from pathlib import Path, PurePosixPath
from typing import Any

from headwater.services.base import OpenFile, RequestContext, StagedFile
from headwater.services.errors import ServiceError
from headwater.services.lambda_ import errors
from headwater.services.lambda_.model import CodeKind, CodeRef

__all__ = [
    "HOT_RELOAD_BUCKET",
    "MAX_UNZIPPED",
    "MAX_ZIP_UPLOAD",
    "CodeStore",
    "folder_fingerprint",
    "read_s3_object",
    "unpack_zip",
]

HOT_RELOAD_BUCKET = "hot-reload"
MAX_ZIP_UPLOAD = 69_905_067  # the request-size limit of a direct upload
MAX_UNZIPPED = 262_144_000
_BAD_ZIP = "Could not unzip uploaded file. Please check your file, then try to upload again."


def unpack_zip(data: bytes, dest: Path) -> int:
    """Unpack ``data`` into the new folder ``dest`` (atomically); return the unpacked size.

    Raises:
        ServiceError: InvalidParameterValueException for an unreadable or unsafe archive.
    """
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError) as exc:
        raise errors.invalid_parameter(_BAD_ZIP) from exc
    total = sum(info.file_size for info in archive.infolist())
    if total > MAX_UNZIPPED:
        raise errors.invalid_parameter(f"Unzipped size must be smaller than {MAX_UNZIPPED} bytes")
    dest.parent.mkdir(parents=True, exist_ok=True)
    staging = dest.parent / f".{dest.name}.{uuid.uuid4().hex}.tmp"
    staging.mkdir()
    root = staging.resolve()
    try:
        for info in archive.infolist():
            _extract_member(archive, info, root)
        try:
            os.rename(staging, dest)
        except OSError:
            if not dest.is_dir():  # a concurrent unpack of the same archive won the race
                raise
    except zipfile.BadZipFile as exc:
        raise errors.invalid_parameter(_BAD_ZIP) from exc
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
    return total


def _extract_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, root: Path) -> None:
    name = info.filename.replace("\\", "/")
    parts = PurePosixPath(name).parts
    if not parts or name.startswith("/") or ".." in parts or ":" in parts[0]:
        raise errors.invalid_parameter(f"{_BAD_ZIP} (unsafe entry name {info.filename!r})")
    target = root.joinpath(*parts)
    if not _inside(target, root):
        raise errors.invalid_parameter(f"{_BAD_ZIP} (unsafe entry name {info.filename!r})")
    mode = (info.external_attr >> 16) & 0xFFFF
    if info.is_dir():
        target.mkdir(parents=True, exist_ok=True)
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    if stat.S_ISLNK(mode):
        link = archive.read(info).decode("utf-8", "replace")
        if link.startswith("/") or not _inside(target.parent / link, root):
            raise errors.invalid_parameter(f"{_BAD_ZIP} (symlink {info.filename!r} leaves it)")
        os.symlink(link, target)
        return
    with archive.open(info) as src, open(target, "wb") as dst:
        shutil.copyfileobj(src, dst, 1 << 20)
    if mode & 0o111:
        os.chmod(target, 0o755)


def _inside(path: Path, root: Path) -> bool:
    resolved = Path(os.path.normpath(path))
    return resolved == root or root in resolved.parents


def folder_fingerprint(folder: Path) -> str:
    """A cheap digest of a folder's files (names, sizes, mtimes): changes when code is edited."""
    h = hashlib.sha1(usedforsecurity=False)
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith(".") and d != "__pycache__")
        for fname in sorted(filenames):
            if fname.endswith((".pyc", ".pyo")):
                continue
            full = os.path.join(dirpath, fname)
            with contextlib.suppress(OSError):
                st = os.stat(full)
                h.update(f"{full}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
    return h.hexdigest()


def read_s3_object(
    registry: Any, ctx: RequestContext, bucket: str, key: str, version: str | None
) -> bytes:
    """Read an object through Headwater's S3 service, with Lambda's error messages."""
    if registry is None or registry.get("s3") is None:
        raise errors.invalid_parameter(
            "Error occurred while GetObject. S3 Error Code: ServiceUnavailable. "
            "S3 Error Message: Headwater's S3 service is not running"
        )
    params: dict[str, Any] = {"Bucket": bucket, "Key": key}
    if version:
        params["VersionId"] = version
    try:
        out = registry.call(ctx, "s3", "GetObject", params)
    except ServiceError as err:
        raise errors.invalid_parameter(
            f"Error occurred while GetObject. S3 Error Code: {err.code}. "
            f"S3 Error Message: {err.message}"
        ) from err
    return _body_bytes(out.get("Body"))


def _body_bytes(body: Any) -> bytes:
    if body is None:
        return b""
    if isinstance(body, bytes | bytearray):
        return bytes(body)
    if isinstance(body, str):
        return body.encode()
    if isinstance(body, OpenFile):
        try:
            body.handle.seek(body.offset)
            return body.handle.read(body.length)
        finally:
            body.close()
    if isinstance(body, StagedFile):
        return body.read_bytes()
    if hasattr(body, "read"):
        data = body.read()
        with contextlib.suppress(Exception):
            body.close()
        return bytes(data)
    raise errors.service_error("cannot read the object body S3 returned")


class CodeStore:
    """Archives and unpacked code of every function and layer, under ``root``."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _fn_dir(self, function: str) -> Path:
        return self.root / function

    def put_archive(self, function: str, data: bytes) -> CodeRef:
        """Keep an uploaded archive and unpack it; return its reference."""
        if len(data) > MAX_ZIP_UPLOAD:
            raise errors.too_large(
                f"Request must be smaller than {MAX_ZIP_UPLOAD} bytes for the "
                "CreateFunction operation"
            )
        raw = hashlib.sha256(data).digest()
        digest = raw.hex()
        folder = self._fn_dir(function) / digest
        if not folder.is_dir():
            unpack_zip(data, folder)
        archive = self._fn_dir(function) / "code" / f"{digest}.zip"
        if not archive.exists():
            archive.parent.mkdir(parents=True, exist_ok=True)
            tmp = archive.with_suffix(f".{uuid.uuid4().hex}.tmp")
            tmp.write_bytes(data)
            os.replace(tmp, archive)
        return CodeRef(
            kind=CodeKind.ZIP,
            sha256=base64.b64encode(raw).decode(),
            size=len(data),
            digest=digest,
        )

    @staticmethod
    def hot_reload(path: str) -> CodeRef:
        """A reference to a local folder used in place (``S3Bucket="hot-reload"``)."""
        folder = Path(path)
        if not folder.is_absolute() or not folder.is_dir():
            raise errors.invalid_parameter(
                f"Hot-reload code must be an absolute path to an existing folder: {path!r}"
            )
        sha = base64.b64encode(hashlib.sha256(str(folder).encode()).digest()).decode()
        return CodeRef(kind=CodeKind.HOT_RELOAD, sha256=sha, size=0, path=str(folder))

    def task_root(self, function: str, code: CodeRef) -> Path:
        """The folder workers run in; re-unpacks the kept archive if the folder went away."""
        if code.kind is CodeKind.HOT_RELOAD:
            return Path(code.path)
        folder = self._fn_dir(function) / code.digest
        if not folder.is_dir():
            archive = self.archive_path(function, code)
            if not archive.is_file():
                raise errors.service_error(
                    f"the code of function {function} ({code.digest}) is missing from disk"
                )
            unpack_zip(archive.read_bytes(), folder)
        return folder

    def archive_path(self, function: str, code: CodeRef) -> Path:
        """Where the archive of ``code`` is kept."""
        return self._fn_dir(function) / "code" / f"{code.digest}.zip"

    def remove_function(self, function: str) -> None:
        """Delete a function's archives and unpacked code (never a hot-reload folder)."""
        shutil.rmtree(self._fn_dir(function), ignore_errors=True)

    def put_layer(self, layer: str, version: int, data: bytes) -> tuple[CodeRef, Path]:
        """Keep and unpack a layer version; return its reference and folder."""
        raw = hashlib.sha256(data).digest()
        folder = self.root / "layers" / layer / str(version)
        if folder.exists():
            shutil.rmtree(folder, ignore_errors=True)
        unpack_zip(data, folder)
        ref = CodeRef(
            kind=CodeKind.ZIP,
            sha256=base64.b64encode(raw).decode(),
            size=len(data),
            digest=raw.hex(),
        )
        return ref, folder

    def remove_layer(self, layer: str, version: int) -> None:
        """Delete an unpacked layer version."""
        shutil.rmtree(self.root / "layers" / layer / str(version), ignore_errors=True)

    def clear(self) -> None:
        """Delete everything under the root (a reset)."""
        if self.root.is_dir():
            for child in self.root.iterdir():
                if child.is_dir() and not child.is_symlink():
                    shutil.rmtree(child, ignore_errors=True)
                else:
                    with contextlib.suppress(OSError):
                        child.unlink()
