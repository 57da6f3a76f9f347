"""``getResolvedOptions``: the job's arguments from ``sys.argv``, as awsglue resolves them."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import Any, NoReturn

__all__ = ["GlueArgumentError", "getResolvedOptions"]

_BOOKMARK = "--job-bookmark-option"
_BOOKMARK_CHOICES = ("job-bookmark-enable", "job-bookmark-disable", "job-bookmark-pause")
_CONTINUATION = "--continuation-option"
_CONTINUATION_CHOICES = ("continuation-enabled", "continuation-disabled", "continuation-ignore")
_RANGE = ("--job-bookmark-from", "--job-bookmark-to")
_IDS = ("--JOB_ID", "--JOB_RUN_ID", "--SECURITY_CONFIGURATION")
_ENCRYPTION = "--encryption-type"


class GlueArgumentError(Exception):
    """A required job argument is missing (or a reserved one is asked for)."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise GlueArgumentError(message)


def getResolvedOptions(args: Sequence[str], options: Sequence[str]) -> dict[str, Any]:
    """Resolve ``options`` (names without ``--``) from ``args`` (``sys.argv``).

    Every named option is required; unknown arguments are ignored. The result also holds the
    bookmark option (``job_bookmark_option``), the run ids Glue passes and ``TempDir``.
    """
    # Glue's own library refuses these names; asking for JOB_ID or JOB_RUN_ID is allowed here
    # (newer Glue versions resolve them), which only makes more scripts work.
    reserved = [_BOOKMARK, _CONTINUATION, *_RANGE, _ENCRYPTION]
    for option in options:
        if f"--{option}" in reserved:
            raise RuntimeError(f"Using reserved arguments --{option}")
    parser = _Parser(add_help=False, allow_abbrev=False)
    parser.add_argument(_BOOKMARK, choices=_BOOKMARK_CHOICES, required=False)
    parser.add_argument(_CONTINUATION, choices=_CONTINUATION_CHOICES, required=False)
    for option in _RANGE:
        parser.add_argument(option, required=False)
    for option in _IDS:
        if option[2:] not in options:
            parser.add_argument(option, required=False)
    parser.add_argument(_ENCRYPTION, choices=("sse-s3",), required=False)
    wanted = [o for o in options if o not in ("RedshiftTempDir", "TempDir")]
    parser.add_argument("--RedshiftTempDir", required=False)
    parser.add_argument("--TempDir", required=False)
    for option in wanted:
        parser.add_argument(f"--{option}", required=True, dest=option)
    parsed, _extra = parser.parse_known_args(list(args[1:]))
    out: dict[str, Any] = vars(parsed)
    if out.get("TempDir") is not None:
        out["RedshiftTempDir"] = out["TempDir"]
    elif out.get("RedshiftTempDir") is not None:
        out["TempDir"] = out["RedshiftTempDir"]
    continuation = out.pop("continuation_option", None)
    if out.get("job_bookmark_option") is None:
        if continuation is None:
            out["job_bookmark_option"] = "job-bookmark-disable"
        else:
            index = _CONTINUATION_CHOICES.index(continuation)
            out["job_bookmark_option"] = (
                "job-bookmark-enable",
                "job-bookmark-disable",
                "job-bookmark-pause",
            )[index]
    absent = [o for o in _RANGE if out.get(o[2:].replace("-", "_")) is None]
    if out["job_bookmark_option"] == "job-bookmark-pause":
        if len(absent) == 1:
            raise RuntimeError(f"Missing option or value for {absent[0]}")
    elif not absent:
        raise RuntimeError("Invalid option(s)" + " ".join(_RANGE))
    return out
