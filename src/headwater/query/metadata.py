"""What Athena reports about statements and tables before (or without) running anything.

:func:`statement_kind` gives ``StatementType`` / ``SubstatementType`` from the text alone
(StartQueryExecution records them while the query is still QUEUED); :func:`table_metadata`
renders a Glue table as Athena's ``TableMetadata`` (GetTableMetadata, ListTableMetadata).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from headwater.query.results import StatementType
from headwater.query.statements import classify, strip_comments

__all__ = ["statement_kind", "table_metadata"]

_COMMAND_KINDS = {
    "SHOW_DATABASES": (StatementType.UTILITY, "SHOW_DATABASES"),
    "SHOW_TABLES": (StatementType.UTILITY, "SHOW_TABLES"),
    "SHOW_VIEWS": (StatementType.UTILITY, "SHOW_VIEWS"),
    "SHOW_COLUMNS": (StatementType.UTILITY, "SHOW_COLUMNS"),
    "SHOW_PARTITIONS": (StatementType.UTILITY, "SHOW_PARTITIONS"),
    "SHOW_CREATE_TABLE": (StatementType.UTILITY, "SHOW_CREATE_TABLE"),
    "SHOW_CREATE_VIEW": (StatementType.UTILITY, "SHOW_CREATE_VIEW"),
    "SHOW_TBLPROPERTIES": (StatementType.UTILITY, "SHOW_TABLE_PROPERTIES"),
    "DESCRIBE": (StatementType.UTILITY, "DESCRIBE_TABLE"),
    "MSCK": (StatementType.DDL, "MSCK_REPAIR_TABLE"),
    "ALTER_ADD_PARTITION": (StatementType.DDL, "ALTER_TABLE_ADD_PARTITION"),
    "ALTER_DROP_PARTITION": (StatementType.DDL, "ALTER_TABLE_DROP_PARTITION"),
    "CREATE_DATABASE": (StatementType.DDL, "CREATE_DATABASE"),
    "DROP_DATABASE": (StatementType.DDL, "DROP_DATABASE"),
    "DROP_TABLE": (StatementType.DDL, "DROP_TABLE"),
    "DROP_VIEW": (StatementType.DDL, "DROP_VIEW"),
    "EXPLAIN": (StatementType.DML, "EXPLAIN"),
    "UNLOAD": (StatementType.DML, "UNLOAD"),
}


def statement_kind(sql: str) -> tuple[StatementType, str]:
    """``(StatementType, SubstatementType)`` of a statement, from its text."""
    command = classify(sql)
    if command is not None and command.kind in _COMMAND_KINDS:
        return _COMMAND_KINDS[command.kind]
    text = strip_comments(sql).upper()
    words = re.findall(r"[A-Z_]+", text[:200])
    head = " ".join(words[:4])
    if head.startswith(("SELECT", "WITH", "VALUES", "TABLE", "(")) or text.startswith("("):
        return StatementType.DML, "SELECT"
    if head.startswith("INSERT"):
        return StatementType.DML, "INSERT"
    if head.startswith("EXPLAIN"):
        return StatementType.DML, "EXPLAIN"
    if head.startswith("UNLOAD"):
        return StatementType.DML, "UNLOAD"
    if re.match(r"CREATE\s+(OR\s+REPLACE\s+)?VIEW\b", text):
        return StatementType.DDL, "CREATE_VIEW"
    if re.match(r"CREATE\s+TABLE\b.*\bAS\s*\(?\s*(SELECT|WITH|VALUES|TABLE)\b", text, re.DOTALL):
        return StatementType.DDL, "CREATE_TABLE_AS_SELECT"
    if head.startswith("CREATE"):
        return StatementType.DDL, "CREATE_TABLE"
    return StatementType.DDL, "UNKNOWN"


def table_metadata(table: Mapping[str, Any]) -> dict[str, Any]:
    """Athena's ``TableMetadata`` for a Glue ``Table`` dict."""
    sd = table.get("StorageDescriptor") or {}
    serde = sd.get("SerdeInfo") or {}
    params: dict[str, str] = dict(table.get("Parameters") or {})
    if sd.get("InputFormat"):
        params["inputformat"] = sd["InputFormat"]
    if sd.get("OutputFormat"):
        params["outputformat"] = sd["OutputFormat"]
    if sd.get("Location"):
        params["location"] = sd["Location"]
    if serde.get("SerializationLibrary"):
        params["serde.serialization.lib"] = serde["SerializationLibrary"]
    for key, value in (serde.get("Parameters") or {}).items():
        params[f"serde.param.{key}"] = value

    def columns(cols: Any) -> list[dict[str, Any]]:
        out = []
        for c in cols or ():
            item = {"Name": c["Name"], "Type": c.get("Type", "")}
            if c.get("Comment"):
                item["Comment"] = c["Comment"]
            out.append(item)
        return out

    out: dict[str, Any] = {
        "Name": table["Name"],
        "TableType": table.get("TableType", "EXTERNAL_TABLE"),
        "Columns": columns(sd.get("Columns")),
        "PartitionKeys": columns(table.get("PartitionKeys")),
        "Parameters": params,
    }
    for src, dst in (("CreateTime", "CreateTime"), ("LastAccessTime", "LastAccessTime")):
        if table.get(src) is not None:
            out[dst] = table[src]
    return out
