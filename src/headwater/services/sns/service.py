"""SNS: topics, subscriptions, and durable, retried delivery to email, Lambda, SQS and HTTP.

Publish writes one delivery row per matching confirmed subscription in the same transaction
that accepts the message; a dispatcher on the injected clock then carries each one out:

- ``email`` / ``email-json``: a message file under ``<data-dir>/sns/email/<address>/`` (an
  RFC 822 ``.eml`` a mail client opens), and through SMTP too when ``HEADWATER_SMTP_URL`` is set
  (``smtp://host:port``). Subscriptions start PendingConfirmation; the confirmation mail
  carries a link that confirms on a GET, and its token works with ConfirmSubscription.
- ``lambda``: an asynchronous Invoke with the SNS event record.
- ``sqs``: SendMessage through Headwater's SQS service, when one runs.
- ``http`` / ``https`` (loopback only): SubscriptionConfirmation, then Notification POSTs with
  SNS's JSON envelope and ``x-amz-sns-*`` headers; retried per the delivery policy.

List the local mailbox with ``python -m headwater.services.sns mail [ADDRESS]``.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import os
import re
import secrets
import urllib.parse
import uuid
from dataclasses import replace as _replace
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from headwater.runtime.workers import outbound
from headwater.runtime.workers.dispatch import Dispatcher
from headwater.services.base import Environment, RequestContext, Service
from headwater.services.errors import ServiceError
from headwater.services.sns import messages
from headwater.services.sns.errors import invalid, subscription_missing, topic_missing
from headwater.services.sns.filters import check_policy, matches_filter_policy
from headwater.store.sns import DeliveryRow, DeliveryState, SnsStore, SubscriptionRow, TopicRow

__all__ = ["PROTOCOLS", "SnsService", "list_mailbox"]

log = logging.getLogger("headwater.sns")

PROTOCOLS = ("email", "email-json", "lambda", "sqs", "http", "https", "sms", "application")
_CONFIRMED_AT_ONCE = ("lambda", "sqs", "sms", "application")
_MAX_MESSAGE = 262_144
_TOPIC_NAME = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_LOOPBACK = ("127.0.0.1", "localhost", "::1", "[::1]")
_TOPIC_SETTABLE = {
    "DisplayName",
    "Policy",
    "DeliveryPolicy",
    "KmsMasterKeyId",
    "TracingConfig",
    "SignatureVersion",
    "ContentBasedDeduplication",
    "ArchivePolicy",
    "DataProtectionPolicy",
    "FifoThroughputScope",
}
_SUB_SETTABLE = {
    "DeliveryPolicy",
    "FilterPolicy",
    "FilterPolicyScope",
    "RawMessageDelivery",
    "RedrivePolicy",
    "SubscriptionRoleArn",
    "ReplayPolicy",
}


def list_mailbox(data_dir: Path, address: str | None = None) -> list[dict[str, Any]]:
    """Every message the local mailbox under ``data_dir`` holds (one address, or all)."""
    return outbound.list_mailbox(data_dir / "sns" / "email", address)


class SnsService(Service):
    """The SNS operations pipelines use, with local, durable delivery."""

    service_name = "sns"

    def __init__(self, env: Environment) -> None:
        super().__init__(env)
        self.queue: Dispatcher[DeliveryRow] = Dispatcher(
            "sns-delivery", env.clock, self._claim, self._deliver, parallel=8
        )
        self._dedup: dict[tuple[str, str], tuple[float, str, str]] = {}

    def start(self) -> None:
        """Resume deliveries that a stop interrupted."""
        with self.env.store.transaction() as conn:
            SnsStore.requeue_running(conn)
        self.queue.start()
        self.queue.nudge()

    def stop(self) -> None:
        """Stop delivering."""
        self.queue.stop()

    def reset(self) -> None:
        """Let in-flight deliveries finish; the caller wipes the store."""
        self.queue.wait_idle(5.0)
        self._dedup.clear()

    # -- helpers -----------------------------------------------------------------------------
    @property
    def mail_root(self) -> Path:
        """Where email deliveries land: one folder per address."""
        return self.env.data_dir / "sns" / "email"

    def _topic(self, conn: Any, arn: str | None) -> TopicRow:
        topic = SnsStore.get_topic(conn, arn or "") if arn else None
        if topic is None:
            raise topic_missing()
        return topic

    def _url(self, **query: str) -> str:
        return f"{self.env.endpoint_url}/?" + urllib.parse.urlencode(
            {**query, "Version": "2010-03-31"}
        )

    def _topic_attributes(self, ctx: RequestContext, topic: TopicRow, conn: Any) -> dict[str, str]:
        subs = SnsStore.list_subscriptions(conn, topic.arn)
        policy = {
            "Version": "2008-10-17",
            "Id": "__default_policy_ID",
            "Statement": [
                {
                    "Sid": "__default_statement_ID",
                    "Effect": "Allow",
                    "Principal": {"AWS": "*"},
                    "Action": [
                        "SNS:GetTopicAttributes",
                        "SNS:SetTopicAttributes",
                        "SNS:AddPermission",
                        "SNS:RemovePermission",
                        "SNS:DeleteTopic",
                        "SNS:Subscribe",
                        "SNS:ListSubscriptionsByTopic",
                        "SNS:Publish",
                    ],
                    "Resource": topic.arn,
                    "Condition": {"StringEquals": {"AWS:SourceOwner": ctx.account_id}},
                }
            ],
        }
        attrs = {
            "TopicArn": topic.arn,
            "Owner": topic.arn.split(":")[4],
            "Policy": json.dumps(policy),
            "DisplayName": "",
            "SubscriptionsConfirmed": str(sum(1 for s in subs if s.confirmed)),
            "SubscriptionsPending": str(sum(1 for s in subs if not s.confirmed)),
            "SubscriptionsDeleted": "0",
            "EffectiveDeliveryPolicy": json.dumps(
                {
                    "http": {
                        "defaultHealthyRetryPolicy": {
                            **messages.HTTP_RETRY,
                            "numMinDelayRetries": 0,
                            "numMaxDelayRetries": 0,
                            "backoffFunction": "linear",
                        },
                        "disableSubscriptionOverrides": False,
                        "defaultRequestPolicy": {"headerContentType": "text/plain; charset=UTF-8"},
                    }
                }
            ),
        }
        attrs.update(topic.attributes)
        return attrs

    # -- topics ------------------------------------------------------------------------------
    def create_topic(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """CreateTopic: idempotent by name (refused if the attributes differ)."""
        name = params["Name"]
        attrs = dict(params.get("Attributes") or {})
        fifo = attrs.get("FifoTopic", "false").lower() == "true"
        base = name[:-5] if name.endswith(".fifo") else name
        if not _TOPIC_NAME.match(base) or (name.endswith(".fifo") != fifo):
            if fifo or name.endswith(".fifo"):
                raise invalid(
                    "Topic Name: Fifo Topic names must end with .fifo and must be made up of only "
                    "uppercase and lowercase ASCII letters, numbers, underscores, and hyphens, "
                    "and must be between 1 and 256 characters long."
                )
            raise invalid(
                "Topic Name: Topic names must be made up of only uppercase and lowercase ASCII "
                "letters, numbers, underscores, and hyphens, and must be between 1 and 256 "
                "characters long."
            )
        if "FifoTopic" in attrs:
            attrs["FifoTopic"] = "true" if fifo else "false"
        arn = f"arn:aws:sns:{ctx.region}:{ctx.account_id}:{name}"
        tags = {t["Key"]: t["Value"] for t in params.get("Tags") or []}
        with self.env.store.transaction() as conn:
            existing = SnsStore.get_topic(conn, arn)
            if existing is not None:
                same = all(existing.attributes.get(k) == v for k, v in attrs.items())
                if not same:
                    raise invalid(
                        "Attributes Reason: Topic already exists with different attributes"
                    )
                return {"TopicArn": arn}
            SnsStore.put_topic(
                conn,
                TopicRow(
                    arn=arn,
                    name=name,
                    attributes=attrs,
                    tags=tags,
                    created=self.env.clock.now(),
                    sequence=0,
                ),
            )
        return {"TopicArn": arn}

    def delete_topic(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """DeleteTopic (deleting a missing topic succeeds, as on AWS)."""
        with self.env.store.transaction() as conn:
            SnsStore.delete_topic(conn, params["TopicArn"])
        return {}

    def list_topics(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """ListTopics (100 per page)."""
        with self.env.store.read() as conn:
            arns = [t.arn for t in SnsStore.list_topics(conn)]
        page, token = messages.page(arns, params.get("NextToken"))
        out: dict[str, Any] = {"Topics": [{"TopicArn": a} for a in page]}
        if token:
            out["NextToken"] = token
        return out

    def get_topic_attributes(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """GetTopicAttributes."""
        with self.env.store.read() as conn:
            topic = self._topic(conn, params["TopicArn"])
            return {"Attributes": self._topic_attributes(ctx, topic, conn)}

    def set_topic_attributes(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """SetTopicAttributes."""
        name = params["AttributeName"]
        if (
            name not in _TOPIC_SETTABLE
            and not name.endswith("FeedbackRoleArn")
            and not name.endswith("FeedbackSampleRate")
        ):
            raise invalid("AttributeName")
        with self.env.store.transaction() as conn:
            topic = self._topic(conn, params["TopicArn"])
            attrs = {**topic.attributes, name: params.get("AttributeValue", "")}
            SnsStore.put_topic(conn, _replace(topic, attributes=attrs))
        return {}

    # -- tags --------------------------------------------------------------------------------
    def tag_resource(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """TagResource."""
        with self.env.store.transaction() as conn:
            topic = self._topic(conn, params["ResourceArn"])
            tags = {**topic.tags, **{t["Key"]: t["Value"] for t in params["Tags"]}}
            SnsStore.put_topic(conn, _replace(topic, tags=tags))
        return {}

    def untag_resource(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """UntagResource."""
        with self.env.store.transaction() as conn:
            topic = self._topic(conn, params["ResourceArn"])
            drop = set(params["TagKeys"])
            tags = {k: v for k, v in topic.tags.items() if k not in drop}
            SnsStore.put_topic(conn, _replace(topic, tags=tags))
        return {}

    def list_tags_for_resource(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """ListTagsForResource."""
        with self.env.store.read() as conn:
            topic = self._topic(conn, params["ResourceArn"])
        return {"Tags": [{"Key": k, "Value": v} for k, v in sorted(topic.tags.items())]}

    # -- subscriptions -----------------------------------------------------------------------
    def _check_endpoint(self, protocol: str, endpoint: str) -> None:
        if protocol not in PROTOCOLS:
            raise invalid(f"Invalid protocol type: {protocol}")
        if protocol in ("email", "email-json") and not _EMAIL.match(endpoint):
            raise invalid("Email address")
        if protocol == "lambda" and not endpoint.startswith("arn:aws:lambda:"):
            raise invalid("Lambda endpoint ARN")
        if protocol == "sqs" and not endpoint.startswith("arn:aws:sqs:"):
            raise invalid("SQS endpoint ARN")
        if protocol in ("http", "https"):
            parsed = urllib.parse.urlparse(endpoint)
            if parsed.scheme != protocol:
                raise invalid("Endpoint must match the specified protocol")
            if parsed.hostname not in _LOOPBACK:
                raise invalid(
                    "Endpoint: Headwater delivers http(s) notifications to this machine only "
                    "(127.0.0.1 or localhost)"
                )

    def subscribe(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """Subscribe: email and http(s) start PendingConfirmation and get a confirmation."""
        protocol = params["Protocol"].lower()
        endpoint = params.get("Endpoint") or ""
        self._check_endpoint(protocol, endpoint)
        attrs = dict(params.get("Attributes") or {})
        for key in attrs:
            if key not in _SUB_SETTABLE:
                raise invalid(f"Attributes Reason: Unknown attribute {key}")
        if "FilterPolicy" in attrs:
            check_policy(attrs["FilterPolicy"])
        with self.env.store.transaction() as conn:
            topic = self._topic(conn, params["TopicArn"])
            for sub in SnsStore.list_subscriptions(conn, topic.arn):
                if sub.protocol == protocol and sub.endpoint == endpoint:
                    if attrs and any(sub.attributes.get(k) != v for k, v in attrs.items()):
                        raise invalid(
                            "Attributes Reason: Subscription already exists with different "
                            "attributes"
                        )
                    shown = (
                        sub.arn
                        if sub.confirmed or params.get("ReturnSubscriptionArn")
                        else ("pending confirmation")
                    )
                    return {"SubscriptionArn": shown}
            sub = SubscriptionRow(
                arn=f"{topic.arn}:{uuid.uuid4()}",
                topic_arn=topic.arn,
                protocol=protocol,
                endpoint=endpoint,
                owner=ctx.account_id,
                attributes=attrs,
                confirmed=protocol in _CONFIRMED_AT_ONCE,
                token=secrets.token_hex(64),
                created=self.env.clock.now(),
            )
            SnsStore.put_subscription(conn, sub)
            if not sub.confirmed:
                SnsStore.enqueue(
                    conn,
                    message_id=str(uuid.uuid4()),
                    sub=sub,
                    kind="SubscriptionConfirmation",
                    document={"timestamp": self.env.clock.now()},
                    at=self.env.clock.now(),
                )
        if not sub.confirmed:
            self.queue.nudge()
            if not params.get("ReturnSubscriptionArn"):
                return {"SubscriptionArn": "pending confirmation"}
        return {"SubscriptionArn": sub.arn}

    def confirm_subscription(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """ConfirmSubscription with the token of the confirmation message."""
        with self.env.store.transaction() as conn:
            self._topic(conn, params["TopicArn"])
            sub = SnsStore.by_token(conn, params["TopicArn"], params["Token"])
            if sub is None:
                raise invalid("Token")
            if not sub.confirmed:
                SnsStore.put_subscription(conn, _replace(sub, confirmed=True))
        return {"SubscriptionArn": sub.arn}

    def unsubscribe(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """Unsubscribe."""
        with self.env.store.transaction() as conn:
            if not SnsStore.delete_subscription(conn, params["SubscriptionArn"]):
                raise subscription_missing()
        return {}

    def _sub_out(self, sub: SubscriptionRow) -> dict[str, Any]:
        return {
            "SubscriptionArn": sub.arn if sub.confirmed else "PendingConfirmation",
            "Owner": sub.owner,
            "Protocol": sub.protocol,
            "Endpoint": sub.endpoint,
            "TopicArn": sub.topic_arn,
        }

    def list_subscriptions(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """ListSubscriptions (100 per page)."""
        with self.env.store.read() as conn:
            subs = SnsStore.list_subscriptions(conn)
        return self._subs_page(subs, params)

    def list_subscriptions_by_topic(
        self, ctx: RequestContext, params: dict[str, Any]
    ) -> dict[str, Any]:
        """ListSubscriptionsByTopic."""
        with self.env.store.read() as conn:
            topic = self._topic(conn, params["TopicArn"])
            subs = SnsStore.list_subscriptions(conn, topic.arn)
        return self._subs_page(subs, params)

    def _subs_page(self, subs: list[SubscriptionRow], params: dict[str, Any]) -> dict[str, Any]:
        by_arn = {s.arn: s for s in subs}
        page, token = messages.page(list(by_arn), params.get("NextToken"))
        out: dict[str, Any] = {"Subscriptions": [self._sub_out(by_arn[a]) for a in page]}
        if token:
            out["NextToken"] = token
        return out

    def get_subscription_attributes(
        self, ctx: RequestContext, params: dict[str, Any]
    ) -> dict[str, Any]:
        """GetSubscriptionAttributes."""
        with self.env.store.read() as conn:
            sub = SnsStore.get_subscription(conn, params["SubscriptionArn"])
        if sub is None:
            raise subscription_missing()
        attrs = {
            "SubscriptionArn": sub.arn,
            "TopicArn": sub.topic_arn,
            "Owner": sub.owner,
            "Protocol": sub.protocol,
            "Endpoint": sub.endpoint,
            "ConfirmationWasAuthenticated": "true" if sub.confirmed else "false",
            "PendingConfirmation": "false" if sub.confirmed else "true",
            "RawMessageDelivery": "false",
            "SubscriptionPrincipal": f"arn:aws:iam::{sub.owner}:root",
        }
        if "FilterPolicy" in sub.attributes:
            attrs["FilterPolicyScope"] = "MessageAttributes"
        attrs.update(sub.attributes)
        return {"Attributes": attrs}

    def set_subscription_attributes(
        self, ctx: RequestContext, params: dict[str, Any]
    ) -> dict[str, Any]:
        """SetSubscriptionAttributes (FilterPolicy, RawMessageDelivery, DeliveryPolicy...)."""
        name = params["AttributeName"]
        value = params.get("AttributeValue", "")
        if name not in _SUB_SETTABLE:
            raise invalid("AttributeName")
        if name == "FilterPolicy" and value:
            check_policy(value)
        with self.env.store.transaction() as conn:
            sub = SnsStore.get_subscription(conn, params["SubscriptionArn"])
            if sub is None:
                raise subscription_missing()
            attrs = dict(sub.attributes)
            if value == "" and name in ("FilterPolicy", "DeliveryPolicy", "RedrivePolicy"):
                attrs.pop(name, None)
            else:
                attrs[name] = value
            SnsStore.put_subscription(conn, _replace(sub, attributes=attrs))
        return {}

    # -- publishing --------------------------------------------------------------------------
    def _validate_message(self, entry: dict[str, Any]) -> tuple[str, dict[str, str] | None]:
        message = entry.get("Message")
        if isinstance(message, dict | list):  # Step Functions hands objects over as they are
            message = json.dumps(message, separators=(",", ":"))
        if message is None or message == "":
            raise invalid("Empty message")
        message = str(message)
        if len(message.encode("utf-8")) > _MAX_MESSAGE:
            raise invalid("Message too long")
        subject = entry.get("Subject")
        if subject is not None and (
            not subject or len(subject) > 100 or "\n" in subject or not subject.isascii()
        ):
            raise invalid("Subject")
        per_protocol: dict[str, str] | None = None
        if entry.get("MessageStructure") == "json":
            try:
                parsed = json.loads(message)
            except ValueError as exc:
                raise invalid("Message Structure - JSON message body failed to parse") from exc
            if not isinstance(parsed, dict) or "default" not in parsed:
                raise invalid("Message Structure - No default entry in JSON message body")
            per_protocol = {
                k: v if isinstance(v, str) else json.dumps(v) for k, v in parsed.items()
            }
        for name, attr in (entry.get("MessageAttributes") or {}).items():
            kind = attr.get("DataType", "")
            if not kind:
                raise invalid(f"The message attribute '{name}' must contain a non-empty type")
            if attr.get("StringValue") is None and attr.get("BinaryValue") is None:
                raise invalid(
                    f"The message attribute '{name}' must contain non-empty message attribute "
                    f"value for message attribute type '{kind}'."
                )
        return message, per_protocol

    def _accept(
        self, ctx: RequestContext, conn: Any, topic: TopicRow, entry: dict[str, Any]
    ) -> dict[str, Any]:
        """Validate one message and queue its deliveries; return its id (and sequence)."""
        message, per_protocol = self._validate_message(entry)
        fifo = topic.attributes.get("FifoTopic") == "true"
        out: dict[str, Any] = {}
        message_id = str(uuid.uuid4())
        if fifo:
            if not entry.get("MessageGroupId"):
                raise invalid("The MessageGroupId parameter is required for FIFO topics")
            dedup = entry.get("MessageDeduplicationId")
            if not dedup:
                if topic.attributes.get("ContentBasedDeduplication") != "true":
                    raise invalid(
                        "The topic should either have ContentBasedDeduplication enabled or "
                        "MessageDeduplicationId provided explicitly"
                    )
                dedup = hashlib.sha256(message.encode()).hexdigest()
            now = self.env.clock.now()
            seen = self._dedup.get((topic.arn, dedup))
            if seen is not None and now - seen[0] < 300:
                return {"MessageId": seen[1], "SequenceNumber": seen[2]}
            sequence = f"{SnsStore.next_sequence(conn, topic.arn):020d}"
            self._dedup[(topic.arn, dedup)] = (now, message_id, sequence)
            out["SequenceNumber"] = sequence
        elif entry.get("MessageGroupId") and topic.attributes.get("FifoTopic") != "true":
            pass  # standard topics accept and ignore a group id, as SNS does
        attributes = dict(entry.get("MessageAttributes") or {})
        for value in attributes.values():
            if isinstance(value.get("BinaryValue"), bytes | bytearray):
                value["BinaryValue"] = base64.b64encode(value["BinaryValue"]).decode()
        now = self.env.clock.now()
        doc = {
            "message": message,
            "per_protocol": per_protocol,
            "subject": entry.get("Subject"),
            "attributes": attributes,
            "timestamp": now,
            "display_name": topic.attributes.get("DisplayName", ""),
            "group": entry.get("MessageGroupId"),
        }
        for sub in SnsStore.list_subscriptions(conn, topic.arn):
            if not sub.confirmed:
                continue
            policy_text = sub.attributes.get("FilterPolicy")
            if policy_text:
                scope = sub.attributes.get("FilterPolicyScope", "MessageAttributes")
                if not matches_filter_policy(json.loads(policy_text), scope, attributes, message):
                    continue
            SnsStore.enqueue(
                conn, message_id=message_id, sub=sub, kind="Notification", document=doc, at=now
            )
        out["MessageId"] = message_id
        return out

    def publish(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """Publish to a topic (TopicArn or TargetArn), or an SMS to a PhoneNumber (outbox)."""
        target = params.get("TopicArn") or params.get("TargetArn")
        if params.get("PhoneNumber") and not target:
            message, _ = self._validate_message(params)
            message_id = str(uuid.uuid4())
            self._write_outbox("sms", params["PhoneNumber"], message_id, message.encode(), ".txt")
            return {"MessageId": message_id}
        if not target:
            raise invalid("TopicArn or TargetArn Reason: no value for required parameter")
        with self.env.store.transaction() as conn:
            topic = self._topic(conn, target)
            out = self._accept(ctx, conn, topic, params)
        self.queue.nudge()
        return out

    def publish_batch(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """PublishBatch: up to 10 entries, each accepted or failed on its own."""
        entries = params.get("PublishBatchRequestEntries") or []
        if not entries:
            raise ServiceError(
                "EmptyBatchRequest", "The batch request doesn't contain any entries.", status=400
            )
        if len(entries) > 10:
            raise ServiceError(
                "TooManyEntriesInBatchRequest",
                "The batch request contains more entries than permissible.",
                status=400,
            )
        ids = [e["Id"] for e in entries]
        if len(set(ids)) != len(ids):
            raise ServiceError(
                "BatchEntryIdsNotDistinct",
                "Two or more batch entries in the request have the same Id.",
                status=400,
            )
        successful: list[dict[str, Any]] = []
        failed: list[dict[str, Any]] = []
        with self.env.store.transaction() as conn:
            topic = self._topic(conn, params["TopicArn"])
            for entry in entries:
                try:
                    done = self._accept(ctx, conn, topic, entry)
                except ServiceError as err:
                    failed.append(
                        {
                            "Id": entry["Id"],
                            "Code": err.code,
                            "Message": err.message,
                            "SenderFault": True,
                        }
                    )
                    continue
                successful.append({"Id": entry["Id"], **done})
        self.queue.nudge()
        return {"Successful": successful, "Failed": failed}

    # -- the delivery record ---------------------------------------------------------------------
    def deliveries(
        self, *, topic_arn: str | None = None, message_id: str | None = None
    ) -> list[dict[str, Any]]:
        """The delivery records (queued, delivered or failed), oldest first."""
        with self.env.store.read() as conn:
            rows = SnsStore.list_deliveries(conn, topic_arn=topic_arn, message_id=message_id)
        return [
            {
                "MessageId": r.message_id,
                "TopicArn": r.topic_arn,
                "SubscriptionArn": r.subscription_arn,
                "Protocol": r.protocol,
                "Endpoint": r.endpoint,
                "Kind": r.kind,
                "State": r.state,
                "Attempts": r.attempts,
                "DeliveredAt": r.delivered_at,
                "LastError": r.last_error,
            }
            for r in rows
        ]

    def mailbox(self, address: str | None = None) -> list[dict[str, Any]]:
        """The messages the local mailbox holds (see :func:`list_mailbox`)."""
        return list_mailbox(self.env.data_dir, address)

    # -- delivering --------------------------------------------------------------------------
    def _claim(self, now: float, limit: int) -> tuple[list[DeliveryRow], float | None]:
        with self.env.store.transaction() as conn:
            return SnsStore.claim_due(conn, now, limit)

    def _deliver(self, row: DeliveryRow) -> None:
        attempts = row.attempts + 1
        now = self.env.clock.now()
        with self.env.store.read() as conn:
            sub = SnsStore.get_subscription(conn, row.subscription_arn)
        try:
            self._carry_out(row, sub)
        except Exception as exc:  # any failure is retried per the delivery policy
            delay = messages.retry_delay(messages.retry_policy(row, sub), attempts)
            state = DeliveryState.PENDING if delay is not None else DeliveryState.FAILED
            with self.env.store.transaction() as conn:
                SnsStore.finish(
                    conn,
                    row.id,
                    state=state,
                    attempts=attempts,
                    at=now,
                    due_at=now + delay if delay is not None else None,
                    error=f"{type(exc).__name__}: {exc}"[:1000],
                )
            return
        with self.env.store.transaction() as conn:
            SnsStore.finish(conn, row.id, state=DeliveryState.DELIVERED, attempts=attempts, at=now)

    def _carry_out(self, row: DeliveryRow, sub: SubscriptionRow | None) -> None:
        if sub is None and row.kind == "Notification":
            raise outbound.DeliveryError("the subscription no longer exists")
        token = sub.token if sub is not None else ""
        if row.kind == "SubscriptionConfirmation":
            confirm = self._url(Action="ConfirmSubscription", TopicArn=row.topic_arn, Token=token)
            if row.protocol in ("email", "email-json"):
                self._mail(row, messages.confirmation_mail(row, confirm))
            else:
                self._post(row, messages.confirmation_envelope(row, token, confirm), raw=False)
            return
        doc = row.document
        unsubscribe = self._url(Action="Unsubscribe", SubscriptionArn=row.subscription_arn)
        text = messages.for_protocol(doc, row.protocol)
        raw = sub is not None and sub.attributes.get("RawMessageDelivery", "").lower() == "true"
        envelope = messages.envelope(row, doc, text, unsubscribe)
        if row.protocol == "email":
            self._mail(row, messages.notification_mail(row, doc, text, unsubscribe))
        elif row.protocol == "email-json":
            self._mail(
                row, messages.notification_mail(row, doc, json.dumps(envelope, indent=2), None)
            )
        elif row.protocol == "lambda":
            self._invoke(row, messages.lambda_event(row, envelope))
        elif row.protocol == "sqs":
            self._sqs(row, doc, text if raw else json.dumps(envelope))
        elif row.protocol in ("http", "https"):
            self._post(row, envelope if not raw else text, raw=raw)
        elif row.protocol == "sms":
            self._write_outbox("sms", row.endpoint, row.message_id, text.encode(), ".txt")
        else:
            raise outbound.DeliveryError(f"Headwater cannot deliver to {row.protocol} endpoints")

    def _write_outbox(self, kind: str, address: str, name: str, data: bytes, suffix: str) -> None:
        folder = outbound.mailbox_dir(self.env.data_dir / "sns" / kind, address)
        folder.mkdir(parents=True, exist_ok=True)
        stamp = datetime.fromtimestamp(self.env.clock.now(), tz=UTC).strftime("%Y%m%dT%H%M%S")
        (folder / f"{stamp}-{name}{suffix}").write_bytes(data)

    def _mail(self, row: DeliveryRow, msg: EmailMessage) -> None:
        stamp = datetime.fromtimestamp(row.created, tz=UTC).strftime("%Y%m%dT%H%M%S%f")
        outbound.store_mail(self.mail_root, row.endpoint, f"{stamp}-{row.id:08d}", msg)
        smtp = os.environ.get("HEADWATER_SMTP_URL") or self.env.extras.get("smtp_url")
        if smtp:
            outbound.send_smtp(str(smtp), msg)

    def _invoke(self, row: DeliveryRow, event: dict[str, Any]) -> None:
        registry = self.env.registry
        if registry is None or registry.get("lambda") is None:
            raise outbound.DeliveryError("the Lambda service is not running")
        ctx = messages.context(row)
        try:
            registry.call(
                ctx,
                "lambda",
                "Invoke",
                {
                    "FunctionName": row.endpoint,
                    "InvocationType": "Event",
                    "Payload": json.dumps(event).encode(),
                },
            )
        except ServiceError as err:
            raise outbound.DeliveryError(f"{err.code}: {err.message}") from err

    def _sqs(self, row: DeliveryRow, doc: dict[str, Any], body: str) -> None:
        registry = self.env.registry
        if registry is None or registry.get("sqs") is None:
            raise outbound.DeliveryError("Headwater runs no SQS service to deliver to")
        ctx = messages.context(row)
        name = row.endpoint.split(":")[5]
        try:
            url = registry.call(ctx, "sqs", "GetQueueUrl", {"QueueName": name})["QueueUrl"]
            params: dict[str, Any] = {"QueueUrl": url, "MessageBody": body}
            if doc.get("group"):
                params["MessageGroupId"] = doc["group"]
                params["MessageDeduplicationId"] = row.message_id
            registry.call(ctx, "sqs", "SendMessage", params)
        except ServiceError as err:
            raise outbound.DeliveryError(f"{err.code}: {err.message}") from err

    def _post(self, row: DeliveryRow, payload: Any, *, raw: bool) -> None:
        body = payload if isinstance(payload, str) else json.dumps(payload, indent=2)
        headers = {
            "Content-Type": "text/plain; charset=UTF-8",
            "User-Agent": "Amazon Simple Notification Service Agent",
            "x-amz-sns-message-type": row.kind,
            "x-amz-sns-message-id": row.message_id,
            "x-amz-sns-topic-arn": row.topic_arn,
        }
        if row.kind == "Notification":
            headers["x-amz-sns-subscription-arn"] = row.subscription_arn
        if raw:
            headers["x-amz-sns-rawdelivery"] = "true"
        outbound.post(row.endpoint, body.encode("utf-8"), headers)
