"""Step Functions ARNs and resource names: building, parsing, AWS's naming rules."""

from __future__ import annotations

import re
from dataclasses import dataclass

from headwater.services.stepfunctions import errors

__all__ = [
    "ParsedArn",
    "activity_arn",
    "check_name",
    "execution_arn",
    "express_execution_arn",
    "machine_arn",
    "parse",
]

# Whitespace, brackets, wildcards, AWS's special characters and control characters.
_BAD_NAME = re.compile(r"[\s<>{}\[\]?*\"#%\\^|~`$&,;:/\x00-\x1f\x7f-\x9f]")


def check_name(name: str) -> str:
    """Return ``name`` if Step Functions accepts it for a machine, execution or activity."""
    if not name or len(name) > 80 or _BAD_NAME.search(name):
        raise errors.invalid_name(name)
    return name


def machine_arn(region: str, account: str, name: str) -> str:
    """ARN of a state machine."""
    return f"arn:aws:states:{region}:{account}:stateMachine:{name}"


def execution_arn(region: str, account: str, machine: str, name: str) -> str:
    """ARN of a STANDARD execution."""
    return f"arn:aws:states:{region}:{account}:execution:{machine}:{name}"


def express_execution_arn(region: str, account: str, machine: str, name: str, uid: str) -> str:
    """ARN of an EXPRESS execution (AWS appends an id: names need not be unique)."""
    return f"arn:aws:states:{region}:{account}:express:{machine}:{name}:{uid}"


def activity_arn(region: str, account: str, name: str) -> str:
    """ARN of an activity."""
    return f"arn:aws:states:{region}:{account}:activity:{name}"


@dataclass(frozen=True, slots=True, kw_only=True)
class ParsedArn:
    """A Step Functions ARN split: ``kind`` is stateMachine, execution, express, activity..."""

    arn: str
    region: str
    account: str
    kind: str
    name: str
    rest: tuple[str, ...]

    @property
    def machine(self) -> str:
        """The state machine ARN this ARN belongs to (its first name part)."""
        return machine_arn(self.region, self.account, self.name)


def parse(arn: str, *kinds: str) -> ParsedArn:
    """Split a Step Functions ARN, requiring one of ``kinds``; raise InvalidArn otherwise."""
    parts = arn.split(":") if isinstance(arn, str) else []
    if len(parts) < 7 or parts[0] != "arn" or not parts[1].startswith("aws"):
        raise errors.invalid_arn(f"Invalid ARN prefix: {arn}")
    if parts[2] != "states":
        raise errors.invalid_arn(f"Invalid ARN prefix: {arn}")
    kind = parts[5]
    if kinds and kind not in kinds:
        raise errors.invalid_arn(f"Resource type not valid in this context: {kind}")
    if not parts[6]:
        raise errors.invalid_arn(f"Invalid ARN: {arn}")
    return ParsedArn(
        arn=arn,
        region=parts[3],
        account=parts[4],
        kind=kind,
        name=parts[6],
        rest=tuple(parts[7:]),
    )
