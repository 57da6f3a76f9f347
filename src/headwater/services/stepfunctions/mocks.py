"""Mocked integrations in the Step Functions Local mock config format.

The file (``headwater up --sfn-mock-config FILE`` or ``SFN_MOCK_CONFIG``)::

    {"StateMachines": {"<machine name>": {"TestCases": {"<case>": {"<state>": "<response>"}}}},
     "MockedResponses": {"<response>": {"0": {"Return": {...}},
                                        "1-2": {"Throw": {"Error": "...", "Cause": "..."}}}}}

An execution started with ``stateMachineArn#<case>`` uses the case: each Task state listed
answers with its mocked response instead of calling the service. The keys of a response are
invocation numbers of that state in the execution (0-based, ranges ``a-b``); past the last
one the last response repeats.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from headwater.services.stepfunctions.integrations.registry import Failed, Outcome, Succeeded

__all__ = ["MOCK_CONFIG_ENV", "MockConfig", "MockConfigError"]

MOCK_CONFIG_ENV = "SFN_MOCK_CONFIG"


class MockConfigError(ValueError):
    """The mock config file is not in the Step Functions Local format."""


@dataclass(frozen=True, slots=True, kw_only=True)
class MockConfig:
    """A parsed mock config: test cases per machine name, responses per name."""

    cases: dict[str, dict[str, dict[str, str]]]
    responses: dict[str, tuple[tuple[int, int, Outcome], ...]]

    @classmethod
    def from_env(cls, path: str | Path | None = None) -> MockConfig | None:
        """Load ``path`` or the file named by ``SFN_MOCK_CONFIG`` (None when neither is set)."""
        chosen = path or os.environ.get(MOCK_CONFIG_ENV)
        if not chosen:
            return None
        try:
            doc = json.loads(Path(chosen).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise MockConfigError(f"cannot read the mock config {chosen}: {exc}") from exc
        return cls.parse(doc)

    @classmethod
    def parse(cls, doc: Any) -> MockConfig:
        """Validate and compile a mock config document."""
        if not isinstance(doc, dict):
            raise MockConfigError("the mock config must be a JSON object")
        cases: dict[str, dict[str, dict[str, str]]] = {}
        for machine, spec in (doc.get("StateMachines") or {}).items():
            test_cases = (spec or {}).get("TestCases") if isinstance(spec, dict) else None
            if not isinstance(test_cases, dict):
                raise MockConfigError(f"StateMachines.{machine} needs a TestCases object")
            cases[machine] = {
                name: {str(k): str(v) for k, v in (states or {}).items()}
                for name, states in test_cases.items()
            }
        responses: dict[str, tuple[tuple[int, int, Outcome], ...]] = {}
        for name, spec in (doc.get("MockedResponses") or {}).items():
            if not isinstance(spec, dict) or not spec:
                raise MockConfigError(f"MockedResponses.{name} must map attempts to responses")
            entries = [
                (*_range(name, key), _outcome(name, key, value)) for key, value in spec.items()
            ]
            responses[name] = tuple(sorted(entries, key=lambda e: e[0]))
        for machine, by_case in cases.items():
            for case, states in by_case.items():
                for state, response in states.items():
                    if response not in responses:
                        raise MockConfigError(
                            f"{machine}#{case}: state {state} uses the unknown mocked "
                            f"response {response}"
                        )
        return cls(cases=cases, responses=responses)

    def test_case(self, machine: str, case: str) -> dict[str, str] | None:
        """The state -> response mapping of ``machine#case``, if configured."""
        return self.cases.get(machine, {}).get(case)

    def answer(self, response: str, invocation: int) -> Outcome:
        """The mocked outcome of the ``invocation``-th call (0-based) of a state."""
        entries = self.responses[response]
        for low, high, outcome in entries:
            if low <= invocation <= high:
                return outcome
        return entries[-1][2]


def _range(name: str, key: str) -> tuple[int, int]:
    try:
        if "-" in key:
            low, high = key.split("-", 1)
            return int(low), int(high)
        return int(key), int(key)
    except ValueError as exc:
        raise MockConfigError(f"MockedResponses.{name}: bad attempt key {key!r}") from exc


def _outcome(name: str, key: str, value: Any) -> Outcome:
    if isinstance(value, dict) and "Return" in value:
        return Succeeded(output=value["Return"])
    if isinstance(value, dict) and isinstance(value.get("Throw"), dict):
        throw = value["Throw"]
        return Failed(error=throw.get("Error"), cause=throw.get("Cause"))
    raise MockConfigError(f"MockedResponses.{name}.{key} needs Return or Throw")
