"""STS: the caller's identity and temporary credentials (any credentials are accepted)."""

from __future__ import annotations

import secrets
import string
from typing import Any

from headwater.services.base import RequestContext, Service

__all__ = ["StsService"]


def _token(n: int, alphabet: str = string.ascii_uppercase + string.digits) -> str:
    return "".join(secrets.choice(alphabet) for _ in range(n))


class StsService(Service):
    """GetCallerIdentity, AssumeRole and GetSessionToken."""

    service_name = "sts"

    def get_caller_identity(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """GetCallerIdentity: the account root of the configured account."""
        return {"UserId": ctx.account_id, "Account": ctx.account_id, "Arn": ctx.principal_arn}

    def _credentials(self, seconds: int) -> dict[str, Any]:
        return {
            "AccessKeyId": "ASIA" + _token(16),
            "SecretAccessKey": _token(40),
            "SessionToken": _token(64),
            "Expiration": self.env.clock.now() + seconds,
        }

    def assume_role(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """AssumeRole: temporary credentials for any role ARN (roles are not enforced)."""
        arn = params["RoleArn"]
        role_name = arn.rsplit("/", 1)[-1]
        session = params["RoleSessionName"]
        return {
            "Credentials": self._credentials(params.get("DurationSeconds", 3600)),
            "AssumedRoleUser": {
                "AssumedRoleId": f"AROA{_token(17)}:{session}",
                "Arn": f"arn:aws:sts::{ctx.account_id}:assumed-role/{role_name}/{session}",
            },
        }

    def get_session_token(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """GetSessionToken."""
        return {"Credentials": self._credentials(params.get("DurationSeconds", 43200))}
