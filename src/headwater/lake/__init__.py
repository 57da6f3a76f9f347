"""Object storage for the data lake: a local folder with atomic writes.

``LocalLake`` keeps each bucket as ``<lake>/<bucket>/`` and each object as the file at its key
(awkward keys go to an escaped side folder, see :mod:`headwater.lake.keys`). It stores bytes
only; which key lives where is recorded by the caller (the S3 service's metadata rows).
"""

from headwater.lake.errors import LakeError, MissingDataError, PathConflictError, UnsafePathError
from headwater.lake.keys import SIDE_DIR, decode_side_path, natural_path, side_path
from headwater.lake.local import Blob, FsyncPolicy, LocalLake

__all__ = [
    "SIDE_DIR",
    "Blob",
    "FsyncPolicy",
    "LakeError",
    "LocalLake",
    "MissingDataError",
    "PathConflictError",
    "UnsafePathError",
    "decode_side_path",
    "natural_path",
    "side_path",
]
