"""Distributed Map data: ItemReader parsing, ItemBatcher, ResultWriter, through the interpreter."""

from __future__ import annotations

from typing import Any

import pytest

import headwater.asl as asl
from headwater.asl.errors import StatesFailure
from headwater.asl.item_reader import batch_items, parse_items
from headwater.asl.model import ItemReaderSpec

INFO = asl.ExecutionInfo(
    execution_arn="arn:aws:states:us-east-1:1:execution:sm:e",
    name="e",
    state_machine_arn="arn:aws:states:us-east-1:1:stateMachine:sm",
    state_machine_name="sm",
    account="1",
)


@pytest.mark.parametrize(
    ("spec", "body", "expected"),
    [
        (ItemReaderSpec(resource="r", input_type="JSON"), '[1, {"a": 2}]', [1, {"a": 2}]),
        (
            ItemReaderSpec(resource="r", input_type="JSONL"),
            '{"a":1}\n\n{"a":2}\n',
            [{"a": 1}, {"a": 2}],
        ),
        (
            ItemReaderSpec(resource="r", input_type="CSV"),
            "h1,h2\nv1,v2\nv3\n",
            [{"h1": "v1", "h2": "v2"}, {"h1": "v3", "h2": ""}],
        ),
        (
            ItemReaderSpec(
                resource="r",
                input_type="CSV",
                csv_header_location="GIVEN",
                csv_headers=("a", "b"),
                csv_delimiter="|",
            ),
            "1|2\n3|4",
            [{"a": "1", "b": "2"}, {"a": "3", "b": "4"}],
        ),
    ],
)
def test_parse(spec: ItemReaderSpec, body: str, expected: list[Any]) -> None:
    assert parse_items(spec, body=body) == expected


@pytest.mark.parametrize(
    ("spec", "body", "cause"),
    [
        (
            ItemReaderSpec(resource="r", input_type="JSON"),
            '{"a": 1}',
            "Attempting to map over non-iterable node.",
        ),
        (
            ItemReaderSpec(resource="r", input_type="CSV"),
            "h,h\n1,2",
            "CSV headers cannot contain duplicates.",
        ),
    ],
)
def test_parse_failures(spec: ItemReaderSpec, body: str, cause: str) -> None:
    with pytest.raises(StatesFailure) as info:
        parse_items(spec, body=body)
    assert (info.value.error, info.value.cause) == ("States.ItemReaderFailed", cause)


def test_max_items_and_listings() -> None:
    spec = ItemReaderSpec(resource="arn:aws:states:::s3:listObjectsV2")
    objects = [{"Key": f"k{i}"} for i in range(5)]
    assert parse_items(spec, objects=objects, max_items=2) == objects[:2]


def test_batching() -> None:
    batches = batch_items(list(range(5)), max_items=2, max_bytes=None, batch_input={"b": 1})
    assert batches == [
        {"BatchInput": {"b": 1}, "Items": [0, 1]},
        {"BatchInput": {"b": 1}, "Items": [2, 3]},
        {"BatchInput": {"b": 1}, "Items": [4]},
    ]
    assert batch_items(["aaaa", "bbbb", "c"], max_items=None, max_bytes=12, batch_input=None) == [
        {"Items": ["aaaa", "bbbb"]},
        {"Items": ["c"]},
    ]


def _distributed(extra: dict[str, Any]) -> dict[str, Any]:
    return {
        "StartAt": "M",
        "States": {
            "M": {
                "Type": "Map",
                "End": True,
                "Label": "L",
                "ItemProcessor": {
                    "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                    "StartAt": "P",
                    "States": {"P": {"Type": "Pass", "End": True}},
                },
                **extra,
            }
        },
    }


