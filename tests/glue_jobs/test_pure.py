"""The pure Glue core: trigger definitions, predicates, graphs, runs, batching, bookmarks."""

from __future__ import annotations

from typing import Any

import pytest

from headwater.glue import (
    BatchingDef,
    InvalidDefinitionError,
    NodeType,
    PendingBatch,
    RunState,
    TriggerType,
    WorkflowRunStatus,
    action_changed,
    action_started,
    add_event,
    build_graph,
    compile_predicate,
    compile_trigger,
    deadline,
    due,
    merge_arguments,
    script_argv,
    start_run,
    statistics,
    stop_run,
)
from headwater.glue.batching import event_ids_property
from headwater.glue.bookmarks import Bookmark, commit, reset, unprocessed


def job_cond(name: str, state: str = "SUCCEEDED") -> dict[str, str]:
    return {"LogicalOperator": "EQUALS", "JobName": name, "State": state}


def outcome_of(states: dict[str, str]) -> Any:
    return lambda kind, name: states.get(name)


# -- predicates ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("logical", "states", "fires"),
    [
        ("AND", {"a": "SUCCEEDED", "b": "SUCCEEDED"}, True),
        ("AND", {"a": "SUCCEEDED"}, False),
        ("AND", {"a": "SUCCEEDED", "b": "FAILED"}, False),
        ("ANY", {"a": "SUCCEEDED"}, True),
        ("ANY", {"b": "SUCCEEDED", "a": "FAILED"}, True),
        ("ANY", {"a": "FAILED", "b": "FAILED"}, False),
        ("ANY", {}, False),
    ],
)
def test_and_versus_any(logical: str, states: dict[str, str], fires: bool) -> None:
    pred = compile_predicate({"Logical": logical, "Conditions": [job_cond("a"), job_cond("b")]})
    assert pred.evaluate(outcome_of(states)) is fires


def test_crawler_condition_and_failed_state() -> None:
    pred = compile_predicate(
        {
            "Logical": "ANY",
            "Conditions": [
                {"CrawlerName": "c", "CrawlState": "SUCCEEDED"},
                job_cond("j", "FAILED"),
            ],
        }
    )
    assert pred.evaluate(lambda k, n: "SUCCEEDED" if k is NodeType.CRAWLER else None)
    assert pred.evaluate(lambda k, n: "FAILED" if k is NodeType.JOB else None)
    assert not pred.evaluate(lambda k, n: "SUCCEEDED" if k is NodeType.JOB else None)


def test_single_condition_needs_no_logical_and_renders_without_it() -> None:
    pred = compile_predicate({"Conditions": [job_cond("a")]})
    assert pred.to_wire() == {"Conditions": [job_cond("a")]}


@pytest.mark.parametrize(
    ("predicate", "location"),
    [
        ({"Conditions": []}, "Predicate.Conditions"),
        ({"Conditions": [job_cond("a"), job_cond("b")]}, "Predicate.Logical"),
        ({"Logical": "OR", "Conditions": [job_cond("a")]}, "Predicate.Logical"),
        ({"Conditions": [job_cond("a", "RUNNING")]}, "Predicate.Conditions[0].State"),
        (
            {"Conditions": [{"CrawlerName": "c", "CrawlState": "RUNNING"}]},
            "Predicate.Conditions[0].CrawlState",
        ),
        ({"Conditions": [{"JobName": "a", "CrawlerName": "c"}]}, "Predicate.Conditions[0]"),
    ],
)
def test_bad_predicates(predicate: dict[str, Any], location: str) -> None:
    with pytest.raises(InvalidDefinitionError) as err:
        compile_predicate(predicate)
    assert err.value.location == location


