"""Reading Athena's result objects back: the CSV and TXT parsers, and result pages."""

from __future__ import annotations

import pytest

from headwater.query import ResultColumn, csv_bytes
from headwater.query.types import AthenaType
from headwater.services.athena.results import ResultView, parse_athena_csv, parse_txt

ROWS = [
    ("plain", "1"),
    ('with "quotes", and commas', None),
    ("multi\nline", ""),
    (None, None),
]


def test_csv_round_trip_keeps_nulls_quotes_and_newlines() -> None:
    columns = [ResultColumn(name=n, type=AthenaType("varchar", 2147483647, 0)) for n in ("a", "b")]
    text = csv_bytes(columns, ROWS).decode()
    parsed = parse_athena_csv(text)
    assert parsed[0] == ["a", "b"]
    assert [tuple(r) for r in parsed[1:]] == ROWS


@pytest.mark.parametrize(
    ("text", "rows"),
    [("", []), ("x", [["x"]]), ("a\tb\nc\t", [["a", "b"], ["c", ""]])],
)
def test_txt(text: str, rows: list[list[str]]) -> None:
    assert parse_txt(text) == rows


def test_pages_count_the_header_row() -> None:
    view = ResultView(column_info=[], header=("n",), rows=[("1",), ("2",), (None,)], update_count=0)
    assert view.total == 4
    assert view.page(0, 2) == [
        {"Data": [{"VarCharValue": "n"}]},
        {"Data": [{"VarCharValue": "1"}]},
    ]
    assert view.page(2, 5) == [{"Data": [{"VarCharValue": "2"}]}, {"Data": [{}]}]
