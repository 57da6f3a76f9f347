"""The registry of service instances, and in-process calls between services."""

from __future__ import annotations

from typing import Any

from botocore import xform_name

from headwater.runtime.loop import BackgroundLoop
from headwater.services.base import Environment, RequestContext, Service
from headwater.services.errors import ServiceError

__all__ = ["ServiceRegistry"]


class ServiceRegistry:
    """Service instances by botocore service name."""

    def __init__(self, env: Environment) -> None:
        self.env = env
        env.registry = self
        self._services: dict[str, Service] = {}

    def add(self, service_cls: type[Service]) -> Service:
        """Instantiate ``service_cls`` for this environment and register it."""
        svc = service_cls(self.env)
        self._services[service_cls.service_name] = svc
        return svc

    def get(self, name: str) -> Service | None:
        """Return the service registered as ``name``, if any."""
        return self._services.get(name)

    def names(self) -> list[str]:
        """Return the names of every registered service."""
        return sorted(self._services)

    def handler(self, service: str, operation: str) -> Any | None:
        """Return the bound method implementing ``operation`` of ``service``, if any."""
        svc = self._services.get(service)
        if svc is None:
            return None
        return getattr(svc, xform_name(operation), None)

    def call(
        self, ctx: RequestContext, service: str, operation: str, params: dict[str, Any]
    ) -> dict[str, Any]:
        """Call an operation in-process (no wire), as another service would."""
        method = self.handler(service, operation)
        if method is None:
            raise ServiceError(
                "UnknownOperationException", f"{service} has no operation {operation}"
            )
        result: dict[str, Any] = method(ctx, params)
        return result

    def start(self) -> None:
        """Start the background loop, then every service."""
        if self.env.background is None:
            self.env.background = BackgroundLoop()
        self.env.background.start()
        for svc in self._services.values():
            svc.start()

    def stop(self) -> None:
        """Stop every service, then the background loop."""
        for svc in reversed(list(self._services.values())):
            svc.stop()
        if self.env.background is not None:
            self.env.background.stop()
