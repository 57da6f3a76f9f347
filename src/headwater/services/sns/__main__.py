"""``python -m headwater.services.sns mail [ADDRESS]``: list the local SNS mailbox."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from headwater.services.sns.service import list_mailbox

__all__ = ["main"]


def main(argv: list[str] | None = None) -> int:
    """``python -m headwater.services.sns mail [ADDRESS]``: list the local mailbox."""
    parser = argparse.ArgumentParser(prog="python -m headwater.services.sns")
    sub = parser.add_subparsers(dest="command", required=True)
    mail = sub.add_parser("mail", help="list the messages SNS delivered to email subscribers")
    mail.add_argument("address", nargs="?", help="only this address")
    mail.add_argument("--data-dir", default=".headwater", help="the server's data directory")
    mail.add_argument("--body", action="store_true", help="print each message's body too")
    args = parser.parse_args(argv)
    messages = list_mailbox(Path(args.data_dir).resolve(), args.address)
    for m in messages:
        print(f"{m['date']}  {m['to']}  {m['subject']}\n    {m['path']}")
        if args.body:
            print("    " + m["body"].replace("\n", "\n    "))
    if not messages:
        print("no messages", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
