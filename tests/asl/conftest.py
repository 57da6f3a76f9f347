"""Fixtures and data for the Amazon States Language tests."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

SHARED = Path(__file__).resolve().parents[2] / ".." / "shared"
SFN = SHARED / "conformance" / "sfn"


def load_cases(folder: str) -> list[dict[str, Any]]:
    """Every case file of a conformance folder, parsed, sorted by file name."""
    out = []
    for path in sorted((SFN / folder).glob("*.json")):
        case = json.loads(path.read_text())
        case["_file"] = path.name
        out.append(case)
    return out


@pytest.fixture
def seed() -> int:
    """The seed of the injected randomness in unit tests."""
    return 42
