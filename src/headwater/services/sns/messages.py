"""What SNS delivers: JSON envelopes, the Lambda event record, emails, retry timing."""

from __future__ import annotations

import base64
import contextlib
import email.utils
import hashlib
import json
import uuid
from datetime import UTC, datetime
from email.message import EmailMessage
from typing import Any

from headwater.services.base import RequestContext
from headwater.services.sns.errors import invalid
from headwater.store.sns import DeliveryRow, SubscriptionRow

__all__ = [
    "HTTP_RETRY",
    "MANAGED_RETRY",
    "attributes_out",
    "confirmation_envelope",
    "confirmation_mail",
    "context",
    "envelope",
    "for_protocol",
    "iso",
    "lambda_event",
    "notification_mail",
    "page",
    "retry_delay",
    "retry_policy",
]

# SNS's default HTTP retry policy: 3 retries, 20 s apart. Managed endpoints get a longer one.
HTTP_RETRY = {"numRetries": 3, "minDelayTarget": 20, "maxDelayTarget": 20, "numNoDelayRetries": 0}
MANAGED_RETRY = {
    "numRetries": 9,
    "minDelayTarget": 1,
    "maxDelayTarget": 20,
    "numNoDelayRetries": 3,
}


def iso(at: float) -> str:
    """SNS's timestamp format: ``2026-01-01T00:00:00.000Z``."""
    dt = datetime.fromtimestamp(at, tz=UTC)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"


def context(row: DeliveryRow) -> RequestContext:
    """A request context for calls SNS makes on a delivery's behalf."""
    parts = row.topic_arn.split(":")
    return RequestContext(
        request_id=str(uuid.uuid4()),
        region=parts[3],
        account_id=parts[4],
        service="sns",
        operation="Publish",
    )


def for_protocol(doc: dict[str, Any], protocol: str) -> str:
    """The message text a protocol gets (its own entry under MessageStructure json)."""
    per = doc.get("per_protocol")
    if per:
        return str(per.get(protocol, per["default"]))
    return str(doc["message"])


def attributes_out(attributes: dict[str, Any]) -> dict[str, Any]:
    """Message attributes as envelopes carry them: ``{name: {Type, Value}}``."""
    out: dict[str, Any] = {}
    for name, attr in attributes.items():
        kind = attr.get("DataType", "String")
        value = (
            attr.get("StringValue")
            if attr.get("StringValue") is not None
            else attr.get("BinaryValue")
        )
        out[name] = {"Type": kind, "Value": value}
    return out


def signature(text: str) -> str:
    # Not verifiable: Headwater holds no SNS signing key. Stable per message, like the real one.
    return base64.b64encode(hashlib.sha256(text.encode()).digest() * 8).decode()


def signing_cert(row: DeliveryRow) -> str:
    region = row.topic_arn.split(":")[3]
    return f"https://sns.{region}.amazonaws.com/SimpleNotificationService-headwater.pem"


def envelope(row: DeliveryRow, doc: dict[str, Any], text: str, unsubscribe: str) -> dict[str, Any]:
    """The JSON envelope of a notification (email-json, http(s), sqs)."""
    env: dict[str, Any] = {
        "Type": "Notification",
        "MessageId": row.message_id,
        "TopicArn": row.topic_arn,
    }
    if doc.get("subject") is not None:
        env["Subject"] = doc["subject"]
    env.update(
        {
            "Message": text,
            "Timestamp": iso(float(doc["timestamp"])),
            "SignatureVersion": "1",
            "Signature": signature(row.message_id + text),
            "SigningCertURL": signing_cert(row),
            "UnsubscribeURL": unsubscribe,
        }
    )
    if doc.get("attributes"):
        env["MessageAttributes"] = attributes_out(doc["attributes"])
    return env


def lambda_event(row: DeliveryRow, envelope: dict[str, Any]) -> dict[str, Any]:
    """The event a Lambda subscriber receives: one ``Records[0].Sns`` record."""
    sns = {
        "Type": "Notification",
        "MessageId": envelope["MessageId"],
        "TopicArn": envelope["TopicArn"],
        "Subject": envelope.get("Subject"),
        "Message": envelope["Message"],
        "Timestamp": envelope["Timestamp"],
        "SignatureVersion": "1",
        "Signature": envelope["Signature"],
        "SigningCertUrl": envelope["SigningCertURL"],
        "UnsubscribeUrl": envelope["UnsubscribeURL"],
        "MessageAttributes": envelope.get("MessageAttributes", {}),
    }
    return {
        "Records": [
            {
                "EventSource": "aws:sns",
                "EventVersion": "1.0",
                "EventSubscriptionArn": row.subscription_arn,
                "Sns": sns,
            }
        ]
    }


