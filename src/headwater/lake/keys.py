"""Where an object key lives in its bucket folder: the natural path, or an escaped side path.

Most keys are stored as a file at the key itself (``lake/<bucket>/raw/2026/data.csv``), so any
tool can read the lake. A key cannot be a plain path when:

- a segment is empty (``a//b``, ``/a``), ``.`` or ``..``;
- a segment holds NUL, a backslash or another control character;
- a segment is longer than 255 bytes (the file-name limit of common file systems);
- its first segment is the side folder's own name (:data:`SIDE_DIR`);
- the file tree is in the way: ``a`` is a file and ``a/b`` arrives, or ``a/`` is a folder
  and ``a`` arrives (that case is decided when placing, see ``LocalLake.place``).

A key ending in ``/`` (a folder marker) with no bytes is stored as the folder itself.

Everything else goes to the side folder ``<bucket>/.headwater-keys/`` under a reversible
escape of the key (:func:`side_path` and :func:`decode_side_path`):

- each ``/``-separated segment is kept, with ``%`` written ``%25`` and NUL, backslash,
  control characters and DEL as ``%XX`` of their UTF-8 bytes; a segment that is exactly
  ``.`` or ``..`` becomes ``%2E`` / ``%2E%2E``; an empty segment becomes ``%_``;
- a segment longer than :data:`CHUNK_BYTES` is cut into pieces, every piece but the last
  ending in ``%+`` ("continues in the next folder level");
- the last path component (the file) ends in ``%~``, so a file name never equals a folder
  name and ``a`` and ``a/b`` can both live in the side folder.

``%`` followed by anything but two hex digits never appears in an escaped segment, so the
three markers are unambiguous and decoding is exact. The object's row in the store remains the
source of truth for its key; the encoding makes the side folder readable and recoverable.
"""

from __future__ import annotations

__all__ = [
    "CHUNK_BYTES",
    "MAX_SEGMENT_BYTES",
    "SIDE_DIR",
    "decode_side_path",
    "is_side_path",
    "natural_marker",
    "natural_path",
    "side_path",
]

SIDE_DIR = ".headwater-keys"
MAX_SEGMENT_BYTES = 255
CHUNK_BYTES = 240

_EMPTY = "%_"
_CONTINUES = "%+"
_LEAF = "%~"
_HOSTILE = frozenset(chr(c) for c in range(0x20)) | {"\x7f", "\\"}
_HEX = frozenset("0123456789ABCDEFabcdef")


def _plain_segment(segment: str) -> bool:
    if segment in ("", ".", ".."):
        return False
    if len(segment.encode("utf-8")) > MAX_SEGMENT_BYTES:
        return False
    return not any(ch in _HOSTILE for ch in segment)


def natural_path(key: str) -> str | None:
    """Return the relative path of ``key`` as a plain file, or None if it cannot be one."""
    if not key or key.endswith("/"):
        return None
    parts = key.split("/")
    if parts[0] == SIDE_DIR or not all(_plain_segment(p) for p in parts):
        return None
    return key


def natural_marker(key: str) -> str | None:
    """Return ``key`` (ending in ``/``) if it can be stored as the folder it names."""
    if not key.endswith("/") or natural_path(key[:-1]) is None:
        return None
    return key


def is_side_path(storage: str) -> bool:
    """Tell whether a stored relative path lies in the side folder."""
    return storage.startswith(SIDE_DIR + "/")


def _escape(segment: str) -> list[str]:
    """Return the escaped segment as atoms (a character or one ``%XX`` / ``%_`` token)."""
    if segment == "":
        return [_EMPTY]
    if segment in (".", ".."):
        return ["%2E"] * len(segment)
    atoms: list[str] = []
    for ch in segment:
        if ch == "%" or ch in _HOSTILE:
            atoms.extend(f"%{b:02X}" for b in ch.encode("utf-8"))
        else:
            atoms.append(ch)
    return atoms


def _chunks(atoms: list[str]) -> list[str]:
    chunks: list[str] = []
    current: list[str] = []
    size = 0
    for atom in atoms:
        width = len(atom.encode("utf-8"))
        if current and size + width > CHUNK_BYTES:
            chunks.append("".join(current))
            current, size = [], 0
        current.append(atom)
        size += width
    chunks.append("".join(current))
    return chunks


def side_path(key: str) -> str:
    """Return the relative path (under the bucket folder) of ``key`` in the side folder."""
    components: list[str] = [SIDE_DIR]
    for segment in key.split("/"):
        pieces = _chunks(_escape(segment))
        components.extend(piece + _CONTINUES for piece in pieces[:-1])
        components.append(pieces[-1])
    components[-1] += _LEAF
    return "/".join(components)


def _unescape(segment: str) -> str:
    if segment == _EMPTY:
        return ""
    out = bytearray()
    i = 0
    while i < len(segment):
        ch = segment[i]
        if ch == "%":
            pair = segment[i + 1 : i + 3]
            if len(pair) != 2 or not set(pair) <= _HEX:
                raise ValueError(f"bad escape at {i} in {segment!r}")
            out.append(int(pair, 16))
            i += 3
        else:
            out.extend(ch.encode("utf-8"))
            i += 1
    return out.decode("utf-8")


def decode_side_path(storage: str) -> str:
    """Return the key that :func:`side_path` stored at ``storage``.

    Raises:
        ValueError: ``storage`` is not a path :func:`side_path` produces.
    """
    components = storage.split("/")
    if components[0] != SIDE_DIR or len(components) < 2 or not components[-1].endswith(_LEAF):
        raise ValueError(f"not a side-folder path: {storage!r}")
    components[-1] = components[-1][: -len(_LEAF)]
    segments: list[str] = []
    pending = ""
    for comp in components[1:]:
        if comp.endswith(_CONTINUES):
            pending += comp[: -len(_CONTINUES)]
            continue
        segments.append(_unescape(pending + comp))
        pending = ""
    if pending:
        raise ValueError(f"dangling continuation in {storage!r}")
    return "/".join(segments)
