"""Crawler definitions and runs through boto3: states, errors, metrics, history, schedules."""

from __future__ import annotations

import json
import threading
import urllib.request
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError

from headwater.services.glue.runner import CrawlRunner
from tests.conftest import eventually
from tests.glue_catalog.conftest import ROLE, crawl, error_code, s3_crawler

CSV = "id,name,score\n1,ann,1.5\n2,bob,2.5\n"


@pytest.fixture
def gate(monkeypatch: pytest.MonkeyPatch) -> Iterator[threading.Event]:
    """Hold every S3 crawl before it lists its targets until the event is set."""
    release = threading.Event()
    entered = threading.Event()
    original = CrawlRunner._crawl_s3

    def held(self: CrawlRunner, job: Any, spec: Any) -> Any:
        entered.set()
        release.wait(30)
        return original(self, job, spec)

    monkeypatch.setattr(CrawlRunner, "_crawl_s3", held)
    release.entered = entered  # type: ignore[attr-defined]
    yield release
    release.set()


def test_create_get_list_update_delete(glue: Any) -> None:
    s3_crawler(
        glue,
        "byod-customers-raw-crawler",
        "s3://lake/raw/customers/",
        Description="raw",
        TablePrefix="raw_",
        Tags={"team": "byod"},
    )
    got = glue.get_crawler(Name="byod-customers-raw-crawler")["Crawler"]
    assert got["Name"] == "byod-customers-raw-crawler"
    assert got["Role"] == ROLE
    assert got["DatabaseName"] == "db"
    assert got["State"] == "READY"
    assert got["TablePrefix"] == "raw_"
    assert got["Targets"]["S3Targets"] == [{"Path": "s3://lake/raw/customers/", "Exclusions": []}]
    assert got["SchemaChangePolicy"] == {
        "UpdateBehavior": "UPDATE_IN_DATABASE",
        "DeleteBehavior": "DEPRECATE_IN_DATABASE",
    }
    assert got["RecrawlPolicy"] == {"RecrawlBehavior": "CRAWL_EVERYTHING"}
    assert got["Version"] == 1
    assert "LastCrawl" not in got
    assert "Schedule" not in got
    s3_crawler(glue, "other", "s3://lake/x/")
    assert [c["Name"] for c in glue.get_crawlers()["Crawlers"]] == [
        "byod-customers-raw-crawler",
        "other",
    ]
    assert glue.list_crawlers()["CrawlerNames"] == ["byod-customers-raw-crawler", "other"]
    assert glue.list_crawlers(Tags={"team": "byod"})["CrawlerNames"] == [
        "byod-customers-raw-crawler"
    ]
    batch = glue.batch_get_crawlers(CrawlerNames=["other", "ghost"])
    assert [c["Name"] for c in batch["Crawlers"]] == ["other"]
    assert batch["CrawlersNotFound"] == ["ghost"]
    glue.update_crawler(Name="other", TablePrefix="p_", Schedule="cron(0 12 * * ? *)")
    other = glue.get_crawler(Name="other")["Crawler"]
    assert other["TablePrefix"] == "p_"
    assert other["Targets"]["S3Targets"][0]["Path"] == "s3://lake/x/"
    assert other["Version"] == 2
    assert other["Schedule"] == {"ScheduleExpression": "cron(0 12 * * ? *)", "State": "SCHEDULED"}
    glue.delete_crawler(Name="other")
    with pytest.raises(ClientError) as exc:
        glue.get_crawler(Name="other")
    assert error_code(exc) == "EntityNotFoundException"