def mail_base(row: DeliveryRow, display: str, subject: str, at: float) -> EmailMessage:
    """A mail from SNS to the subscription's address."""
    msg = EmailMessage()
    msg["From"] = f"{display or 'AWS Notifications'} <no-reply@sns.amazonaws.com>"
    msg["To"] = row.endpoint
    msg["Subject"] = subject
    msg["Date"] = email.utils.formatdate(at, usegmt=True)
    msg["Message-ID"] = f"<{row.message_id}@sns.headwater.local>"
    msg["X-Amz-Sns-Topic-Arn"] = row.topic_arn
    msg["X-Amz-Sns-Message-Id"] = row.message_id
    return msg


def confirmation_mail(row: DeliveryRow, confirm: str) -> EmailMessage:
    """The mail that asks an email subscriber to confirm."""
    msg = mail_base(
        row, "AWS Notifications", "AWS Notification - Subscription Confirmation", row.created
    )
    msg.set_content(
        "You have chosen to subscribe to the topic: \n"
        f"{row.topic_arn}\n\n"
        "To confirm this subscription, click or visit the link below (If this was in error no "
        "action is necessary): \n"
        f"Confirm subscription\n{confirm}\n\n"
        "Please do not reply directly to this email. If you wish to remove yourself from "
        "receiving all future SNS subscription confirmation requests please send an email to "
        "sns-opt-out\n"
    )
    return msg


def notification_mail(
    row: DeliveryRow, doc: dict[str, Any], text: str, unsubscribe: str | None
) -> EmailMessage:
    """The mail of a notification, with SNS's unsubscribe footer when given."""
    subject = doc.get("subject") or "AWS Notification Message"
    msg = mail_base(row, doc.get("display_name", ""), subject, float(doc["timestamp"]))
    body = text
    if unsubscribe is not None:
        body += (
            "\n\n--\nIf you wish to stop receiving notifications from this topic, please click "
            f"or visit the link below to unsubscribe:\n{unsubscribe}\n\n"
            "Please do not reply directly to this email. If you have any questions or comments "
            "regarding this email, please contact us at https://aws.amazon.com/support\n"
        )
    msg.set_content(body)
    return msg


def confirmation_envelope(row: DeliveryRow, token: str, confirm: str) -> dict[str, Any]:
    """The SubscriptionConfirmation an http(s) endpoint receives."""
    message = (
        f"You have chosen to subscribe to the topic {row.topic_arn}.\n"
        "To confirm the subscription, visit the SubscribeURL included in this message."
    )
    return {
        "Type": "SubscriptionConfirmation",
        "MessageId": row.message_id,
        "Token": token,
        "TopicArn": row.topic_arn,
        "Message": message,
        "SubscribeURL": confirm,
        "Timestamp": iso(row.created),
        "SignatureVersion": "1",
        "Signature": signature(row.message_id + token),
        "SigningCertURL": signing_cert(row),
    }


def retry_policy(row: DeliveryRow, sub: SubscriptionRow | None) -> dict[str, Any]:
    """A delivery's retry policy: SNS's HTTP default (or the subscription's), or managed."""
    if row.protocol in ("http", "https"):
        policy = dict(HTTP_RETRY)
        text = sub.attributes.get("DeliveryPolicy") if sub is not None else None
        if text:
            with contextlib.suppress(ValueError, AttributeError):
                policy.update(json.loads(text).get("healthyRetryPolicy") or {})
        return policy
    return dict(MANAGED_RETRY)


def retry_delay(policy: dict[str, Any], attempts: int) -> float | None:
    """Seconds until the next attempt after ``attempts`` tries, or None when out of retries."""
    retries = int(policy.get("numRetries", 3))
    if attempts > retries:
        return None
    immediate = int(policy.get("numNoDelayRetries", 0))
    if attempts <= immediate:
        return 0.0
    low = float(policy.get("minDelayTarget", 20))
    high = float(policy.get("maxDelayTarget", 20))
    spread = max(1, retries - immediate)
    return min(high, low + (high - low) * (attempts - immediate - 1) / spread)


def page(keys: list[str], token: str | None, size: int = 100) -> tuple[list[str], str | None]:
    """One page of ``keys`` from an opaque NextToken, and the next token."""
    start = 0
    if token:
        try:
            start = int(base64.urlsafe_b64decode(token.encode()).decode())
        except ValueError as exc:
            raise invalid("NextToken") from exc
    page = keys[start : start + size]
    nxt = start + size
    return page, (base64.urlsafe_b64encode(str(nxt).encode()).decode() if nxt < len(keys) else None)
