"""botocore's service models: loading, lookup by signing name and target, REST routes."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Any

import botocore.session
from botocore.model import OperationModel, ServiceModel

__all__ = ["Catalog", "RestRoute", "catalog"]


@dataclass(frozen=True, slots=True, kw_only=True)
class RestRoute:
    """A compiled ``requestUri`` of a REST operation."""

    operation: OperationModel
    method: str
    regex: re.Pattern[str]
    literal_segments: int
    greedy: bool
    query_literals: tuple[tuple[str, str | None], ...]  # (key, value or None)
    required_headers: tuple[str, ...]
    required_query: tuple[str, ...]

    def match(
        self, method: str, path: str, query: dict[str, list[str]], headers: dict[str, str]
    ) -> tuple[int, dict[str, str]] | None:
        """Return (score, uri params) if the request fits this route, else None."""
        if method != self.method:
            return None
        m = self.regex.fullmatch(path)
        if m is None:
            return None
        score = self.literal_segments * 10
        for key, value in self.query_literals:
            if key not in query:
                return None
            if value is not None and value not in query[key]:
                return None
            score += 100
        for name in self.required_headers:
            if name not in headers:
                return None
            score += 50
        for name in self.required_query:
            if name not in query:
                return None
            score += 50
        if self.greedy:
            score -= 1
        if self.operation.deprecated:  # e.g. PutBucketNotification shares its URI
            score -= 5
        return score, m.groupdict()


_PARAM = re.compile(r"\{([A-Za-z0-9_]+)(\+?)\}")


def _compile_route(op: OperationModel) -> RestRoute:
    uri = op.http["requestUri"]
    path, _, qs = uri.partition("?")
    literals: list[tuple[str, str | None]] = []
    for part in filter(None, qs.split("&")):
        key, eq, value = part.partition("=")
        if key == "x-id":  # SDK-added operation hint; never required
            continue
        literals.append((key, value if eq else None))
    pattern = ""
    pos = 0
    greedy = False
    literal_segments = len([s for s in path.split("/") if s and "{" not in s])
    for m in _PARAM.finditer(path):
        pattern += re.escape(path[pos : m.start()])
        name = m.group(1)
        if m.group(2):
            greedy = True
            pattern += f"(?P<{name}>.+)"
        else:
            pattern += f"(?P<{name}>[^/]+)"
        pos = m.end()
    tail = path[pos:]
    pattern += re.escape(tail)
    if pattern.endswith("/") and pattern != "/":
        pattern = pattern[:-1] + "/?"
    elif pattern != "/":
        pattern += "/?" if not greedy else ""
    required_headers: list[str] = []
    required_query: list[str] = []
    shape = op.input_shape
    if shape is not None:
        for name in shape.required_members:
            ser = shape.members[name].serialization
            if ser.get("location") == "header":
                required_headers.append(ser.get("name", name).lower())
            elif ser.get("location") == "querystring":
                required_query.append(ser.get("name", name))
    return RestRoute(
        operation=op,
        method=op.http.get("method", "POST").upper(),
        regex=re.compile(pattern),
        literal_segments=literal_segments,
        greedy=greedy,
        query_literals=tuple(literals),
        required_headers=tuple(required_headers),
        required_query=tuple(required_query),
    )


class Catalog:
    """The service models Headwater speaks, indexed the ways requests name them."""

    def __init__(self) -> None:
        self._session = botocore.session.get_session()
        self._models: dict[str, ServiceModel] = {}
        self._routes: dict[str, list[RestRoute]] = {}

    def model(self, service: str) -> ServiceModel:
        """Return botocore's model of ``service`` (botocore's service name)."""
        model = self._models.get(service)
        if model is None:
            model = self._session.get_service_model(service)
            self._models[service] = model
        return model

    def signing_name(self, service: str) -> str:
        """Return the SigV4 signing name of ``service``."""
        meta = self.model(service).metadata
        return str(meta.get("signingName") or meta.get("endpointPrefix") or service)

    def target_prefix(self, service: str) -> str | None:
        """Return the X-Amz-Target prefix of a JSON-protocol service."""
        prefix = self.model(service).metadata.get("targetPrefix")
        return str(prefix) if prefix else None

    def protocol(self, service: str) -> str:
        """Return the wire protocol name: json, rest-json, query or rest-xml."""
        return str(self.model(service).protocol)

    def operation(self, service: str, name: str) -> OperationModel | None:
        """Return the operation model, or None if the service has no such operation."""
        model = self.model(service)
        if name not in model.operation_names:
            return None
        return model.operation_model(name)

    def routes(self, service: str) -> list[RestRoute]:
        """Return the compiled REST routes of a REST-JSON or REST-XML service."""
        routes = self._routes.get(service)
        if routes is None:
            model = self.model(service)
            routes = [_compile_route(model.operation_model(n)) for n in model.operation_names]
            self._routes[service] = routes
        return routes

    def route(
        self,
        service: str,
        method: str,
        path: str,
        query: dict[str, list[str]],
        headers: dict[str, str],
    ) -> tuple[OperationModel, dict[str, str]] | None:
        """Find the REST operation that best fits the request, with its URI parameters."""
        best: tuple[int, OperationModel, dict[str, str]] | None = None
        for route in self.routes(service):
            hit = route.match(method, path, query, headers)
            if hit is not None and (best is None or hit[0] > best[0]):
                best = (hit[0], route.operation, hit[1])
        return (best[1], best[2]) if best else None


@functools.cache
def catalog() -> Catalog:
    """Return the process-wide model catalog."""
    return Catalog()


def shape_metadata(shape: Any) -> dict[str, Any]:
    """Return a shape's constraint metadata (min, max, pattern, enum...)."""
    return dict(getattr(shape, "metadata", {}) or {})
