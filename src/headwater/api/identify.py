"""Which service and operation a request is for: X-Amz-Target, SigV4 scope, Action, host."""

from __future__ import annotations

import re
from dataclasses import dataclass

from headwater.api.models import Catalog

__all__ = ["Identity", "ServiceIndex", "credential_scope", "virtual_host_bucket"]

_CREDENTIAL = re.compile(r"Credential=([^/,\s]+)/(\d{8})/([^/]+)/([^/]+)/aws4_request")

# apiVersion of the Query-protocol services, for unsigned requests that carry ``Version``.
_QUERY_VERSIONS = {
    "2010-05-08": "iam",
    "2011-06-15": "sts",
    "2010-03-31": "sns",
    "2010-05-15": "cloudformation",
}


@dataclass(frozen=True, slots=True, kw_only=True)
class Identity:
    """The caller's access key and the region and signing name of the credential scope."""

    access_key: str
    region: str | None
    signing_name: str | None


def credential_scope(authorization: str, query_credential: str | None) -> Identity:
    """Read the SigV4 credential scope from the Authorization header or a presigned URL."""
    m = _CREDENTIAL.search(authorization) if authorization else None
    if m:
        return Identity(access_key=m.group(1), region=m.group(3), signing_name=m.group(4))
    if query_credential:
        parts = query_credential.split("/")
        if len(parts) >= 5:
            return Identity(access_key=parts[0], region=parts[2], signing_name=parts[3])
    if authorization.startswith("AWS "):  # SigV2 (old S3 clients)
        return Identity(
            access_key=authorization[4:].split(":", 1)[0], region=None, signing_name="s3"
        )
    return Identity(access_key="anonymous", region=None, signing_name=None)


class ServiceIndex:
    """Maps signing names and target prefixes to the enabled services."""

    def __init__(self, catalog: Catalog, enabled: list[str]) -> None:
        self.catalog = catalog
        self.enabled = enabled
        self.by_signing: dict[str, str] = {}
        self.by_target: dict[str, str] = {}
        for name in enabled:
            self.by_signing.setdefault(catalog.signing_name(name), name)
            prefix = catalog.target_prefix(name)
            if prefix:
                self.by_target[prefix] = name

    def for_target(self, target: str) -> tuple[str | None, str]:
        """Return (service, operation) for an ``X-Amz-Target`` value."""
        prefix, _, op = target.rpartition(".")
        return self.by_target.get(prefix), op

    def for_query_version(self, version: str | None) -> str | None:
        """Return the Query service whose apiVersion is ``version``."""
        name = _QUERY_VERSIONS.get(version or "")
        return name if name in self.enabled else None


def virtual_host_bucket(host: str) -> str | None:
    """Return the bucket named by a virtual-host-style S3 host, if it is one."""
    hostname = host.rsplit(":", 1)[0] if not host.endswith("]") else host
    hostname = hostname.lower()
    if not hostname or hostname[0].isdigit() or hostname.startswith("["):
        return None
    for suffix in (
        ".s3.localhost.localstack.cloud",
        ".localhost.localstack.cloud",
        ".s3.localhost",
        ".localhost",
    ):
        if hostname.endswith(suffix):
            left = hostname[: -len(suffix)]
            return left or None if left != "s3" else None
    m = re.fullmatch(r"(.+)\.s3(?:[.-][a-z0-9-]+)?\.amazonaws\.com", hostname)
    if m:
        return m.group(1)
    return None