def test_item_reader_round_trip_with_batcher() -> None:
    machine = asl.compile_definition(
        _distributed(
            {
                "ItemReader": {
                    "Resource": "arn:aws:states:::s3:getObject",
                    "ReaderConfig": {"InputType": "CSV", "MaxItems": 3},
                    "Parameters": {"Bucket.$": "$.b", "Key": "k.csv"},
                },
                "ItemBatcher": {"MaxItemsPerBatch": 2},
            }
        )
    )
    step = asl.start_execution(machine, INFO, {"b": "bucket"}, time=0.0, seed=1)
    (read,) = [c for c in step.commands if isinstance(c, asl.ReadItems)]
    assert read.parameters == {"Bucket": "bucket", "Key": "k.csv"}
    step = asl.advance(
        machine, step.state, asl.ItemsRead(token=read.token, body="n\n1\n2\n3\n4\n", time=1.0)
    )
    assert step.state["status"] == "SUCCEEDED"
    assert step.state["output"] == [{"Items": [{"n": "1"}, {"n": "2"}]}, {"Items": [{"n": "3"}]}]
    types = [e["type"] for e in step.history_events]
    assert types == [
        "MapStateStarted",
        "MapRunStarted",
        "MapRunSucceeded",
        "MapStateSucceeded",
        "MapStateExited",
        "ExecutionSucceeded",
    ]


def test_item_reader_failure_reaches_catch() -> None:
    definition = _distributed(
        {
            "ItemReader": {
                "Resource": "arn:aws:states:::s3:getObject",
                "Parameters": {"Bucket": "b", "Key": "k"},
            },
            "Catch": [{"ErrorEquals": ["States.ItemReaderFailed"], "Next": "C"}],
        }
    )
    definition["States"]["M"].pop("End")
    definition["States"]["M"]["Next"] = "C"
    definition["States"]["C"] = {"Type": "Pass", "End": True}
    machine = asl.compile_definition(definition)
    step = asl.start_execution(machine, INFO, {}, time=0.0, seed=1)
    (read,) = [c for c in step.commands if isinstance(c, asl.ReadItems)]
    step = asl.advance(machine, step.state, asl.ItemsRead(token=read.token, body="{}", time=1.0))
    assert step.state["output"] == {
        "Error": "States.ItemReaderFailed",
        "Cause": "Attempting to map over non-iterable node.",
    }


def test_result_writer() -> None:
    machine = asl.compile_definition(
        _distributed(
            {
                "ResultWriter": {
                    "Resource": "arn:aws:states:::s3:putObject",
                    "Parameters": {"Bucket": "out", "Prefix": "jobs"},
                }
            }
        )
    )
    step = asl.start_execution(machine, INFO, ["a", "b"], time=0.0, seed=1)
    (write,) = [c for c in step.commands if isinstance(c, asl.WriteResults)]
    run_id = write.map_run_arn.rsplit(":", 1)[1]
    assert write.map_run_arn.startswith("arn:aws:states:us-east-1:1:mapRun:sm/L:")
    assert write.results == ["a", "b"]
    assert step.state["output"] == {
        "MapRunArn": write.map_run_arn,
        "ResultWriterDetails": {"Bucket": "out", "Key": f"jobs/{run_id}/manifest.json"},
    }


def test_reader_config_is_validated() -> None:
    with pytest.raises(asl.DefinitionError, match="InputType"):
        asl.compile_definition(
            _distributed(
                {
                    "ItemReader": {
                        "Resource": "arn:aws:states:::s3:getObject",
                        "ReaderConfig": {"InputType": "XML"},
                    }
                }
            )
        )


def test_map_run_updates_for_describe_map_run() -> None:
    machine = asl.compile_definition(_distributed({"ToleratedFailureCount": 1}))
    step = asl.start_execution(machine, INFO, [1, 2, 3], time=5.0, seed=1)
    updates = [c for c in step.commands if isinstance(c, asl.MapRunUpdated)]
    assert [u.status for u in updates] == ["RUNNING", "SUCCEEDED"]
    assert updates[0].map_run_arn == updates[1].map_run_arn
    assert updates[1].item_counts["total"] == 3
    assert updates[1].item_counts["succeeded"] == 3
    assert updates[1].tolerated_failure_count == 1
