"""SNS subscription filter policies, matched against message attributes or the JSON body."""

from __future__ import annotations

import json
from typing import Any

from headwater.services.sns.errors import invalid

__all__ = ["check_policy", "matches_filter_policy"]


def _rule_matches(rule: Any, value: Any, present: bool) -> bool:
    if isinstance(rule, dict):
        if "exists" in rule:
            return bool(rule["exists"]) == present
        if not present:
            return False
        if "prefix" in rule:
            return isinstance(value, str) and value.startswith(str(rule["prefix"]))
        if "suffix" in rule:
            return isinstance(value, str) and value.endswith(str(rule["suffix"]))
        if "equals-ignore-case" in rule:
            return (
                isinstance(value, str) and value.lower() == str(rule["equals-ignore-case"]).lower()
            )
        if "anything-but" in rule:
            but = rule["anything-but"]
            if isinstance(but, dict):
                return not _rule_matches(but, value, present)
            options = but if isinstance(but, list) else [but]
            return not any(_rule_matches(o, value, present) for o in options)
        if "numeric" in rule:
            try:
                number = float(value)
            except (TypeError, ValueError):
                return False
            ops = rule["numeric"]
            return all(_compare(number, ops[i], ops[i + 1]) for i in range(0, len(ops) - 1, 2))
        return False
    if not present:
        return False
    if isinstance(rule, bool) or rule is None:
        return bool(value == rule)
    if isinstance(rule, int | float):
        try:
            return float(value) == float(rule)
        except (TypeError, ValueError):
            return False
    return bool(value == rule)


def _compare(number: float, op: str, bound: Any) -> bool:
    limit = float(bound)
    return {
        "=": number == limit,
        "<": number < limit,
        "<=": number <= limit,
        ">": number > limit,
        ">=": number >= limit,
    }.get(op, False)


def _value_matches(rules: Any, value: Any, present: bool) -> bool:
    options = rules if isinstance(rules, list) else [rules]
    values = value if isinstance(value, list) else [value]
    return any(_rule_matches(r, v, present) for r in options for v in values)


def _match_tree(policy: dict[str, Any], doc: Any) -> bool:
    for key, rules in policy.items():
        if key == "$or":
            if not any(_match_tree(p, doc) for p in rules):
                return False
            continue
        present = isinstance(doc, dict) and key in doc
        value = doc.get(key) if isinstance(doc, dict) else None
        if isinstance(rules, dict) and not _is_operator(rules):
            if not _match_tree(rules, value if present else {}):
                return False
        elif not _value_matches(rules, value, present):
            return False
    return True


def _is_operator(rule: dict[str, Any]) -> bool:
    ops = {"exists", "prefix", "suffix", "anything-but", "numeric", "equals-ignore-case"}
    return bool(set(rule) & ops)


def matches_filter_policy(
    policy: dict[str, Any], scope: str, attributes: dict[str, Any], message: str
) -> bool:
    """Whether a message passes a subscription's filter policy (SNS's matching rules)."""
    if scope == "MessageBody":
        try:
            body = json.loads(message)
        except ValueError:
            return False
        return isinstance(body, dict) and _match_tree(policy, body)
    values: dict[str, Any] = {}
    for name, attr in attributes.items():
        kind = attr.get("DataType", "String")
        raw = attr.get("StringValue")
        if kind.startswith("String.Array"):
            try:
                values[name] = json.loads(raw or "[]")
            except ValueError:
                values[name] = raw
        elif kind.startswith("Number"):
            values[name] = float(raw) if raw is not None else None
        elif kind.startswith("Binary"):
            continue  # binary attributes never match a policy
        else:
            values[name] = raw
    return _match_tree(policy, values)


def check_policy(text: str) -> dict[str, Any]:
    """Parse a FilterPolicy attribute, or raise InvalidParameter."""
    try:
        policy = json.loads(text)
    except ValueError as exc:
        raise invalid("FilterPolicy: failed to parse JSON.") from exc
    if not isinstance(policy, dict):
        raise invalid("FilterPolicy: the filter policy must be a JSON object")
    return policy