# -- trigger definitions -----------------------------------------------------------------------
def test_compile_every_type() -> None:
    sched = compile_trigger(
        {
            "Name": "trigger-parquet-job",
            "Type": "SCHEDULED",
            "Schedule": "cron(0 6 * * ? *)",
            "WorkflowName": "byod",
            "Actions": [{"JobName": "byod-job", "Arguments": {"--x": "1"}}],
        }
    )
    assert sched.type is TriggerType.SCHEDULED
    assert sched.starts_workflow
    assert sched.to_wire()["Actions"] == [{"JobName": "byod-job", "Arguments": {"--x": "1"}}]
    event = compile_trigger(
        {
            "Name": "s3-object-trigger",
            "Type": "EVENT",
            "WorkflowName": "wf",
            "Actions": [{"CrawlerName": "crawl-streammed-data"}],
            "EventBatchingCondition": {"BatchSize": 2, "BatchWindow": 900},
        }
    )
    assert event.batching == BatchingDef(size=2, window=900)
    default_batch = compile_trigger(
        {"Name": "e", "Type": "EVENT", "WorkflowName": "wf", "Actions": [{"JobName": "j"}]}
    )
    assert default_batch.batching == BatchingDef(size=1, window=900)


@pytest.mark.parametrize(
    ("spec", "location"),
    [
        ({"Type": "SCHEDULED", "Actions": [{"JobName": "j"}]}, "Schedule"),
        ({"Type": "CONDITIONAL", "Actions": [{"JobName": "j"}]}, "Predicate"),
        ({"Type": "EVENT", "Actions": [{"JobName": "j"}]}, "WorkflowName"),
        ({"Type": "ON_DEMAND", "Actions": []}, "Actions"),
        ({"Type": "ON_DEMAND", "Actions": [{}]}, "Actions[0]"),
        ({"Type": "WEEKLY", "Actions": [{"JobName": "j"}]}, "Type"),
        (
            {
                "Type": "EVENT",
                "WorkflowName": "w",
                "Actions": [{"JobName": "j"}],
                "EventBatchingCondition": {"BatchSize": 101},
            },
            "EventBatchingCondition.BatchSize",
        ),
        (
            {
                "Type": "EVENT",
                "WorkflowName": "w",
                "Actions": [{"JobName": "j"}],
                "EventBatchingCondition": {"BatchSize": 1, "BatchWindow": 901},
            },
            "EventBatchingCondition.BatchWindow",
        ),
        (
            {
                "Type": "ON_DEMAND",
                "Actions": [{"JobName": "j"}],
                "EventBatchingCondition": {"BatchSize": 1},
            },
            "EventBatchingCondition",
        ),
    ],
)
def test_bad_triggers(spec: dict[str, Any], location: str) -> None:
    with pytest.raises(InvalidDefinitionError) as err:
        compile_trigger({"Name": "t", **spec})
    assert err.value.location == location


def test_schedule_checker_is_called() -> None:
    seen: list[str] = []
    compile_trigger(
        {"Name": "t", "Type": "SCHEDULED", "Schedule": "cron(x)", "Actions": [{"JobName": "j"}]},
        check_schedule=seen.append,
    )
    assert seen == ["cron(x)"]


# -- graphs and runs --------------------------------------------------------------------------
def byod(logical: str = "AND", watched: tuple[str, ...] = ("job",)) -> Any:
    start = compile_trigger(
        {
            "Name": "start",
            "Type": "ON_DEMAND",
            "WorkflowName": "byod",
            "Actions": [{"JobName": j} for j in watched],
        }
    )
    cond = compile_trigger(
        {
            "Name": "crawl",
            "Type": "CONDITIONAL",
            "WorkflowName": "byod",
            "Predicate": {"Logical": logical, "Conditions": [job_cond(j) for j in watched]},
            "Actions": [{"CrawlerName": "curated"}],
        }
    )
    return build_graph("byod", [start, cond])


