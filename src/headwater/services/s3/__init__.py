"""Amazon S3 on a local-folder data lake; see :class:`S3Service`."""

from headwater.services.s3.service import S3Service

__all__ = ["S3Service"]