def test_definition_errors(glue: Any) -> None:
    s3_crawler(glue, "c", "s3://lake/x/")
    with pytest.raises(ClientError) as exc:
        s3_crawler(glue, "c", "s3://lake/y/")
    assert error_code(exc) == "AlreadyExistsException"
    bad: list[dict[str, Any]] = [
        {"Schedule": "every day"},
        {"Schedule": "cron(0 99 * * ? *)"},
        {"Configuration": "{not json"},
        {"Configuration": json.dumps({"Grouping": {"TableGroupingPolicy": "Nope"}})},
        {"Classifiers": ["ghost"]},
        {
            "SchemaChangePolicy": {"DeleteBehavior": "DELETE_FROM_DATABASE"},
            "RecrawlPolicy": {"RecrawlBehavior": "CRAWL_NEW_FOLDERS_ONLY"},
        },
    ]
    for extra in bad:
        with pytest.raises(ClientError) as exc:
            s3_crawler(glue, "d", "s3://lake/y/", **extra)
        assert error_code(exc) == "InvalidInputException", extra
    with pytest.raises(ClientError) as exc:
        glue.create_crawler(
            Name="d", Role=ROLE, DatabaseName="db", Targets={"S3Targets": [{"Path": "lake/x"}]}
        )
    assert error_code(exc) == "InvalidInputException"
    with pytest.raises(ClientError) as exc:
        glue.update_crawler(Name="c", Schedule="bad")
    assert error_code(exc) == "InvalidInputException"
    with pytest.raises(ClientError) as exc:
        glue.update_crawler(Name="ghost", TablePrefix="x")
    assert error_code(exc) == "EntityNotFoundException"
    with pytest.raises(ClientError) as exc:
        glue.start_crawler(Name="ghost")
    assert error_code(exc) == "EntityNotFoundException"
    with pytest.raises(ClientError) as exc:
        glue.delete_crawler(Name="ghost")
    assert error_code(exc) == "EntityNotFoundException"
    assert glue.list_crawlers()["CrawlerNames"] == ["c"]
    assert glue.get_crawler(Name="c")["Crawler"]["Version"] == 1


def test_start_is_running_at_once_and_refuses_a_second_start(
    glue: Any, put: Any, gate: threading.Event
) -> None:
    put("raw/customers/a.csv", CSV)
    s3_crawler(glue, "crawler1", "s3://lake/raw/customers/")
    glue.start_crawler(Name="crawler1")
    assert glue.get_crawler(Name="crawler1")["Crawler"]["State"] == "RUNNING"
    with pytest.raises(ClientError) as exc:
        glue.start_crawler(Name="crawler1")
    assert error_code(exc) == "CrawlerRunningException"
    calls: tuple[Callable[[], Any], ...] = (
        lambda: glue.update_crawler(Name="crawler1", TablePrefix="x"),
        lambda: glue.delete_crawler(Name="crawler1"),
    )
    for call in calls:
        with pytest.raises(ClientError) as exc:
            call()
        assert error_code(exc) == "CrawlerRunningException"
    metrics = glue.get_crawler_metrics(CrawlerNameList=["crawler1"])["CrawlerMetricsList"][0]
    assert metrics["StillEstimating"] is True
    crawls = glue.list_crawls(CrawlerName="crawler1")["Crawls"]
    assert [c["State"] for c in crawls] == ["RUNNING"]
    gate.set()
    done = eventually(
        lambda: (c := glue.get_crawler(Name="crawler1")["Crawler"])["State"] == "READY" and c
    )
    assert done["LastCrawl"]["Status"] == "SUCCEEDED"
    assert done["LastCrawl"]["LogGroup"] == "/aws-glue/crawlers"
    assert done["LastCrawl"]["LogStream"] == "crawler1"
    assert [t["Name"] for t in glue.get_tables(DatabaseName="db")["TableList"]] == ["customers"]


