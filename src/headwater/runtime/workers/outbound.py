"""Outbound transports notifications use: a local mailbox on disk, SMTP, and HTTP POSTs.

These carry out deliveries a service has already decided on; they raise on failure so the
caller can retry. The mailbox keeps one RFC 822 file per message under
``<root>/<address>/``, named so that a listing sorts oldest first.
"""

from __future__ import annotations

import os
import re
import smtplib
import urllib.error
import urllib.parse
import urllib.request
import uuid
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path
from typing import Any

__all__ = ["DeliveryError", "list_mailbox", "mailbox_dir", "post", "send_smtp", "store_mail"]


class DeliveryError(Exception):
    """A transport could not hand the message over (retryable)."""


def mailbox_dir(root: Path, address: str) -> Path:
    """The folder of one address (a safe file name made from it)."""
    safe = re.sub(r"[^A-Za-z0-9@._+-]", "_", address.lower())[:200] or "_"
    return root / safe


def store_mail(root: Path, address: str, name: str, msg: EmailMessage) -> Path:
    """Write ``msg`` as ``<root>/<address>/<name>.eml`` atomically; return the path."""
    folder = mailbox_dir(root, address)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.eml"
    tmp = folder / f".{name}.{uuid.uuid4().hex}.tmp"
    tmp.write_bytes(msg.as_bytes(policy=policy.SMTP))
    os.replace(tmp, path)
    return path


def list_mailbox(root: Path, address: str | None = None) -> list[dict[str, Any]]:
    """Every stored message (of one address, or all), oldest first."""
    folders = [mailbox_dir(root, address)] if address else sorted(p for p in root.glob("*"))
    out: list[dict[str, Any]] = []
    for folder in folders:
        for path in sorted(folder.glob("*.eml")):
            msg = BytesParser(policy=policy.default).parsebytes(path.read_bytes())
            body = msg.get_body(preferencelist=("plain",))
            text = body.get_content() if body is not None else ""  # type: ignore[attr-defined]
            out.append(
                {
                    "path": str(path),
                    "to": str(msg["To"]),
                    "from": str(msg["From"]),
                    "subject": str(msg["Subject"]),
                    "date": str(msg["Date"]),
                    "body": str(text).replace("\r\n", "\n"),
                }
            )
    return out


def send_smtp(url: str, msg: EmailMessage, *, timeout: float = 10.0) -> None:
    """Send ``msg`` through the server ``smtp://[user:password@]host[:port]`` (``smtps://``)."""
    parsed = urllib.parse.urlparse(url)
    host = parsed.hostname or "127.0.0.1"
    try:
        if parsed.scheme == "smtps":
            client: smtplib.SMTP = smtplib.SMTP_SSL(host, parsed.port or 465, timeout=timeout)
        else:
            client = smtplib.SMTP(host, parsed.port or 25, timeout=timeout)
        with client:
            if parsed.username:
                client.login(
                    urllib.parse.unquote(parsed.username),
                    urllib.parse.unquote(parsed.password or ""),
                )
            client.send_message(msg)
    except (OSError, smtplib.SMTPException) as exc:
        raise DeliveryError(f"SMTP delivery to {host} failed: {exc}") from exc


def post(url: str, body: bytes, headers: dict[str, str], *, timeout: float = 15.0) -> int:
    """POST ``body``; return the status, raising DeliveryError unless it is 2xx."""
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as resp:
            status = int(resp.status)
    except urllib.error.HTTPError as exc:
        raise DeliveryError(f"{url} answered {exc.code}") from exc
    except (OSError, ValueError) as exc:
        raise DeliveryError(f"cannot reach {url}: {exc}") from exc
    if not 200 <= status < 300:
        raise DeliveryError(f"{url} answered {status}")
    return status
