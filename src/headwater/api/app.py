"""The ASGI application: one endpoint for every service, plus ``/_headwater/`` internals."""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
import uuid
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import parse_qs
from xml.etree import ElementTree as ET

from botocore.model import OperationModel

from headwater import __version__
from headwater.api import errors
from headwater.api.body import read_body, spool_body
from headwater.api.identify import ServiceIndex, credential_scope, virtual_host_bucket
from headwater.api.models import catalog
from headwater.api.protocols import json_, query, rest, xml_
from headwater.api.protocols._scalars import ShapeTypeError
from headwater.api.validate import format_validation_message, validation_errors
from headwater.services.base import OpenFile, RequestContext, StagedFile
from headwater.services.errors import ServiceError
from headwater.services.registry import ServiceRegistry

__all__ = ["HeadwaterApp"]

log = logging.getLogger("headwater.api")

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]

MAX_BODY = 256 * 1024 * 1024
_STREAM_CHUNK = 1 << 20
_INLINE_READ = 256 * 1024


class _Response:
    __slots__ = ("body", "headers", "status")

    def __init__(self, status: int, headers: list[tuple[str, str]], body: Any) -> None:
        self.status = status
        self.headers = headers
        self.body = body


class HeadwaterApp:
    """Routes each request to its service, in that service's wire protocol."""

    def __init__(
        self, registry: ServiceRegistry, *, internal: Any | None = None, max_workers: int = 16
    ) -> None:
        self.registry = registry
        self.env = registry.env
        self.catalog = catalog()
        self.index = ServiceIndex(self.catalog, registry.names())
        self.executor = ThreadPoolExecutor(
            max_workers=max_workers, thread_name_prefix="headwater-op"
        )
        self.internal = internal  # handler of /_headwater/* (console, health, reset)

    # -- ASGI -------------------------------------------------------------------------------
    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve one ASGI connection event."""
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        path = scope.get("path", "/")
        if path.startswith("/_headwater"):
            await self._internal(scope, receive, send)
            return
        response = await self._handle(scope, receive)
        await self._send(scope, send, response)

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def _internal(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope["path"].rstrip("/")
        if path == "/_headwater/health":
            body = json.dumps(
                {
                    "status": "running",
                    "version": __version__,
                    "services": {n: "running" for n in self.registry.names()},
                }
            )
            await self._send(
                scope, send, _Response(200, [("content-type", "application/json")], body.encode())
            )
            return
        if path == "/_headwater/reset" and scope["method"] == "POST":
            await asyncio.get_running_loop().run_in_executor(self.executor, self._reset)
            await self._send(
                scope,
                send,
                _Response(200, [("content-type", "application/json")], b'{"reset": true}'),
            )
            return
        parts = path.split("/")  # /_headwater/<service>/<view>
        if len(parts) == 4 and scope["method"] == "GET":
            svc = self.registry.get(parts[2])
            view = getattr(svc, f"internal_{parts[3].replace('-', '_')}", None)
            if callable(view):
                query = {
                    k: v[0]
                    for k, v in parse_qs(scope.get("query_string", b"").decode("latin-1")).items()
                }
                data = await asyncio.get_running_loop().run_in_executor(self.executor, view, query)
                await self._send(
                    scope,
                    send,
                    _Response(
                        200,
                        [("content-type", "application/json")],
                        json.dumps(data, default=str).encode(),
                    ),
                )
                return
        if self.internal is not None:
            await self.internal(scope, receive, send)
            return
        await self._send(
            scope,
            send,
            _Response(404, [("content-type", "application/json")], b'{"message": "not found"}'),
        )

    def _reset(self) -> None:
        for name in self.registry.names():
            svc = self.registry.get(name)
            reset = getattr(svc, "reset", None)
            if callable(reset):
                reset()
        self.env.store.reset()

    # -- dispatch ---------------------------------------------------------------------------
    async def _handle(self, scope: Scope, receive: Receive) -> _Response:
        headers = _headers(scope)
        qs = scope.get("query_string", b"").decode("latin-1")
        query_params = parse_qs(qs, keep_blank_values=True)
        ident = credential_scope(
            headers.get("authorization", ""), (query_params.get("X-Amz-Credential") or [None])[0]
        )
        region = ident.region or self.env.default_region
        target = headers.get("x-amz-target")
        service: str | None = None
        op_name = ""
        if target:
            service, op_name = self.index.for_target(target)
            if service is None:
                return self._error(
                    "json",
                    "",
                    errors.unknown_service(target.rpartition(".")[0], self.index.enabled),
                    "",
                )
        elif ident.signing_name:
            service = self.index.by_signing.get(ident.signing_name)
            if service is None:
                return self._error(
                    "json",
                    "",
                    errors.unknown_service(ident.signing_name, self.index.enabled),
                    _request_id("json"),
                )
        else:
            service = None  # decided below from the body or host
        body: Any = b""
        protocol = self.catalog.protocol(service) if service else ""
        if not service or protocol == "query":
            # Query services are recognised by ``Action``; unsigned ones by ``Version``.
            if scope["method"] == "POST" and "x-www-form-urlencoded" in headers.get(
                "content-type", ""
            ):
                try:
                    body = await read_body(receive, headers, MAX_BODY)
                except ServiceError as err:
                    return self._error(protocol or "rest-xml", service or "s3", err, "")
                form = {
                    k: v[0]
                    for k, v in parse_qs(
                        body.decode("utf-8", "replace"), keep_blank_values=True
                    ).items()
                }
            else:
                form = {k: v[0] for k, v in query_params.items()}
            if not service and "Action" in form:
                service = self.index.for_query_version(form.get("Version"))
            if service and self.catalog.protocol(service) == "query":
                return await self._dispatch_query(scope, headers, service, form, ident, region)
        if not service:
            service = "s3" if "s3" in self.index.enabled else ""
            if not service:
                return self._error("json", "", errors.unknown_service("s3", self.index.enabled), "")
        protocol = self.catalog.protocol(service)
        request_id = _request_id(protocol)
        ctx_base = dict(
            request_id=request_id,
            region=region,
            account_id=self.env.account_id,
            access_key=ident.access_key,
            source_ip=_client_ip(scope),
            service=service,
            host=headers.get("host", ""),
            user_agent=headers.get("user-agent", ""),
        )
        if protocol == "json":
            op = self.catalog.operation(service, op_name) if op_name else None
            if op is None:
                return self._error(
                    protocol,
                    service,
                    errors.unknown_operation(
                        service, protocol, op_name or "(missing X-Amz-Target)"
                    ),
                    request_id,
                )
            try:
                body = await read_body(receive, headers, MAX_BODY)
                data = json.loads(body) if body.strip() else {}
                params = json_.parse_value(op.input_shape, data, "") if op.input_shape else {}
            except ShapeTypeError as exc:
                return self._error(
                    protocol, service, errors.serialization_error(service, str(exc)), request_id
                )
            except ValueError:
                return self._error(
                    protocol,
                    service,
                    errors.serialization_error(service, "The request body is not valid JSON"),
                    request_id,
                )
            except ServiceError as err:
                return self._error(protocol, service, err, request_id)
            return await self._invoke(
                service, protocol, op, params, RequestContext(operation=op.name, **ctx_base)
            )
        # REST protocols
        raw_path = scope.get("raw_path") or scope["path"].encode()
        path = raw_path.decode("latin-1").split("?", 1)[0]
        if service == "s3":
            bucket = virtual_host_bucket(headers.get("host", ""))
            if bucket:
                path = "/" + bucket + (path if path != "/" else "")
        found = self.catalog.route(service, scope["method"], path, query_params, headers)
        if found is None:
            return self._error(
                protocol,
                service,
                errors.unknown_operation(service, protocol, f"{scope['method']} {path}"),
                request_id,
                head=scope["method"] == "HEAD",
            )
        op, uri_params = found
        try:
            if _spools(op):
                body = await spool_body(receive, headers, self.env.staging_dir)
            else:
                body = await read_body(receive, headers, MAX_BODY)
            params = rest.parse_request(op, protocol, uri_params, query_params, headers, body)
        except (ShapeTypeError, rest.MalformedXML) as exc:
            if isinstance(body, StagedFile):
                body.discard()
            code = errors.serialization_error(service, str(exc))
            if service == "s3":
                code = ServiceError(
                    "MalformedXML",
                    "The XML you provided was not well-formed "
                    "or did not validate against our published schema",
                )
            return self._error(protocol, service, code, request_id)
        except ServiceError as err:
            return self._error(protocol, service, err, request_id)
        response = await self._invoke(
            service,
            protocol,
            op,
            params,
            RequestContext(operation=op.name, **ctx_base),
            head=scope["method"] == "HEAD",
        )
        if isinstance(body, StagedFile):
            body.discard()  # the service moved it into place, or it is garbage now
        return response

    async def _dispatch_query(
        self,
        scope: Scope,
        headers: dict[str, str],
        service: str,
        form: dict[str, str],
        ident: Any,
        region: str,
    ) -> _Response:
        request_id = _request_id("query")
        action = form.get("Action", "")
        op = self.catalog.operation(service, action) if action else None
        if op is None:
            return self._error(
                "query",
                service,
                errors.unknown_operation(service, "query", action or "(missing Action)"),
                request_id,
            )
        try:
            params = query.parse_form(op.input_shape, form) if op.input_shape else {}
        except ShapeTypeError as exc:
            return self._error(
                "query", service, errors.serialization_error(service, str(exc)), request_id
            )
        ctx = RequestContext(
            request_id=request_id,
            region=region,
            account_id=self.env.account_id,
            access_key=ident.access_key,
            source_ip=_client_ip(scope),
            service=service,
            operation=op.name,
            host=headers.get("host", ""),
            user_agent=headers.get("user-agent", ""),
        )
        return await self._invoke(service, "query", op, params, ctx)

    async def _invoke(
        self,
        service: str,
        protocol: str,
        op: OperationModel,
        params: dict[str, Any],
        ctx: RequestContext,
        *,
        head: bool = False,
    ) -> _Response:
        problems = validation_errors(
            op.input_shape, params, check_constraints=protocol != "rest-xml"
        )
        if problems:
            return self._error(
                protocol,
                service,
                errors.validation_error(service, format_validation_message(problems)),
                ctx.request_id,
                head=head,
            )
        method = self.registry.handler(service, op.name)
        if method is None:
            return self._error(
                protocol,
                service,
                errors.not_implemented(service, op.name),
                ctx.request_id,
                head=head,
            )
        loop = asyncio.get_running_loop()
        try:
            output = await loop.run_in_executor(self.executor, method, ctx, params)
        except ServiceError as err:
            return self._error(protocol, service, err, ctx.request_id, head=head)
        except Exception as exc:
            log.exception("%s:%s failed", service, op.name)
            return self._error(
                protocol, service, errors.from_exception(exc), ctx.request_id, head=head
            )
        try:
            return self._serialize(service, protocol, op, output or {}, ctx.request_id)
        except Exception as exc:
            log.exception("%s:%s: cannot serialize the output", service, op.name)
            return self._error(
                protocol, service, errors.from_exception(exc), ctx.request_id, head=head
            )

    def _serialize(
        self,
        service: str,
        protocol: str,
        op: OperationModel,
        output: dict[str, Any],
        request_id: str,
    ) -> _Response:
        model = self.catalog.model(service)
        if protocol == "json":
            version = model.metadata.get("jsonVersion", "1.0")
            data = json_.serialize_value(op.output_shape, output) if op.output_shape else {}
            return _Response(
                200,
                [
                    ("content-type", f"application/x-amz-json-{version}"),
                    ("x-amzn-requestid", request_id),
                ],
                json.dumps(data).encode(),
            )
        if protocol == "query":
            namespace = model.metadata.get("xmlNamespace")
            root = ET.Element(f"{op.name}Response", {"xmlns": namespace} if namespace else {})
            if op.output_shape is not None:
                wrapper = op.output_shape.serialization.get("resultWrapper", f"{op.name}Result")
                result = xml_.serialize_element(
                    op.output_shape, output, wrapper, timestamp_format="iso8601"
                )
                root.append(result)
            meta = ET.SubElement(root, "ResponseMetadata")
            ET.SubElement(meta, "RequestId").text = request_id
            return _Response(
                200,
                [("content-type", "text/xml"), ("x-amzn-requestid", request_id)],
                xml_.to_bytes(root),
            )
        ns = rest.S3_NAMESPACE if service == "s3" else None
        resp = rest.serialize_response(op, protocol, output, namespace=ns)
        if protocol == "rest-xml":
            resp.headers += [("x-amz-request-id", request_id), ("x-amz-id-2", request_id)]
        else:
            resp.headers.append(("x-amzn-requestid", request_id))
        return _Response(resp.status, resp.headers, resp.body)

    def _error(
        self, protocol: str, service: str, err: ServiceError, request_id: str, *, head: bool = False
    ) -> _Response:
        version = "1.1"
        if service:
            version = self.catalog.model(service).metadata.get("jsonVersion", "1.1")
        status, headers, body = errors.render(
            protocol or "json",
            service,
            err,
            request_id or _request_id(protocol),
            json_version=version,
            head=head,
        )
        return _Response(status, headers, body)

    # -- sending ----------------------------------------------------------------------------
    async def _send(self, scope: Scope, send: Send, response: _Response) -> None:
        head = scope.get("method") == "HEAD"
        body = response.body
        headers = [
            (k.encode("latin-1"), v.encode("latin-1", "replace")) for k, v in response.headers
        ]
        names = {k for k, _ in response.headers}
        if isinstance(body, OpenFile):
            if "content-length" not in names:
                headers.append((b"content-length", str(body.length).encode()))
            await send(
                {"type": "http.response.start", "status": response.status, "headers": headers}
            )
            try:
                if not head:
                    await self._stream_file(send, body)
                else:
                    await send({"type": "http.response.body", "body": b""})
            finally:
                body.close()
            return
        if isinstance(body, StagedFile):
            body = body.read_bytes()
        if not isinstance(body, bytes | bytearray):
            body = bytes(body or b"")
        if "content-length" not in names:
            headers.append((b"content-length", str(len(body)).encode()))
        await send({"type": "http.response.start", "status": response.status, "headers": headers})
        await send({"type": "http.response.body", "body": b"" if head else bytes(body)})

    async def _stream_file(self, send: Send, body: OpenFile) -> None:
        loop = asyncio.get_running_loop()
        remaining = body.length

        def read(n: int) -> bytes:
            return body.handle.read(n)

        await loop.run_in_executor(self.executor, body.handle.seek, body.offset)
        if remaining <= _INLINE_READ:
            data = await loop.run_in_executor(self.executor, read, remaining)
            await send({"type": "http.response.body", "body": data})
            return
        while remaining > 0:
            data = await loop.run_in_executor(self.executor, read, min(_STREAM_CHUNK, remaining))
            if not data:
                break
            remaining -= len(data)
            await send({"type": "http.response.body", "body": data, "more_body": remaining > 0})
        if remaining > 0:
            await send({"type": "http.response.body", "body": b""})


def _spools(op: OperationModel) -> bool:
    """Whether the input payload is a streaming blob (S3 bodies), spooled to disk."""
    stream = op.get_streaming_input()
    return stream is not None and bool(stream.serialization.get("streaming"))


def _headers(scope: Scope) -> dict[str, str]:
    out: dict[str, str] = {}
    for k, v in scope.get("headers", []):
        key = k.decode("latin-1").lower()
        val = v.decode("latin-1")
        out[key] = f"{out[key]},{val}" if key in out else val
    return out


def _client_ip(scope: Scope) -> str:
    client = scope.get("client")
    return str(client[0]) if client else "127.0.0.1"


def _request_id(protocol: str) -> str:
    if protocol == "rest-xml":
        return secrets.token_hex(8).upper()
    return str(uuid.uuid4())