def test_stop_crawler_cancels_without_touching_the_catalog(
    glue: Any, put: Any, gate: threading.Event
) -> None:
    put("raw/customers/a.csv", CSV)
    s3_crawler(glue, "c", "s3://lake/raw/customers/")
    with pytest.raises(ClientError) as exc:
        glue.stop_crawler(Name="c")
    assert error_code(exc) == "CrawlerNotRunningException"
    glue.start_crawler(Name="c")
    assert gate.entered.wait(10)  # type: ignore[attr-defined]
    glue.stop_crawler(Name="c")
    assert glue.get_crawler(Name="c")["Crawler"]["State"] == "STOPPING"
    with pytest.raises(ClientError) as exc:
        glue.stop_crawler(Name="c")
    assert error_code(exc) == "CrawlerStoppingException"
    gate.set()
    done = eventually(
        lambda: (c := glue.get_crawler(Name="c")["Crawler"])["State"] == "READY" and c
    )
    assert done["LastCrawl"]["Status"] == "CANCELLED"
    with pytest.raises(ClientError):
        glue.get_tables(DatabaseName="db")
    assert [c["State"] for c in glue.list_crawls(CrawlerName="c")["Crawls"]] == ["STOPPED"]
    with pytest.raises(ClientError) as exc:
        glue.stop_crawler(Name="ghost")
    assert error_code(exc) == "EntityNotFoundException"


def test_metrics_and_history_after_crawls(glue: Any, put: Any) -> None:
    put("raw/customers/a.csv", CSV)
    s3_crawler(glue, "c", "s3://lake/raw/")
    first = crawl(glue, "c")
    assert first["LastCrawl"]["Status"] == "SUCCEEDED"
    assert "MessagePrefix" in first["LastCrawl"]
    assert "StartTime" in first["LastCrawl"]
    metrics = glue.get_crawler_metrics()["CrawlerMetricsList"]
    assert len(metrics) == 1
    m = metrics[0]
    assert m["CrawlerName"] == "c"
    assert m["TablesCreated"] == 1
    assert m["TablesUpdated"] == 0
    assert m["TablesDeleted"] == 0
    assert m["StillEstimating"] is False
    assert m["LastRuntimeSeconds"] >= 0
    assert m["MedianRuntimeSeconds"] >= 0
    put("raw/customers/b.csv", "id,name,score,email\n3,cy,1.0,c@x\n4,di,2.0,d@x\n")
    crawl(glue, "c")
    m = glue.get_crawler_metrics(CrawlerNameList=["c"])["CrawlerMetricsList"][0]
    assert m["TablesCreated"] == 0
    assert m["TablesUpdated"] == 1
    crawls = glue.list_crawls(CrawlerName="c")["Crawls"]
    assert [c["State"] for c in crawls] == ["COMPLETED", "COMPLETED"]
    assert all("EndTime" in c and c["LogGroup"] == "/aws-glue/crawlers" for c in crawls)
    summary = json.loads(crawls[0]["Summary"])
    assert summary["TABLE"]["UPDATE"]["Count"] == 1
    only = glue.list_crawls(
        CrawlerName="c",
        Filters=[
            {"FieldName": "CRAWL_ID", "FilterOperator": "EQ", "FieldValue": crawls[1]["CrawlId"]}
        ],
    )["Crawls"]
    assert [c["CrawlId"] for c in only] == [crawls[1]["CrawlId"]]
    later = glue.list_crawls(
        CrawlerName="c",
        Filters=[{"FieldName": "START_TIME", "FilterOperator": "GT", "FieldValue": "2000-01-01"}],
    )["Crawls"]
    assert len(later) == 2
    with pytest.raises(ClientError) as exc:
        glue.list_crawls(
            CrawlerName="c",
            Filters=[{"FieldName": "START_TIME", "FilterOperator": "GT", "FieldValue": "soon"}],
        )
    assert error_code(exc) == "InvalidInputException"
    with pytest.raises(ClientError) as exc:
        glue.list_crawls(CrawlerName="ghost")
    assert error_code(exc) == "EntityNotFoundException"


def test_failed_crawl_reports_last_crawl_failed(glue: Any) -> None:
    s3_crawler(glue, "c", "s3://no-such-bucket/data/")
    done = crawl(glue, "c")
    assert done["LastCrawl"]["Status"] == "FAILED"
    assert done["LastCrawl"]["ErrorMessage"]
    assert glue.list_crawls(CrawlerName="c")["Crawls"][0]["State"] == "FAILED"


