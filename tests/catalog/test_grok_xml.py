"""Custom Grok and XML classifiers in crawls (pure: an in-memory bucket)."""

from __future__ import annotations

import pytest

from headwater.catalog import CatalogError, classifier_from_wire


def _grok(pattern: str, **extra: str) -> dict[str, dict[str, str]]:
    return {
        "GrokClassifier": {"Name": "g", "Classification": "applog", "GrokPattern": pattern, **extra}
    }


def test_grok_fields_types_and_custom_patterns(lake) -> None:  # type: ignore[no-untyped-def]
    lake.put(
        "s3://b/logs/app/a.log",
        "10.0.0.1 GET /index.html 200 0.25 user=ann\n10.0.0.2 POST /api 500 1.5 user=bob\n",
    )
    classifier = _grok(
        "%{IP:client} %{WORD:method} %{URIPATH:path} %{INT:status:int} %{NUMBER:secs:double} "
        "%{USERFIELD:user}",
        CustomPatterns="USERFIELD user=%{WORD}",
    )
    result = lake.crawl(lake.crawler("s3://b/logs/app/", Classifiers=["g"]), [classifier])
    [table] = result.tables_to_create
    assert [(c.name, c.type) for c in table.columns] == [
        ("client", "string"),
        ("method", "string"),
        ("path", "string"),
        ("status", "int"),
        ("secs", "double"),
        ("user", "string"),
    ]
    assert table.parameters["classification"] == "applog"
    assert table.storage_descriptor.serde_info.parameters["input.format"].startswith("%{IP:client}")
    assert table.parameters["recordCount"] == "2"


def test_grok_that_does_not_match_falls_through_to_the_builtins(lake) -> None:  # type: ignore[no-untyped-def]
    lake.put("s3://b/t/a.csv", "id,name\n1,a\n2,b\n")
    result = lake.crawl(lake.crawler("s3://b/t/", Classifiers=["g"]), [_grok("%{IP:ip}")])
    assert result.tables_to_create[0].parameters["classification"] == "csv"


@pytest.mark.parametrize(
    "pattern", ["%{NOSUCH:x}", "%{WORD:x:weird}", "%{WORD:x} (unclosed", "%{LOOP}"]
)
def test_bad_grok_patterns_are_invalid_input(pattern: str) -> None:
    with pytest.raises(CatalogError):
        classifier_from_wire(_grok(pattern, CustomPatterns="LOOP %{LOOP}"))


def test_xml_rows_attributes_nesting_and_repeats(lake) -> None:  # type: ignore[no-untyped-def]
    lake.put(
        "s3://b/x/orders/a.xml",
        '<?xml version="1.0"?>\n<orders>'
        '<order id="1"><customer><name>Ann</name><zip>150</zip></customer>'
        "<item>a</item><item>b</item><total>2.5</total><paid>true</paid></order>"
        '<order id="2"><customer><name>Bob</name><zip>99</zip></customer>'
        "<item>c</item><total>3</total><paid>false</paid></order>"
        '<order id="3"/>'
        "</orders>",
    )
    classifier = {"XMLClassifier": {"Name": "x", "Classification": "xml", "RowTag": "order"}}
    result = lake.crawl(lake.crawler("s3://b/x/orders/", Classifiers=["x"]), [classifier])
    [table] = result.tables_to_create
    assert [(c.name, c.type) for c in table.columns] == [
        ("_id", "bigint"),
        ("customer", "struct<name:string,zip:bigint>"),
        ("item", "array<string>"),
        ("total", "double"),
        ("paid", "boolean"),
    ]
    assert table.parameters["classification"] == "xml"
    assert table.parameters["rowTag"] == "order"
    assert table.parameters["recordCount"] == "2"  # <order id="3"/> is not a record
    assert table.storage_descriptor.serde_info.parameters["column.xpath.total"] == "/order/total"


def test_xml_without_the_row_tag_does_not_match(lake) -> None:  # type: ignore[no-untyped-def]
    lake.put("s3://b/x/other/a.xml", "<rows><line><a>1</a></line></rows>")
    classifier = {"XMLClassifier": {"Name": "x", "Classification": "xml", "RowTag": "row"}}
    result = lake.crawl(lake.crawler("s3://b/x/other/", Classifiers=["x"]), [classifier])
    # no classifier recognises it: Glue's UNKNOWN classification, no columns
    [table] = result.tables_to_create
    assert table.parameters["classification"] == "UNKNOWN"
    assert table.columns == ()
    assert result.skipped == ()
