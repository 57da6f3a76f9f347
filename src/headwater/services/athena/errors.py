"""The errors Athena answers with.

ServiceError (headwater.services.errors)
 ├── InvalidRequestException   400  a bad request, an unknown query or work group; carries
 │                                  ``AthenaErrorCode`` where Athena sets one (MALFORMED_QUERY)
 ├── ResourceNotFoundException 400  a prepared statement or tagged resource that does not exist
 └── MetadataException         400  a catalog database or table that does not exist
"""

from __future__ import annotations

from headwater.services.errors import ServiceError

__all__ = ["invalid_request", "metadata_error", "not_found"]


def invalid_request(message: str, code: str | None = None) -> ServiceError:
    """InvalidRequestException, with ``AthenaErrorCode`` when given."""
    fields = {"AthenaErrorCode": code} if code else None
    return ServiceError("InvalidRequestException", message, status=400, fields=fields)


def not_found(message: str, resource: str | None = None) -> ServiceError:
    """ResourceNotFoundException (naming the resource when known)."""
    fields = {"ResourceName": resource} if resource else None
    return ServiceError("ResourceNotFoundException", message, status=400, fields=fields)


def metadata_error(message: str) -> ServiceError:
    """MetadataException: the catalog does not hold what was asked for."""
    return ServiceError("MetadataException", message, status=400)