def test_scheduled_crawler_fires_on_the_clock(glue: Any, put: Any, clock: Any) -> None:
    put("raw/customers/a.csv", CSV)
    s3_crawler(glue, "nightly", "s3://lake/raw/", Schedule="cron(15 2 * * ? *)")
    got = glue.get_crawler(Name="nightly")["Crawler"]
    assert got["Schedule"] == {"ScheduleExpression": "cron(15 2 * * ? *)", "State": "SCHEDULED"}
    assert "LastCrawl" not in got
    clock.advance(86_400 + 60)
    done = eventually(
        lambda: (
            (c := glue.get_crawler(Name="nightly")["Crawler"]).get("LastCrawl")
            and c["State"] == "READY"
            and c
        )
    )
    assert done["LastCrawl"]["Status"] == "SUCCEEDED"
    assert [t["Name"] for t in glue.get_tables(DatabaseName="db")["TableList"]] == ["customers"]
    glue.stop_crawler_schedule(CrawlerName="nightly")
    assert glue.get_crawler(Name="nightly")["Crawler"]["Schedule"]["State"] == "NOT_SCHEDULED"
    with pytest.raises(ClientError) as exc:
        glue.stop_crawler_schedule(CrawlerName="nightly")
    assert error_code(exc) == "SchedulerNotRunningException"
    clock.advance(86_400)
    assert len(glue.list_crawls(CrawlerName="nightly")["Crawls"]) == 1
    glue.start_crawler_schedule(CrawlerName="nightly")
    with pytest.raises(ClientError) as exc:
        glue.start_crawler_schedule(CrawlerName="nightly")
    assert error_code(exc) == "SchedulerRunningException"
    s3_crawler(glue, "adhoc", "s3://lake/raw/")
    with pytest.raises(ClientError) as exc:
        glue.start_crawler_schedule(CrawlerName="adhoc")
    assert error_code(exc) == "NoScheduleException"


def _deliveries(endpoint: str) -> list[dict[str, Any]]:
    with urllib.request.urlopen(f"{endpoint}/_headwater/events/deliveries", timeout=10) as resp:
        return list(json.load(resp))


def test_state_change_events_reach_a_rule(glue: Any, put: Any, client: Any, endpoint: str) -> None:
    topic = client("sns").create_topic(Name="crawler-events")["TopicArn"]
    events = client("events")
    events.put_rule(
        Name="crawler-state",
        EventPattern=json.dumps(
            {"source": ["aws.glue"], "detail-type": ["Glue Crawler State Change"]}
        ),
    )
    events.put_targets(Rule="crawler-state", Targets=[{"Id": "t", "Arn": topic}])
    put("raw/customers/a.csv", CSV)
    s3_crawler(glue, "crawler1", "s3://lake/raw/")
    s3_crawler(glue, "broken", "s3://no-such-bucket/")
    crawl(glue, "crawler1")
    crawl(glue, "broken")
    found = eventually(lambda: len(d := _deliveries(endpoint)) >= 4 and d)
    seen = [json.loads(d["input"]) for d in found]
    assert {e["source"] for e in seen} == {"aws.glue"}
    states = sorted((e["detail"]["crawlerName"], e["detail"]["state"]) for e in seen)
    assert states == [
        ("broken", "Failed"),
        ("broken", "Started"),
        ("crawler1", "Started"),
        ("crawler1", "Succeeded"),
    ]
    ok = next(e for e in seen if e["detail"]["state"] == "Succeeded")
    assert ok["detail-type"] == "Glue Crawler State Change"
    assert ok["detail"]["tablesCreated"] == "1"
    assert ok["account"] == "000000000000"
    failed = next(e for e in seen if e["detail"]["state"] == "Failed")
    assert failed["detail"]["errorMessage"]
