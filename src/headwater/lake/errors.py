"""Errors of the lake (object storage) layer.

LakeError                   root: the lake cannot do what was asked
 ├── UnsafePathError        a computed path would leave the bucket folder (a bug guard)
 ├── PathConflictError      the file tree has something in the way that the lake did not put there
 └── MissingDataError       the file behind a stored object is gone (deleted by hand)
"""

from __future__ import annotations

__all__ = ["LakeError", "MissingDataError", "PathConflictError", "UnsafePathError"]


class LakeError(Exception):
    """Root of the lake's errors; OS errors are translated into these at the boundary."""


class UnsafePathError(LakeError):
    """A path computed for an object would not stay inside its bucket folder."""


class PathConflictError(LakeError):
    """A symlink or a foreign file sits where the lake needs a folder."""


class MissingDataError(LakeError):
    """The file that holds an object's bytes is no longer in the lake."""
