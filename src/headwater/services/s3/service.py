"""The S3 service: every operation family mixed into one class, plus start-up and reset."""

from __future__ import annotations

from typing import ClassVar

from headwater.services.base import Environment
from headwater.services.s3.buckets import BucketOperations
from headwater.services.s3.config import ConfigOperations
from headwater.services.s3.internal import InternalApi
from headwater.services.s3.listing import ListingOperations
from headwater.services.s3.multipart import MultipartOperations
from headwater.services.s3.notify import BucketNotifier
from headwater.services.s3.objects import ObjectOperations
from headwater.store import s3 as port

__all__ = ["S3Service"]


class S3Service(
    BucketOperations,
    ObjectOperations,
    ListingOperations,
    MultipartOperations,
    ConfigOperations,
    InternalApi,
):
    """Amazon S3 on a local-folder data lake (``<data-dir>/lake/<bucket>/<key>``).

    Operations are the botocore snake_case names taking ``(ctx, params)``; the Python API
    (``put_bytes``, ``put_file``, ``writer``, ``open_object``, ``get_bytes``, ``local_path``,
    ``local_paths``, ``delete_key``, ``notification_configuration``) serves other services.
    """

    service_name: ClassVar[str] = "s3"

    def __init__(self, env: Environment) -> None:
        super().__init__(env)
        self.notifier = BucketNotifier(self)

    def start(self) -> None:
        """Remove staging files left by dead requests; start delivering bucket notifications."""
        with self.env.store.read() as conn:
            live = port.upload_ids(conn)
            buckets = [b.name for b in port.list_buckets(conn)]
        self.lake.clean_staging(live_uploads=live)
        for name in buckets:
            self.lake.create_bucket(name)
        if self.env.background is not None:
            self.notifier.start(self.env.background)

    def reset(self) -> None:
        """Delete every bucket folder and staged part (the store is wiped by the caller)."""
        self.notifier.reset()
        with self._lake_lock:
            with self.env.store.read() as conn:
                buckets = [b.name for b in port.list_buckets(conn)]
                uploads = port.upload_ids(conn)
            for upload_id in uploads:
                self.lake.drop_upload(upload_id)
            for name in buckets:
                self.lake.delete_bucket(name)
