"""Lambda's Invoke: synchronous runs, the durable asynchronous queue, retries and destinations.

``InvocationType=Event`` requests are written to the store before Invoke answers 202. The
queue's dispatcher runs them on the worker pool and, as Lambda does, retries a function error
twice (one minute, then two minutes later, on the injected clock), retries throttles until the
event is too old, then sends the outcome to the configured on-success / on-failure destination
(SNS, SQS, Lambda or EventBridge through their Headwater services) or the dead-letter target.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import time
from datetime import UTC, datetime
from typing import Any

from headwater.runtime.workers import InvokeRequest, Throttled
from headwater.services.base import RequestContext
from headwater.services.errors import ServiceError
from headwater.services.lambda_ import errors
from headwater.services.lambda_.core import LambdaCore, Resolved
from headwater.services.lambda_.execution import (
    Execution,
    build_spec,
    interpret,
    log_stream_name,
)
from headwater.services.lambda_.model import LATEST, FunctionRef, InvocationType
from headwater.store.lambda_ import AsyncInvocation, AsyncState, LambdaStore
from headwater.store.logs import LogsStore

__all__ = ["InvokeApi"]

log = logging.getLogger("headwater.lambda")

MAX_SYNC_PAYLOAD = 6 * 1024 * 1024
MAX_ASYNC_PAYLOAD = 1024 * 1024
DEFAULT_RETRIES = 2
DEFAULT_MAX_AGE = 21600
_RETRY_DELAYS = (60.0, 120.0)  # before the second and the third attempt
_THROTTLE_DELAY = 1.0


def _event_text(payload: Any) -> str:
    """The Invoke payload as JSON text ({} when empty); refuse what does not parse."""
    if payload is None:
        return "{}"
    if isinstance(payload, dict | list):
        return json.dumps(payload)
    raw = payload.encode() if isinstance(payload, str) else bytes(payload)
    text = raw.decode("utf-8", "replace")
    if not text.strip():
        return "{}"
    try:
        json.loads(text)
    except ValueError as exc:
        raise errors.invalid_content(
            "Could not parse request body into json: Could not parse payload into json: "
            f"{exc}: was expecting (JSON String, Number, Array, Object or token 'null', "
            "'true' or 'false')"
        ) from exc
    return text


def _client_context(value: str | None) -> Any:
    if not value:
        return None
    try:
        return json.loads(base64.b64decode(value))
    except (ValueError, binascii.Error) as exc:
        raise errors.invalid_parameter(
            "Client context must be a valid Base64-encoded JSON object."
        ) from exc


def _iso(at: float) -> str:
    dt = datetime.fromtimestamp(at, tz=UTC)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"


def _json_or_text(text: str | bytes) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return text.decode("utf-8", "replace") if isinstance(text, bytes) else text


class InvokeApi(LambdaCore):
    """Invoke, InvokeAsync and the event-invoke configuration API."""

    # -- running -----------------------------------------------------------------------------
    def execute(
        self,
        found: Resolved,
        event: str,
        *,
        request_id: str,
        client_context: Any = None,
    ) -> Execution:
        """Run one invocation of a resolved function and record its log lines.

        Raises:
            ServiceError: TooManyRequestsException when the function is at its reserved
                concurrency; ServiceException when no worker could be started.
        """
        cfg = found.config
        spec = build_spec(cfg, self.code, endpoint_url=self.env.endpoint_url, now=self.now)
        shift = self.now() - time.time()
        request = InvokeRequest(
            request_id=request_id,
            event=event,
            timeout=float(cfg.timeout),
            invoked_arn=found.invoked_arn,
            client_context=client_context,
        )
        try:
            outcome = self.pool.invoke(
                spec,
                request,
                concurrency_scope=cfg.name,
                reserved=found.function.reserved_concurrency,
            )
        except Throttled as exc:
            reason = exc.reason
            if reason != "ReservedFunctionConcurrentInvocationLimitExceeded":
                reason = "ConcurrentInvocationLimitExceeded"
            raise errors.too_many_requests(reason) from exc
        except OSError as exc:
            raise errors.service_error(
                f"Headwater could not start a worker for {cfg.name}: {exc}"
            ) from exc
        stream = outcome.instance_env.get("AWS_LAMBDA_LOG_STREAM_NAME") or log_stream_name(
            self.now(), cfg.version
        )
        execution = interpret(outcome, cfg, log_stream=stream, shift=shift)
        self._write_logs(cfg.log_group_name, stream, execution.events)
        return execution

    def _write_logs(self, group: str, stream: str, events: list[tuple[float, str]]) -> None:
        batch = [(int(at * 1000), msg) for at, msg in events]
        logs = self.env.registry.get("logs") if self.env.registry is not None else None
        append_async = getattr(logs, "append_async", None)
        try:
            if append_async is not None:  # group-committed by the Logs service's writer
                append_async(group, stream, batch, monotonic=True)
                return
            with self.env.store.transaction() as conn:
                LogsStore.append(
                    conn,
                    group,
                    stream,
                    batch,
                    ingestion_time=int(self.now() * 1000),
                    create=True,
                    monotonic=True,
                )
        except Exception:  # the invocation happened; a log write must not turn it into an error
            log.exception("cannot write the log of %s to %s", stream, group)

    # -- Invoke ------------------------------------------------------------------------------
    def invoke(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """Invoke: RequestResponse (run and answer), Event (queue durably, 202), DryRun (204)."""
        ref = self.ref(params)
        kind = InvocationType(params.get("InvocationType") or InvocationType.REQUEST_RESPONSE)
        event = _event_text(params.get("Payload"))
        limit = MAX_ASYNC_PAYLOAD if kind is InvocationType.EVENT else MAX_SYNC_PAYLOAD
        size = len(event.encode("utf-8"))
        if size > limit:
            raise errors.too_large(
                f"{size} byte payload is too large for the {kind.value} invocation type "
                f"(limit {limit} bytes)"
            )
        client_context = _client_context(params.get("ClientContext"))
        with self.env.store.read() as conn:
            found = self.resolve(conn, ctx, ref, route=True)
        if kind is InvocationType.DRY_RUN:
            return {"StatusCode": 204}
        if kind is InvocationType.EVENT:
            self.enqueue(ctx, ref.name, found.qualifier, event)
            return {"StatusCode": 202}
        execution = self.execute(
            found, event, request_id=ctx.request_id, client_context=client_context
        )
        out: dict[str, Any] = {
            "StatusCode": 200,
            "Payload": execution.payload,
            "ExecutedVersion": found.config.version,
        }
        if execution.function_error:
            out["FunctionError"] = execution.function_error
        if params.get("LogType") == "Tail":
            out["LogResult"] = execution.tail
        return out

    def invoke_async(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """InvokeAsync (deprecated, still used by old tools): an Event invocation."""
        ref = self.ref(params, qualifier_key="")
        event = _event_text(params.get("InvokeArgs"))
        with self.env.store.read() as conn:
            found = self.resolve(conn, ctx, ref)
        self.enqueue(ctx, ref.name, found.qualifier, event)
        return {"Status": 202}

    # -- the async queue ---------------------------------------------------------------------
    def enqueue(self, ctx: RequestContext, name: str, qualifier: str, event: str) -> None:
        """Queue an Event invocation (durable before this returns) and wake the dispatcher."""
        with self.env.store.transaction() as conn:
            LambdaStore.enqueue(
                conn,
                request_id=ctx.request_id,
                name=name,
                qualifier=qualifier,
                payload=event,
                at=self.now(),
            )
        self.queue.nudge()

    def _claim_async(self, now: float, limit: int) -> tuple[list[AsyncInvocation], float | None]:
        with self.env.store.transaction() as conn:
            return LambdaStore.claim_due(conn, now, limit)

    def _async_settings(self, name: str, qualifier: str) -> dict[str, Any]:
        with self.env.store.read() as conn:
            for q in (qualifier, ""):
                doc = LambdaStore.get_event_config(conn, name, q)
                if doc is not None:
                    return doc
        return {}

    def _run_async(self, item: AsyncInvocation) -> None:
        ctx = RequestContext(
            request_id=item.request_id,
            region=self.env.default_region,
            account_id=self.env.account_id,
            service="lambda",
            operation="Invoke",
        )
        settings = self._async_settings(
            item.name, "" if item.qualifier == LATEST else item.qualifier
        )
        max_retries = int(settings.get("MaximumRetryAttempts", DEFAULT_RETRIES))
        max_age = float(settings.get("MaximumEventAgeInSeconds", DEFAULT_MAX_AGE))
        qualifier = None if item.qualifier == LATEST else item.qualifier
        try:
            with self.env.store.read() as conn:
                found = self.resolve(
                    conn, ctx, FunctionRef(name=item.name, qualifier=qualifier), route=True
                )
        except ServiceError as err:
            self._finish(item, AsyncState.FAILED, item.attempts, error=err.message)
            return
        ctx = RequestContext(
            request_id=item.request_id,
            region=found.config.region,
            account_id=found.config.account,
            service="lambda",
            operation="Invoke",
        )
        try:
            execution = self.execute(found, item.payload, request_id=item.request_id)
        except ServiceError as err:
            if self.now() - item.created < max_age:
                self._finish(
                    item,
                    AsyncState.PENDING,
                    item.attempts,
                    due_at=self.now() + _THROTTLE_DELAY,
                    error=f"{err.code}: {err.message}",
                )
            else:
                self._finish(item, AsyncState.FAILED, item.attempts, error=err.message)
                self._on_failure(ctx, found, item, settings, None, "EventAgeExceeded")
            return
        attempts = item.attempts + 1
        if execution.function_error is None:
            self._finish(item, AsyncState.SUCCEEDED, attempts)
            target = (
                (settings.get("DestinationConfig") or {}).get("OnSuccess", {}).get("Destination")
            )
            if target:
                record = self._record(found, item, attempts, "Success", execution)
                self._send(ctx, target, record, success=True, function_arn=found.config.arn)
            return
        retry_at = self.now() + _RETRY_DELAYS[min(attempts - 1, len(_RETRY_DELAYS) - 1)]
        if attempts <= max_retries and retry_at - item.created < max_age:
            self._finish(
                item,
                AsyncState.PENDING,
                attempts,
                due_at=retry_at,
                error=execution.error_type,
            )
            return
        self._finish(item, AsyncState.FAILED, attempts, error=execution.error_type)
        condition = "RetriesExhausted" if attempts > max_retries else "EventAgeExceeded"
        self._on_failure(ctx, found, item, settings, execution, condition, attempts)

    def _finish(
        self,
        item: AsyncInvocation,
        state: str,
        attempts: int,
        *,
        due_at: float | None = None,
        error: str | None = None,
    ) -> None:
        with self.env.store.transaction() as conn:
            LambdaStore.finish(
                conn, item.id, state=state, attempts=attempts, due_at=due_at, error=error
            )

    def _record(
        self,
        found: Resolved,
        item: AsyncInvocation,
        attempts: int,
        condition: str,
        execution: Execution | None,
    ) -> dict[str, Any]:
        record: dict[str, Any] = {
            "version": "1.0",
            "timestamp": _iso(self.now()),
            "requestContext": {
                "requestId": item.request_id,
                "functionArn": f"{found.config.arn}:{item.qualifier}",
                "condition": condition,
                "approximateInvokeCount": attempts,
            },
            "requestPayload": _json_or_text(item.payload),
            "responseContext": {"statusCode": 200, "executedVersion": found.config.version},
        }
        if execution is not None:
            if execution.function_error:
                record["responseContext"]["functionError"] = execution.function_error
            record["responsePayload"] = _json_or_text(execution.payload)
        return record

    def _on_failure(
        self,
        ctx: RequestContext,
        found: Resolved,
        item: AsyncInvocation,
        settings: dict[str, Any],
        execution: Execution | None,
        condition: str,
        attempts: int | None = None,
    ) -> None:
        target = (settings.get("DestinationConfig") or {}).get("OnFailure", {}).get("Destination")
        if target:
            record = self._record(found, item, attempts or item.attempts, condition, execution)
            self._send(ctx, target, record, success=False, function_arn=found.config.arn)
        elif found.config.dead_letter_target:
            self._dead_letter(ctx, found.config.dead_letter_target, item, execution)

    def _send(
        self,
        ctx: RequestContext,
        target: str,
        record: dict[str, Any],
        *,
        success: bool,
        function_arn: str,
    ) -> None:
        """Deliver a destination record to SNS, SQS, Lambda or EventBridge."""
        registry = self.env.registry
        body = json.dumps(record)
        service = target.split(":")[2] if target.count(":") >= 5 else ""
        try:
            if registry is None or registry.get(service) is None:
                raise ServiceError(
                    "ServiceUnavailable", f"the {service or '?'} service is not running"
                )
            if service == "sns":
                registry.call(ctx, "sns", "Publish", {"TopicArn": target, "Message": body})
            elif service == "lambda":
                registry.call(
                    ctx,
                    "lambda",
                    "Invoke",
                    {"FunctionName": target, "InvocationType": "Event", "Payload": body.encode()},
                )
            elif service == "sqs":
                url = registry.call(ctx, "sqs", "GetQueueUrl", {"QueueName": target.split(":")[5]})
                registry.call(
                    ctx, "sqs", "SendMessage", {"QueueUrl": url["QueueUrl"], "MessageBody": body}
                )
            elif service == "events":
                outcome = "Success" if success else "Failure"
                registry.call(
                    ctx,
                    "events",
                    "PutEvents",
                    {
                        "Entries": [
                            {
                                "Source": "lambda",
                                "DetailType": f"Lambda Function Invocation Result - {outcome}",
                                "Detail": body,
                                "EventBusName": target,
                                "Resources": [function_arn],
                            }
                        ]
                    },
                )
        except Exception:
            log.exception("cannot deliver the invocation record of %s to %s", function_arn, target)

    def _dead_letter(
        self,
        ctx: RequestContext,
        target: str,
        item: AsyncInvocation,
        execution: Execution | None,
    ) -> None:
        registry = self.env.registry
        message = execution.error.get("errorMessage", "") if execution and execution.error else ""
        attributes = {
            "RequestID": {"DataType": "String", "StringValue": item.request_id},
            "ErrorCode": {"DataType": "Number", "StringValue": "200"},
            "ErrorMessage": {"DataType": "String", "StringValue": str(message)[:1024] or "-"},
        }
        try:
            if registry is None:
                return
            if ":sns:" in target and registry.get("sns") is not None:
                registry.call(
                    ctx,
                    "sns",
                    "Publish",
                    {"TopicArn": target, "Message": item.payload, "MessageAttributes": attributes},
                )
            elif ":sqs:" in target and registry.get("sqs") is not None:
                url = registry.call(ctx, "sqs", "GetQueueUrl", {"QueueName": target.split(":")[5]})
                registry.call(
                    ctx,
                    "sqs",
                    "SendMessage",
                    {
                        "QueueUrl": url["QueueUrl"],
                        "MessageBody": item.payload,
                        "MessageAttributes": attributes,
                    },
                )
        except Exception:
            log.exception("cannot send %s to the dead-letter target %s", item.request_id, target)

    # -- event invoke configs ----------------------------------------------------------------
    def _event_config_key(
        self, ctx: RequestContext, params: dict[str, Any]
    ) -> tuple[str, str, str]:
        ref = self.ref(params)
        with self.env.store.read() as conn:
            found = self.resolve(conn, ctx, ref)
        qualifier = "" if ref.qualifier in (None, LATEST) else str(ref.qualifier)
        return ref.name, qualifier, f"{found.config.arn}:{qualifier or LATEST}"

    def _put_event_config(
        self, ctx: RequestContext, params: dict[str, Any], *, merge: bool
    ) -> dict[str, Any]:
        name, qualifier, arn = self._event_config_key(ctx, params)
        with self.env.store.transaction() as conn:
            current = LambdaStore.get_event_config(conn, name, qualifier) if merge else None
            if merge and current is None:
                current = {}
            doc: dict[str, Any] = dict(current or {})
            for key in ("MaximumRetryAttempts", "MaximumEventAgeInSeconds", "DestinationConfig"):
                if key in params:
                    doc[key] = params[key]
            for dest in (doc.get("DestinationConfig") or {}).values():
                target = (dest or {}).get("Destination", "")
                if target and target.split(":")[2:3] not in (
                    ["sns"],
                    ["sqs"],
                    ["lambda"],
                    ["events"],
                ):
                    raise errors.invalid_parameter(f"The destination ARN {target} is invalid.")
            doc["FunctionArn"] = arn
            doc["LastModified"] = self.now()
            LambdaStore.put_event_config(conn, name, qualifier, doc)
        return doc

    def put_function_event_invoke_config(
        self, ctx: RequestContext, params: dict[str, Any]
    ) -> dict[str, Any]:
        """PutFunctionEventInvokeConfig: replace the retry and destination settings."""
        return self._put_event_config(ctx, params, merge=False)

    def update_function_event_invoke_config(
        self, ctx: RequestContext, params: dict[str, Any]
    ) -> dict[str, Any]:
        """UpdateFunctionEventInvokeConfig: change only the settings given."""
        return self._put_event_config(ctx, params, merge=True)

    def get_function_event_invoke_config(
        self, ctx: RequestContext, params: dict[str, Any]
    ) -> dict[str, Any]:
        """GetFunctionEventInvokeConfig."""
        name, qualifier, arn = self._event_config_key(ctx, params)
        with self.env.store.read() as conn:
            doc = LambdaStore.get_event_config(conn, name, qualifier)
        if doc is None:
            raise errors.not_found(f"The function {arn} doesn't have an EventInvokeConfig")
        return doc

    def delete_function_event_invoke_config(
        self, ctx: RequestContext, params: dict[str, Any]
    ) -> dict[str, Any]:
        """DeleteFunctionEventInvokeConfig."""
        name, qualifier, arn = self._event_config_key(ctx, params)
        with self.env.store.transaction() as conn:
            if LambdaStore.get_event_config(conn, name, qualifier) is None:
                raise errors.not_found(f"The function {arn} doesn't have an EventInvokeConfig")
            LambdaStore.put_event_config(conn, name, qualifier, None)
        return {}

    def list_function_event_invoke_configs(
        self, ctx: RequestContext, params: dict[str, Any]
    ) -> dict[str, Any]:
        """ListFunctionEventInvokeConfigs."""
        ref = self.ref(params, qualifier_key="")
        with self.env.store.read() as conn:
            self.load(conn, ctx, ref.name)
            docs = LambdaStore.list_event_configs(conn, ref.name)
        return {"FunctionEventInvokeConfigs": docs}

    def async_status(self, request_id: str) -> dict[str, Any] | None:
        """The state of a queued invocation (for tests, the console and the CLI)."""
        with self.env.store.read() as conn:
            item = LambdaStore.get_async(conn, request_id)
        if item is None:
            return None
        return {
            "RequestId": item.request_id,
            "FunctionName": item.name,
            "Qualifier": item.qualifier,
            "State": item.state,
            "Attempts": item.attempts,
            "DueAt": item.due_at,
            "LastError": item.last_error,
        }
