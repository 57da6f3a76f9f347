"""The ``headwater`` command: ``up``, ``demo`` and ``mail`` (the local SNS mailbox)."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from headwater import __version__

__all__ = ["main"]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="headwater",
        description="Run AWS-style event-driven data pipelines for real, on one machine.",
    )
    parser.add_argument("--version", action="version", version=f"headwater {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    up = sub.add_parser("up", help="run the Headwater server in the foreground")
    up.add_argument(
        "--data-dir",
        type=Path,
        default=Path(".headwater"),
        help="where state.db and the lake live (default: ./.headwater)",
    )
    up.add_argument(
        "--host", default="127.0.0.1", help="address to bind (default: 127.0.0.1, loopback only)"
    )
    up.add_argument("--port", type=int, default=4566, help="port to bind (default: 4566)")
    up.add_argument(
        "--time-scale",
        type=float,
        default=1.0,
        help="multiply every timer by this factor; 0 fires timers at once",
    )
    up.add_argument(
        "--account-id",
        default="000000000000",
        help="the AWS account id Headwater reports (default: 000000000000)",
    )
    up.add_argument(
        "--fsync",
        action="store_true",
        help="fsync every object and commit, to survive power loss (slower); by "
        "default writes survive a crash of the process, not of the machine",
    )
    up.add_argument(
        "--store-url",
        default=None,
        help="keep state in this database instead of <data-dir>/state.db (experimental: "
        "postgresql+psycopg://user@host/db; needs psycopg); the lake stays under --data-dir",
    )
    up.add_argument("--log-level", default="warning", choices=["debug", "info", "warning", "error"])
    up.add_argument(
        "--sfn-mock-config",
        type=Path,
        default=None,
        help="Step Functions Local mock config file (also read from $SFN_MOCK_CONFIG); start "
        "executions with stateMachineArn#TestCase to use its mocked responses",
    )

    demo = sub.add_parser("demo", help="run the demo pipeline against a Headwater server")
    demo.add_argument(
        "--endpoint-url", default=None, help="use this running server instead of starting one"
    )
    demo.add_argument(
        "--data-dir",
        type=Path,
        default=Path(".headwater-demo"),
        help="data dir of the server the demo starts (default: ./.headwater-demo)",
    )

    mail = sub.add_parser("mail", help="list the mail SNS delivered to email subscribers")
    mail.add_argument("address", nargs="?", help="only this address")
    mail.add_argument(
        "--data-dir",
        type=Path,
        default=Path(".headwater"),
        help="the server's data directory (default: ./.headwater)",
    )
    mail.add_argument("--body", action="store_true", help="print each message's body too")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the console script."""
    args = _parser().parse_args(argv)
    if args.command == "up":
        from headwater.cli.server import ServerConfig, serve
        from headwater.store.errors import StoreError

        logging.basicConfig(
            level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
        )
        if args.time_scale < 0:
            print("headwater: --time-scale must be >= 0", file=sys.stderr)
            return 2
        config = ServerConfig(
            data_dir=args.data_dir,
            host=args.host,
            port=args.port,
            time_scale=args.time_scale,
            account_id=args.account_id,
            log_level=args.log_level,
            fsync=args.fsync,
            store_url=args.store_url,
            sfn_mock_config=args.sfn_mock_config,
        )
        try:
            serve(config)
        except StoreError as exc:
            print(f"headwater: {exc}", file=sys.stderr)
            return 2
        return 0
    if args.command == "demo":
        from headwater.cli.demo import run_demo

        return run_demo(endpoint_url=args.endpoint_url, data_dir=args.data_dir)
    if args.command == "mail":
        from headwater.services.sns.__main__ import main as sns_main

        extra = [args.address] if args.address else []
        flags = ["--body"] if args.body else []
        return sns_main(["mail", *extra, "--data-dir", str(args.data_dir), *flags])
    return 2


if __name__ == "__main__":
    sys.exit(main())
