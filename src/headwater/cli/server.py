"""Building and running a Headwater server: environment, services, ASGI app, uvicorn."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import socket
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import uvicorn

from headwater.api.app import HeadwaterApp
from headwater.runtime.clock import Clock, ScaledClock
from headwater.services.base import DEFAULT_ACCOUNT_ID, Environment, Service
from headwater.services.enabled import service_classes
from headwater.services.registry import ServiceRegistry
from headwater.store import Store

__all__ = ["ServerConfig", "ServerThread", "build", "free_port", "serve"]

log = logging.getLogger("headwater")


@dataclass(slots=True, kw_only=True)
class ServerConfig:
    """Everything ``headwater up`` can be told."""

    data_dir: Path = Path(".headwater")
    host: str = "127.0.0.1"
    port: int = 4566
    time_scale: float = 1.0
    account_id: str = DEFAULT_ACCOUNT_ID
    log_level: str = "warning"
    fsync: bool = False
    store_url: str | None = None  # another database for the state (PostgreSQL); None: SQLite
    sfn_mock_config: Path | None = None  # Step Functions Local mock config (MockConfigFile.json)

    @property
    def endpoint(self) -> str:
        """The URL clients use."""
        host = "127.0.0.1" if self.host in ("0.0.0.0", "") else self.host
        return f"http://{host}:{self.port}"


def build(
    config: ServerConfig, clock: Clock | None = None, services: list[type[Service]] | None = None
) -> HeadwaterApp:
    """Open the store, create every service and the ASGI app (services not yet started)."""
    data_dir = config.data_dir.resolve()
    if config.store_url:
        store = Store.connect(config.store_url)
    else:
        store = Store.open(data_dir, synchronous="FULL" if config.fsync else "NORMAL")
    env = Environment(
        data_dir=data_dir,
        store=store,
        clock=clock or ScaledClock(config.time_scale),
        account_id=config.account_id,
        endpoint_url=config.endpoint,
        extras={"s3.fsync": "always" if config.fsync else "never"},
    )
    if config.sfn_mock_config is not None:
        env.extras["sfn_mock_config"] = str(config.sfn_mock_config)
    registry = ServiceRegistry(env)
    for cls in services if services is not None else service_classes():
        registry.add(cls)
    return HeadwaterApp(registry)


def banner(config: ServerConfig, app: HeadwaterApp) -> str:
    """The few lines ``headwater up`` prints on start."""
    url = config.endpoint
    return "\n".join(
        [
            f"Headwater is running at {url}  (console: {url}/_headwater/)",
            f"  data dir : {app.env.data_dir}",
            f"  services : {', '.join(app.registry.names())}",
            f"  aws CLI  : aws --endpoint-url {url} s3 ls",
            f"  boto3    : boto3.client('s3', endpoint_url='{url}')",
            f"  or export AWS_ENDPOINT_URL={url}",
            "Press Ctrl-C to stop.",
        ]
    )


def _uvicorn_config(app: HeadwaterApp, config: ServerConfig) -> uvicorn.Config:
    loop = "auto"
    return uvicorn.Config(
        app,
        host=config.host,
        port=config.port,
        loop=loop,
        http="auto",
        lifespan="off",
        log_level=config.log_level,
        access_log=False,
        timeout_keep_alive=30,
    )


class _Server(uvicorn.Server):
    """uvicorn's server, but a SIGTERM/Ctrl-C ends ``serve`` normally (exit status 0).

    uvicorn re-raises the captured signal after shutting down, which would make the process
    die of it; we handle the signals ourselves instead: the first asks for a graceful stop,
    a second forces it.
    """

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        if threading.current_thread() is not threading.main_thread():
            yield
            return
        previous = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}

        def handle(_sig: int, _frame: object) -> None:
            if self.should_exit:
                self.force_exit = True
            self.should_exit = True

        for sig in previous:
            signal.signal(sig, handle)
        try:
            yield
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)


def serve(config: ServerConfig) -> None:
    """Run the server in the foreground until Ctrl-C or SIGTERM."""
    # Requests, followers and workers share the GIL. At the default 5 ms switch interval a
    # request thread woken by its I/O waits behind a busy background thread for up to 5 ms.
    sys.setswitchinterval(0.0005)
    app = build(config)
    app.registry.start()
    try:
        server = _Server(_uvicorn_config(app, config))
        print(banner(config, app), flush=True)
        server.run()
    finally:
        app.registry.stop()
        app.executor.shutdown(wait=True, cancel_futures=True)
        app.env.store.close()


def free_port() -> int:
    """Return a free TCP port on 127.0.0.1."""
    with contextlib.closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class ServerThread:
    """A real server on a free loopback port, in a background thread (tests, the demo)."""

    def __init__(
        self,
        config: ServerConfig,
        clock: Clock | None = None,
        services: list[type[Service]] | None = None,
    ) -> None:
        self.config = config
        self.app = build(config, clock, services)
        self._server = uvicorn.Server(_uvicorn_config(self.app, config))
        self._thread = threading.Thread(target=self._run, name="headwater-server", daemon=True)

    @property
    def endpoint(self) -> str:
        """The URL clients use."""
        return self.config.endpoint

    def _run(self) -> None:
        asyncio.run(self._server.serve())

    def start(self) -> ServerThread:
        """Start serving; return once the port accepts connections."""
        self.app.registry.start()
        self._thread.start()
        for _ in range(500):
            if self._server.started:
                return self
            if not self._thread.is_alive():
                raise RuntimeError("the Headwater server failed to start")
            threading.Event().wait(0.01)
        raise RuntimeError("the Headwater server did not start within 5 s")

    def stop(self) -> None:
        """Stop serving and release the store."""
        self._server.should_exit = True
        self._thread.join(timeout=10)
        self.app.registry.stop()
        self.app.executor.shutdown(wait=True, cancel_futures=True)
        self.app.env.store.close()

    @contextlib.contextmanager
    def running(self) -> Iterator[ServerThread]:
        """Context manager form of start/stop."""
        self.start()
        try:
            yield self
        finally:
            self.stop()
