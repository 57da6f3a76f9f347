"""Fixtures for the SNS tests: clients, a local HTTP subscriber and a small SMTP server."""

from __future__ import annotations

import io
import json
import socketserver
import threading
import time
import urllib.request
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from headwater.cli.server import ServerThread


@pytest.fixture
def sns(client: Callable[..., Any]) -> Any:
    """A boto3 SNS client for the test server."""
    return client("sns")


@pytest.fixture
def sns_service(server: ServerThread) -> Any:
    """The running SNS service object (delivery records, mailbox)."""
    return server.app.registry.get("sns")


@pytest.fixture
def wait_for() -> Callable[..., Any]:
    """Poll ``check`` until it returns something truthy (background delivery finishing)."""

    def wait(check: Callable[[], Any], timeout: float = 20.0) -> Any:
        deadline = time.monotonic() + timeout
        while True:
            value = check()
            if value:
                return value
            if time.monotonic() > deadline:
                raise AssertionError("the condition did not hold in time")
            time.sleep(0.02)

    return wait


@dataclass
class HttpSubscriber:
    """What a local HTTP endpoint received; it confirms subscriptions by GETting the URL."""

    url: str
    requests: list[dict[str, Any]] = field(default_factory=list)
    fail_next: int = 0


@pytest.fixture
def http_subscriber() -> Iterator[HttpSubscriber]:
    """An HTTP server on a loopback port that records POSTs and confirms subscriptions."""
    state = HttpSubscriber(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length", "0"))).decode()
            headers = {k.lower(): v for k, v in self.headers.items()}
            if state.fail_next > 0:
                state.fail_next -= 1
                state.requests.append({"headers": headers, "body": body, "status": 500})
                self.send_response(500)
                self.end_headers()
                return
            state.requests.append({"headers": headers, "body": body, "status": 200})
            self.send_response(200)
            self.end_headers()
            if headers.get("x-amz-sns-message-type") == "SubscriptionConfirmation":
                url = json.loads(body)["SubscribeURL"]
                threading.Thread(
                    target=lambda: urllib.request.urlopen(url, timeout=10).read()
                ).start()

        def log_message(self, *args: Any) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{httpd.server_address[1]}/hook"
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield state
    httpd.shutdown()
    httpd.server_close()


@dataclass
class SmtpInbox:
    """Mail a test SMTP server accepted."""

    url: str
    messages: list[dict[str, Any]] = field(default_factory=list)


@pytest.fixture
def smtp_server() -> Iterator[SmtpInbox]:
    """A minimal SMTP server (EHLO/HELO, MAIL, RCPT, DATA, QUIT) on a loopback port."""
    inbox = SmtpInbox(url="")

    class Handler(socketserver.StreamRequestHandler):
        def handle(self) -> None:
            self.wfile.write(b"220 test ESMTP\r\n")
            sender, rcpts = "", []
            while True:
                line = self.rfile.readline()
                if not line:
                    return
                cmd = line.decode().strip()
                verb = cmd.split(" ", 1)[0].upper()
                if verb in ("EHLO", "HELO"):
                    self.wfile.write(b"250 test\r\n")
                elif verb == "MAIL":
                    sender = cmd.split(":", 1)[1].strip()
                    self.wfile.write(b"250 OK\r\n")
                elif verb == "RCPT":
                    rcpts.append(cmd.split(":", 1)[1].strip())
                    self.wfile.write(b"250 OK\r\n")
                elif verb == "DATA":
                    self.wfile.write(b"354 go on\r\n")
                    data = io.BytesIO()
                    while (chunk := self.rfile.readline()) not in (b".\r\n", b""):
                        data.write(chunk)
                    inbox.messages.append(
                        {"from": sender, "to": rcpts, "data": data.getvalue().decode()}
                    )
                    self.wfile.write(b"250 queued\r\n")
                elif verb == "QUIT":
                    self.wfile.write(b"221 bye\r\n")
                    return
                else:
                    self.wfile.write(b"250 OK\r\n")

    srv = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
    srv.daemon_threads = True
    inbox.url = f"smtp://127.0.0.1:{srv.server_address[1]}"
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield inbox
    srv.shutdown()
    srv.server_close()


@pytest.fixture
def zipped() -> Callable[[dict[str, str]], bytes]:
    """Build a zip from ``{path: source}``."""

    def make(files: dict[str, str]) -> bytes:
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as zf:
            for name, text in files.items():
                zf.writestr(name, text)
        return buf.getvalue()

    return make