def test_graph_nodes_and_edges() -> None:
    graph = byod()
    kinds = [(n.type, n.name) for n in graph.nodes]
    assert kinds == [
        (NodeType.TRIGGER, "start"),
        (NodeType.TRIGGER, "crawl"),
        (NodeType.JOB, "job"),
        (NodeType.CRAWLER, "curated"),
    ]
    ids = {n.name: n.unique_id for n in graph.nodes}
    pairs = {(e.source, e.destination) for e in graph.edges}
    assert pairs == {
        (ids["start"], ids["job"]),
        (ids["job"], ids["crawl"]),
        (ids["crawl"], ids["curated"]),
    }
    assert byod().nodes == graph.nodes  # ids are stable


def test_run_success_fires_conditional_then_completes() -> None:
    graph = byod()
    state, cmds = start_run(graph, "start")
    assert [c.action.name for c in cmds] == ["job"]
    state = action_started(state, 0, "jr_1", "RUNNING")
    assert state.status is WorkflowRunStatus.RUNNING
    state, cmds = action_changed(graph, state, 0, "SUCCEEDED")
    assert [(c.action.kind, c.action.name) for c in cmds] == [(NodeType.CRAWLER, "curated")]
    assert state.fired == ("start", "crawl")
    state = action_started(state, 1, None, "RUNNING")
    state, cmds = action_changed(graph, state, 1, "SUCCEEDED")
    assert cmds == []
    assert state.status is WorkflowRunStatus.COMPLETED
    assert statistics(state)["SucceededActions"] == 2
    assert statistics(state)["TotalActions"] == 2


def test_failed_job_completes_run_without_firing() -> None:
    graph = byod()
    state, _ = start_run(graph, "start")
    state = action_started(state, 0, "jr_1", "RUNNING")
    state, cmds = action_changed(graph, state, 0, "FAILED", error="boom")
    assert cmds == []
    assert state.status is WorkflowRunStatus.COMPLETED
    stats = statistics(state)
    assert (stats["TotalActions"], stats["FailedActions"], stats["SucceededActions"]) == (1, 1, 0)
    assert state.actions[0].error == "boom"


@pytest.mark.parametrize(
    ("logical", "second", "fires_after_first", "fires_at_all"),
    [
        ("AND", "SUCCEEDED", False, True),
        ("AND", "FAILED", False, False),
        ("ANY", "FAILED", True, True),
        ("ANY", "SUCCEEDED", True, True),
    ],
)
def test_and_any_with_two_jobs(
    logical: str, second: str, fires_after_first: bool, fires_at_all: bool
) -> None:
    graph = byod(logical, ("a", "b"))
    state, cmds = start_run(graph, "start")
    assert len(cmds) == 2
    state, after_first = action_changed(graph, state, 0, "SUCCEEDED")
    assert bool(after_first) is fires_after_first
    state, after_second = action_changed(graph, state, 1, second)
    fired = bool(after_first) or bool(after_second)
    assert fired is fires_at_all
    assert not (after_first and after_second)  # a trigger fires once per run
    assert state.status is (WorkflowRunStatus.RUNNING if fired else WorkflowRunStatus.COMPLETED)


def test_repeated_report_is_ignored_and_json_round_trip() -> None:
    graph = byod()
    state, _ = start_run(graph, "start")
    state, _ = action_changed(graph, state, 0, "SUCCEEDED")
    again, cmds = action_changed(graph, state, 0, "SUCCEEDED")
    assert cmds == []
    assert again == state
    assert RunState.from_json(state.to_json()) == state


def test_stop_run() -> None:
    graph = byod()
    state, _ = start_run(graph, "start")
    state = stop_run(state)
    assert state.status is WorkflowRunStatus.STOPPED
    assert statistics(state)["StoppedActions"] == 1


# -- batching ---------------------------------------------------------------------------------
def test_batch_fires_on_size() -> None:
    cfg = BatchingDef(size=2, window=900)
    pending, fired = add_event(cfg, PendingBatch(), "e1", 100.0)
    assert fired == []
    assert deadline(cfg, pending) == 1000.0
    pending, fired = add_event(cfg, pending, "e2", 150.0)
    assert [f.event_ids for f in fired] == [("e1", "e2")]
    assert fired[0].starting_condition == {"BatchSize": 2}
    assert pending == PendingBatch()
    assert deadline(cfg, pending) is None


def test_batch_fires_on_window() -> None:
    cfg = BatchingDef(size=5, window=60)
    pending, _ = add_event(cfg, PendingBatch(), "e1", 0.0)
    assert due(cfg, pending, 59.9)[1] is None
    pending, fired = due(cfg, pending, 60.0)
    assert fired is not None
    assert fired.event_ids == ("e1",)
    assert fired.starting_condition == {"BatchWindow": 60}


def test_late_event_closes_the_old_window_first() -> None:
    cfg = BatchingDef(size=2, window=10)
    pending, _ = add_event(cfg, PendingBatch(), "old", 0.0)
    pending, fired = add_event(cfg, pending, "new", 50.0)
    assert [f.event_ids for f in fired] == [("old",)]
    assert pending.event_ids == ("new",)
    assert pending.first_at == 50.0
    assert PendingBatch.from_json(pending.to_json()) == pending


def test_event_ids_property_is_a_printed_list() -> None:
    assert event_ids_property(["a", "b"]) == "[a, b]"
    assert event_ids_property(["a"])[1:-1] == "a"


# -- arguments and bookmarks ----------------------------------------------------------------
def test_arguments_and_argv() -> None:
    args = merge_arguments({"--a": "1", "--b": "2"}, {"--b": "3"}, {"--c": "4"})
    assert args == {"--a": "1", "--b": "3", "--c": "4"}
    argv = script_argv(
        "script.py", job_name="j", run_id="jr_x", arguments=args, workflow=("wf", "wr_1")
    )
    assert argv[0] == "script.py"
    pairs = dict(zip(argv[1::2], argv[2::2], strict=True))
    assert pairs["--JOB_NAME"] == "j"
    assert pairs["--JOB_RUN_ID"] == "jr_x"
    assert pairs["--WORKFLOW_RUN_ID"] == "wr_1"
    assert pairs["--b"] == "3"
    assert pairs["--job-bookmark-option"] == "job-bookmark-disable"


def test_bookmarks() -> None:
    mark = Bookmark(job_name="j")
    files = [("s3://b/raw/1.csv", "e1"), ("s3://b/raw/2.csv", "e2")]
    assert unprocessed(mark.contexts, "src", files) == files
    mark = commit(mark, run_id="jr_1", attempt=0, updates={"src": dict(files[:1])}, now_ms=1)
    assert unprocessed(mark.contexts, "src", files) == files[1:]
    assert (mark.version, mark.run, mark.run_id) == (1, 1, "jr_1")
    assert Bookmark.from_json("j", mark.to_json()) == mark
    assert '"src"' in mark.to_wire()["JobBookmark"]
    mark = reset(mark)
    assert unprocessed(mark.contexts, "src", files) == files


def test_resume_restarts_a_failed_node_and_refires_its_trigger() -> None:
    from headwater.glue.runs import resume_run

    graph = byod()
    state, _ = start_run(graph, "start")
    state, _ = action_changed(graph, state, 0, "FAILED")
    assert state.status is WorkflowRunStatus.COMPLETED
    resumed, cmds = resume_run(graph, state, [(NodeType.JOB, "job")])
    assert [c.action.name for c in cmds] == ["job"]
    assert resumed.status is WorkflowRunStatus.RUNNING
    resumed, cmds = action_changed(graph, resumed, cmds[0].index, "SUCCEEDED")
    assert [c.action.name for c in cmds] == ["curated"]
    untouched, none = resume_run(graph, resumed, [(NodeType.JOB, "job")])
    assert none == []
    assert untouched == resumed
